// Metric names and the float-vector distances of metric.h: the one implementation every access method uses (hnsw and
// the ivf access methods compute the same bits), over the runtime-dispatched kernels of core/kernels/distance.h.
#include "core/metric.h"

#include "core/kernels/distance.h"

#include <cmath>

namespace vx::core {

const char* metric_name(Metric m) {
  switch (m) {
    case Metric::L2:
      return "l2";
    case Metric::InnerProduct:
      return "ip";
    case Metric::Cosine:
      return "cosine";
    case Metric::L1:
      return "l1";
    case Metric::Hamming:
      return "hamming";
    case Metric::Jaccard:
      return "jaccard";
  }
  return "unknown";
}

bool normalize(float* v, std::size_t n) {
  // Four running sums: one chained sum waited on each addition (a microsecond a 768-d row, 10% of a 1M-row build's
  // heap scan). The squares are exact in double; only the sums' rounding order changes.
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += double(v[i]) * v[i];
    s1 += double(v[i + 1]) * v[i + 1];
    s2 += double(v[i + 2]) * v[i + 2];
    s3 += double(v[i + 3]) * v[i + 3];
  }
  for (; i < n; ++i) s0 += double(v[i]) * v[i];
  const double s = (s0 + s1) + (s2 + s3);
  if (!(s > 0) || !std::isfinite(s)) return false;
  float inv = float(1.0 / std::sqrt(s));
  for (std::size_t i = 0; i < n; ++i) v[i] *= inv;
  return true;
}

float rank_distance(Metric m, const float* a, const float* b, std::size_t n) {
  switch (m) {
    case Metric::L2:
      return kernels().l2_squared(a, b, n);
    case Metric::L1:
      return kernels().l1(a, b, n);
    default:
      return -kernels().inner_product(a, b, n);  // inner product, and cosine over normalised vectors
  }
}

double sql_distance(Metric m, const float* x, const float* query, std::size_t n) {
  switch (m) {
    case Metric::L2:
      return l2_distance(x, query, n);
    case Metric::InnerProduct:
      return negative_inner_product(x, query, n);
    case Metric::Cosine:
      return cosine_distance(x, query, n);
    case Metric::L1:
      return l1_distance(x, query, n);
    default:
      return HUGE_VAL;  // Hamming, Jaccard: no float form
  }
}

}  // namespace vx::core

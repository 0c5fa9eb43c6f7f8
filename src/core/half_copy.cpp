// Half copies: encoding into the shared layout, ranking keys, lower bounds and exact values (see half_copy.h). The one
// implementation hnsw and the ivf access methods use, over the half-precision kernels of core/kernels/half.h.
#include "core/half_copy.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vx::core {

void encode_half_copy(const float* x, std::size_t dims, uint8_t* out) {
  half::EncodeError err = half::encode(x, dims, reinterpret_cast<uint16_t*>(out + kHalfCopyHeader));
  const float header[2] = {err.l2, err.l1};
  std::memcpy(out, header, sizeof(header));
}

float float_at_most(double v) {
  float f = static_cast<float>(v);
  if (static_cast<double>(f) > v) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}

float half_rank(Metric metric, const float* q, const uint16_t* h, std::size_t n) {
  const half::Kernels& k = half::kernels();
  switch (metric) {
    case Metric::L2:
      return k.l2_squared(q, h, n);
    case Metric::L1:
      return k.l1(q, h, n);
    default:
      return -k.inner_product(q, h, n);  // inner product, and cosine over normalised vectors
  }
}

double half_lower_bound(Metric metric, const float* query, double query_norm, const uint16_t* h, std::size_t n,
                        const half::EncodeError& err) {
  const half::Kernels& k = half::kernels();
  switch (metric) {
    case Metric::L2:
      return half::l2_lower_bound(std::sqrt(double(k.l2_squared(query, h, n))), err, n);
    case Metric::L1:
      return half::l1_lower_bound(double(k.l1(query, h, n)), err, n);
    case Metric::InnerProduct: {
      float dot, norm_h2;
      k.dot_and_norm(query, h, n, &dot, &norm_h2);
      return half::negative_inner_product_lower_bound(-double(dot), err, query_norm, std::sqrt(double(norm_h2)), n);
    }
    case Metric::Cosine: {
      // A zero query has no cosine (the executor's value is NaN, which sorts last): any bound will do.
      if (!(query_norm > 0)) return 0;
      double approx = 1.0 - double(k.inner_product(query, h, n)) / query_norm;
      return half::cosine_lower_bound(approx, err, n);
    }
    default:
      return -std::numeric_limits<double>::infinity();  // Hamming, Jaccard: no float form
  }
}

bool rank_bound_available(Metric metric) { return metric == Metric::L2 || metric == Metric::L1; }

double half_lower_bound_from_rank(Metric metric, float rank, const half::EncodeError& err, std::size_t n) {
  if (metric == Metric::L2) return half::l2_lower_bound(std::sqrt(std::max(double(rank), 0.0)), err, n);
  return half::l1_lower_bound(double(rank), err, n);
}

bool copy_is_exact(Metric metric, const half::EncodeError& err) {
  return metric != Metric::Cosine && err.l2 == 0 && err.l1 == 0;
}

void HalfCopyQuery::prepare(Metric metric, const float* query, std::size_t dims) {
  metric_ = metric;
  query_ = query;
  dims_ = dims;
  double sum = 0;
  for (std::size_t i = 0; i < dims; ++i) sum += static_cast<double>(query[i]) * query[i];
  query_norm_ = std::sqrt(sum);
}

float HalfCopyQuery::lower_bound(const uint8_t* copy) const {
  return float_at_most(
      half_lower_bound(metric_, query_, query_norm_, half_copy_halves(copy), dims_, half_copy_error(copy)));
}

double HalfCopyQuery::exact_value(const uint8_t* copy, float* buf) const {
  half::decode(half_copy_halves(copy), dims_, buf);
  return sql_distance(metric_, buf, query_, dims_);  // operands in the operator's order: indexed column, query
}

}  // namespace vx::core

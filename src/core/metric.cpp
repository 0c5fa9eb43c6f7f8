// Metric names and the float-vector distances of metric.h.
//
// Issue 12, phase 1: normalize, rank_distance and sql_distance forward to the implementations in hnsw_distance.h /
// hnsw_distance.cpp, which another branch is still changing; phase 2 moves their bodies here and makes
// hnsw_distance.h use these (one implementation either way: the ivf access methods and hnsw compute the same bits).
#include "core/metric.h"

#include "core/hnsw/hnsw_distance.h"

#include <cmath>

namespace vx::core {

namespace {
hnsw::Metric float_metric(Metric m) { return static_cast<hnsw::Metric>(static_cast<uint32_t>(m)); }
}  // namespace

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

bool normalize(float* v, std::size_t n) { return hnsw::normalize(v, n); }

float rank_distance(Metric m, const float* a, const float* b, std::size_t n) {
  return hnsw::distance(float_metric(m), a, b, n);
}

double sql_distance(Metric m, const float* x, const float* query, std::size_t n) {
  if (!metric_has_float_form(m)) return HUGE_VAL;
  return hnsw::sql_distance(float_metric(m), x, query, n);
}

}  // namespace vx::core

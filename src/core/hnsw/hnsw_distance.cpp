// The HNSW distances route through the runtime-dispatched kernels of core/kernels/distance.h (AVX-512 / AVX2 / scalar) and,
// for the half copies in the index, core/kernels/half.h (AVX2+F16C / scalar).
#include "core/hnsw/hnsw_distance.h"
#include "core/kernels/distance.h"

#include <algorithm>

namespace vx::core::hnsw {

float l2_squared(const float* a, const float* b, std::size_t n) { return kernels().l2_squared(a, b, n); }
float neg_inner_product(const float* a, const float* b, std::size_t n) { return -kernels().inner_product(a, b, n); }
float l1(const float* a, const float* b, std::size_t n) { return kernels().l1(a, b, n); }

float half_distance(Metric metric, const float* q, const uint16_t* h, std::size_t n) {
  const half::Kernels& k = half::kernels();
  switch (metric) {
    case Metric::L2:
      return k.l2_squared(q, h, n);
    case Metric::L1:
      return k.l1(q, h, n);
    default:
      return -k.inner_product(q, h, n);
  }
}

double half_lower_bound_from_rank(Metric metric, float rank, const half::EncodeError& err, std::size_t n) {
  if (metric == Metric::L2) return half::l2_lower_bound(std::sqrt(std::max(double(rank), 0.0)), err, n);
  return half::l1_lower_bound(double(rank), err, n);
}

double sql_distance(Metric metric, const float* x, const float* query, std::size_t n) {
  switch (metric) {
    case Metric::L2:
      return core::l2_distance(x, query, n);
    case Metric::InnerProduct:
      return core::negative_inner_product(x, query, n);
    case Metric::Cosine:
      return core::cosine_distance(x, query, n);
    case Metric::L1:
      return core::l1_distance(x, query, n);
  }
  return HUGE_VAL;
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
  }
  return -HUGE_VAL;
}

}  // namespace vx::core::hnsw

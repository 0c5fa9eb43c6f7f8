// The HNSW distances route through the runtime-dispatched kernels of core/distance.h (AVX-512 / AVX2 / scalar).
#include "core/hnsw_distance.h"
#include "core/distance.h"

namespace vx::core::hnsw {

float l2_squared(const float* a, const float* b, std::size_t n) { return kernels().l2_squared(a, b, n); }
float neg_inner_product(const float* a, const float* b, std::size_t n) { return -kernels().inner_product(a, b, n); }
float l1(const float* a, const float* b, std::size_t n) { return kernels().l1(a, b, n); }

}  // namespace vx::core::hnsw

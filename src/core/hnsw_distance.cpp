#include "core/hnsw_distance.h"

namespace vx::core::hnsw {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VX_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VX_CLONES
#endif

VX_CLONES float l2_squared(const float* a, const float* b, std::size_t n) {
  float acc[16] = {0};
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; ++j) {
      float d = a[i + j] - b[i + j];
      acc[j] += d * d;
    }
  float s = 0;
  for (; i < n; ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  for (int j = 0; j < 16; ++j) s += acc[j];
  return s;
}

VX_CLONES float neg_inner_product(const float* a, const float* b, std::size_t n) {
  float acc[16] = {0};
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; ++j) acc[j] += a[i + j] * b[i + j];
  float s = 0;
  for (; i < n; ++i) s += a[i] * b[i];
  for (int j = 0; j < 16; ++j) s += acc[j];
  return -s;
}

VX_CLONES float l1(const float* a, const float* b, std::size_t n) {
  float acc[16] = {0};
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; ++j) acc[j] += std::fabs(a[i + j] - b[i + j]);
  float s = 0;
  for (; i < n; ++i) s += std::fabs(a[i] - b[i]);
  for (int j = 0; j < 16; ++j) s += acc[j];
  return s;
}

}  // namespace vx::core::hnsw

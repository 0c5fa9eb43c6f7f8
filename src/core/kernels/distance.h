// Float distance kernels used by every exact and index search path, and the runtime choice among their scalar,
// AVX2+FMA and AVX-512 implementations. Pure C++17, no Postgres headers.
//
// Kernels accumulate in float (as pgvector does) and accept any length, including 0, and unaligned pointers.
// Hot loops should fetch kernels() once and call through the function pointers; the double wrappers below add
// pgvector's final arithmetic on top.
#pragma once

#include <cmath>
#include <cstddef>

#include "core/kernels/cpu_features.h"

namespace vx::core {

struct DistanceKernels {
  SimdLevel level;
  float (*l2_squared)(const float* a, const float* b, std::size_t n);     // sum (a-b)^2
  float (*inner_product)(const float* a, const float* b, std::size_t n);  // sum a*b
  float (*l1)(const float* a, const float* b, std::size_t n);             // sum |a-b|
  // One pass for cosine: dot, |a|^2, |b|^2.
  void (*dot_and_norms)(const float* a, const float* b, std::size_t n, float* dot, float* norm_a2, float* norm_b2);
  // Four rows against one b: out[r] is exactly l2_squared(a[r], b, n) / inner_product(a[r], b, n) (the same additions
  // in the same order), with b read once for the four. For one-to-many work where b streams from far caches (IVF
  // list assignment: every row against every centroid).
  void (*l2_squared_x4)(const float* const* a, const float* b, std::size_t n, float* out);
  void (*inner_product_x4)(const float* const* a, const float* b, std::size_t n, float* out);
};

// Chosen once for this CPU (thread-safe). VECTOREXT_SIMD=scalar|avx2|avx512 may force a lower level; an unknown
// or unsupported value is ignored.
const DistanceKernels& kernels();

// Kernels of one level. Precondition: simd_level_supported(level). If violated, the best supported level below it
// is returned instead, so a bad caller gets slower code rather than SIGILL.
const DistanceKernels& kernels_for(SimdLevel level);

// What kernels() does with the environment, callable with any value (tests, or a GUC). value may be null.
const DistanceKernels& select_kernels_from_env(const char* value);

// pgvector semantics, computed from the float kernels:
double l2_distance(const float* a, const float* b, std::size_t n);             // sqrt(l2_squared)
double negative_inner_product(const float* a, const float* b, std::size_t n);  // -inner_product
// 1 - dot/sqrt(|a|^2 |b|^2), similarity clamped to [-1,1]; NaN when a norm is zero (0/0), as pgvector.
double cosine_distance(const float* a, const float* b, std::size_t n);
double l1_distance(const float* a, const float* b, std::size_t n);

// pgvector's final cosine step from the three sums, shared with callers that cache norms.
inline double cosine_distance_from_parts(float dot, float norm_a2, float norm_b2) {
  double similarity = static_cast<double>(dot) / std::sqrt(static_cast<double>(norm_a2) * static_cast<double>(norm_b2));
  // Comparisons are false for NaN, so a zero norm propagates NaN as in pgvector.
  if (similarity > 1.0)
    similarity = 1.0;
  else if (similarity < -1.0)
    similarity = -1.0;
  return 1.0 - similarity;
}

namespace detail {
// Per-level tables, defined in distance.cpp / distance_avx2.cpp / distance_avx512.cpp.
extern const DistanceKernels kScalarKernels;
extern const DistanceKernels kAvx2Kernels;    // only valid where AVX2+FMA is supported
extern const DistanceKernels kAvx512Kernels;  // only valid where AVX-512F is supported
}  // namespace detail

}  // namespace vx::core

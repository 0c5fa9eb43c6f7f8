// Portable scalar distance kernels, the choice of kernel table for this CPU, and the double-returning wrappers
// with pgvector semantics. The SIMD tables live in distance_avx2.cpp and distance_avx512.cpp.
#include "core/kernels/distance.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace vx::core {

namespace {

// The baseline kernels use GCC/Clang generic vectors of 4 floats: they compile to SSE2 on any x86-64 (NEON on
// ARM) without a target attribute, so they are safe on every CPU, and their speed does not depend on whether the
// auto-vectoriser happens to fire at PGXS's -O2 (strict FP forbids it to reassociate a plain scalar sum; for the
// three cosine sums it produced shuffle-heavy code 4x slower than l2_squared even at -O3).
typedef float v4f __attribute__((vector_size(16)));

inline v4f load4(const float* p) {
  v4f v;
  std::memcpy(&v, p, sizeof(v));  // unaligned-safe, compiles to one movups
  return v;
}

inline float hsum4(v4f v) { return (v[0] + v[1]) + (v[2] + v[3]); }

inline v4f abs4(v4f v) {
  typedef std::int32_t v4i __attribute__((vector_size(16)));
  return reinterpret_cast<v4f>(reinterpret_cast<v4i>(v) & 0x7fffffff);
}

// Two vector accumulators (8 lanes) per sum: enough to cover SSE add latency at this path's speed.
float scalar_l2_squared(const float* a, const float* b, std::size_t n) {
  v4f s0 = {0, 0, 0, 0}, s1 = s0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    v4f d0 = load4(a + i) - load4(b + i), d1 = load4(a + i + 4) - load4(b + i + 4);
    s0 += d0 * d0;
    s1 += d1 * d1;
  }
  float s = hsum4(s0 + s1);
  for (; i < n; ++i) {
    float d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

float scalar_inner_product(const float* a, const float* b, std::size_t n) {
  v4f s0 = {0, 0, 0, 0}, s1 = s0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 += load4(a + i) * load4(b + i);
    s1 += load4(a + i + 4) * load4(b + i + 4);
  }
  float s = hsum4(s0 + s1);
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

float scalar_l1(const float* a, const float* b, std::size_t n) {
  v4f s0 = {0, 0, 0, 0}, s1 = s0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 += abs4(load4(a + i) - load4(b + i));
    s1 += abs4(load4(a + i + 4) - load4(b + i + 4));
  }
  float s = hsum4(s0 + s1);
  for (; i < n; ++i) s += std::fabs(a[i] - b[i]);
  return s;
}

void scalar_dot_and_norms(const float* a, const float* b, std::size_t n, float* dot, float* norm_a2, float* norm_b2) {
  v4f d0 = {0, 0, 0, 0}, d1 = d0, na0 = d0, na1 = d0, nb0 = d0, nb1 = d0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    v4f x0 = load4(a + i), y0 = load4(b + i), x1 = load4(a + i + 4), y1 = load4(b + i + 4);
    d0 += x0 * y0;
    na0 += x0 * x0;
    nb0 += y0 * y0;
    d1 += x1 * y1;
    na1 += x1 * x1;
    nb1 += y1 * y1;
  }
  float d = hsum4(d0 + d1), na = hsum4(na0 + na1), nb = hsum4(nb0 + nb1);
  for (; i < n; ++i) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  *dot = d;
  *norm_a2 = na;
  *norm_b2 = nb;
}

void scalar_l2_squared_x4(const float* const* a, const float* b, std::size_t n, float* out) {
  for (int r = 0; r < 4; ++r) out[r] = scalar_l2_squared(a[r], b, n);
}

void scalar_inner_product_x4(const float* const* a, const float* b, std::size_t n, float* out) {
  for (int r = 0; r < 4; ++r) out[r] = scalar_inner_product(a[r], b, n);
}

}  // namespace

namespace detail {
const DistanceKernels kScalarKernels = {SimdLevel::Scalar,    scalar_l2_squared,    scalar_inner_product,
                                        scalar_l1,            scalar_dot_and_norms, scalar_l2_squared_x4,
                                        scalar_inner_product_x4};
}  // namespace detail

const DistanceKernels& kernels_for(SimdLevel level) {
  return table_for(level, detail::kScalarKernels, detail::kAvx2Kernels, detail::kAvx512Kernels);
}

const DistanceKernels& select_kernels_from_env(const char* value) {
  return kernels_for(resolve_simd_level(value, detect_simd_level()));
}

const DistanceKernels& kernels() {
  // Function-local static: initialised once, thread-safe, and immune to static initialisation order when another
  // translation unit's initializer gets here first.
  static const DistanceKernels& chosen = select_kernels_from_env(std::getenv("VECTOREXT_SIMD"));
  return chosen;
}

double l2_distance(const float* a, const float* b, std::size_t n) {
  return std::sqrt(static_cast<double>(kernels().l2_squared(a, b, n)));
}

double negative_inner_product(const float* a, const float* b, std::size_t n) {
  return -static_cast<double>(kernels().inner_product(a, b, n));
}

double cosine_distance(const float* a, const float* b, std::size_t n) {
  float dot, norm_a2, norm_b2;
  kernels().dot_and_norms(a, b, n, &dot, &norm_a2, &norm_b2);
  return cosine_distance_from_parts(dot, norm_a2, norm_b2);
}

double l1_distance(const float* a, const float* b, std::size_t n) { return static_cast<double>(kernels().l1(a, b, n)); }

}  // namespace vx::core

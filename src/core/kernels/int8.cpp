// 8-bit build codes: the scale, the encoding, the scalar kernels and the dispatch (see int8.h for the contract).
#include "core/kernels/int8.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdlib>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vx::core::int8 {

float scale_for(const float* values, std::size_t count) {
  // Runs over every collected value of a build (768M at 1M x 768). With SSE2 (every x86-64): four lanes at a time,
  // two running maxima, no branch (one running maximum behind a branch took seconds; GCC's vector extension with a
  // ternary came out as scalar branches at -O2). |x| clears the sign bit; x <= FLT_MAX is false for NaN and infinity,
  // whose lanes count as 0.
  float max_abs = 0;
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128 sign = _mm_set1_ps(-0.0f), finite_max = _mm_set1_ps(FLT_MAX);
  __m128 m0 = _mm_setzero_ps(), m1 = _mm_setzero_ps();
  for (; i + 8 <= count; i += 8) {
    const __m128 a0 = _mm_andnot_ps(sign, _mm_loadu_ps(values + i));
    const __m128 a1 = _mm_andnot_ps(sign, _mm_loadu_ps(values + i + 4));
    m0 = _mm_max_ps(m0, _mm_and_ps(a0, _mm_cmple_ps(a0, finite_max)));
    m1 = _mm_max_ps(m1, _mm_and_ps(a1, _mm_cmple_ps(a1, finite_max)));
  }
  alignas(16) float lanes[4];
  _mm_store_ps(lanes, _mm_max_ps(m0, m1));
  for (float v : lanes) max_abs = std::max(max_abs, v);
#endif
  for (; i < count; i++) {
    const float a = std::fabs(values[i]);
    if (std::isfinite(a) && a > max_abs) max_abs = a;
  }
  return max_abs > 0 ? max_abs / float(kMaxCode) : 0.0f;
}

void encode(const float* x, std::size_t n, float scale, int8_t* out) {
  const float inv = 1.0f / scale;
  // Clamped first, then rounded to nearest (ties to even) by adding and subtracting 1.5 * 2^23: exact for |v| <= 127
  // and the same integer std::nearbyint gives, without its libm call per value (2% of a 1M-row build).
  constexpr float kRound = 12582912.0f;
  for (std::size_t i = 0; i < n; i++) {
    float v = x[i] * inv;
    if (!(v >= -kMaxCode)) v = -kMaxCode;  // also NaN (callers reject NaN earlier)
    if (v > kMaxCode) v = kMaxCode;
    out[i] = static_cast<int8_t>((v + kRound) - kRound);  // SSE floats, no -ffast-math: evaluated as written
  }
}

namespace {

int32_t scalar_l2_squared(const int8_t* a, const int8_t* b, std::size_t n) {
  int32_t s = 0;
  for (std::size_t i = 0; i < n; i++) {
    const int32_t d = int32_t(a[i]) - int32_t(b[i]);
    s += d * d;
  }
  return s;
}

int32_t scalar_dot(const int8_t* a, const int8_t* b, std::size_t n) {
  int32_t s = 0;
  for (std::size_t i = 0; i < n; i++) s += int32_t(a[i]) * int32_t(b[i]);
  return s;
}

// Whether the CPU has AVX-512BW, and with `vnni` AVX-512 VNNI as well (libgcc's probe takes only literal names).
bool avx512_int8_supported(bool vnni) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512bw") && (!vnni || __builtin_cpu_supports("avx512vnni"));
#else
  (void)vnni;
  return false;
#endif
}

SimdLevel table_level(SimdLevel level) {
  if (!simd_level_supported(level)) level = detect_simd_level();
  if (level == SimdLevel::Avx512 && !avx512_int8_supported(false)) level = SimdLevel::Avx2;
  if (level == SimdLevel::Avx2 && !simd_level_supported(SimdLevel::Avx2)) level = SimdLevel::Scalar;
  return level;
}

}  // namespace

namespace detail {
const Kernels kScalarKernels = {SimdLevel::Scalar, scalar_l2_squared, scalar_dot};
}  // namespace detail

bool vnni_supported() { return simd_level_supported(SimdLevel::Avx512) && avx512_int8_supported(true); }

const Kernels& kernels_for(SimdLevel level) {
  if (table_level(level) == SimdLevel::Avx512 && vnni_supported()) return detail::kAvx512VnniKernels;
  return table_for(table_level(level), detail::kScalarKernels, detail::kAvx2Kernels, detail::kAvx512Kernels);
}

const Kernels& kernels() {
  static const Kernels& chosen = kernels_for(resolve_simd_level(std::getenv("VECTOREXT_SIMD"), detect_simd_level()));
  return chosen;
}

}  // namespace vx::core::int8

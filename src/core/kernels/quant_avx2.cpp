// AVX2+FMA instances of the IVF quantizer kernels (quant_kernels_impl.h, 8 lanes). The whole file is compiled for that
// target; it is reached only through ivf::quant_kernels() after detection.
#include "core/ivf/ivf_quant.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#pragma GCC push_options
#pragma GCC target("avx2,fma")

#include "core/kernels/lanes_avx2.h"
#include "core/kernels/quant_kernels_impl.h"

namespace vx::core::ivf {

namespace {

// The shared float lanes plus what the quantizer kernels need.
struct Avx2 : lanes::Avx2Float {
  static T set1(float x) { return _mm256_set1_ps(x); }
  static void store(float* out, T v) { _mm256_storeu_ps(out, v); }
  static T load_codes(const uint8_t* c) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(c))));
  }
  static T fnmadd(T a, T b, T c) { return _mm256_fnmadd_ps(a, b, c); }
  static T min(T a, T b) { return _mm256_min_ps(a, b); }
  // The SQ8 sums' own association (hadd), kept so that their values do not change with this file's layout.
  static float hsum(T v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_hadd_ps(lo, lo);
    lo = _mm_hadd_ps(lo, lo);
    return _mm_cvtss_f32(lo);
  }
  static float hmin(T v) {
    __m128 h = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_min_ps(h, _mm_movehl_ps(h, h));
    h = _mm_min_ss(h, _mm_shuffle_ps(h, h, 1));
    return _mm_cvtss_f32(h);
  }
  static unsigned eq_mask(T a, T b) {
    return static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(a, b, _CMP_EQ_OQ)));
  }
};

}  // namespace

namespace detail {
const QuantKernels kAvx2QuantKernels = impl::quant_kernels<Avx2>(SimdLevel::Avx2);
}  // namespace detail

}  // namespace vx::core::ivf

#pragma GCC pop_options

#else  // not x86: never selected, only has to link

namespace vx::core::ivf::detail {
const QuantKernels kAvx2QuantKernels = kScalarQuantKernels;
}

#endif

// AVX-512F instances of the IVF quantizer kernels (quant_kernels_impl.h, 16 lanes). The whole file is compiled for
// that target; it is reached only through ivf::quant_kernels() on CPUs that report AVX-512F. The PQ tables and argmin
// give the same bits at every width (each output accumulates over the sub-vector in order).
#include "core/ivf/ivf_quant.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "core/kernels/avx512_hsum.h"

#pragma GCC push_options
#pragma GCC target("avx512f")

#include "core/kernels/lanes_avx512.h"
#include "core/kernels/quant_kernels_impl.h"

namespace vx::core::ivf {

namespace {

// The shared float lanes plus what the quantizer kernels need. Zero-masking forms with a full mask: the plain ones
// trip GCC 12's false -Wuninitialized (core/kernels/avx512_hsum.h).
struct Avx512 : lanes::Avx512Float {
  static T set1(float x) { return _mm512_set1_ps(x); }
  static void store(float* out, T v) { _mm512_storeu_ps(out, v); }
  static T load_codes(const uint8_t* c) {
    return _mm512_maskz_cvtepi32_ps(
        0xFFFF, _mm512_maskz_cvtepu8_epi32(0xFFFF, _mm_loadu_si128(reinterpret_cast<const __m128i*>(c))));
  }
  static T fnmadd(T a, T b, T c) { return _mm512_fnmadd_ps(a, b, c); }
  static T min(T a, T b) { return _mm512_maskz_min_ps(0xFFFF, a, b); }
  static float hmin(T v) {
    alignas(64) float lanes[kLanes];
    _mm512_store_ps(lanes, v);
    return *std::min_element(lanes, lanes + kLanes);
  }
  static unsigned eq_mask(T a, T b) { return static_cast<unsigned>(_mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ)); }
};

}  // namespace

namespace detail {
const QuantKernels kAvx512QuantKernels = impl::quant_kernels<Avx512>(SimdLevel::Avx512);
}  // namespace detail

}  // namespace vx::core::ivf

#pragma GCC pop_options

#else  // not x86: never selected, only has to link

namespace vx::core::ivf::detail {
const QuantKernels kAvx512QuantKernels = kScalarQuantKernels;
}

#endif

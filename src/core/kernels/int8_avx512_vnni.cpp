// AVX-512 VNNI instances of the 8-bit build-code kernels: 64 codes a step, one vpdpbusd (u8 x s8 products summed
// four at a time into 32-bit lanes) where the AVX-512BW kernels (int8_avx512.cpp) widen both operands to 16 bits
// and need two shuffles, a vpmaddwd and an add per 32 codes. vpdpbusd takes one unsigned operand: a . b is summed as
// |a| . (b negated where a < 0), exact for |code| <= 127 (no saturation: the non-saturating form, at most
// 4 * 127 * 127 per lane and step). Four independent sums hide vpdpbusd's latency (one sum left the loop waiting on
// it: no faster than the BW kernel). The tail is a masked load, so any length gives the scalar loop's integer.
// No prefetch_codes (int8_kernels_impl.h): the unrolled loop issues every line's load at once anyway, the build's
// candidate search has already requested its candidates' lines, and the 24 prefetch instructions per call cost
// more than they gained (1M-row build: see docs/benchmarks.md, "Build: VNNI codes").
// Reached through int8::kernels() only when the CPU has AVX-512F, BW and VNNI.
#include "core/kernels/int8.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vnni,avx2")

#include "core/kernels/avx512_hsum.h"


namespace vx::core::int8 {

namespace {

// The codes a step covers, or fewer at the end (the rest of the lanes zero).
inline __mmask64 lanes(std::size_t left) { return left >= 64 ? ~__mmask64(0) : (__mmask64(1) << left) - 1; }

int32_t dot(const int8_t* a, const int8_t* b, std::size_t n) {
  // vpdpbusd has a latency of several cycles: four independent sums keep it from serialising the loop.
  __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
  auto step = [&](int k, std::size_t i, __mmask64 m) {
    const __m512i va = _mm512_maskz_loadu_epi8(m, a + i), vb = _mm512_maskz_loadu_epi8(m, b + i);
    const __m512i signed_b = _mm512_mask_sub_epi8(vb, _mm512_movepi8_mask(va), _mm512_setzero_si512(), vb);
    acc[k] = _mm512_dpbusd_epi32(acc[k], _mm512_abs_epi8(va), signed_b);
  };
  std::size_t i = 0;
  for (; i + 256 <= n; i += 256)
    for (int k = 0; k < 4; k++) step(k, i + 64 * std::size_t(k), ~__mmask64(0));
  for (int k = 0; i < n; i += 64, k++) step(k, i, lanes(n - i));
  return avx512::hsum_epi32(_mm512_add_epi32(_mm512_add_epi32(acc[0], acc[1]), _mm512_add_epi32(acc[2], acc[3])));
}

// sum (a-b)^2: |a-b| <= 254 fits an unsigned byte but not a signed one, so the differences are squared as 16-bit
// words (vpdpwssd: the multiply and the add in one instruction), four sums as in dot.
inline __m512i widened(const int8_t* p, __mmask64 m) {  // 32 codes as words (zero-masking extract: avx512_hsum.h)
  return _mm512_cvtepi8_epi16(_mm512_maskz_extracti64x4_epi64(0xF, _mm512_maskz_loadu_epi8(m, p), 0));
}

int32_t l2_squared(const int8_t* a, const int8_t* b, std::size_t n) {
  __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
  auto step = [&](int k, std::size_t i, __mmask64 m) {
    const __m512i d = _mm512_sub_epi16(widened(a + i, m), widened(b + i, m));
    acc[k] = _mm512_dpwssd_epi32(acc[k], d, d);
  };
  std::size_t i = 0;
  for (; i + 128 <= n; i += 128)
    for (int k = 0; k < 4; k++) step(k, i + 32 * std::size_t(k), 0xFFFFFFFFu);
  for (int k = 0; i < n; i += 32, k++) step(k, i, lanes(n - i) & 0xFFFFFFFFu);
  return avx512::hsum_epi32(_mm512_add_epi32(_mm512_add_epi32(acc[0], acc[1]), _mm512_add_epi32(acc[2], acc[3])));
}

}  // namespace

namespace detail {
const Kernels kAvx512VnniKernels = {SimdLevel::Avx512, l2_squared, dot};
}  // namespace detail

}  // namespace vx::core::int8

#pragma GCC pop_options

#else  // not x86: detection never reports VNNI, the table only has to exist for the linker.

namespace vx::core::int8::detail {
const Kernels kAvx512VnniKernels = kScalarKernels;
}  // namespace vx::core::int8::detail

#endif

// AVX-512BW instances of the 8-bit build-code kernels (int8.h): 32 codes a step, sign-extended to 16 bits and
// multiplied pairwise into 32-bit sums (vpmaddwd: exact for |code| <= 127). Compiled for AVX-512F+BW; reached
// through int8::kernels() only when the CPU has both.
#include "core/kernels/int8.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx2")

namespace vx::core::int8 {

namespace {

inline __m512i load32(const int8_t* p) {
  return _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// Zero-masking extracts with a full mask: the plain extract and cast trip GCC 12's false -Wuninitialized (avx512_hsum.h).
inline int32_t hsum(__m512i v) {
  const __m256i h =
      _mm256_add_epi32(_mm512_maskz_extracti64x4_epi64(0xF, v, 0), _mm512_maskz_extracti64x4_epi64(0xF, v, 1));
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

// A graph build compares a code in cache (the element being inserted) with one that is not (a candidate): requesting
// every line of both up front lets the loads overlap instead of missing one line after another.
inline void prefetch_codes(const int8_t* a, const int8_t* b, std::size_t n) {
  for (std::size_t off = 0; off < n; off += 64) {
    _mm_prefetch(reinterpret_cast<const char*>(b + off), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(a + off), _MM_HINT_T0);
  }
}

int32_t avx512_l2_squared(const int8_t* a, const int8_t* b, std::size_t n) {
  prefetch_codes(a, b, n);
  __m512i acc = _mm512_setzero_si512();
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512i d = _mm512_sub_epi16(load32(a + i), load32(b + i));
    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(d, d));
  }
  return hsum(acc) + detail::kAvx2Kernels.l2_squared(a + i, b + i, n - i);
}

int32_t avx512_dot(const int8_t* a, const int8_t* b, std::size_t n) {
  prefetch_codes(a, b, n);
  __m512i acc = _mm512_setzero_si512();
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) acc = _mm512_add_epi32(acc, _mm512_madd_epi16(load32(a + i), load32(b + i)));
  return hsum(acc) + detail::kAvx2Kernels.dot(a + i, b + i, n - i);
}

}  // namespace

namespace detail {
const Kernels kAvx512Kernels = {SimdLevel::Avx512, avx512_l2_squared, avx512_dot};
}  // namespace detail

}  // namespace vx::core::int8

#pragma GCC pop_options

#else  // not x86: detection never reports AVX-512, the table only has to exist for the linker.

namespace vx::core::int8::detail {
const Kernels kAvx512Kernels = kScalarKernels;
}  // namespace vx::core::int8::detail

#endif

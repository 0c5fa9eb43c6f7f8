// AVX2 instances of the 8-bit build-code kernels (int8.h): 16 codes a step, sign-extended to 16 bits and multiplied
// pairwise into 32-bit sums (vpmaddwd: exact, no saturation for |code| <= 127). Compiled for AVX2 only; reached
// through int8::kernels() after detection.
#include "core/kernels/int8.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2")

namespace vx::core::int8 {

namespace {

inline __m256i load16(const int8_t* p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

inline int32_t hsum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

int32_t avx2_l2_squared(const int8_t* a, const int8_t* b, std::size_t n) {
  __m256i acc = _mm256_setzero_si256();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i d = _mm256_sub_epi16(load16(a + i), load16(b + i));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(d, d));
  }
  return hsum(acc) + detail::kScalarKernels.l2_squared(a + i, b + i, n - i);
}

int32_t avx2_dot(const int8_t* a, const int8_t* b, std::size_t n) {
  __m256i acc = _mm256_setzero_si256();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) acc = _mm256_add_epi32(acc, _mm256_madd_epi16(load16(a + i), load16(b + i)));
  return hsum(acc) + detail::kScalarKernels.dot(a + i, b + i, n - i);
}

}  // namespace

namespace detail {
const Kernels kAvx2Kernels = {SimdLevel::Avx2, avx2_l2_squared, avx2_dot};
}  // namespace detail

}  // namespace vx::core::int8

#pragma GCC pop_options

#else  // not x86: detection never reports AVX2, the table only has to exist for the linker.

namespace vx::core::int8::detail {
const Kernels kAvx2Kernels = kScalarKernels;
}  // namespace vx::core::int8::detail

#endif

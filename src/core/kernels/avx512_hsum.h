// Horizontal sums for the AVX-512 kernels: 16 float lanes (distance_avx512.cpp, half_avx512.cpp) and 16 int32 lanes
// (int8_avx512.cpp, int8_avx512_vnni.cpp).
// Not _mm512_reduce_add_ps nor the plain shuffle/extract intrinsics: in GCC 12 their _mm*_undefined_* operand trips a
// false -Wuninitialized (GCC PR 105593). The zero-masking forms with a full mask compile to the same instructions
// without it. Include only from x86 translation units.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace vx::core::avx512 {

__attribute__((target("avx512f"))) inline float hsum(__m512 v) {
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xFFFF, v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xFFFF, v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  __m128 s = _mm512_maskz_extractf32x4_ps(0xF, v, 0);
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// The same for 16 int32 lanes (AVX-512F and AVX2 for the 256-bit half).
__attribute__((target("avx512f,avx2"))) inline int32_t hsum_epi32(__m512i v) {
  const __m256i h =
      _mm256_add_epi32(_mm512_maskz_extracti64x4_epi64(0xF, v, 0), _mm512_maskz_extracti64x4_epi64(0xF, v, 1));
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

}  // namespace vx::core::avx512

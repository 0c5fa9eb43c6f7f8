// Horizontal sum of 16 float lanes for the AVX-512 kernels (distance_avx512.cpp, half_avx512.cpp).
// Not _mm512_reduce_add_ps nor the plain shuffle/extract intrinsics: in GCC 12 their _mm*_undefined_* operand trips a
// false -Wuninitialized (GCC PR 105593). The zero-masking forms with a full mask compile to the same instructions
// without it. Include only from x86 translation units.
#pragma once

#include <immintrin.h>

namespace vx::core::avx512 {

__attribute__((target("avx512f"))) inline float hsum(__m512 v) {
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xFFFF, v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xFFFF, v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  __m128 s = _mm512_maskz_extractf32x4_ps(0xF, v, 0);
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace vx::core::avx512

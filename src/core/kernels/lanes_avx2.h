// The 8 float lanes of AVX2+FMA that every SIMD kernel family builds its lane type `V` on (distance_avx2.cpp,
// half_avx2.cpp, quant_avx2.cpp): the operations all families share. Include after <immintrin.h> and after the
// file's `#pragma GCC target`, then derive the family's V from Avx2Float, adding or replacing what it needs. Internal
// linkage (anonymous namespace): each including file gets its own copy, compiled for its own target.
#pragma once

#include <cstddef>

namespace vx::core::lanes {
namespace {

struct Avx2Float {
  using T = __m256;
  static constexpr std::size_t kLanes = 8;
  static T zero() { return _mm256_setzero_ps(); }
  static T load(const float* x) { return _mm256_loadu_ps(x); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T sub(T a, T b) { return _mm256_sub_ps(a, b); }
  static T fmadd(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T abs(T a) { return _mm256_and_ps(_mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)), a); }
  static float hsum(T v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

}  // namespace
}  // namespace vx::core::lanes

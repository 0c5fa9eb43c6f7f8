// The 16 float lanes of AVX-512F that every SIMD kernel family builds its lane type `V` on (distance_avx512.cpp,
// half_avx512.cpp, quant_avx512.cpp), as lanes_avx2.h for AVX2. Include after <immintrin.h>, core/kernels/avx512_hsum.h and
// the file's `#pragma GCC target`.
#pragma once

#include <cstddef>

namespace vx::core::lanes {
namespace {

struct Avx512Float {
  using T = __m512;
  static constexpr std::size_t kLanes = 16;
  static T zero() { return _mm512_setzero_ps(); }
  static T load(const float* x) { return _mm512_loadu_ps(x); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static T fmadd(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T abs(T a) { return _mm512_abs_ps(a); }
  static float hsum(T v) { return avx512::hsum(v); }
};

}  // namespace
}  // namespace vx::core::lanes

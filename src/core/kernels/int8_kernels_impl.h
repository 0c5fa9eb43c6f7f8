// The 8-bit build-code kernels (int8.h) written once over a SIMD width, in the convention of
// distance_kernels_impl.h: each including file (int8_avx2.cpp: 16 codes a step, int8_avx512.cpp: 32) sets its
// target with `#pragma GCC target` before the include and reaches these only after CPU detection; everything has
// internal linkage. Codes are sign-extended to 16 bits and multiplied pairwise into 32-bit sums (vpmaddwd): exact
// for |code| <= 127, no saturation, so every width gives the scalar loop's integer.
// `V` gives: T, kCodes (codes a step), zero(), load(const int8_t*) (kCodes codes as 16-bit lanes), sub, add,
// madd (pairwise products summed into 32-bit lanes) and hsum.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/kernels/int8.h"

namespace vx::core::int8::impl {

// A graph build compares a code in cache (the element being inserted) with one that is not (a candidate): asking
// for every line of both up front lets the misses overlap instead of following one another (hnswlib prefetches
// only a candidate's first line): 16% less CPU in the build's add at 1,536 dims.
inline void prefetch_codes(const int8_t* a, const int8_t* b, std::size_t n) {
  for (std::size_t off = 0; off < n; off += 64) {
    __builtin_prefetch(b + off);
    __builtin_prefetch(a + off);
  }
}

template <class V>
int32_t l2_squared(const int8_t* a, const int8_t* b, std::size_t n) {
  prefetch_codes(a, b, n);
  typename V::T acc = V::zero();
  std::size_t i = 0;
  for (; i + V::kCodes <= n; i += V::kCodes) {
    const typename V::T d = V::sub(V::load(a + i), V::load(b + i));
    acc = V::add(acc, V::madd(d, d));
  }
  return V::hsum(acc) + detail::kScalarKernels.l2_squared(a + i, b + i, n - i);
}

template <class V>
int32_t dot(const int8_t* a, const int8_t* b, std::size_t n) {
  prefetch_codes(a, b, n);
  typename V::T acc = V::zero();
  std::size_t i = 0;
  for (; i + V::kCodes <= n; i += V::kCodes) acc = V::add(acc, V::madd(V::load(a + i), V::load(b + i)));
  return V::hsum(acc) + detail::kScalarKernels.dot(a + i, b + i, n - i);
}

template <class V>
Kernels kernels(SimdLevel level) {
  return Kernels{level, l2_squared<V>, dot<V>};
}

}  // namespace vx::core::int8::impl

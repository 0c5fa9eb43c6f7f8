// The float distance kernels (distance.h) written once over a SIMD width: `V` supplies the vector type, its lane
// count, a masked load of the last r < kLanes elements and the arithmetic (8 lanes in distance_avx2.cpp, 16 in
// distance_avx512.cpp). Same convention as half_kernels_impl.h and bit_kernels_impl.h: each including file sets its
// target with `#pragma GCC target` before the include, so these templates are compiled for that instruction set only,
// and reaches them only after CPU detection; everything here has internal linkage (templates over a V from an
// anonymous namespace), so no copy compiled for one instruction set can be merged into code for another.
//
// The shape of every loop fixes the order of the float additions, and with it the last bits of each distance: both
// instruction sets use 4 accumulators over 4 x kLanes elements, then one vector at a time into the first, then the
// masked tail into the second (cosine: into the fourth), summed as (s0 + s1) + (s2 + s3).
#pragma once

#include "core/kernels/distance.h"

#include <cstddef>

namespace vx::core::impl {

// 4 accumulators x kLanes: covers FMA latency (4-5 cycles) at the load-bound rate of one FMA per cycle.
template <class V>
float l2_squared(const float* a, const float* b, std::size_t n) {
  typename V::T s0 = V::zero(), s1 = V::zero(), s2 = V::zero(), s3 = V::zero();
  constexpr std::size_t L = V::kLanes;
  std::size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    typename V::T d0 = V::sub(V::load(a + i), V::load(b + i));
    typename V::T d1 = V::sub(V::load(a + i + L), V::load(b + i + L));
    typename V::T d2 = V::sub(V::load(a + i + 2 * L), V::load(b + i + 2 * L));
    typename V::T d3 = V::sub(V::load(a + i + 3 * L), V::load(b + i + 3 * L));
    s0 = V::fmadd(d0, d0, s0);
    s1 = V::fmadd(d1, d1, s1);
    s2 = V::fmadd(d2, d2, s2);
    s3 = V::fmadd(d3, d3, s3);
  }
  for (; i + L <= n; i += L) {
    typename V::T d = V::sub(V::load(a + i), V::load(b + i));
    s0 = V::fmadd(d, d, s0);
  }
  if (i < n) {
    typename V::Mask m = V::tail(n - i);
    typename V::T d = V::sub(V::load_tail(m, a + i), V::load_tail(m, b + i));
    s1 = V::fmadd(d, d, s1);
  }
  return V::hsum(V::add(V::add(s0, s1), V::add(s2, s3)));
}

template <class V>
float inner_product(const float* a, const float* b, std::size_t n) {
  typename V::T s0 = V::zero(), s1 = V::zero(), s2 = V::zero(), s3 = V::zero();
  constexpr std::size_t L = V::kLanes;
  std::size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    s0 = V::fmadd(V::load(a + i), V::load(b + i), s0);
    s1 = V::fmadd(V::load(a + i + L), V::load(b + i + L), s1);
    s2 = V::fmadd(V::load(a + i + 2 * L), V::load(b + i + 2 * L), s2);
    s3 = V::fmadd(V::load(a + i + 3 * L), V::load(b + i + 3 * L), s3);
  }
  for (; i + L <= n; i += L) s0 = V::fmadd(V::load(a + i), V::load(b + i), s0);
  if (i < n) {
    typename V::Mask m = V::tail(n - i);
    s1 = V::fmadd(V::load_tail(m, a + i), V::load_tail(m, b + i), s1);
  }
  return V::hsum(V::add(V::add(s0, s1), V::add(s2, s3)));
}

template <class V>
float l1(const float* a, const float* b, std::size_t n) {
  typename V::T s0 = V::zero(), s1 = V::zero(), s2 = V::zero(), s3 = V::zero();
  constexpr std::size_t L = V::kLanes;
  std::size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    s0 = V::add(s0, V::abs(V::sub(V::load(a + i), V::load(b + i))));
    s1 = V::add(s1, V::abs(V::sub(V::load(a + i + L), V::load(b + i + L))));
    s2 = V::add(s2, V::abs(V::sub(V::load(a + i + 2 * L), V::load(b + i + 2 * L))));
    s3 = V::add(s3, V::abs(V::sub(V::load(a + i + 3 * L), V::load(b + i + 3 * L))));
  }
  for (; i + L <= n; i += L) s0 = V::add(s0, V::abs(V::sub(V::load(a + i), V::load(b + i))));
  if (i < n) {
    typename V::Mask m = V::tail(n - i);
    s1 = V::add(s1, V::abs(V::sub(V::load_tail(m, a + i), V::load_tail(m, b + i))));
  }
  return V::hsum(V::add(V::add(s0, s1), V::add(s2, s3)));
}

template <class V>
inline void cos_step(const float* a, const float* b, typename V::T& d, typename V::T& na, typename V::T& nb) {
  typename V::T x = V::load(a), y = V::load(b);
  d = V::fmadd(x, y, d);
  na = V::fmadd(x, x, na);
  nb = V::fmadd(y, y, nb);
}

// 3 FMAs per 2 loads, so this one is FMA-bound, not load-bound. With 2 sets of accumulators the AVX2 version ran at
// exactly the FMA latency chain (~197 cycles at 784 dims); 4 sets (12 accumulators + 2 loads still fit in the 16 YMM
// registers) measured 80 -> 76 ns at 784 dims and 144 -> 116 ns at 1536. Named variables, not arrays: GCC kept
// accumulator arrays in stack memory.
template <class V>
void dot_and_norms(const float* a, const float* b, std::size_t n, float* dot, float* norm_a2, float* norm_b2) {
  typename V::T d0 = V::zero(), d1 = d0, d2 = d0, d3 = d0;
  typename V::T na0 = d0, na1 = d0, na2 = d0, na3 = d0;
  typename V::T nb0 = d0, nb1 = d0, nb2 = d0, nb3 = d0;
  constexpr std::size_t L = V::kLanes;
  std::size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    cos_step<V>(a + i, b + i, d0, na0, nb0);
    cos_step<V>(a + i + L, b + i + L, d1, na1, nb1);
    cos_step<V>(a + i + 2 * L, b + i + 2 * L, d2, na2, nb2);
    cos_step<V>(a + i + 3 * L, b + i + 3 * L, d3, na3, nb3);
  }
  if (i + L <= n) {
    cos_step<V>(a + i, b + i, d0, na0, nb0);
    i += L;
  }
  if (i + L <= n) {
    cos_step<V>(a + i, b + i, d1, na1, nb1);
    i += L;
  }
  if (i + L <= n) {
    cos_step<V>(a + i, b + i, d2, na2, nb2);
    i += L;
  }
  if (i < n) {
    typename V::Mask m = V::tail(n - i);
    typename V::T x = V::load_tail(m, a + i), y = V::load_tail(m, b + i);
    d3 = V::fmadd(x, y, d3);
    na3 = V::fmadd(x, x, na3);
    nb3 = V::fmadd(y, y, nb3);
  }
  *dot = V::hsum(V::add(V::add(d0, d1), V::add(d2, d3)));
  *norm_a2 = V::hsum(V::add(V::add(na0, na1), V::add(na2, na3)));
  *norm_b2 = V::hsum(V::add(V::add(nb0, nb1), V::add(nb2, nb3)));
}

// l2_squared / inner_product for four rows a[0..3] against one b, each row's sums in exactly the order of the one-row
// kernels above (so the results are theirs, bit for bit: unit-tested); b's vectors are loaded once for the four.
template <class V, bool kL2>
inline typename V::T x4_term(typename V::T x, typename V::T y, typename V::T s) {
  if (kL2) {
    const typename V::T d = V::sub(x, y);
    return V::fmadd(d, d, s);
  }
  return V::fmadd(x, y, s);
}

template <class V, bool kL2>
void rows_x4(const float* const* a, const float* b, std::size_t n, float* out) {
  // The 16 sums must live in registers: PGXS builds at -O2, where GCC does not unroll these loops by itself and kept
  // the array in memory (a store and a load per multiply-add: no faster than four one-row calls in the server).
  typename V::T s[4][4];
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r)
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) s[r][k] = V::zero();
  constexpr std::size_t L = V::kLanes;
  const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3];
  std::size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
#pragma GCC unroll 4
    for (std::size_t k = 0; k < 4; ++k) {
      const typename V::T y = V::load(b + i + k * L);
      s[0][k] = x4_term<V, kL2>(V::load(a0 + i + k * L), y, s[0][k]);
      s[1][k] = x4_term<V, kL2>(V::load(a1 + i + k * L), y, s[1][k]);
      s[2][k] = x4_term<V, kL2>(V::load(a2 + i + k * L), y, s[2][k]);
      s[3][k] = x4_term<V, kL2>(V::load(a3 + i + k * L), y, s[3][k]);
    }
  }
  for (; i + L <= n; i += L) {
    const typename V::T y = V::load(b + i);
    s[0][0] = x4_term<V, kL2>(V::load(a0 + i), y, s[0][0]);
    s[1][0] = x4_term<V, kL2>(V::load(a1 + i), y, s[1][0]);
    s[2][0] = x4_term<V, kL2>(V::load(a2 + i), y, s[2][0]);
    s[3][0] = x4_term<V, kL2>(V::load(a3 + i), y, s[3][0]);
  }
  if (i < n) {
    typename V::Mask m = V::tail(n - i);
    const typename V::T y = V::load_tail(m, b + i);
    s[0][1] = x4_term<V, kL2>(V::load_tail(m, a0 + i), y, s[0][1]);
    s[1][1] = x4_term<V, kL2>(V::load_tail(m, a1 + i), y, s[1][1]);
    s[2][1] = x4_term<V, kL2>(V::load_tail(m, a2 + i), y, s[2][1]);
    s[3][1] = x4_term<V, kL2>(V::load_tail(m, a3 + i), y, s[3][1]);
  }
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r) out[r] = V::hsum(V::add(V::add(s[r][0], s[r][1]), V::add(s[r][2], s[r][3])));
}

template <class V>
constexpr DistanceKernels kernels(SimdLevel level) {
  return DistanceKernels{level,         l2_squared<V>,        inner_product<V>, l1<V>, dot_and_norms<V>,
                         rows_x4<V, true>, rows_x4<V, false>};
}

}  // namespace vx::core::impl

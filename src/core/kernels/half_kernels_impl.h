// The half-copy kernels written once over a SIMD width: `V` supplies the vector type and its operations (8 lanes in
// half_avx2.cpp, 16 in half_avx512.cpp). Each including file sets its target with `#pragma GCC target` before the
// include, so these templates are compiled for that instruction set only, and reaches them only after CPU detection.
// Two accumulators: the half loads and conversions, not FMA latency, bound these loops. Everything here has internal
// linkage (static, or templates over a V from an anonymous namespace), so no copy compiled for one instruction set
// can be merged by the linker into code that runs on a CPU without it; the including file includes the standard
// and intrinsics headers before its pragma for the same reason.
#pragma once

#include "core/kernels/half.h"

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace vx::core::half::impl {

static inline float at(const uint16_t* h, std::size_t i) { return to_float(h[i]); }
static inline float at(const float* x, std::size_t i) { return x[i]; }

// A: float (query) or uint16_t (another half copy).
template <class V, class A>
float l2_squared(const A* a, const uint16_t* h, std::size_t n) {
  typename V::T s0 = V::zero(), s1 = V::zero();
  std::size_t i = 0;
  for (; i + 2 * V::kLanes <= n; i += 2 * V::kLanes) {
    typename V::T d0 = V::sub(V::load(a + i), V::load(h + i));
    typename V::T d1 = V::sub(V::load(a + i + V::kLanes), V::load(h + i + V::kLanes));
    s0 = V::fmadd(d0, d0, s0);
    s1 = V::fmadd(d1, d1, s1);
  }
  for (; i + V::kLanes <= n; i += V::kLanes) {
    typename V::T d0 = V::sub(V::load(a + i), V::load(h + i));
    s0 = V::fmadd(d0, d0, s0);
  }
  float s = V::hsum(V::add(s0, s1));
  for (; i < n; i++) {
    float d = at(a, i) - to_float(h[i]);
    s += d * d;
  }
  return s;
}

template <class V, class A>
float inner_product(const A* a, const uint16_t* h, std::size_t n) {
  typename V::T s0 = V::zero(), s1 = V::zero();
  std::size_t i = 0;
  for (; i + 2 * V::kLanes <= n; i += 2 * V::kLanes) {
    s0 = V::fmadd(V::load(a + i), V::load(h + i), s0);
    s1 = V::fmadd(V::load(a + i + V::kLanes), V::load(h + i + V::kLanes), s1);
  }
  for (; i + V::kLanes <= n; i += V::kLanes) s0 = V::fmadd(V::load(a + i), V::load(h + i), s0);
  float s = V::hsum(V::add(s0, s1));
  for (; i < n; i++) s += at(a, i) * to_float(h[i]);
  return s;
}

template <class V, class A>
float l1(const A* a, const uint16_t* h, std::size_t n) {
  typename V::T s0 = V::zero(), s1 = V::zero();
  std::size_t i = 0;
  for (; i + 2 * V::kLanes <= n; i += 2 * V::kLanes) {
    s0 = V::add(s0, V::abs(V::sub(V::load(a + i), V::load(h + i))));
    s1 = V::add(s1, V::abs(V::sub(V::load(a + i + V::kLanes), V::load(h + i + V::kLanes))));
  }
  for (; i + V::kLanes <= n; i += V::kLanes) s0 = V::add(s0, V::abs(V::sub(V::load(a + i), V::load(h + i))));
  float s = V::hsum(V::add(s0, s1));
  for (; i < n; i++) s += std::fabs(at(a, i) - to_float(h[i]));
  return s;
}

template <class V>
void dot_and_norm(const float* q, const uint16_t* h, std::size_t n, float* dot, float* norm_h2) {
  typename V::T d0 = V::zero(), d1 = V::zero(), n0 = V::zero(), n1 = V::zero();
  std::size_t i = 0;
  for (; i + 2 * V::kLanes <= n; i += 2 * V::kLanes) {
    typename V::T h0 = V::load(h + i), h1 = V::load(h + i + V::kLanes);
    d0 = V::fmadd(V::load(q + i), h0, d0);
    d1 = V::fmadd(V::load(q + i + V::kLanes), h1, d1);
    n0 = V::fmadd(h0, h0, n0);
    n1 = V::fmadd(h1, h1, n1);
  }
  for (; i + V::kLanes <= n; i += V::kLanes) {
    typename V::T h0 = V::load(h + i);
    d0 = V::fmadd(V::load(q + i), h0, d0);
    n0 = V::fmadd(h0, h0, n0);
  }
  float d = V::hsum(V::add(d0, d1)), nh = V::hsum(V::add(n0, n1));
  for (; i < n; i++) {
    float v = to_float(h[i]);
    d += q[i] * v;
    nh += v * v;
  }
  *dot = d;
  *norm_h2 = nh;
}

// Both sides half (the halfvec type's cosine): three sums in one pass, as dot_and_norm.
template <class V>
void pair_dot_and_norms(const uint16_t* a, const uint16_t* b, std::size_t n, float* dot, float* norm_a2,
                        float* norm_b2) {
  typename V::T d0 = V::zero(), d1 = V::zero(), na0 = V::zero(), na1 = V::zero(), nb0 = V::zero(), nb1 = V::zero();
  std::size_t i = 0;
  for (; i + 2 * V::kLanes <= n; i += 2 * V::kLanes) {
    typename V::T x0 = V::load(a + i), x1 = V::load(a + i + V::kLanes);
    typename V::T y0 = V::load(b + i), y1 = V::load(b + i + V::kLanes);
    d0 = V::fmadd(x0, y0, d0);
    d1 = V::fmadd(x1, y1, d1);
    na0 = V::fmadd(x0, x0, na0);
    na1 = V::fmadd(x1, x1, na1);
    nb0 = V::fmadd(y0, y0, nb0);
    nb1 = V::fmadd(y1, y1, nb1);
  }
  for (; i + V::kLanes <= n; i += V::kLanes) {
    typename V::T x0 = V::load(a + i), y0 = V::load(b + i);
    d0 = V::fmadd(x0, y0, d0);
    na0 = V::fmadd(x0, x0, na0);
    nb0 = V::fmadd(y0, y0, nb0);
  }
  float d = V::hsum(V::add(d0, d1)), na = V::hsum(V::add(na0, na1)), nb = V::hsum(V::add(nb0, nb1));
  for (; i < n; i++) {
    float x = to_float(a[i]), y = to_float(b[i]);
    d += x * y;
    na += x * x;
    nb += y * y;
  }
  *dot = d;
  *norm_a2 = na;
  *norm_b2 = nb;
}

template <class V>
constexpr Kernels kernels(SimdLevel level) {
  return Kernels{level, l2_squared<V, float>, inner_product<V, float>, l1<V, float>, dot_and_norm<V>};
}

template <class V>
constexpr PairKernels pair_kernels(SimdLevel level) {
  return PairKernels{level, l2_squared<V, uint16_t>, inner_product<V, uint16_t>, l1<V, uint16_t>,
                     pair_dot_and_norms<V>};
}

}  // namespace vx::core::half::impl

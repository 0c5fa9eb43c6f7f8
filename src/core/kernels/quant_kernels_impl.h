// The query-time kernels of the IVF quantizers (ivf_quant.h) written once over a SIMD width, in the convention of
// distance_kernels_impl.h / half_kernels_impl.h: each including file (quant_avx2.cpp: 8 lanes, quant_avx512.cpp: 16)
// sets its target with `#pragma GCC target` before the include and reaches these only after CPU detection; everything
// has internal linkage (templates over a V from an anonymous namespace).
//   SQ8: one fused pass over the code bytes, no decoding: sum (a_i - b_i c_i)^2 (l2) or sum b_i c_i (ip).
//   PQ:  distances from one sub-vector to the 256 sub-centroids of a transposed codebook (dsub x 256): the loop over
//        centroids is contiguous, so it vectorises whatever dsub is; each output accumulates over t in order, so every
//        width gives the same bits. argmin over such a table (the first index of the minimum).
// `V` adds to the arithmetic of the other families: load_codes (kLanes code bytes as floats), fnmadd, min, a
// horizontal min and eq_mask (a bit per lane equal to a value).
#pragma once

#include "core/ivf/ivf_quant.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace vx::core::ivf::impl {

static inline float sq8_l2_tail(const float* a, const float* b, const uint8_t* c, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; ++i) {
    float d = a[i] - b[i] * c[i];
    s += d * d;
  }
  return s;
}

static inline float sq8_dot_tail(const float* b, const uint8_t* c, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; ++i) s += b[i] * c[i];
  return s;
}

template <class V>
float sq8_l2(const float* a, const float* b, const uint8_t* c, std::size_t n) {
  typename V::T acc = V::zero();
  std::size_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes) {
    typename V::T d = V::fnmadd(V::load(b + i), V::load_codes(c + i), V::load(a + i));
    acc = V::fmadd(d, d, acc);
  }
  return V::hsum(acc) + sq8_l2_tail(a + i, b + i, c + i, n - i);
}

template <class V>
float sq8_dot(const float* b, const uint8_t* c, std::size_t n) {
  typename V::T acc = V::zero();
  std::size_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes) acc = V::fmadd(V::load(b + i), V::load_codes(c + i), acc);
  return V::hsum(acc) + sq8_dot_tail(b + i, c + i, n - i);
}

template <class V>
void pq_sub_l2(const float* x, const float* book_t, std::size_t dsub, float* out) {
  constexpr std::size_t L = V::kLanes;
  static_assert(Pq::ksub % (4 * L) == 0, "the 256 sub-centroids are scored 4 vectors at a time");
  for (std::size_t j = 0; j < Pq::ksub; j += 4 * L) {
    typename V::T a0 = V::zero(), a1 = a0, a2 = a0, a3 = a0;
    for (std::size_t t = 0; t < dsub; ++t) {
      typename V::T xv = V::set1(x[t]);
      const float* row = book_t + t * Pq::ksub + j;
      typename V::T d0 = V::sub(xv, V::load(row)), d1 = V::sub(xv, V::load(row + L));
      typename V::T d2 = V::sub(xv, V::load(row + 2 * L)), d3 = V::sub(xv, V::load(row + 3 * L));
      a0 = V::fmadd(d0, d0, a0);
      a1 = V::fmadd(d1, d1, a1);
      a2 = V::fmadd(d2, d2, a2);
      a3 = V::fmadd(d3, d3, a3);
    }
    V::store(out + j, a0);
    V::store(out + j + L, a1);
    V::store(out + j + 2 * L, a2);
    V::store(out + j + 3 * L, a3);
  }
}

template <class V>
void pq_sub_dot(const float* x, const float* book_t, std::size_t dsub, float* out) {
  constexpr std::size_t L = V::kLanes;
  for (std::size_t j = 0; j < Pq::ksub; j += 4 * L) {
    typename V::T a0 = V::zero(), a1 = a0, a2 = a0, a3 = a0;
    for (std::size_t t = 0; t < dsub; ++t) {
      typename V::T xv = V::set1(x[t]);
      const float* row = book_t + t * Pq::ksub + j;
      a0 = V::fmadd(xv, V::load(row), a0);
      a1 = V::fmadd(xv, V::load(row + L), a1);
      a2 = V::fmadd(xv, V::load(row + 2 * L), a2);
      a3 = V::fmadd(xv, V::load(row + 3 * L), a3);
    }
    V::store(out + j, a0);
    V::store(out + j + L, a1);
    V::store(out + j + 2 * L, a2);
    V::store(out + j + 3 * L, a3);
  }
}

template <class V>
std::size_t argmin256(const float* d) {
  typename V::T m = V::load(d);
  for (std::size_t j = V::kLanes; j < Pq::ksub; j += V::kLanes) m = V::min(m, V::load(d + j));
  const typename V::T best = V::set1(V::hmin(m));
  for (std::size_t j = 0; j < Pq::ksub; j += V::kLanes) {
    unsigned mask = V::eq_mask(V::load(d + j), best);
    if (mask) return j + static_cast<std::size_t>(__builtin_ctz(mask));
  }
  return 0;  // only with NaN distances
}

template <class V>
constexpr QuantKernels quant_kernels(SimdLevel level) {
  return QuantKernels{level, sq8_l2<V>, sq8_dot<V>, pq_sub_l2<V>, pq_sub_dot<V>, argmin256<V>};
}

}  // namespace vx::core::ivf::impl

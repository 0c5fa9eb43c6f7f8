// The halfvec type's arithmetic on stored IEEE half elements, with pgvector's semantics: the exact distance per
// metric (float accumulation over the converted elements, as pgvector's halfvec functions), the norm, normalisation
// and the conversion to floats. Pure C++17; the SQL functions (src/pg/type/halfvec_*.cpp) and, later, index opclasses
// call these, so an index and the operator it accelerates compute the same value.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/kernels/half.h"

namespace vx::core::halfvec {

constexpr int kMaxDims = 16000;

// Through half::pair_kernels() (AVX-512 / AVX2+F16C / portable, chosen at run time like the float kernels).
double l2_squared_distance(const uint16_t* a, const uint16_t* b, std::size_t n);
double l2_distance(const uint16_t* a, const uint16_t* b, std::size_t n);
double inner_product(const uint16_t* a, const uint16_t* b, std::size_t n);
double negative_inner_product(const uint16_t* a, const uint16_t* b, std::size_t n);
// 1 - a.b / sqrt(|a|^2 |b|^2), similarity clamped to [-1, 1]; NaN when a norm is zero.
double cosine_distance(const uint16_t* a, const uint16_t* b, std::size_t n);
double l1_distance(const uint16_t* a, const uint16_t* b, std::size_t n);
// acos(a.b) / pi for unit vectors (spherical k-means), the dot product clamped to [-1, 1] first.
double spherical_distance(const uint16_t* a, const uint16_t* b, std::size_t n);

// Euclidean norm, accumulated in double.
double norm(const uint16_t* x, std::size_t n);

// x / |x| into out (may alias x), each element rounded to half; the zero vector gives zeros. Returns false when an
// element overflowed to infinity (not reachable for finite input, kept as pgvector's check).
bool normalize(const uint16_t* x, std::size_t n, uint16_t* out);

// Elements as floats (exact: every half is a float); half::decode with the F16C path where available.
inline void to_floats(const uint16_t* x, std::size_t n, float* out) { half::decode(x, n, out); }

}  // namespace vx::core::halfvec

// The sparsevec type's arithmetic with pgvector's semantics, over a view of its stored arrays (indices 0-based,
// sorted, unique; values nonzero and finite): distances by one merge of the two index lists, accumulating in float in
// index order as pgvector's loops do, norms, the total order and conversion to dense floats. (pgvector is built with
// -march=native and -fassociative-math, so its last bits depend on its build: FMA contraction, vectorised norms.) Pure C++17; the SQL functions (src/pg/type/sparsevec_*.cpp) and, later, index opclasses
// call these, so an index and the operator it accelerates compute the same value.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vx::core::sparse {

constexpr int32_t kMaxDims = 1000000000;
constexpr int32_t kMaxNnz = 16000;

struct View {
  int32_t dim;
  int32_t nnz;
  const int32_t* indices;
  const float* values;
};

float l2_squared_distance(const View& a, const View& b);
float inner_product(const View& a, const View& b);
// 1 - a.b / sqrt(|a|^2 |b|^2) with both norms summed in float, similarity clamped to [-1, 1]; NaN when a vector has
// no nonzero element.
double cosine_distance(const View& a, const View& b);
float l1_distance(const View& a, const View& b);

// Euclidean norm of the values, accumulated in double.
double norm(const float* values, int32_t nnz);

// pgvector's order: as if both were dense (element by element, then the shorter first), computed from the nonzeros.
int compare(const View& a, const View& b);

// Scatters the values into out[0..dim) (which the caller has zeroed).
void to_dense(const View& v, float* out);

}  // namespace vx::core::sparse

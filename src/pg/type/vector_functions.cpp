// Scalar functions of one vector: vector_dims, vector_norm, l2_normalize, subvector, binary_quantize.
#include "pg/type/vector_type.h"
#include "pg/type/bit_type.h"

#include <cmath>
#include <cstring>

using namespace vx::pg;

namespace {
// Euclidean norm accumulated in double (as pgvector does), so it does not lose precision over many dimensions.
double norm_of(const Vector* v) {
  double sum = 0.0;
  for (int i = 0; i < v->dim; ++i) sum += static_cast<double>(v->x[i]) * static_cast<double>(v->x[i]);
  return std::sqrt(sum);
}
}  // namespace

VX_FUNCTION(vx_vector_dims) {
  const Vector* v = VX_GETARG_VECTOR(0);
  PG_RETURN_INT32(v->dim);
}

VX_FUNCTION(vx_vector_norm) { PG_RETURN_FLOAT8(norm_of(VX_GETARG_VECTOR(0))); }

// The vector scaled to unit length; the zero vector stays the zero vector (it has no direction).
VX_FUNCTION(vx_l2_normalize) {
  const Vector* v = VX_GETARG_VECTOR(0);
  const double norm = norm_of(v);
  Vector* result = new_vector(v->dim);
  if (norm > 0.0) {
    for (int i = 0; i < v->dim; ++i) result->x[i] = static_cast<float>(v->x[i] / norm);
    for (int i = 0; i < v->dim; ++i) check_overflow(result->x[i]);
  }
  PG_RETURN_POINTER(result);
}

// subvector(v, start, count): `count` elements from 1-based position `start`, clipped to the vector like
// substring(); an empty result is an error, as a vector has at least one dimension.
VX_FUNCTION(vx_subvector) {
  const Vector* v = VX_GETARG_VECTOR(0);
  int first = 0, n = 0;
  subvector_range_for("vector", v->dim, PG_GETARG_INT32(1), PG_GETARG_INT32(2), &first, &n);
  Vector* result = new_vector(n);
  std::memcpy(result->x, v->x + first, sizeof(float) * n);
  PG_RETURN_POINTER(result);
}

// binary_quantize(v): bit(dim) with bit i set where element i is > 0 (first element = leftmost bit).
VX_FUNCTION(vx_binary_quantize) {
  const Vector* v = VX_GETARG_VECTOR(0);
  PG_RETURN_VARBIT_P(binary_quantize(v->dim, [v](int i) { return v->x[i] > 0.0f; }));
}

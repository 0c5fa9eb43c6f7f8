// Scalar functions of one vector: vector_dims, vector_norm, l2_normalize, subvector, binary_quantize.
#include "pg/vector_type.h"

#include <cmath>
#include <cstring>

extern "C" {
#include "utils/varbit.h"
}

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
  const int64 dim = v->dim;
  int64 start = PG_GETARG_INT32(1);
  const int64 count = PG_GETARG_INT32(2);
  if (count < 1) check_dims(0);
  // 64-bit arithmetic: start + count cannot overflow.
  int64 end = start + count;  // one past the last position wanted
  if (end > dim + 1) end = dim + 1;
  if (start < 1) start = 1;
  if (start > dim) check_dims(0);
  const int64 n = end - start;
  check_dims(static_cast<int>(n < 0 ? 0 : n));
  Vector* result = new_vector(static_cast<int>(n));
  std::memcpy(result->x, v->x + (start - 1), sizeof(float) * n);
  PG_RETURN_POINTER(result);
}

// binary_quantize(v): bit(dim) with bit i set where element i is > 0 (first element = leftmost bit).
VX_FUNCTION(vx_binary_quantize) {
  const Vector* v = VX_GETARG_VECTOR(0);
  const int bits = v->dim;
  const int size = VARBITTOTALLEN(bits);
  VarBit* result = static_cast<VarBit*>(palloc0(size));
  SET_VARSIZE(result, size);
  VARBITLEN(result) = bits;
  bits8* out = VARBITS(result);
  for (int i = 0; i < bits; ++i)
    if (v->x[i] > 0.0f) out[i / 8] |= static_cast<bits8>(0x80u >> (i % 8));
  PG_RETURN_VARBIT_P(result);
}

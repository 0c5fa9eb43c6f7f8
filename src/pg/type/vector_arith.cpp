// Element-wise arithmetic (+, -, *) and concatenation (||) of vectors. Results are checked like float4
// arithmetic: an element that overflows to infinity, or a product of nonzero factors that underflows to zero, is
// an error ("value out of range: overflow/underflow", 22003), never a silently wrong vector.
#include "pg/type/vector_type.h"

#include <cstring>

using namespace vx::pg;

namespace {
enum class Op { kAdd, kSub, kMul };

template <Op op>
Datum elementwise(FunctionCallInfo fcinfo) {
  const Vector* a = VX_GETARG_VECTOR(0);
  const Vector* b = VX_GETARG_VECTOR(1);
  check_same_dims(a, b);
  const int n = a->dim;
  Vector* result = new_vector(n);
  const float* ax = a->x;
  const float* bx = b->x;
  float* rx = result->x;
  // Compute first, check afterwards: keeps the arithmetic loop free of branches so it vectorises.
  for (int i = 0; i < n; ++i) {
    if constexpr (op == Op::kAdd) rx[i] = ax[i] + bx[i];
    if constexpr (op == Op::kSub) rx[i] = ax[i] - bx[i];
    if constexpr (op == Op::kMul) rx[i] = ax[i] * bx[i];
  }
  for (int i = 0; i < n; ++i) {
    check_overflow(rx[i]);
    if constexpr (op == Op::kMul) {
      if (rx[i] == 0.0f && ax[i] != 0.0f && bx[i] != 0.0f) underflow_error();
    }
  }
  PG_RETURN_POINTER(result);
}
}  // namespace

VX_FUNCTION(vx_vector_add) { return elementwise<Op::kAdd>(fcinfo); }
VX_FUNCTION(vx_vector_sub) { return elementwise<Op::kSub>(fcinfo); }
VX_FUNCTION(vx_vector_mul) { return elementwise<Op::kMul>(fcinfo); }

// a || b: the elements of a followed by those of b; the result must still fit the 16000-dimension limit.
VX_FUNCTION(vx_vector_concat) {
  const Vector* a = VX_GETARG_VECTOR(0);
  const Vector* b = VX_GETARG_VECTOR(1);
  const int n = a->dim + b->dim;
  check_dims(n);
  Vector* result = new_vector(n);
  std::memcpy(result->x, a->x, sizeof(float) * a->dim);
  std::memcpy(result->x + a->dim, b->x, sizeof(float) * b->dim);
  PG_RETURN_POINTER(result);
}

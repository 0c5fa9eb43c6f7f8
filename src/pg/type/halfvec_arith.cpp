// Element-wise arithmetic (+, -, *) and concatenation (||) of halfvecs. Each element is computed in float and
// rounded to half, as pgvector does, then checked: an element that overflows to infinity is
// "value out of range: overflow", a product of nonzero factors that rounds to zero "value out of range: underflow"
// (22003), never a silently wrong vector.
#include "pg/type/halfvec_type.h"

#include <cstring>

using namespace vx::pg;
namespace half = vx::core::half;

namespace {
enum class Op { kAdd, kSub, kMul };

template <Op op>
Datum elementwise(FunctionCallInfo fcinfo) {
  const HalfVector* a = VX_GETARG_HALFVEC(0);
  const HalfVector* b = VX_GETARG_HALFVEC(1);
  check_same_halfvec_dims(a, b);
  const int n = a->dim;
  HalfVector* result = new_halfvec(n);
  for (int i = 0; i < n; ++i) {
    const float x = half::to_float(a->x[i]), y = half::to_float(b->x[i]);
    float r;
    if constexpr (op == Op::kAdd) r = x + y;
    if constexpr (op == Op::kSub) r = x - y;
    if constexpr (op == Op::kMul) r = x * y;
    result->x[i] = half::from_float_ieee(r);
  }
  for (int i = 0; i < n; ++i) {
    if (half::is_inf(result->x[i]))
      ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE), errmsg("value out of range: overflow")));
    if constexpr (op == Op::kMul) {
      if (half::is_zero(result->x[i]) && !half::is_zero(a->x[i]) && !half::is_zero(b->x[i]))
        ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE), errmsg("value out of range: underflow")));
    }
  }
  PG_RETURN_POINTER(result);
}
}  // namespace

VX_FUNCTION(vx_halfvec_add) { return elementwise<Op::kAdd>(fcinfo); }
VX_FUNCTION(vx_halfvec_sub) { return elementwise<Op::kSub>(fcinfo); }
VX_FUNCTION(vx_halfvec_mul) { return elementwise<Op::kMul>(fcinfo); }

// a || b: a's elements then b's; the result must still fit 16000 dimensions.
VX_FUNCTION(vx_halfvec_concat) {
  const HalfVector* a = VX_GETARG_HALFVEC(0);
  const HalfVector* b = VX_GETARG_HALFVEC(1);
  const int n = a->dim + b->dim;
  check_halfvec_dims(n);
  HalfVector* result = new_halfvec(n);
  std::memcpy(result->x, a->x, sizeof(uint16) * a->dim);
  std::memcpy(result->x + a->dim, b->x, sizeof(uint16) * b->dim);
  PG_RETURN_POINTER(result);
}

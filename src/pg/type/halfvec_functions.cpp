// Scalar functions of one halfvec: vector_dims, l2_norm, l2_normalize, subvector, binary_quantize.
#include "pg/type/halfvec_type.h"
#include "pg/type/bit_type.h"

#include <cstring>

using namespace vx::pg;
namespace half = vx::core::half;
namespace hv = vx::core::halfvec;

VX_FUNCTION(vx_halfvec_vector_dims) { PG_RETURN_INT32(VX_GETARG_HALFVEC(0)->dim); }

VX_FUNCTION(vx_halfvec_l2_norm) {
  const HalfVector* v = VX_GETARG_HALFVEC(0);
  PG_RETURN_FLOAT8(hv::norm(v->x, static_cast<std::size_t>(v->dim)));
}

// The vector scaled to unit length (each element rounded to half); the zero vector stays the zero vector.
VX_FUNCTION(vx_halfvec_l2_normalize) {
  const HalfVector* v = VX_GETARG_HALFVEC(0);
  HalfVector* result = new_halfvec(v->dim);
  if (!hv::normalize(v->x, static_cast<std::size_t>(v->dim), result->x))
    ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE), errmsg("value out of range: overflow")));
  PG_RETURN_POINTER(result);
}

VX_FUNCTION(vx_halfvec_subvector) {
  const HalfVector* v = VX_GETARG_HALFVEC(0);
  int first = 0, n = 0;
  subvector_range_for("halfvec", v->dim, PG_GETARG_INT32(1), PG_GETARG_INT32(2), &first, &n);
  HalfVector* result = new_halfvec(n);
  std::memcpy(result->x, v->x + first, sizeof(uint16) * n);
  PG_RETURN_POINTER(result);
}

// binary_quantize(halfvec): bit(dim) with bit i set where element i is > 0.
VX_FUNCTION(vx_halfvec_binary_quantize) {
  const HalfVector* v = VX_GETARG_HALFVEC(0);
  PG_RETURN_VARBIT_P(binary_quantize(v->dim, [v](int i) { return half::to_float(v->x[i]) > 0.0f; }));
}

// Scalar functions of one sparsevec (l2_norm, l2_normalize) and the total order behind the comparison operators and
// the btree operator class sparsevec_ops (pgvector's: as if both were dense).
#include "pg/type/sparsevec_type.h"

#include <cmath>

using namespace vx::pg;
namespace sparse = vx::core::sparse;

VX_FUNCTION(vx_sparsevec_l2_norm) {
  const SparseVector* v = VX_GETARG_SPARSEVEC(0);
  PG_RETURN_FLOAT8(sparse::norm(sparse_values(v), v->nnz));
}

// Divided by the norm (in double, rounded to float); elements that underflow to zero are dropped, so the result
// stores no zero; the zero vector stays the zero vector.
VX_FUNCTION(vx_sparsevec_l2_normalize) {
  const SparseVector* v = VX_GETARG_SPARSEVEC(0);
  const float* x = sparse_values(v);
  const double norm = sparse::norm(x, v->nnz);
  if (!(norm > 0.0)) PG_RETURN_POINTER(new_sparsevec(v->dim, v->nnz));  // no element at all (nnz 0)
  int32 kept = 0;
  for (int32 i = 0; i < v->nnz; ++i) {
    const float y = static_cast<float>(x[i] / norm);
    if (std::isinf(y))
      ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE), errmsg("value out of range: overflow")));
    kept += y != 0.0f;
  }
  SparseVector* result = new_sparsevec(v->dim, kept);
  float* out = sparse_values(result);
  int32 j = 0;
  for (int32 i = 0; i < v->nnz; ++i) {
    const float y = static_cast<float>(x[i] / norm);
    if (y == 0.0f) continue;
    result->indices[j] = v->indices[i];
    out[j++] = y;
  }
  PG_RETURN_POINTER(result);
}

namespace {
inline int compare_args(FunctionCallInfo fcinfo) {
  return sparse::compare(sparse_view(VX_GETARG_SPARSEVEC(0)), sparse_view(VX_GETARG_SPARSEVEC(1)));
}
}  // namespace

VX_FUNCTION(vx_sparsevec_lt) { PG_RETURN_BOOL(compare_args(fcinfo) < 0); }
VX_FUNCTION(vx_sparsevec_le) { PG_RETURN_BOOL(compare_args(fcinfo) <= 0); }
VX_FUNCTION(vx_sparsevec_eq) { PG_RETURN_BOOL(compare_args(fcinfo) == 0); }
VX_FUNCTION(vx_sparsevec_ne) { PG_RETURN_BOOL(compare_args(fcinfo) != 0); }
VX_FUNCTION(vx_sparsevec_ge) { PG_RETURN_BOOL(compare_args(fcinfo) >= 0); }
VX_FUNCTION(vx_sparsevec_gt) { PG_RETURN_BOOL(compare_args(fcinfo) > 0); }
VX_FUNCTION(vx_sparsevec_cmp) { PG_RETURN_INT32(compare_args(fcinfo)); }

// Total order of vectors for btree (vector_ops), ORDER BY, DISTINCT, GROUP BY, UNIQUE and merge joins.
// Element by element, then the shorter vector first, like Postgres arrays; vectors of different dimensions are
// ordered (never an error), so a column of unconstrained vector can still be sorted and indexed.
#include "pg/type/vector_type.h"

using namespace vx::pg;

namespace {
int compare(const Vector* a, const Vector* b) {
  const int n = a->dim < b->dim ? a->dim : b->dim;
  for (int i = 0; i < n; ++i) {
    if (a->x[i] < b->x[i]) return -1;
    if (a->x[i] > b->x[i]) return 1;
  }
  if (a->dim != b->dim) return a->dim < b->dim ? -1 : 1;
  return 0;
}

inline int compare_args(FunctionCallInfo fcinfo) { return compare(VX_GETARG_VECTOR(0), VX_GETARG_VECTOR(1)); }
}  // namespace

VX_FUNCTION(vx_vector_lt) { PG_RETURN_BOOL(compare_args(fcinfo) < 0); }
VX_FUNCTION(vx_vector_le) { PG_RETURN_BOOL(compare_args(fcinfo) <= 0); }
VX_FUNCTION(vx_vector_eq) { PG_RETURN_BOOL(compare_args(fcinfo) == 0); }
VX_FUNCTION(vx_vector_ne) { PG_RETURN_BOOL(compare_args(fcinfo) != 0); }
VX_FUNCTION(vx_vector_ge) { PG_RETURN_BOOL(compare_args(fcinfo) >= 0); }
VX_FUNCTION(vx_vector_gt) { PG_RETURN_BOOL(compare_args(fcinfo) > 0); }
VX_FUNCTION(vx_vector_cmp) { PG_RETURN_INT32(compare_args(fcinfo)); }

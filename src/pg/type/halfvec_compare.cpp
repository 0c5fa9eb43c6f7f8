// Total order of halfvecs for btree (halfvec_ops), ORDER BY, DISTINCT, GROUP BY, UNIQUE and merge joins: element by
// element as real values (-0 = +0), then the shorter vector first, like Postgres arrays and the vector type.
#include "pg/type/halfvec_type.h"

using namespace vx::pg;
namespace half = vx::core::half;

namespace {
int compare(const HalfVector* a, const HalfVector* b) {
  const int n = a->dim < b->dim ? a->dim : b->dim;
  for (int i = 0; i < n; ++i) {
    const float x = half::to_float(a->x[i]), y = half::to_float(b->x[i]);
    if (x < y) return -1;
    if (x > y) return 1;
  }
  if (a->dim != b->dim) return a->dim < b->dim ? -1 : 1;
  return 0;
}

inline int compare_args(FunctionCallInfo fcinfo) { return compare(VX_GETARG_HALFVEC(0), VX_GETARG_HALFVEC(1)); }
}  // namespace

VX_FUNCTION(vx_halfvec_lt) { PG_RETURN_BOOL(compare_args(fcinfo) < 0); }
VX_FUNCTION(vx_halfvec_le) { PG_RETURN_BOOL(compare_args(fcinfo) <= 0); }
VX_FUNCTION(vx_halfvec_eq) { PG_RETURN_BOOL(compare_args(fcinfo) == 0); }
VX_FUNCTION(vx_halfvec_ne) { PG_RETURN_BOOL(compare_args(fcinfo) != 0); }
VX_FUNCTION(vx_halfvec_ge) { PG_RETURN_BOOL(compare_args(fcinfo) >= 0); }
VX_FUNCTION(vx_halfvec_gt) { PG_RETURN_BOOL(compare_args(fcinfo) > 0); }
VX_FUNCTION(vx_halfvec_cmp) { PG_RETURN_INT32(compare_args(fcinfo)); }

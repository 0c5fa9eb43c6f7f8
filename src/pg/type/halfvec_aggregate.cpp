// Transition and final functions of avg(halfvec) over pgvector's float8[] state (pg/type/avg_state.h); the combine
// function is vector_combine, as in pgvector. sum(halfvec) uses halfvec_add.
#include "pg/type/halfvec_type.h"
#include "pg/type/avg_state.h"

using namespace vx::pg;
namespace half = vx::core::half;

namespace {
// pgvector checks a halfvec row against the state like a typmod.
void dims_mismatch(int state_dim, int dim) { check_expected_dims(state_dim, dim); }
}  // namespace

VX_FUNCTION(vx_halfvec_accum) {
  const HalfVector* v = VX_GETARG_HALFVEC(1);
  PG_RETURN_ARRAYTYPE_P(avg_state::accumulate(
      fcinfo, PG_GETARG_ARRAYTYPE_P(0), "halfvec_accum", v->dim,
      [v](int i) { return static_cast<double>(half::to_float(v->x[i])); }, dims_mismatch));
}

// halfvec_avg(state): the mean rounded to half, or NULL when no row was aggregated.
VX_FUNCTION(vx_halfvec_avg) {
  int dim = 0;
  const float8* sums = avg_state::values(PG_GETARG_ARRAYTYPE_P(0), "halfvec_avg", &dim);
  const double n = sums[0];
  if (n == 0.0) PG_RETURN_NULL();
  check_halfvec_dims(dim);
  HalfVector* result = new_halfvec(dim);
  for (int i = 0; i < dim; ++i) {
    result->x[i] = float_to_half(static_cast<float>(sums[i + 1] / n));
    check_half_element(result->x[i]);
  }
  PG_RETURN_POINTER(result);
}

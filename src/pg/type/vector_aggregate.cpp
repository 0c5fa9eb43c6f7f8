// Transition, combine and final functions of avg(vector) over pgvector's float8[] state (pg/type/avg_state.h).
// vector_combine also serves avg(halfvec), whose state is the same. sum(vector) needs no code here: its transition
// and combine function is vector_add.
#include "pg/type/vector_type.h"
#include "pg/type/avg_state.h"

using namespace vx::pg;

namespace {
// The state fixed the dimensions: a vector or state of another size is reported as pgvector does.
void dims_mismatch(int state_dim, int dim) { check_expected_dims(state_dim, dim); }
}  // namespace

// vector_accum(state, v): count v and add it to the sums.
VX_FUNCTION(vx_vector_accum) {
  const Vector* v = VX_GETARG_VECTOR(1);
  PG_RETURN_ARRAYTYPE_P(avg_state::accumulate(
      fcinfo, PG_GETARG_ARRAYTYPE_P(0), "vector_accum", v->dim, [v](int i) { return static_cast<double>(v->x[i]); },
      dims_mismatch));
}

// vector_combine(state1, state2): merges two partial states (parallel aggregation).
VX_FUNCTION(vx_vector_combine) {
  ArrayType* state1 = PG_GETARG_ARRAYTYPE_P(0);
  ArrayType* state2 = PG_GETARG_ARRAYTYPE_P(1);
  int dim1 = 0, dim2 = 0;
  float8* s1 = avg_state::values(state1, "vector_combine", &dim1);
  const float8* s2 = avg_state::values(state2, "vector_combine", &dim2);
  // A state of more dimensions than a vector can have was not built by vector_accum: refused before any copy
  // (54000, as pgvector). Two empty states ({0}: a parallel worker that saw no row) combine to an empty state.
  if (s2[0] == 0.0) {
    if (s1[0] != 0.0 || dim1 > vx::core::kMaxVectorDims) check_dims(dim1);
    PG_RETURN_ARRAYTYPE_P(state1);
  }
  if (s1[0] == 0.0) {
    check_dims(dim2);
    PG_RETURN_ARRAYTYPE_P(avg_state::copy(s2, dim2));
  }
  check_dims(dim1);
  dims_mismatch(dim1, dim2);
  ArrayType* result = state1;
  if (!avg_state::in_aggregate(fcinfo)) {
    result = avg_state::copy(s1, dim1);
    s1 = reinterpret_cast<float8*>(ARR_DATA_PTR(result));
  }
  s1[0] += s2[0];
  for (int i = 1; i <= dim1; ++i) {
    s1[i] += s2[i];
    if (std::isinf(s1[i])) overflow_error();
  }
  PG_RETURN_ARRAYTYPE_P(result);
}

// vector_avg(state): the mean vector, or NULL when no row was aggregated (SQL's AVG of nothing).
VX_FUNCTION(vx_vector_avg) {
  int dim = 0;
  const float8* sums = avg_state::values(PG_GETARG_ARRAYTYPE_P(0), "vector_avg", &dim);
  const double n = sums[0];
  if (n == 0.0) PG_RETURN_NULL();
  check_dims(dim);
  Vector* result = new_vector(dim);
  for (int i = 0; i < dim; ++i) {
    result->x[i] = static_cast<float>(sums[i + 1] / n);
    check_element(result->x[i]);
  }
  PG_RETURN_POINTER(result);
}

// Transition, combine and final functions of avg(vector). The state is pgvector's: a float8[] holding
// {count, sum_1, ..., sum_dim}, starting as '{0}'. Sums are kept in double, so avg is exact for any realistic
// row count, and the state needs no serialisation for parallel aggregation. When called as an aggregate the
// functions update the state in place (as Postgres' float8_accum does) instead of building an array per row.
// sum(vector) needs no code here: its transition and combine function is vector_add.
#include "pg/vector_type.h"

#include <cmath>
#include <cstring>

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
}

using namespace vx::pg;

namespace {
// Validates a state array and returns its values; *dim = elements - 1. A state may come from a direct SQL call
// with any float8[]: pgvector's message, but the caller's error (22023) instead of pgvector's internal one (XX000).
float8* state_values(ArrayType* state, const char* caller, int* dim) {
  if (ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] < 1 || ARR_HASNULL(state) || ARR_ELEMTYPE(state) != FLOAT8OID)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s: expected state array", caller)));
  *dim = ARR_DIMS(state)[0] - 1;
  return reinterpret_cast<float8*>(ARR_DATA_PTR(state));
}

// A fresh 1-D float8 array of dim + 1 zeroed elements, laid out as construct_array would.
ArrayType* new_state(int dim) {
  const int nelems = dim + 1;
  const Size size = ARR_OVERHEAD_NONULLS(1) + sizeof(float8) * static_cast<Size>(nelems);
  auto* state = static_cast<ArrayType*>(palloc0(size));
  SET_VARSIZE(state, size);
  state->ndim = 1;
  state->dataoffset = 0;
  state->elemtype = FLOAT8OID;
  ARR_DIMS(state)[0] = nelems;
  ARR_LBOUND(state)[0] = 1;
  return state;
}

ArrayType* copy_state(const float8* values, int dim) {
  ArrayType* copy = new_state(dim);
  std::memcpy(ARR_DATA_PTR(copy), values, sizeof(float8) * (dim + 1));
  return copy;
}

// The state fixed the dimensions: a vector or state of another size is reported as pgvector does.
inline void check_state_dims(int state_dim, int dim) {
  if (state_dim != dim)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("expected %d dimensions, not %d", state_dim, dim)));
}

inline bool in_aggregate(FunctionCallInfo fcinfo) { return AggCheckCallContext(fcinfo, nullptr) != 0; }
}  // namespace

// vector_accum(state, v): count v and add it to the sums.
VX_FUNCTION(vx_vector_accum) {
  ArrayType* state = PG_GETARG_ARRAYTYPE_P(0);
  const Vector* v = VX_GETARG_VECTOR(1);
  int dim = 0;
  float8* sums = state_values(state, "vector_accum", &dim);
  if (dim == 0) {  // first row: the state learns its dimension
    ArrayType* result = new_state(v->dim);
    float8* out = reinterpret_cast<float8*>(ARR_DATA_PTR(result));
    out[0] = sums[0] + 1.0;
    for (int i = 0; i < v->dim; ++i) out[i + 1] = v->x[i];
    PG_RETURN_ARRAYTYPE_P(result);
  }
  check_state_dims(dim, v->dim);
  ArrayType* result = state;
  if (!in_aggregate(fcinfo)) {  // never modify an argument of a plain function call
    result = copy_state(sums, dim);
    sums = reinterpret_cast<float8*>(ARR_DATA_PTR(result));
  }
  sums[0] += 1.0;
  for (int i = 0; i < dim; ++i) {
    sums[i + 1] += v->x[i];
    if (std::isinf(sums[i + 1])) overflow_error();
  }
  PG_RETURN_ARRAYTYPE_P(result);
}

// vector_combine(state1, state2): merges two partial states (parallel aggregation).
VX_FUNCTION(vx_vector_combine) {
  ArrayType* state1 = PG_GETARG_ARRAYTYPE_P(0);
  ArrayType* state2 = PG_GETARG_ARRAYTYPE_P(1);
  int dim1 = 0, dim2 = 0;
  float8* s1 = state_values(state1, "vector_combine", &dim1);
  const float8* s2 = state_values(state2, "vector_combine", &dim2);
  // A state of more dimensions than a vector can have was not built by vector_accum: refused before any copy
  // (54000, as pgvector). Two empty states ({0}: a parallel worker that saw no row) combine to an empty state.
  if (s2[0] == 0.0) {
    if (s1[0] != 0.0 || dim1 > vx::core::kMaxVectorDims) check_dims(dim1);
    PG_RETURN_ARRAYTYPE_P(state1);
  }
  if (s1[0] == 0.0) {
    check_dims(dim2);
    PG_RETURN_ARRAYTYPE_P(copy_state(s2, dim2));
  }
  check_dims(dim1);
  check_state_dims(dim1, dim2);
  ArrayType* result = state1;
  if (!in_aggregate(fcinfo)) {
    result = copy_state(s1, dim1);
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
  ArrayType* state = PG_GETARG_ARRAYTYPE_P(0);
  int dim = 0;
  const float8* sums = state_values(state, "vector_avg", &dim);
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

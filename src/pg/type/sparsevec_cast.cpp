// Casts of sparsevec: to and from vector and halfvec, and from integer[] / real[] / double precision[] / numeric[].
// Function names match pgvector's. Dense -> sparse keeps the nonzero elements (at most 16,000); sparse -> dense
// checks the target type's dimension limit.
#include "pg/type/sparsevec_type.h"
#include "pg/type/halfvec_type.h"
#include "pg/type/vector_type.h"
#include "pg/type/array_cast.h"

using namespace vx::pg;
namespace half = vx::core::half;

VX_FUNCTION(vx_vector_to_sparsevec) {
  const Vector* v = VX_GETARG_VECTOR(0);
  check_sparsevec_dims(v->dim);
  check_expected_dims(PG_GETARG_INT32(1), v->dim);
  PG_RETURN_POINTER(sparsevec_from_dense(v->dim, [v](int i) { return v->x[i]; }));
}

VX_FUNCTION(vx_halfvec_to_sparsevec) {
  const HalfVector* v = VX_GETARG_HALFVEC(0);
  check_sparsevec_dims(v->dim);
  check_expected_dims(PG_GETARG_INT32(1), v->dim);
  PG_RETURN_POINTER(sparsevec_from_dense(v->dim, [v](int i) { return half::to_float(v->x[i]); }));
}

VX_FUNCTION(vx_sparsevec_to_vector) {
  const SparseVector* s = VX_GETARG_SPARSEVEC(0);
  check_dims(s->dim);
  check_expected_dims(PG_GETARG_INT32(1), s->dim);
  Vector* result = new_vector(s->dim);
  vx::core::sparse::to_dense(sparse_view(s), result->x);
  PG_RETURN_POINTER(result);
}

// A value beyond the half range is "... is out of range for type halfvec" (22003), as in every cast to halfvec.
VX_FUNCTION(vx_sparsevec_to_halfvec) {
  const SparseVector* s = VX_GETARG_SPARSEVEC(0);
  check_halfvec_dims(s->dim);
  check_expected_dims(PG_GETARG_INT32(1), s->dim);
  HalfVector* result = new_halfvec(s->dim);
  const float* values = sparse_values(s);
  for (int32 i = 0; i < s->nnz; ++i) result->x[s->indices[i]] = float_to_half(values[i]);
  PG_RETURN_POINTER(result);
}

// array_to_sparsevec(anyof integer[] | real[] | double precision[] | numeric[], typmod, explicit)
VX_FUNCTION(vx_array_to_sparsevec) {
  ArrayType* array = PG_GETARG_ARRAYTYPE_P(0);
  const int n = array_input_length(array);
  check_sparsevec_dims(n);
  check_expected_dims(PG_GETARG_INT32(1), n);
  auto* dense = static_cast<float*>(palloc(sizeof(float) * static_cast<Size>(n)));
  array_input_floats(array, n, dense);
  SparseVector* result = sparsevec_from_dense(n, [dense](int i) { return dense[i]; });
  pfree(dense);
  // NaN and infinities count as nonzero and are rejected here, after the count (pgvector's order of checks).
  const float* values = sparse_values(result);
  for (int32 i = 0; i < result->nnz; ++i) check_sparse_element(values[i]);
  PG_RETURN_POINTER(result);
}

// Casts of halfvec: to and from vector, from integer[] / real[] / double precision[] / numeric[], to real[].
// Function names match pgvector's. A float beyond the half range is an error, never infinity.
#include "pg/type/halfvec_type.h"
#include "pg/type/vector_type.h"
#include "pg/type/array_cast.h"

using namespace vx::pg;
namespace half = vx::core::half;

// vector_to_halfvec(vector, typmod, explicit): rounds each element to half.
VX_FUNCTION(vx_vector_to_halfvec) {
  const Vector* v = VX_GETARG_VECTOR(0);
  check_halfvec_dims(v->dim);
  check_expected_dims(PG_GETARG_INT32(1), v->dim);
  HalfVector* result = new_halfvec(v->dim);
  for (int i = 0; i < v->dim; ++i) result->x[i] = float_to_half(v->x[i]);
  PG_RETURN_POINTER(result);
}

// halfvec_to_vector(halfvec, typmod, explicit): exact (every half is a float).
VX_FUNCTION(vx_halfvec_to_vector) {
  const HalfVector* v = VX_GETARG_HALFVEC(0);
  check_dims(v->dim);
  check_expected_dims(PG_GETARG_INT32(1), v->dim);
  Vector* result = new_vector(v->dim);
  half::decode(v->x, static_cast<std::size_t>(v->dim), result->x);
  PG_RETURN_POINTER(result);
}

// array_to_halfvec(anyof integer[] | real[] | double precision[] | numeric[], typmod, explicit)
VX_FUNCTION(vx_array_to_halfvec) {
  ArrayType* array = PG_GETARG_ARRAYTYPE_P(0);
  const int n = array_input_length(array);
  check_halfvec_dims(n);
  check_expected_dims(PG_GETARG_INT32(1), n);
  auto* values = static_cast<float*>(palloc(sizeof(float) * static_cast<Size>(n)));
  array_input_floats(array, n, values);
  HalfVector* result = new_halfvec(n);
  for (int i = 0; i < n; ++i) result->x[i] = float_to_half(values[i]);
  pfree(values);
  // NaN, and infinities that were already infinite as reals, are rejected here (pgvector's order of checks).
  for (int i = 0; i < n; ++i) check_half_element(result->x[i]);
  PG_RETURN_POINTER(result);
}

// halfvec_to_float4(halfvec, typmod, explicit): halfvec -> real[].
VX_FUNCTION(vx_halfvec_to_float4) {
  const HalfVector* v = VX_GETARG_HALFVEC(0);
  auto* values = static_cast<float*>(palloc(sizeof(float) * static_cast<Size>(v->dim)));
  half::decode(v->x, static_cast<std::size_t>(v->dim), values);
  ArrayType* result = float4_array(values, v->dim);
  pfree(values);
  PG_RETURN_POINTER(result);
}

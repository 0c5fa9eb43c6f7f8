// Casts between vector and arrays: integer[], real[], double precision[], numeric[] -> vector (array_to_vector,
// typmod enforced) and vector -> real[] (vector_to_float4). Function names match pgvector's so dumps and ORMs
// that call them by name keep working.
#include "pg/type/vector_type.h"
#include "pg/type/array_cast.h"

using namespace vx::pg;

// array_to_vector(anyof integer[] | real[] | double precision[] | numeric[], typmod, explicit)
VX_FUNCTION(vx_array_to_vector) {
  ArrayType* array = PG_GETARG_ARRAYTYPE_P(0);
  const int n = array_input_length(array);
  check_dims(n);
  check_expected_dims(PG_GETARG_INT32(1), n);
  Vector* result = new_vector(n);
  array_input_floats(array, n, result->x);
  // A double or numeric beyond the float range rounds to infinity: rejected here like every non-finite element.
  for (int i = 0; i < n; ++i) check_element(result->x[i]);
  PG_RETURN_POINTER(result);
}

// vector_to_float4(vector, typmod, explicit): vector -> real[].
VX_FUNCTION(vx_vector_to_float4) {
  const Vector* v = VX_GETARG_VECTOR(0);
  PG_RETURN_POINTER(float4_array(v->x, v->dim));
}

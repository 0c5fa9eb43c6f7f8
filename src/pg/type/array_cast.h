// The arrays the vector types are cast to and from. Reading the ones they are cast from (integer[], real[], double precision[], numeric[]) as floats,
// in two steps so that each type checks its dimensions between them, in pgvector's order of errors:
//   n = array_input_length(array)      "array must be 1-D" (22000), "array must not contain nulls" (22004)
//   ... the type checks n (dimensions, typmod) ...
//   array_input_floats(array, n, out)  each element as a SQL cast to real would give it (numeric beyond the real range
//                                      is Postgres' own 22003; double precision beyond it becomes +-inf, which the
//                                      type then rejects); "unsupported array type" (22000) for anything else.
#pragma once

#include "pg/boundary.h"

extern "C" {
#include "utils/array.h"
}

namespace vx::pg {

int array_input_length(ArrayType* array);
void array_input_floats(ArrayType* array, int n, float* out);

// real[] of values[0..n): the cast of every vector type to real[].
ArrayType* float4_array(const float* values, int n);

}  // namespace vx::pg

// The state of avg() over the dense types (vector, halfvec): pgvector's float8[] holding {count, sum_1, ..., sum_dim},
// starting as '{0}'. Sums are kept in double, so avg is exact for any realistic row count, and the state needs no
// serialisation for parallel aggregation (vector_combine merges two, for both types). When called as an aggregate,
// accumulate() updates the state in place (as Postgres' float8_accum does) instead of building an array per row.
#pragma once

#include "pg/boundary.h"

#include <cmath>

extern "C" {
#include "utils/array.h"
}

namespace vx::pg::avg_state {

// Validates a state array (it may come from a direct SQL call) and returns its values; *dim = elements - 1.
// "<caller>: expected state array" otherwise: pgvector's message, but the caller's error (22023) instead of
// pgvector's internal one (XX000).
float8* values(ArrayType* state, const char* caller, int* dim);
ArrayType* make(int dim);  // dim + 1 zeroed elements
ArrayType* copy(const float8* values, int dim);
bool in_aggregate(FunctionCallInfo fcinfo);
[[noreturn]] void overflow();  // "value out of range: overflow" (22003)

// Counts one row of `dim` elements, element(i) giving each as a double. mismatch(state_dim, dim) reports a row whose
// dimensions differ from the earlier rows' (each type with its own message).
template <class Element>
ArrayType* accumulate(FunctionCallInfo fcinfo, ArrayType* state, const char* caller, int dim, Element element,
                      void (*mismatch)(int state_dim, int dim)) {
  int state_dim = 0;
  float8* sums = values(state, caller, &state_dim);
  if (state_dim == 0) {  // first row: the state learns its dimension
    ArrayType* result = make(dim);
    float8* out = reinterpret_cast<float8*>(ARR_DATA_PTR(result));
    out[0] = sums[0] + 1.0;
    for (int i = 0; i < dim; ++i) out[i + 1] = element(i);
    return result;
  }
  if (state_dim != dim) mismatch(state_dim, dim);
  ArrayType* result = state;
  if (!in_aggregate(fcinfo)) {  // never modify an argument of a plain function call
    result = copy(sums, dim);
    sums = reinterpret_cast<float8*>(ARR_DATA_PTR(result));
  }
  sums[0] += 1.0;
  for (int i = 0; i < dim; ++i) {
    sums[i + 1] += element(i);
    if (std::isinf(sums[i + 1])) overflow();
  }
  return result;
}

}  // namespace vx::pg::avg_state

// Validity checks shared by the vector types (vector, halfvec, sparsevec). Each message names its type exactly as
// pgvector's does ("halfvec must have at least 1 dimension"), with pgvector's SQLSTATEs. They ereport directly:
// callers hold no C++ object with a destructor.
#pragma once

#include "pg/boundary.h"

extern "C" {
#include "utils/array.h"
}

namespace vx::pg {

// 1..max_dims: "<type> must have at least 1 dimension" (22000), "<type> cannot have more than N dimensions" (54000).
void check_dims_for(const char* type, int64 dim, int64 max_dims);
// typmod -1 accepts any: "expected N dimensions, not M" (22000).
void check_expected_dims(int32 typmod, int dim);
// "different <type> dimensions A and B" (22000).
void check_same_dims_for(const char* type, int a, int b);
// Finite: "NaN not allowed in <type>", "infinite value not allowed in <type>" (22000).
void check_element_for(const char* type, float value);
// The typmod_in function of a type: exactly one integer in 1..max_dims (22023).
int32 typmod_in_for(const char* type, ArrayType* typmods, int max_dims);

// subvector(v, start, count) of a type: elements [*first, *first + *n) (0-based) of a `dim`-element value, `count`
// elements from 1-based position `start` clipped to the value like substring(); an empty result is the type's
// "must have at least 1 dimension" error (22000).
void subvector_range_for(const char* type, int dim, int32 start, int32 count, int* first, int* n);

}  // namespace vx::pg

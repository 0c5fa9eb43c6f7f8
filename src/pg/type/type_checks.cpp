// The shared validity checks of the vector types (see type_checks.h).
#include "pg/type/type_checks.h"

#include <cmath>

namespace vx::pg {

void check_dims_for(const char* type, int64 dim, int64 max_dims) {
  if (dim < 1) ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("%s must have at least 1 dimension", type)));
  if (dim > max_dims)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("%s cannot have more than %d dimensions", type, static_cast<int>(max_dims))));
}

void check_expected_dims(int32 typmod, int dim) {
  if (typmod != -1 && typmod != dim)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("expected %d dimensions, not %d", typmod, dim)));
}

void check_same_dims_for(const char* type, int a, int b) {
  if (a != b)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("different %s dimensions %d and %d", type, a, b)));
}

void check_element_for(const char* type, float value) {
  if (std::isnan(value)) ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("NaN not allowed in %s", type)));
  if (std::isinf(value))
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("infinite value not allowed in %s", type)));
}

int32 typmod_in_for(const char* type, ArrayType* typmods, int max_dims) {
  int n = 0;
  int32* mods = ArrayGetIntegerTypmods(typmods, &n);
  if (n != 1) ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid type modifier")));
  if (mods[0] < 1)
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("dimensions for type %s must be at least 1", type)));
  if (mods[0] > max_dims)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("dimensions for type %s cannot exceed %d", type, max_dims)));
  return mods[0];
}

void subvector_range_for(const char* type, int dim, int32 start, int32 count, int* first, int* n) {
  // 64-bit arithmetic: start + count cannot overflow.
  int64 from = start;
  int64 end = from + count;  // one past the last position wanted
  if (end > static_cast<int64>(dim) + 1) end = static_cast<int64>(dim) + 1;
  if (from < 1) from = 1;
  if (count < 1 || from > dim || end - from < 1)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("%s must have at least 1 dimension", type)));
  *first = static_cast<int>(from - 1);
  *n = static_cast<int>(end - from);
}

}  // namespace vx::pg

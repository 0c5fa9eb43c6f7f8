// Construction and validation of the avg() state of the dense types (see avg_state.h).
#include "pg/type/avg_state.h"

#include <cstring>

extern "C" {
#include "catalog/pg_type.h"
}

namespace vx::pg::avg_state {

float8* values(ArrayType* state, const char* caller, int* dim) {
  if (ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] < 1 || ARR_HASNULL(state) || ARR_ELEMTYPE(state) != FLOAT8OID)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s: expected state array", caller)));
  *dim = ARR_DIMS(state)[0] - 1;
  return reinterpret_cast<float8*>(ARR_DATA_PTR(state));
}

// A fresh 1-D float8 array laid out as construct_array would.
ArrayType* make(int dim) {
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

ArrayType* copy(const float8* values, int dim) {
  ArrayType* result = make(dim);
  std::memcpy(ARR_DATA_PTR(result), values, sizeof(float8) * (dim + 1));
  return result;
}

bool in_aggregate(FunctionCallInfo fcinfo) { return AggCheckCallContext(fcinfo, nullptr) != 0; }

void overflow() {
  ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE), errmsg("value out of range: overflow")));
  pg_unreachable();
}

}  // namespace vx::pg::avg_state

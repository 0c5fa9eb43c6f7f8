// Array access for the array casts of the vector types (see array_cast.h).
#include "pg/type/array_cast.h"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
}

namespace vx::pg {

int array_input_length(ArrayType* array) {
  if (ARR_NDIM(array) > 1) ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("array must be 1-D")));
  if (ARR_HASNULL(array) && array_contains_nulls(array))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("array must not contain nulls")));
  return ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array));
}

void array_input_floats(ArrayType* array, int n, float* out) {
  const Oid elemtype = ARR_ELEMTYPE(array);
  switch (elemtype) {
    case FLOAT4OID: {  // fixed-width, no nulls: read the data area directly
      const float4* in = reinterpret_cast<const float4*>(ARR_DATA_PTR(array));
      for (int i = 0; i < n; ++i) out[i] = in[i];
      break;
    }
    case FLOAT8OID: {
      const float8* in = reinterpret_cast<const float8*>(ARR_DATA_PTR(array));
      for (int i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]);
      break;
    }
    case INT4OID: {
      const int32* in = reinterpret_cast<const int32*>(ARR_DATA_PTR(array));
      for (int i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]);
      break;
    }
    case NUMERICOID: {
      int16 typlen;
      bool typbyval;
      char typalign;
      get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
      Datum* elems = nullptr;
      int nelems = 0;
      deconstruct_array(array, elemtype, typlen, typbyval, typalign, &elems, nullptr, &nelems);
      // numeric -> real rounds like a SQL cast; NaN and Infinity become float NaN/inf for the caller to reject.
      for (int i = 0; i < nelems && i < n; ++i) out[i] = DatumGetFloat4(DirectFunctionCall1(numeric_float4, elems[i]));
      pfree(elems);
      break;
    }
    default:
      ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("unsupported array type")));
  }
}

ArrayType* float4_array(const float* values, int n) {
  Datum* datums = static_cast<Datum*>(palloc(sizeof(Datum) * static_cast<Size>(n)));
  for (int i = 0; i < n; ++i) datums[i] = Float4GetDatum(values[i]);
  ArrayType* result = construct_array(datums, n, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
  pfree(datums);
  return result;
}

}  // namespace vx::pg

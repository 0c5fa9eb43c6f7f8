// Casts between vector and arrays: integer[], real[], double precision[], numeric[] -> vector (array_to_vector,
// typmod enforced) and vector -> real[] (vector_to_float4). Function names match pgvector's so dumps and ORMs
// that call them by name keep working.
#include "pg/vector_type.h"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
}

using namespace vx::pg;

// array_to_vector(anyof integer[] | real[] | double precision[] | numeric[], typmod, explicit)
VX_FUNCTION(vx_array_to_vector) {
  ArrayType* array = PG_GETARG_ARRAYTYPE_P(0);
  const int32 typmod = PG_GETARG_INT32(1);
  if (ARR_NDIM(array) > 1) ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("array must be 1-D")));
  if (ARR_HASNULL(array) && array_contains_nulls(array))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("array must not contain nulls")));
  const Oid elemtype = ARR_ELEMTYPE(array);
  const int n = ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array));
  check_dims(n);
  check_expected_dims(typmod, n);
  Vector* result = new_vector(n);
  switch (elemtype) {
    case FLOAT4OID: {  // fixed-width, no nulls: read the data area directly
      const float4* in = reinterpret_cast<const float4*>(ARR_DATA_PTR(array));
      for (int i = 0; i < n; ++i) result->x[i] = in[i];
      break;
    }
    case FLOAT8OID: {
      const float8* in = reinterpret_cast<const float8*>(ARR_DATA_PTR(array));
      for (int i = 0; i < n; ++i) result->x[i] = static_cast<float>(in[i]);
      break;
    }
    case INT4OID: {
      const int32* in = reinterpret_cast<const int32*>(ARR_DATA_PTR(array));
      for (int i = 0; i < n; ++i) result->x[i] = static_cast<float>(in[i]);
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
      // numeric -> real rounds like a SQL cast; NaN and Infinity become float NaN/inf and are rejected below.
      for (int i = 0; i < nelems; ++i)
        result->x[i] = DatumGetFloat4(DirectFunctionCall1(numeric_float4, elems[i]));
      pfree(elems);
      break;
    }
    default:
      ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("unsupported array type")));
  }
  // A double or numeric beyond the float range rounds to infinity: rejected here like every non-finite element.
  for (int i = 0; i < n; ++i) check_element(result->x[i]);
  PG_RETURN_POINTER(result);
}

// vector_to_float4(vector, typmod, explicit): vector -> real[].
VX_FUNCTION(vx_vector_to_float4) {
  const Vector* v = VX_GETARG_VECTOR(0);
  Datum* datums = static_cast<Datum*>(palloc(sizeof(Datum) * v->dim));
  for (int i = 0; i < v->dim; ++i) datums[i] = Float4GetDatum(v->x[i]);
  ArrayType* result = construct_array(datums, v->dim, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
  pfree(datums);
  PG_RETURN_POINTER(result);
}

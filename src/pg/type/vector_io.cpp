// Text and binary I/O and the typmod of the vector type: the wire formats pgvector clients rely on.
#include "pg/type/vector_type.h"
#include "pg/type/dense_io.h"

#include <cmath>

extern "C" {
#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

using namespace vx::pg;

VX_FUNCTION(vx_vector_in) {
  const char* lit = PG_GETARG_CSTRING(0);
  int32 typmod = PG_GETARG_INT32(2);
  // Parse into a scratch buffer of the maximum size, then copy: the dimension count is unknown until the end.
  auto* scratch = static_cast<float*>(palloc(sizeof(float) * vx::core::kMaxVectorDims));
  auto parsed = vx::core::parse_vector_text(lit, scratch, vx::core::kMaxVectorDims);
  report_dense_text_error("vector", vx::core::kMaxVectorDims, lit, parsed);
  check_dims(parsed.dims);
  check_expected_dims(typmod, parsed.dims);
  Vector* result = new_vector(parsed.dims);
  memcpy(result->x, scratch, sizeof(float) * parsed.dims);
  pfree(scratch);
  PG_RETURN_POINTER(result);
}

VX_FUNCTION(vx_vector_out) {
  Vector* v = VX_GETARG_VECTOR(0);
  // FLOAT_SHORTEST_DECIMAL_LEN includes a NUL; each element also needs a separator, plus "[", "]" and NUL.
  char* buf = static_cast<char*>(palloc(FLOAT_SHORTEST_DECIMAL_LEN * v->dim + 2));
  char* p = buf;
  *p++ = '[';
  for (int i = 0; i < v->dim; ++i) {
    if (i > 0) *p++ = ',';
    p += float_to_shortest_decimal_bufn(v->x[i], p);
  }
  *p++ = ']';
  *p = '\0';
  PG_RETURN_CSTRING(buf);
}

VX_FUNCTION(vx_vector_typmod_in) {
  PG_RETURN_INT32(typmod_in_for("vector", PG_GETARG_ARRAYTYPE_P(0), vx::core::kMaxVectorDims));
}

VX_FUNCTION(vx_vector_recv) {
  StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
  int32 typmod = PG_GETARG_INT32(2);
  const int dim = recv_dense_header(buf, typmod, "vector", vx::core::kMaxVectorDims, sizeof(float));
  Vector* result = new_vector(dim);
  for (int i = 0; i < dim; ++i) {
    result->x[i] = pq_getmsgfloat4(buf);
    check_element(result->x[i]);
  }
  PG_RETURN_POINTER(result);
}

VX_FUNCTION(vx_vector_send) {
  Vector* v = VX_GETARG_VECTOR(0);
  StringInfoData buf;
  pq_begintypsend(&buf);
  pq_sendint16(&buf, v->dim);
  pq_sendint16(&buf, v->unused);
  for (int i = 0; i < v->dim; ++i) pq_sendfloat4(&buf, v->x[i]);
  PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

// vector(vector, typmod, explicit): the length-coercion cast that enforces vector(n).
VX_FUNCTION(vx_vector_typmod_cast) {
  Vector* v = VX_GETARG_VECTOR(0);
  check_expected_dims(PG_GETARG_INT32(1), v->dim);
  PG_RETURN_POINTER(v);
}

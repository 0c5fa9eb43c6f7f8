// Text and binary I/O and the typmod of the vector type: the wire formats pgvector clients rely on.
#include "pg/vector_type.h"
#include "core/vector_text.h"

#include <cmath>

extern "C" {
#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

using namespace vx::pg;
using vx::core::VectorParseError;

namespace {
void report_parse_error(const char* lit, const vx::core::VectorParseResult& r) {
  switch (r.error) {
    case VectorParseError::kNone:
      return;
    case VectorParseError::kMissingOpenBracket:
      ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                      errmsg("invalid input syntax for type vector: \"%s\"", lit),
                      errdetail("Vector contents must start with \"[\".")));
      break;
    case VectorParseError::kJunkAfterClose:
      ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                      errmsg("invalid input syntax for type vector: \"%s\"", lit),
                      errdetail("Junk after closing right brace.")));
      break;
    case VectorParseError::kSyntax:
      ereport(ERROR,
              (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), errmsg("invalid input syntax for type vector: \"%s\"", lit)));
      break;
    case VectorParseError::kEmpty:
      check_dims(0);
      break;
    case VectorParseError::kTooManyDims:
      check_dims(vx::core::kMaxVectorDims + 1);
      break;
    case VectorParseError::kOutOfRange:
      ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                      errmsg("\"%s\" is out of range for type vector",
                             pnstrdup(lit + r.bad_token_begin, r.bad_token_length))));
      break;
    case VectorParseError::kNaN:
      check_element(NAN);
      break;
    case VectorParseError::kInfinite:
      check_element(INFINITY);
      break;
  }
}
}  // namespace

VX_FUNCTION(vx_vector_in) {
  const char* lit = PG_GETARG_CSTRING(0);
  int32 typmod = PG_GETARG_INT32(2);
  // Parse into a scratch buffer of the maximum size, then copy: the dimension count is unknown until the end.
  auto* scratch = static_cast<float*>(palloc(sizeof(float) * vx::core::kMaxVectorDims));
  auto parsed = vx::core::parse_vector_text(lit, scratch, vx::core::kMaxVectorDims);
  report_parse_error(lit, parsed);
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
  ArrayType* ta = PG_GETARG_ARRAYTYPE_P(0);
  int n = 0;
  int32* mods = ArrayGetIntegerTypmods(ta, &n);
  if (n != 1) ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid type modifier")));
  if (mods[0] < 1)
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("dimensions for type vector must be at least 1")));
  if (mods[0] > vx::core::kMaxVectorDims)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("dimensions for type vector cannot exceed %d", vx::core::kMaxVectorDims)));
  PG_RETURN_INT32(mods[0]);
}

VX_FUNCTION(vx_vector_recv) {
  StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
  int32 typmod = PG_GETARG_INT32(2);
  int dim = static_cast<int16>(pq_getmsgint(buf, sizeof(int16)));
  int unused = static_cast<int16>(pq_getmsgint(buf, sizeof(int16)));
  check_dims(dim);
  check_expected_dims(typmod, dim);
  if (unused != 0)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("expected unused to be 0, not %d", unused)));
  // Check the length before reading: a short or long message is an error, never a partial vector.
  int remaining = buf->len - buf->cursor;
  if (remaining != static_cast<int>(sizeof(float)) * dim)
    ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
                    errmsg("invalid binary vector: %d dimensions need %d bytes of values, got %d", dim,
                           static_cast<int>(sizeof(float)) * dim, remaining)));
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

// Text and binary I/O, typmod and the length-coercion cast of the sparsevec type: pgvector's formats. Text
// "{1:1.5,3:2}/5" has 1-based indices in any order (sorted on input) and drops zeros; binary is int32 dim, int32 nnz,
// int32 unused, nnz 0-based int32 indices, then nnz float4 values (no zeros allowed).
#include "pg/type/sparsevec_type.h"

extern "C" {
#include "common/shortest_dec.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
}

#include <cmath>

using namespace vx::pg;
namespace sparse = vx::core::sparse;

namespace {
void report_text_error(const char* lit, const sparse::TextResult& r) {
  switch (r.error) {
    case sparse::TextError::kNone:
      return;
    case sparse::TextError::kMissingOpenBrace:
      ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                      errmsg("invalid input syntax for type sparsevec: \"%s\"", lit),
                      errdetail("Vector contents must start with \"{\".")));
      break;
    case sparse::TextError::kUnexpectedEnd:
      ereport(ERROR,
              (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
               errmsg("invalid input syntax for type sparsevec: \"%s\"", lit), errdetail("Unexpected end of input.")));
      break;
    case sparse::TextError::kJunkAfterClose:
      ereport(ERROR,
              (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
               errmsg("invalid input syntax for type sparsevec: \"%s\"", lit), errdetail("Junk after closing.")));
      break;
    case sparse::TextError::kSyntax:
      ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                      errmsg("invalid input syntax for type sparsevec: \"%s\"", lit)));
      break;
    case sparse::TextError::kOutOfRange:
      ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                      errmsg("\"%s\" is out of range for type sparsevec",
                             pnstrdup(lit + r.bad_token_begin, r.bad_token_length))));
      break;
    case sparse::TextError::kNaN:
      check_sparse_element(NAN);
      break;
    case sparse::TextError::kInfinite:
      check_sparse_element(INFINITY);
      break;
  }
}
}  // namespace

VX_FUNCTION(vx_sparsevec_in) {
  const char* lit = PG_GETARG_CSTRING(0);
  const int32 typmod = PG_GETARG_INT32(2);
  // Refused before parsing, on the count of separators, as pgvector does.
  const int64 capacity = sparse::sparse_text_max_elements(lit);
  if (capacity > sparse::kMaxNnz)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("sparsevec cannot have more than %d non-zero elements", sparse::kMaxNnz)));
  auto* indices = static_cast<int32*>(palloc(sizeof(int32) * capacity));
  auto* values = static_cast<float*>(palloc(sizeof(float) * capacity));
  const sparse::TextResult parsed = sparse::parse_sparse_text(lit, indices, values, capacity);
  report_text_error(lit, parsed);
  check_sparsevec_dims(parsed.dim);
  check_expected_dims(typmod, parsed.dim);
  sparse::sort_by_index(indices, values, parsed.nnz);
  check_sparse_indices(indices, parsed.nnz, parsed.dim);
  SparseVector* result = new_sparsevec(parsed.dim, parsed.nnz);
  memcpy(result->indices, indices, sizeof(int32) * parsed.nnz);
  memcpy(sparse_values(result), values, sizeof(float) * parsed.nnz);
  pfree(indices);
  pfree(values);
  PG_RETURN_POINTER(result);
}

VX_FUNCTION(vx_sparsevec_out) {
  const SparseVector* v = VX_GETARG_SPARSEVEC(0);
  const float* values = sparse_values(v);
  // Per element: an int32 with sign (11), ":" and "," (2), a float (FLOAT_SHORTEST_DECIMAL_LEN, incl. a NUL);
  // plus "{", "}", "/", the dimension (11) and NUL.
  char* buf = static_cast<char*>(palloc((13 + FLOAT_SHORTEST_DECIMAL_LEN) * static_cast<Size>(v->nnz) + 16));
  char* p = buf;
  *p++ = '{';
  for (int32 i = 0; i < v->nnz; ++i) {
    if (i > 0) *p++ = ',';
    p += pg_ltoa(v->indices[i] + 1, p);  // 1-based in SQL
    *p++ = ':';
    p += float_to_shortest_decimal_bufn(values[i], p);
  }
  *p++ = '}';
  *p++ = '/';
  p += pg_ltoa(v->dim, p);
  *p = '\0';
  PG_RETURN_CSTRING(buf);
}

VX_FUNCTION(vx_sparsevec_typmod_in) {
  PG_RETURN_INT32(typmod_in_for("sparsevec", PG_GETARG_ARRAYTYPE_P(0), sparse::kMaxDims));
}

VX_FUNCTION(vx_sparsevec_recv) {
  StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
  const int32 typmod = PG_GETARG_INT32(2);
  const int32 dim = static_cast<int32>(pq_getmsgint(buf, sizeof(int32)));
  const int32 nnz = static_cast<int32>(pq_getmsgint(buf, sizeof(int32)));
  const int32 unused = static_cast<int32>(pq_getmsgint(buf, sizeof(int32)));
  check_sparsevec_dims(dim);
  check_nnz(nnz, dim);
  check_expected_dims(typmod, dim);
  if (unused != 0) ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("expected unused to be 0, not %d", unused)));
  // A short or long message is an error, never a partial vector.
  const int remaining = buf->len - buf->cursor;
  const int needed = static_cast<int>(sizeof(int32) + sizeof(float)) * nnz;
  if (remaining != needed)
    ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
                    errmsg("invalid binary sparsevec: %d elements need %d bytes of indices and values, got %d", nnz,
                           needed, remaining)));
  SparseVector* result = new_sparsevec(dim, nnz);
  for (int32 i = 0; i < nnz; ++i) result->indices[i] = static_cast<int32>(pq_getmsgint(buf, sizeof(int32)));
  check_sparse_indices(result->indices, nnz, dim);
  float* values = sparse_values(result);
  for (int32 i = 0; i < nnz; ++i) {
    values[i] = pq_getmsgfloat4(buf);
    check_sparse_element(values[i]);
    if (values[i] == 0)
      ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                      errmsg("binary representation of sparsevec cannot contain zero values")));
  }
  PG_RETURN_POINTER(result);
}

VX_FUNCTION(vx_sparsevec_send) {
  const SparseVector* v = VX_GETARG_SPARSEVEC(0);
  const float* values = sparse_values(v);
  StringInfoData buf;
  pq_begintypsend(&buf);
  pq_sendint32(&buf, v->dim);
  pq_sendint32(&buf, v->nnz);
  pq_sendint32(&buf, v->unused);
  for (int32 i = 0; i < v->nnz; ++i) pq_sendint32(&buf, v->indices[i]);
  for (int32 i = 0; i < v->nnz; ++i) pq_sendfloat4(&buf, values[i]);
  PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

// sparsevec(sparsevec, typmod, explicit): the length-coercion cast that enforces sparsevec(n).
VX_FUNCTION(vx_sparsevec_typmod_cast) {
  SparseVector* v = VX_GETARG_SPARSEVEC(0);
  check_expected_dims(PG_GETARG_INT32(1), v->dim);
  PG_RETURN_POINTER(v);
}

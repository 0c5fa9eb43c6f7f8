// Input checks of the dense types with each type's name in pgvector's wording (see dense_io.h).
#include "pg/type/dense_io.h"

#include <cmath>

extern "C" {
#include "libpq/pqformat.h"
}

namespace vx::pg {

using core::VectorParseError;

void report_dense_text_error(const char* type, int max_dims, const char* lit, const core::VectorParseResult& r) {
  switch (r.error) {
    case VectorParseError::kNone:
      return;
    case VectorParseError::kMissingOpenBracket:
      ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                      errmsg("invalid input syntax for type %s: \"%s\"", type, lit),
                      errdetail("Vector contents must start with \"[\".")));
      break;
    case VectorParseError::kJunkAfterClose:
      ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                      errmsg("invalid input syntax for type %s: \"%s\"", type, lit),
                      errdetail("Junk after closing right brace.")));
      break;
    case VectorParseError::kSyntax:
      ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                      errmsg("invalid input syntax for type %s: \"%s\"", type, lit)));
      break;
    case VectorParseError::kEmpty:
      check_dims_for(type, 0, max_dims);
      break;
    case VectorParseError::kTooManyDims:
      check_dims_for(type, static_cast<int64>(max_dims) + 1, max_dims);
      break;
    case VectorParseError::kOutOfRange:
      ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                      errmsg("\"%s\" is out of range for type %s",
                             pnstrdup(lit + r.bad_token_begin, r.bad_token_length), type)));
      break;
    case VectorParseError::kNaN:
      check_element_for(type, NAN);
      break;
    case VectorParseError::kInfinite:
      check_element_for(type, INFINITY);
      break;
  }
}

int recv_dense_header(StringInfo buf, int32 typmod, const char* type, int max_dims, int element_bytes) {
  const int dim = static_cast<int16>(pq_getmsgint(buf, sizeof(int16)));
  const int unused = static_cast<int16>(pq_getmsgint(buf, sizeof(int16)));
  check_dims_for(type, dim, max_dims);
  check_expected_dims(typmod, dim);
  if (unused != 0) ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("expected unused to be 0, not %d", unused)));
  // A short or long message is an error, never a partial vector.
  const int remaining = buf->len - buf->cursor;
  if (remaining != element_bytes * dim)
    ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
                    errmsg("invalid binary %s: %d dimensions need %d bytes of values, got %d", type, dim,
                           element_bytes * dim, remaining)));
  return dim;
}

}  // namespace vx::pg

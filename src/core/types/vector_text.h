// Parsing of the pgvector text format "[1,2,3]" into floats. Pure C++, so it is unit-tested without Postgres;
// the glue maps each failure kind to its SQLSTATE and message.
#pragma once

#include <cmath>
#include <cstddef>

namespace vx::core {

enum class VectorParseError {
  kNone,
  kMissingOpenBracket,  // contents must start with "["
  kSyntax,              // anything else malformed
  kJunkAfterClose,      // non-space after "]"
  kEmpty,               // "[]"
  kTooManyDims,         // more than max_dims elements
  kOutOfRange,          // a number that does not fit a float4 (or the element type: see overflow_at)
  kNaN,
  kInfinite,
};

struct VectorParseResult {
  VectorParseError error = VectorParseError::kNone;
  int dims = 0;                     // elements written to out
  std::size_t bad_token_begin = 0;  // for kOutOfRange: the offending number within the input
  std::size_t bad_token_length = 0;
};

// Parses `text` (NUL-terminated) into out[0..max_dims). Whitespace around brackets, numbers and commas is
// accepted. Numbers are read with strtof, exactly as float4in does, so text round trips are bit-exact.
// overflow_at: a finite element of that magnitude or more is kOutOfRange, like a float4 overflow (halfvec passes
// half::kOverflowAt, the magnitudes that round to infinity in half precision); the element is reported where it
// stands, before any later syntax error, as pgvector does.
VectorParseResult parse_vector_text(const char* text, float* out, int max_dims, float overflow_at = INFINITY);

}  // namespace vx::core

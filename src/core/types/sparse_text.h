// Parsing of pgvector's sparsevec text format "{1:1.5,3:2}/5" (1-based indices, zeros dropped) and the validation
// of index lists shared with binary input. Pure C++, so it is unit-tested without Postgres; the glue maps each
// failure kind to pgvector's message and SQLSTATE, in pgvector's order of checks:
//   parse_sparse_text      syntax, element values                       (text)
//   ... dimensions, typmod (the glue) ...
//   sort_by_index + check_indices                                       (text; binary input checks in given order)
#pragma once

#include <cstddef>
#include <cstdint>

namespace vx::core::sparse {

enum class TextError {
  kNone,
  kMissingOpenBrace,  // contents must start with "{"
  kSyntax,            // anything else malformed
  kUnexpectedEnd,     // no "/dim" after the closing brace
  kJunkAfterClose,    // non-space after the dimension
  kOutOfRange,        // a value beyond the float4 range (overflow, or underflow to zero)
  kNaN,
  kInfinite,
};

struct TextResult {
  TextError error = TextError::kNone;
  int32_t dim = 0;                  // clamped to the int32 range, checked by the caller
  int32_t nnz = 0;                  // nonzero elements written (0-based indices, in input order)
  std::size_t bad_token_begin = 0;  // kOutOfRange: the offending number within the input
  std::size_t bad_token_length = 0;
};

// Upper bound on the elements of `text` (its commas + 1), for sizing the output arrays; pgvector refuses text whose
// bound exceeds kMaxNnz before parsing it.
int64_t sparse_text_max_elements(const char* text);

// Parses text (NUL-terminated) into indices / values (capacity elements each). Numbers are read with strtol and
// strtof as pgvector does, so every accepted text gives the same values.
TextResult parse_sparse_text(const char* text, int32_t* indices, float* values, int64_t capacity);

// Sorts the pairs by index (stable: equal indices keep their input order).
void sort_by_index(int32_t* indices, float* values, int32_t nnz);

enum class IndexError { kNone, kOutOfBounds, kNotAscending, kDuplicate };
// pgvector's per-position check, first failing position wins: 0 <= index < dim, then ascending, then unique.
IndexError check_indices(const int32_t* indices, int32_t nnz, int32_t dim);

}  // namespace vx::core::sparse

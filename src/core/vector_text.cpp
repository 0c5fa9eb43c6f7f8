// Text-format parser for vectors: one pass, no allocation, strtof per element.
#include "core/vector_text.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace vx::core {
namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
const char* skip_space(const char* p) {
  while (is_space(*p)) ++p;
  return p;
}
}  // namespace

VectorParseResult parse_vector_text(const char* text, float* out, int max_dims) {
  VectorParseResult r;
  const char* p = skip_space(text);
  if (*p != '[') {
    r.error = VectorParseError::kMissingOpenBracket;
    return r;
  }
  p = skip_space(p + 1);
  if (*p == ']') {
    r.error = VectorParseError::kEmpty;
    return r;
  }
  for (;;) {
    p = skip_space(p);
    if (*p == '\0') {
      r.error = VectorParseError::kSyntax;
      return r;
    }
    if (r.dims == max_dims) {
      r.error = VectorParseError::kTooManyDims;
      return r;
    }
    char* end = nullptr;
    errno = 0;
    float value = std::strtof(p, &end);
    if (end == p) {
      r.error = VectorParseError::kSyntax;
      return r;
    }
    if (errno == ERANGE && std::isinf(value)) {
      r.error = VectorParseError::kOutOfRange;
      r.bad_token_begin = static_cast<std::size_t>(p - text);
      r.bad_token_length = static_cast<std::size_t>(end - p);
      return r;
    }
    if (std::isnan(value)) {
      r.error = VectorParseError::kNaN;
      return r;
    }
    if (std::isinf(value)) {
      r.error = VectorParseError::kInfinite;
      return r;
    }
    out[r.dims++] = value;
    p = skip_space(end);
    if (*p == ',') {
      ++p;
    } else if (*p == ']') {
      ++p;
      break;
    } else {
      r.error = VectorParseError::kSyntax;
      return r;
    }
  }
  p = skip_space(p);
  if (*p != '\0') r.error = VectorParseError::kJunkAfterClose;
  return r;
}

}  // namespace vx::core

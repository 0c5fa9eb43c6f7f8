// Text-format parser for vectors: one pass, no allocation. Each element is read with std::from_chars when it is a
// plain decimal (libstdc++ 12 implements it with the Eisel-Lemire algorithm, ~10x faster than glibc's strtof and
// rounded just as correctly), and with strtof, float4in's own reader, for everything else.
#include "core/types/vector_text.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstring>

namespace vx::core {
namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
const char* skip_space(const char* p) {
  while (is_space(*p)) ++p;
  return p;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The fast reader, used only where it provably agrees with strtof: a token that starts like a decimal number
// ("-" or a digit or "." then a digit; not "+", "inf", "nan" or hex, which from_chars reads differently), that
// from_chars reads without range error (strtof's underflow-to-zero and overflow handling stay with strtof), and
// that ends where the element must end. Both round correctly, so the floats are identical.
bool read_plain_decimal(const char* p, float* value, const char** end) {
  const char* digits = p + (*p == '-');
  if (!is_digit(*digits) && !(*digits == '.' && is_digit(digits[1]))) return false;
  // Shortest path, for short numbers (pixel values, rounded embeddings): at most 7 significant digits make an
  // integer m < 2^24 and at most 10 decimals a divisor 10^f, both exact in float, so the one IEEE division m / 10^f
  // is the correctly rounded value (Clinger's fast path).
  {
    static constexpr float kPow10[] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
    const char* q = digits;
    uint32_t m = 0;
    int significant = 0, decimals = 0;
    bool ok = true;
    for (; is_digit(*q); ++q) {
      m = m * 10 + static_cast<uint32_t>(*q - '0');
      if (m != 0 && ++significant > 7) ok = false;
      if (!ok) break;
    }
    if (ok && *q == '.') {
      for (++q; is_digit(*q); ++q) {
        m = m * 10 + static_cast<uint32_t>(*q - '0');
        if ((m != 0 && ++significant > 7) || ++decimals > 10) {
          ok = false;
          break;
        }
      }
    }
    const char next = *q;
    if (ok && (next == ',' || next == ']' || next == '\0' || is_space(next))) {
      float v = static_cast<float>(m) / kPow10[decimals];
      *value = *p == '-' ? -v : v;
      *end = q;
      return true;
    }
  }
  const char* limit = digits;
  while (is_digit(*limit) || *limit == '.' || *limit == 'e' || *limit == 'E' || *limit == '-' || *limit == '+') ++limit;
  auto [ptr, ec] = std::from_chars(p, limit, *value, std::chars_format::general);
  if (ec != std::errc() || ptr != limit) return false;
  const char next = *limit;
  if (next != ',' && next != ']' && next != '\0' && !is_space(next)) return false;
  *end = limit;
  return true;
}
}  // namespace

VectorParseResult parse_vector_text(const char* text, float* out, int max_dims, float overflow_at) {
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
    float value;
    const char* fast_end = nullptr;
    if (read_plain_decimal(p, &value, &fast_end)) {
      if (std::isinf(value) || std::isnan(value)) {  // cannot come from a plain decimal; kept for safety
        r.error = std::isnan(value) ? VectorParseError::kNaN : VectorParseError::kInfinite;
        return r;
      }
      if (std::fabs(value) >= overflow_at) {
        r.error = VectorParseError::kOutOfRange;
        r.bad_token_begin = static_cast<std::size_t>(p - text);
        r.bad_token_length = static_cast<std::size_t>(fast_end - p);
        return r;
      }
      out[r.dims++] = value;
      p = skip_space(fast_end);
      if (*p == ',') {
        ++p;
        continue;
      }
      if (*p == ']') {
        ++p;
        break;
      }
      r.error = VectorParseError::kSyntax;
      return r;
    }
    char* end = nullptr;
    errno = 0;
    value = std::strtof(p, &end);
    if (end == p) {
      r.error = VectorParseError::kSyntax;
      return r;
    }
    if ((errno == ERANGE && std::isinf(value)) || (std::isfinite(value) && std::fabs(value) >= overflow_at)) {
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

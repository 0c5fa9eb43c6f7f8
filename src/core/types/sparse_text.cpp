// The sparsevec text parser and index checks (see sparse_text.h): one pass, no allocation beyond the caller's arrays
// (and a scratch permutation for the sort).
#include "core/types/sparse_text.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <vector>

namespace vx::core::sparse {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
const char* skip_space(const char* p) {
  while (is_space(*p)) ++p;
  return p;
}

TextResult failed(TextError e) {
  TextResult r;
  r.error = e;
  return r;
}
}  // namespace

int64_t sparse_text_max_elements(const char* text) {
  int64_t n = 1;
  for (const char* p = text; *p; ++p)
    if (*p == ',') ++n;
  return n;
}

TextResult parse_sparse_text(const char* text, int32_t* indices, float* values, int64_t capacity) {
  TextResult r;
  const char* p = skip_space(text);
  if (*p != '{') return failed(TextError::kMissingOpenBrace);
  p = skip_space(p + 1);
  if (*p == '}') {
    ++p;
  } else {
    for (;;) {
      if (r.nnz == capacity) return failed(TextError::kSyntax);
      p = skip_space(p);
      if (*p == '\0') return failed(TextError::kSyntax);
      char* end = nullptr;
      long index = std::strtol(p, &end, 10);
      if (end == p) return failed(TextError::kSyntax);
      // Kept in the int range so that the bounds check reports it (index - 1 must not overflow either).
      if (index > INT_MAX)
        index = INT_MAX;
      else if (index < INT_MIN + 1L)
        index = INT_MIN + 1L;
      p = skip_space(end);
      if (*p != ':') return failed(TextError::kSyntax);
      p = skip_space(p + 1);
      errno = 0;
      const float value = std::strtof(p, &end);
      if (end == p) return failed(TextError::kSyntax);
      if (errno == ERANGE && (value == 0 || std::isinf(value))) {
        r.error = TextError::kOutOfRange;
        r.bad_token_begin = static_cast<std::size_t>(p - text);
        r.bad_token_length = static_cast<std::size_t>(end - p);
        return r;
      }
      if (std::isnan(value)) return failed(TextError::kNaN);
      if (std::isinf(value)) return failed(TextError::kInfinite);
      if (value != 0) {  // zeros are not stored
        indices[r.nnz] = static_cast<int32_t>(index - 1);
        values[r.nnz] = value;
        r.nnz++;
      }
      p = skip_space(end);
      if (*p == ',') {
        ++p;
      } else if (*p == '}') {
        ++p;
        break;
      } else {
        return failed(TextError::kSyntax);
      }
    }
  }
  p = skip_space(p);
  if (*p != '/') return failed(TextError::kUnexpectedEnd);
  p = skip_space(p + 1);
  char* end = nullptr;
  long dim = std::strtol(p, &end, 10);
  if (end == p) return failed(TextError::kSyntax);
  if (dim > INT_MAX)
    dim = INT_MAX;
  else if (dim < INT_MIN)
    dim = INT_MIN;
  p = skip_space(end);
  if (*p != '\0') return failed(TextError::kJunkAfterClose);
  r.dim = static_cast<int32_t>(dim);
  return r;
}

void sort_by_index(int32_t* indices, float* values, int32_t nnz) {
  if (std::is_sorted(indices, indices + nnz)) return;  // the usual case: written in order
  std::vector<int32_t> order(static_cast<std::size_t>(nnz));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t x, int32_t y) { return indices[x] < indices[y]; });
  std::vector<int32_t> si(order.size());
  std::vector<float> sv(order.size());
  for (std::size_t k = 0; k < order.size(); k++) si[k] = indices[order[k]], sv[k] = values[order[k]];
  std::copy(si.begin(), si.end(), indices);
  std::copy(sv.begin(), sv.end(), values);
}

IndexError check_indices(const int32_t* indices, int32_t nnz, int32_t dim) {
  for (int32_t i = 0; i < nnz; i++) {
    if (indices[i] < 0 || indices[i] >= dim) return IndexError::kOutOfBounds;
    if (i > 0) {
      if (indices[i] < indices[i - 1]) return IndexError::kNotAscending;
      if (indices[i] == indices[i - 1]) return IndexError::kDuplicate;
    }
  }
  return IndexError::kNone;
}

}  // namespace vx::core::sparse

// The half copy an index keeps of a dense float-convertible vector (vector, halfvec), in one layout for every access
// method, and what a scan computes from it: a ranking key, a lower bound of the SQL operator's value, and, for a copy
// that decodes to the indexed vector bit for bit, that value itself. Pure C++17.
//
// Layout (hnsw element records and ivf flat postings alike): float err_l2, float err_l1 (core::half::EncodeError of
// the copy), then uint16 half[dims]; it starts 4-byte aligned. The copy is of the vector as indexed: normalised for
// cosine (core/metric.h).
//
// Why lower bounds: a scan ranks by the cheap copy (half the bytes per vector) yet must return what a float32 scan of
// the same candidates returns. It hands the bounds to the executor as ORDER BY values with "recheck"; the executor
// recomputes the exact value from the table row and reorders, which is exact as long as no bound exceeds the exact
// value and bounds come in nondecreasing order (docs/ivf.md "Exactness", docs/hnsw.md "Scan"). The bounds absorb the
// copy's encoding error and the float rounding of both computations (core/kernels/half.h), for operators that sum n float
// terms (distance.h for vector; halfvec's pair kernels).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/kernels/half.h"
#include "core/metric.h"

namespace vx::core {

constexpr std::size_t kHalfCopyHeader = 2 * sizeof(float);
constexpr std::size_t half_copy_size(std::size_t dims) { return kHalfCopyHeader + dims * sizeof(uint16_t); }

// Encodes x (dims floats, already normalised for cosine) into `out` (half_copy_size(dims) bytes).
void encode_half_copy(const float* x, std::size_t dims, uint8_t* out);
inline half::EncodeError half_copy_error(const uint8_t* copy) {
  float e[2];
  std::memcpy(e, copy, sizeof(e));  // memcpy: a copy is only guaranteed 4-byte aligned
  return half::EncodeError{e[0], e[1]};
}
inline const uint16_t* half_copy_halves(const uint8_t* copy) {
  return reinterpret_cast<const uint16_t*>(copy + kHalfCopyHeader);
}

// The largest float not above v, so a bound rounded for storage in a float stays a bound.
float float_at_most(double v);

// The ranking key of rank_distance (metric.h) between a float query and a half copy h: what a graph walk orders by.
float half_rank(Metric metric, const float* q, const uint16_t* h, std::size_t n);

// A value never above what the SQL operator of `metric` (<->, <#>, <=>, <+>) computes between the original vector and
// `query`, given the original's half copy h (of the vector as indexed: normalised for cosine) and its encoding error.
// `query` is the query as the executor sees it, or normalised (cosine: only the direction counts); query_norm is its
// Euclidean norm. A zero query under cosine (the executor's value is NaN, which sorts last) gives 0.
double half_lower_bound(Metric metric, const float* query, double query_norm, const uint16_t* h, std::size_t n,
                        const half::EncodeError& err);

// The same bound from the ranking key (half_rank with the same query), without reading the copy again: only where
// the key is a function of the distance alone (L2, L1).
bool rank_bound_available(Metric metric);
double half_lower_bound_from_rank(Metric metric, float rank, const half::EncodeError& err, std::size_t n);

// A copy with zero encoding error decodes to the indexed vector bit for bit. Where the indexed vector is the table's
// own (every metric but cosine, which indexes x / |x|) the operator's value can then be computed from the copy,
// bit-identical to what the executor computes from the heap row (same kernels, same operands).
bool copy_is_exact(Metric metric, const half::EncodeError& err);

// One query against many copies (ivf flat postings): lower bounds rounded down to float, exactness and exact values.
class HalfCopyQuery {
 public:
  // `query` (normalised for cosine; a zero query stays zero) must outlive this object.
  void prepare(Metric metric, const float* query, std::size_t dims);
  float lower_bound(const uint8_t* copy) const;
  bool exact_copy(const uint8_t* copy) const { return copy_is_exact(metric_, half_copy_error(copy)); }
  // For an exact copy: the SQL operator's value for the row and the query of a `vector` column (sql_distance on
  // the decoded copy, operands in the operator's order). `buf` holds dims floats.
  double exact_value(const uint8_t* copy, float* buf) const;

 private:
  Metric metric_ = Metric::L2;
  const float* query_ = nullptr;
  std::size_t dims_ = 0;
  double query_norm_ = 0;
};

}  // namespace vx::core

// Distances the HNSW index orders by. Pure C++ (no Postgres). Cosine is searched as inner product over vectors
// normalised at build/insert time, so only three kernels are needed here. The index pages hold half-precision
// copies (core/kernels/half.h): the graph walk ranks by half_distance, and a scan hands Postgres half_lower_bound, which
// the executor re-checks against the exact distance from the heap.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "core/kernels/half.h"

namespace vx::core::hnsw {

enum class Metric : uint32_t { L2 = 1, InnerProduct = 2, Cosine = 3, L1 = 4 };

// Runtime-dispatched kernels (core/kernels/distance.h: AVX-512 / AVX2 / scalar); no AVX
// requirement on the machine that runs it.
float l2_squared(const float* a, const float* b, std::size_t n);
float neg_inner_product(const float* a, const float* b, std::size_t n);
float l1(const float* a, const float* b, std::size_t n);

inline float distance(Metric metric, const float* a, const float* b, std::size_t n) {
  switch (metric) {
    case Metric::L2:
      return l2_squared(a, b, n);
    case Metric::L1:
      return l1(a, b, n);
    default:
      return neg_inner_product(a, b, n);  // InnerProduct, and Cosine over normalised vectors
  }
}

// The ranking key of distance() between a float query and a half copy: what the graph walk orders by.
float half_distance(Metric metric, const float* q, const uint16_t* h, std::size_t n);

// A value never above what the SQL operator of `metric` (<->, <#>, <=>, <+>) computes between the original vector
// and `query`, given the original's half copy h (encoded from the vector as indexed: normalised for cosine) and its
// encoding error. `query` is the query as the executor sees it (not normalised); query_norm its Euclidean norm.
double half_lower_bound(Metric metric, const float* query, double query_norm, const uint16_t* h, std::size_t n,
                        const half::EncodeError& err);

// The same bound from the walk's ranking key (half_distance with the same query), without reading the copy again:
// only for L2 and L1 (rank_bound_available), whose key is a function of the distance alone.
inline bool rank_bound_available(Metric metric) { return metric == Metric::L2 || metric == Metric::L1; }
double half_lower_bound_from_rank(Metric metric, float rank, const half::EncodeError& err, std::size_t n);

// An exact copy (zero encoding error) decodes to the indexed vector bit for bit. Where the indexed vector is the
// original (every metric but cosine, which indexes x / |x|), the SQL operator's value can then be computed from the
// copy, bit-identical to what the executor computes from the heap row (same kernels, same operands).
inline bool copy_is_exact(Metric metric, const half::EncodeError& err) {
  return metric != Metric::Cosine && err.l2 == 0 && err.l1 == 0;
}
// The SQL operator's value (<->, <#>, <=>, <+>: core/kernels/distance.h, operands in the operator's order: indexed, query).
double sql_distance(Metric metric, const float* x, const float* query, std::size_t n);

// Normalises v in place; returns false (and leaves v) when its norm is zero or not finite.
inline bool normalize(float* v, std::size_t n) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += double(v[i]) * v[i];
  if (!(s > 0) || !std::isfinite(s)) return false;
  float inv = float(1.0 / std::sqrt(s));
  for (std::size_t i = 0; i < n; ++i) v[i] *= inv;
  return true;
}

}  // namespace vx::core::hnsw

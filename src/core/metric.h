// The metrics every ANN index orders by, and what an index computes with them on float data. Pure C++17.
//
// One enum for every access method (hnsw, ivfflat, ivf): its values are stored in the meta pages of both index
// layouts, so they never change. An index ranks by a "smaller is nearer" key (rank_distance): squared L2 for L2,
// the negative inner product for inner product and for cosine (searched as inner product over vectors normalised at
// build, insert and query time), L1 for L1. What it hands Postgres is in the units of the SQL operator (sql_distance:
// <->, <#>, <=>, <+>). Hamming and Jaccard (bit columns) have no float form: their types bring their own kernels
// (docs/architecture.md, "Adding a type").
#pragma once

#include <cstddef>
#include <cstdint>

namespace vx::core {

enum class Metric : uint8_t { L2 = 1, InnerProduct = 2, Cosine = 3, L1 = 4, Hamming = 5, Jaccard = 6 };

constexpr bool metric_is_valid(uint32_t value) { return value >= 1 && value <= 6; }
// Whether values and queries are scaled to unit length before an index sees them (cosine).
constexpr bool metric_normalizes(Metric m) { return m == Metric::Cosine; }
// Whether rank_distance / sql_distance below apply (the metrics of float vectors).
constexpr bool metric_has_float_form(Metric m) { return m != Metric::Hamming && m != Metric::Jaccard; }
// "l2", "ip", "cosine", "l1", "hamming", "jaccard" (the operator class names' middle part).
const char* metric_name(Metric m);

// Scales v to unit length in place; returns false (and leaves v) when its norm is zero or not finite.
bool normalize(float* v, std::size_t n);

// The ranking key between two float vectors (runtime-dispatched kernels of distance.h). Float metrics only.
float rank_distance(Metric m, const float* a, const float* b, std::size_t n);

// The SQL operator's value for the indexed vector x and the query (distance.h, pgvector semantics, operands in the
// operator's order), bit-identical to what the executor computes from the same two vectors. Float metrics only.
double sql_distance(Metric m, const float* x, const float* query, std::size_t n);

}  // namespace vx::core

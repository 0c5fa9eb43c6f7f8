// Merge-based sparse distances, norm, order and densification (see sparsevec.h). The merges visit both index lists
// in increasing index order and add each term as soon as it is known, the order of pgvector's loops.
#include "core/types/sparsevec.h"

#include <cmath>

#include "core/kernels/distance.h"

namespace vx::core::sparse {

namespace {
// Calls both(ai, bj) for an index in both, only_a(i) / only_b(j) for an index in one, in increasing index order.
template <class Both, class OnlyA, class OnlyB>
inline void merge(const View& a, const View& b, Both both, OnlyA only_a, OnlyB only_b) {
  int32_t i = 0, j = 0;
  while (i < a.nnz && j < b.nnz) {
    const int32_t x = a.indices[i], y = b.indices[j];
    if (x == y) {
      both(i++, j++);
    } else if (x < y) {
      only_a(i++);
    } else {
      only_b(j++);
    }
  }
  for (; i < a.nnz; i++) only_a(i);
  for (; j < b.nnz; j++) only_b(j);
}

float sum_of_squares(const View& v) {
  float s = 0.0f;
  for (int32_t i = 0; i < v.nnz; i++) s += v.values[i] * v.values[i];
  return s;
}
}  // namespace

float l2_squared_distance(const View& a, const View& b) {
  float s = 0.0f;
  merge(
      a, b,
      [&](int32_t i, int32_t j) {
        const float d = a.values[i] - b.values[j];
        s += d * d;
      },
      [&](int32_t i) { s += a.values[i] * a.values[i]; }, [&](int32_t j) { s += b.values[j] * b.values[j]; });
  return s;
}

float inner_product(const View& a, const View& b) {
  float s = 0.0f;
  // Only common indices contribute; a gallop would skip faster but this is linear either way for the rest.
  merge(
      a, b, [&](int32_t i, int32_t j) { s += a.values[i] * b.values[j]; }, [](int32_t) {}, [](int32_t) {});
  return s;
}

double cosine_distance(const View& a, const View& b) {
  return cosine_distance_from_parts(inner_product(a, b), sum_of_squares(a), sum_of_squares(b));
}

float l1_distance(const View& a, const View& b) {
  float s = 0.0f;
  merge(
      a, b, [&](int32_t i, int32_t j) { s += std::fabs(a.values[i] - b.values[j]); },
      [&](int32_t i) { s += std::fabs(a.values[i]); }, [&](int32_t j) { s += std::fabs(b.values[j]); });
  return s;
}

double norm(const float* values, int32_t nnz) {
  double s = 0.0;
  for (int32_t i = 0; i < nnz; i++) s += static_cast<double>(values[i]) * static_cast<double>(values[i]);
  return std::sqrt(s);
}

int compare(const View& a, const View& b) {
  const int32_t n = a.nnz < b.nnz ? a.nnz : b.nnz;
  // Values before dimensions, as Postgres arrays: the first position where the dense forms differ decides. Where
  // only one side has a nonzero, the other holds 0 there.
  for (int32_t i = 0; i < n; i++) {
    if (a.indices[i] < b.indices[i]) return a.values[i] < 0 ? -1 : 1;
    if (a.indices[i] > b.indices[i]) return b.values[i] < 0 ? 1 : -1;
    if (a.values[i] < b.values[i]) return -1;
    if (a.values[i] > b.values[i]) return 1;
  }
  if (a.nnz < b.nnz && b.indices[n] < a.dim) return b.values[n] < 0 ? 1 : -1;
  if (a.nnz > b.nnz && a.indices[n] < b.dim) return a.values[n] < 0 ? -1 : 1;
  if (a.dim < b.dim) return -1;
  if (a.dim > b.dim) return 1;
  return 0;
}

void to_dense(const View& v, float* out) {
  for (int32_t i = 0; i < v.nnz; i++) out[v.indices[i]] = v.values[i];
}

}  // namespace vx::core::sparse

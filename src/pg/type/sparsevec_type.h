// On-disk and in-memory layout of the `sparsevec` type, identical to pgvector's (varlena header, int32 dim, int32 nnz,
// int32 unused, int32 indices[nnz] (0-based, ascending), float4 values[nnz] (nonzero, finite)), and the checks every
// sparsevec entry point shares, with pgvector's messages and SQLSTATEs. The arithmetic lives in core/types/sparsevec.h;
// this layer only detoasts, checks and allocates (the thin layer an index opclass can point at).
#pragma once

#include "pg/type/type_checks.h"
#include "core/types/sparse_text.h"
#include "core/types/sparsevec.h"

namespace vx::pg {

struct SparseVector {
  int32 vl_len_;  // varlena header: never touch directly
  int32 dim;
  int32 nnz;
  int32 unused;  // always 0; part of the wire format
  int32 indices[FLEXIBLE_ARRAY_MEMBER];
  // followed by float4 values[nnz]
};

constexpr std::size_t sparsevec_size(int32 nnz) {
  return offsetof(SparseVector, indices) + (sizeof(int32) + sizeof(float)) * static_cast<std::size_t>(nnz);
}
inline float* sparse_values(SparseVector* v) { return reinterpret_cast<float*>(v->indices + v->nnz); }
inline const float* sparse_values(const SparseVector* v) { return reinterpret_cast<const float*>(v->indices + v->nnz); }
inline core::sparse::View sparse_view(const SparseVector* v) { return {v->dim, v->nnz, v->indices, sparse_values(v)}; }

inline SparseVector* datum_get_sparsevec(Datum d) { return reinterpret_cast<SparseVector*>(PG_DETOAST_DATUM(d)); }

// palloc0's a sparsevec with room for nnz elements in the current memory context.
SparseVector* new_sparsevec(int32 dim, int32 nnz);

inline void check_sparsevec_dims(int64 dim) { check_dims_for("sparsevec", dim, core::sparse::kMaxDims); }
inline void check_same_sparsevec_dims(const SparseVector* a, const SparseVector* b) {
  check_same_dims_for("sparsevec", a->dim, b->dim);
}
inline void check_sparse_element(float value) { check_element_for("sparsevec", value); }
// 0..16000 and no more than dim: "sparsevec cannot have negative number of elements" (22000), "... more than 16000
// non-zero elements" (54000), "... more elements than dimensions" (54000).
void check_nnz(int32 nnz, int32 dim);
// "sparsevec index out of bounds", "... indices must be in ascending order", "... must not contain duplicates"
// (22000), for the first failing position.
void check_sparse_indices(const int32* indices, int32 nnz, int32 dim);

// A dense value of `dim` elements as a sparsevec: element(i) gives element i as a float; those != 0 are kept.
template <class Element>
SparseVector* sparsevec_from_dense(int dim, Element element) {
  int32 nnz = 0;
  for (int i = 0; i < dim; ++i) nnz += element(i) != 0.0f;
  check_nnz(nnz, dim);
  SparseVector* result = new_sparsevec(dim, nnz);
  float* values = sparse_values(result);
  int32 j = 0;
  for (int i = 0; i < dim && j < nnz; ++i) {
    const float x = element(i);
    if (x != 0.0f) {
      result->indices[j] = i;
      values[j++] = x;
    }
  }
  return result;
}

}  // namespace vx::pg

#define VX_GETARG_SPARSEVEC(n) (::vx::pg::datum_get_sparsevec(PG_GETARG_DATUM(n)))

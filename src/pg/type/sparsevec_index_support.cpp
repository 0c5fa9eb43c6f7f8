// The `sparsevec` type in the type-and-metric contract (ann_contract.h), for hnsw (sparsevec_l2_ops, sparsevec_ip_ops,
// sparsevec_cosine_ops, sparsevec_l1_ops; support functions sparsevec_<metric>_index_support(internal)). A sparse
// value has no float form an index could copy (up to 1,000,000,000 dimensions), so the index keeps its own nonzeros
// (StoredForm::OwnBytes), scored with the sparsevec operators' own kernels (core/types/sparsevec.h): every value a
// scan returns is the operator's, exact.
//
// Stored form (fixed size, what an index record holds): int32 nnz | int32 unused | uint64 extra | int32
// indices[kInlineNnz] | float values[kInlineNnz] (unused slots zero): 2,416 bytes. A value of up to kInlineNnz nonzeros
// (typical SPLADE documents: 50-300) lives in it whole. A wider one, up to the type's own limit of 16,000 nonzeros,
// keeps only nnz in the form (the slots stay zero) and its nonzeros out of line, as the type lays them out (int32
// indices[nnz] then float values[nnz]: 8 bytes a nonzero): `extra` points at them in memory (the value itself, or a
// copy the index attached); on an index page it is zero and the index finds them through its own reference (hnsw:
// value pages, src/pg/hnsw/hnsw_values.cpp). pgvector refuses more than 1,000 nonzeros for hnsw.
#include "pg/ann/ann_contract.h"
#include "pg/type/sparsevec_type.h"

#include "core/metric.h"
#include "core/types/sparsevec.h"

#include <cmath>
#include <cstring>

namespace vx::pg {

namespace {

constexpr int kInlineNnz = 300;                          // nonzeros kept in the form itself
constexpr int kMaxIndexNnz = core::sparse::kMaxNnz;      // the type's own limit (pgvector's hnsw: 1,000)
constexpr std::size_t kExtraOffset = 2 * sizeof(int32);  // the uint64 pointer to the out-of-line nonzeros
constexpr std::size_t kSlotsOffset = kExtraOffset + sizeof(uint64);
constexpr std::size_t kValuesOffset = kSlotsOffset + sizeof(int32) * kInlineNnz;

const void* sparsevec_detoast(Datum value) { return datum_get_sparsevec(value); }
int sparsevec_dims(const void* value) { return static_cast<const SparseVector*>(value)->dim; }
Size sparsevec_bytes(int dims) { return sparsevec_size(std::min(dims, kInlineNnz)); }
void sparsevec_check_same_dims(int indexed, int query) { check_same_dims_for("sparsevec", indexed, query); }

const AnnType kSparsevec = {"sparsevec",
                            ElementKind::SparseFloat32,
                            core::sparse::kMaxDims,
                            sparsevec_detoast,
                            sparsevec_dims,
                            sparsevec_bytes,
                            nullptr,
                            sparsevec_check_same_dims,
                            nullptr};

uint32 stored_bytes(int) { return static_cast<uint32>(kValuesOffset + sizeof(float) * kInlineNnz); }

int32 form_nnz(const uint8* form) {
  int32 nnz;
  std::memcpy(&nnz, form, sizeof(nnz));
  return nnz;
}
const uint8* form_extra(const uint8* form) {
  const uint8* p;
  std::memcpy(&p, form + kExtraOffset, sizeof(p));
  return p;
}
void attach(uint8* form, const uint8* data) { std::memcpy(form + kExtraOffset, &data, sizeof(data)); }
uint32 extra_bytes(const uint8* form) {
  const int32 nnz = form_nnz(form);
  return nnz > kInlineNnz ? static_cast<uint32>(nnz) * (sizeof(int32) + sizeof(float)) : 0;
}
static_assert(sizeof(const uint8*) <= sizeof(uint64), "the form's pointer slot holds a pointer");

bool store(const void* value, uint8* out) {
  const auto* v = static_cast<const SparseVector*>(value);
  if (v->nnz > kMaxIndexNnz)  // the type refuses such values already; kept so the form's bound is checked here
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("sparsevec cannot have more than %d non-zero elements for hnsw index", kMaxIndexNnz)));
  const int32 nnz = v->nnz;
  std::memcpy(out, &nnz, sizeof(nnz));
  if (nnz > kInlineNnz) {  // indices[nnz] then values[nnz], as the value holds them
    attach(out, reinterpret_cast<const uint8*>(v->indices));
    return true;
  }
  std::memcpy(out + kSlotsOffset, v->indices, sizeof(int32) * static_cast<std::size_t>(nnz));
  std::memcpy(out + kValuesOffset, sparse_values(v), sizeof(float) * static_cast<std::size_t>(nnz));
  return true;
}
// Cosine: a value without nonzeros has no direction (its distance is NaN to everything); not indexed, as pgvector.
bool store_with_norm(const void* value, uint8* out) {
  if (static_cast<const SparseVector*>(value)->nnz == 0) return false;
  return store(value, out);
}

// A view of a stored form (4-byte aligned: the index keeps it at a 4-byte offset, memory holds it in floats). A wide
// form without its nonzeros attached (never handed to a kernel by the index; a damaged page) has none.
core::sparse::View view(const uint8* stored, int dims) {
  const int32 nnz = form_nnz(stored);
  if (nnz > kInlineNnz) {
    const uint8* extra = form_extra(stored);
    if (extra == nullptr) return {dims, 0, nullptr, nullptr};
    const auto* indices = reinterpret_cast<const int32*>(extra);
    return {dims, nnz, indices, reinterpret_cast<const float*>(indices + nnz)};
  }
  return {dims, nnz, reinterpret_cast<const int32*>(stored + kSlotsOffset),
          reinterpret_cast<const float*>(stored + kValuesOffset)};
}

// The operators' values (sparsevec_distance.cpp), operands in the operator's order: indexed column, query.
double l2_value(const uint8* a, const uint8* b, int dims) {
  return std::sqrt(static_cast<double>(core::sparse::l2_squared_distance(view(a, dims), view(b, dims))));
}
double ip_value(const uint8* a, const uint8* b, int dims) {
  return -static_cast<double>(core::sparse::inner_product(view(a, dims), view(b, dims)));
}
double cosine_value(const uint8* a, const uint8* b, int dims) {
  return core::sparse::cosine_distance(view(a, dims), view(b, dims));
}
double l1_value(const uint8* a, const uint8* b, int dims) {
  return static_cast<double>(core::sparse::l1_distance(view(a, dims), view(b, dims)));
}
// Ranking keys: the float sums themselves where the value is a monotone function of one; cosine's double rounded to
// float (order kept). NaN (a zero query under cosine) ranks as 0: every element alike.
float l2_rank(const uint8* a, const uint8* b, int dims) {
  return core::sparse::l2_squared_distance(view(a, dims), view(b, dims));
}
float ip_rank(const uint8* a, const uint8* b, int dims) {
  return -core::sparse::inner_product(view(a, dims), view(b, dims));
}
float cosine_rank(const uint8* a, const uint8* b, int dims) {
  const double d = cosine_value(a, b, dims);
  return std::isnan(d) ? 0.0f : static_cast<float>(d);
}
float l1_rank(const uint8* a, const uint8* b, int dims) {
  return core::sparse::l1_distance(view(a, dims), view(b, dims));
}

constexpr AnnContract sparse_contract(core::Metric metric, bool (*to_stored)(const void*, uint8*),
                                      float (*rank)(const uint8*, const uint8*, int),
                                      double (*value)(const uint8*, const uint8*, int)) {
  AnnContract c = own_bytes_contract(&kSparsevec, metric, stored_bytes, to_stored, rank, value);
  c.extra_bytes = extra_bytes;
  c.extra = form_extra;
  c.attach_extra = attach;
  return c;
}

const AnnContract kL2 = sparse_contract(core::Metric::L2, store, l2_rank, l2_value);
const AnnContract kInnerProduct = sparse_contract(core::Metric::InnerProduct, store, ip_rank, ip_value);
const AnnContract kCosine = sparse_contract(core::Metric::Cosine, store_with_norm, cosine_rank, cosine_value);
const AnnContract kL1 = sparse_contract(core::Metric::L1, store, l1_rank, l1_value);

}  // namespace

}  // namespace vx::pg

VX_FUNCTION(vx_sparsevec_l2_index_support) { PG_RETURN_POINTER(&vx::pg::kL2); }
VX_FUNCTION(vx_sparsevec_ip_index_support) { PG_RETURN_POINTER(&vx::pg::kInnerProduct); }
VX_FUNCTION(vx_sparsevec_cosine_index_support) { PG_RETURN_POINTER(&vx::pg::kCosine); }
VX_FUNCTION(vx_sparsevec_l1_index_support) { PG_RETURN_POINTER(&vx::pg::kL1); }

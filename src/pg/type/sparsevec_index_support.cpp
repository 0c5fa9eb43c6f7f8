// The `sparsevec` type in the type-and-metric contract (ann_contract.h), for hnsw (sparsevec_l2_ops, sparsevec_ip_ops,
// sparsevec_cosine_ops, sparsevec_l1_ops; support functions sparsevec_<metric>_index_support(internal)). A sparse
// value has no float form an index could copy (up to 1,000,000,000 dimensions), so the index keeps its own nonzeros
// (StoredForm::OwnBytes) in a fixed-size form of kMaxIndexNnz slots, scored with the sparsevec operators' own kernels
// (core/types/sparsevec.h): every value a scan returns is the operator's, exact.
//
// Stored form: int32 nnz | int32 indices[kMaxIndexNnz] | float values[kMaxIndexNnz] (unused slots zero). Its size does
// not depend on the value, which is what the index's fixed-size records need: 8,004 bytes, pgvector's limit of 1,000
// nonzeros for hnsw ("sparsevec cannot have more than 1000 non-zero elements for hnsw index", 54000).
#include "pg/ann/ann_contract.h"
#include "pg/type/sparsevec_type.h"

#include "core/metric.h"
#include "core/types/sparsevec.h"

#include <cmath>
#include <cstring>

namespace vx::pg {

namespace {

constexpr int kMaxIndexNnz = 1000;  // pgvector's HNSW_MAX_NNZ

const void* sparsevec_detoast(Datum value) { return datum_get_sparsevec(value); }
int sparsevec_dims(const void* value) { return static_cast<const SparseVector*>(value)->dim; }
Size sparsevec_bytes(int dims) { return sparsevec_size(std::min(dims, kMaxIndexNnz)); }
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

uint32 stored_bytes(int) { return static_cast<uint32>(sizeof(int32) + (sizeof(int32) + sizeof(float)) * kMaxIndexNnz); }

bool store(const void* value, uint8* out) {
  const auto* v = static_cast<const SparseVector*>(value);
  if (v->nnz > kMaxIndexNnz)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("sparsevec cannot have more than %d non-zero elements for hnsw index", kMaxIndexNnz)));
  const int32 nnz = v->nnz;
  std::memcpy(out, &nnz, sizeof(nnz));
  std::memcpy(out + sizeof(int32), v->indices, sizeof(int32) * static_cast<std::size_t>(nnz));
  std::memcpy(out + sizeof(int32) * (1 + kMaxIndexNnz), sparse_values(v),
              sizeof(float) * static_cast<std::size_t>(nnz));
  return true;
}
// Cosine: a value without nonzeros has no direction (its distance is NaN to everything); not indexed, as pgvector.
bool store_with_norm(const void* value, uint8* out) {
  if (static_cast<const SparseVector*>(value)->nnz == 0) return false;
  return store(value, out);
}

// A view of a stored form (4-byte aligned: the index keeps it at a 4-byte offset, memory holds it in floats).
core::sparse::View view(const uint8* stored, int dims) {
  int32 nnz;
  std::memcpy(&nnz, stored, sizeof(nnz));
  return {dims, nnz, reinterpret_cast<const int32*>(stored + sizeof(int32)),
          reinterpret_cast<const float*>(stored + sizeof(int32) * (1 + kMaxIndexNnz))};
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

const AnnContract kL2 = own_bytes_contract(&kSparsevec, core::Metric::L2, stored_bytes, store, l2_rank, l2_value);
const AnnContract kInnerProduct =
    own_bytes_contract(&kSparsevec, core::Metric::InnerProduct, stored_bytes, store, ip_rank, ip_value);
const AnnContract kCosine =
    own_bytes_contract(&kSparsevec, core::Metric::Cosine, stored_bytes, store_with_norm, cosine_rank, cosine_value);
const AnnContract kL1 = own_bytes_contract(&kSparsevec, core::Metric::L1, stored_bytes, store, l1_rank, l1_value);

}  // namespace

}  // namespace vx::pg

VX_FUNCTION(vx_sparsevec_l2_index_support) { PG_RETURN_POINTER(&vx::pg::kL2); }
VX_FUNCTION(vx_sparsevec_ip_index_support) { PG_RETURN_POINTER(&vx::pg::kInnerProduct); }
VX_FUNCTION(vx_sparsevec_cosine_index_support) { PG_RETURN_POINTER(&vx::pg::kCosine); }
VX_FUNCTION(vx_sparsevec_l1_index_support) { PG_RETURN_POINTER(&vx::pg::kL1); }

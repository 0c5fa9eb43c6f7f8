// The `vector` type in the type-and-metric contract (ann_contract.h): how an index reads its values, and one contract
// per metric its operator classes order by, returned by the support functions vector_<metric>_index_support(internal)
// (support function 3 of vector_l2_ops, vector_ip_ops, vector_cosine_ops, vector_l1_ops).
#include "pg/ann/ann_contract.h"
#include "pg/type/type_checks.h"
#include "pg/type/vector_type.h"

#include "core/kernels/distance.h"
#include "core/metric.h"

#include <cmath>
#include <cstring>

namespace vx::pg {

namespace {

const void* vector_detoast(Datum value) { return datum_get_vector(value); }
int vector_dims(const void* value) { return static_cast<const Vector*>(value)->dim; }
Size vector_bytes(int dims) { return vector_size(dims); }
void vector_to_float(const void* value, float* out) {
  const auto* v = static_cast<const Vector*>(value);
  std::memcpy(out, v->x, sizeof(float) * static_cast<std::size_t>(v->dim));
}

void vector_check_same_dims(int indexed, int query) { check_same_dims_for("vector", indexed, query); }

const AnnType kVector = {"vector",     ElementKind::Float32, core::kMaxVectorDims,   vector_detoast, vector_dims,
                         vector_bytes, vector_to_float,      vector_check_same_dims, nullptr};

// The operators compute on the same floats with the same kernels (distance.h), so the copy's decoded floats give the
// operator's value to the bit.
template <core::Metric M>
double exact_from_floats(const float* x, const float* query, std::size_t n) {
  return core::sql_distance(M, x, query, n);
}
// <-> is sqrt of the same float sum rank_distance computes; <#> and <+> are what rank_distance computes.
double l2_from_rank(float rank) { return std::sqrt(static_cast<double>(rank)); }
double rank_is_sql(float rank) { return static_cast<double>(rank); }  // <#>, and <+> (the same l1 float sum)

const AnnContract kL2 =
    half_copy_contract(&kVector, core::Metric::L2, exact_from_floats<core::Metric::L2>, l2_from_rank);
const AnnContract kInnerProduct = half_copy_contract(&kVector, core::Metric::InnerProduct,
                                                     exact_from_floats<core::Metric::InnerProduct>, rank_is_sql);
const AnnContract kCosine =
    half_copy_contract(&kVector, core::Metric::Cosine, exact_from_floats<core::Metric::Cosine>, nullptr);
const AnnContract kL1 =
    half_copy_contract(&kVector, core::Metric::L1, exact_from_floats<core::Metric::L1>, rank_is_sql);

}  // namespace

}  // namespace vx::pg

VX_FUNCTION(vx_vector_l2_index_support) { PG_RETURN_POINTER(&vx::pg::kL2); }
VX_FUNCTION(vx_vector_ip_index_support) { PG_RETURN_POINTER(&vx::pg::kInnerProduct); }
VX_FUNCTION(vx_vector_cosine_index_support) { PG_RETURN_POINTER(&vx::pg::kCosine); }
VX_FUNCTION(vx_vector_l1_index_support) { PG_RETURN_POINTER(&vx::pg::kL1); }

// The `halfvec` type in the type-and-metric contract (ann_contract.h): its values reach an index as floats (exact:
// every half is a float), and one contract per metric its operator classes order by, returned by the support
// functions halfvec_<metric>_index_support(internal) (support function 3 of halfvec_l2_ops, halfvec_ip_ops,
// halfvec_cosine_ops, halfvec_l1_ops). Half copies of halfvec values have no encoding error, so every non-cosine row
// of a flat IVF list is an exact copy and its value comes back through the halfvec operator itself.
#include "pg/ann/ann_contract.h"
#include "pg/type/halfvec_type.h"

#include "core/kernels/half.h"
#include "core/types/halfvec.h"
#include "core/metric.h"

namespace vx::pg {

namespace {

const void* halfvec_detoast(Datum value) { return datum_get_halfvec(value); }
int halfvec_dims(const void* value) { return static_cast<const HalfVector*>(value)->dim; }
Size halfvec_bytes(int dims) { return halfvec_size(dims); }
void halfvec_to_float(const void* value, float* out) {
  const auto* v = static_cast<const HalfVector*>(value);
  core::halfvec::to_floats(v->x, static_cast<std::size_t>(v->dim), out);
}
void halfvec_check_same_dims(int indexed, int query) { check_same_dims_for("halfvec", indexed, query); }

const AnnType kHalfvec = {"halfvec",     ElementKind::Float16, core::halfvec::kMaxDims, halfvec_detoast, halfvec_dims,
                          halfvec_bytes, halfvec_to_float,     halfvec_check_same_dims, nullptr};

// The operator's own function on the two values as halves. The floats came from halves (the copy's decoded elements
// and the query's float form), so converting back is exact and the value is the operator's to the bit. Scans call
// this on their own thread only (buffers per thread: a build's workers never do).
double halfvec_sql(core::Metric metric, const float* x, const float* query, std::size_t n) {
  thread_local uint16_t column[core::halfvec::kMaxDims], probe[core::halfvec::kMaxDims];
  for (std::size_t i = 0; i < n; ++i) {
    column[i] = core::half::from_float(x[i]);
    probe[i] = core::half::from_float(query[i]);
  }
  switch (metric) {
    case core::Metric::L2:
      return core::halfvec::l2_distance(column, probe, n);
    case core::Metric::InnerProduct:
      return core::halfvec::negative_inner_product(column, probe, n);
    case core::Metric::Cosine:
      return core::halfvec::cosine_distance(column, probe, n);
    default:
      return core::halfvec::l1_distance(column, probe, n);
  }
}

template <core::Metric M>
double exact_from_floats(const float* x, const float* query, std::size_t n) {
  return halfvec_sql(M, x, query, n);
}

// halfvec's operators accumulate with the half pair kernels, not the float ones rank_distance uses: no rank is the
// operator's value (sql_from_rank nullptr), so re-ranked (sq8, pq) rows are rechecked by the executor
const AnnContract kL2 = half_copy_contract(&kHalfvec, core::Metric::L2, exact_from_floats<core::Metric::L2>, nullptr);
const AnnContract kInnerProduct =
    half_copy_contract(&kHalfvec, core::Metric::InnerProduct, exact_from_floats<core::Metric::InnerProduct>, nullptr);
const AnnContract kCosine =
    half_copy_contract(&kHalfvec, core::Metric::Cosine, exact_from_floats<core::Metric::Cosine>, nullptr);
const AnnContract kL1 = half_copy_contract(&kHalfvec, core::Metric::L1, exact_from_floats<core::Metric::L1>, nullptr);

}  // namespace

}  // namespace vx::pg

VX_FUNCTION(vx_halfvec_l2_index_support) { PG_RETURN_POINTER(&vx::pg::kL2); }
VX_FUNCTION(vx_halfvec_ip_index_support) { PG_RETURN_POINTER(&vx::pg::kInnerProduct); }
VX_FUNCTION(vx_halfvec_cosine_index_support) { PG_RETURN_POINTER(&vx::pg::kCosine); }
VX_FUNCTION(vx_halfvec_l1_index_support) { PG_RETURN_POINTER(&vx::pg::kL1); }

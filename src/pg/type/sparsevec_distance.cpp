// Distance functions of the sparsevec type (<->, <#>, <=>, <+> and the support functions an index opclass calls):
// each detoasts, checks dimensions and calls one merge of core/types/sparsevec.h.
#include "pg/type/sparsevec_type.h"

#include <cmath>

using namespace vx::pg;
namespace sparse = vx::core::sparse;

namespace {
struct Pair {
  sparse::View a;
  sparse::View b;
};

inline Pair get_pair(FunctionCallInfo fcinfo) {
  const SparseVector* a = VX_GETARG_SPARSEVEC(0);
  const SparseVector* b = VX_GETARG_SPARSEVEC(1);
  check_same_sparsevec_dims(a, b);
  return {sparse_view(a), sparse_view(b)};
}
}  // namespace

VX_FUNCTION(vx_sparsevec_l2_distance) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(std::sqrt(static_cast<double>(sparse::l2_squared_distance(p.a, p.b))));
}

VX_FUNCTION(vx_sparsevec_l2_squared_distance) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(static_cast<double>(sparse::l2_squared_distance(p.a, p.b)));
}

VX_FUNCTION(vx_sparsevec_inner_product) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(static_cast<double>(sparse::inner_product(p.a, p.b)));
}

VX_FUNCTION(vx_sparsevec_negative_inner_product) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(-static_cast<double>(sparse::inner_product(p.a, p.b)));
}

VX_FUNCTION(vx_sparsevec_cosine_distance) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(sparse::cosine_distance(p.a, p.b));
}

VX_FUNCTION(vx_sparsevec_l1_distance) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(static_cast<double>(sparse::l1_distance(p.a, p.b)));
}

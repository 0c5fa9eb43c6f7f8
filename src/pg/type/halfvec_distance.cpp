// Distance functions of the halfvec type (<->, <#>, <=>, <+> and the support functions an index opclass calls): each
// detoasts, checks dimensions and calls one function of core/types/halfvec.h (half x half kernels dispatched at run time).
#include "pg/type/halfvec_type.h"

using namespace vx::pg;
namespace hv = vx::core::halfvec;

namespace {
struct Pair {
  const HalfVector* a;
  const HalfVector* b;
  std::size_t n;
};

inline Pair get_pair(FunctionCallInfo fcinfo) {
  const HalfVector* a = VX_GETARG_HALFVEC(0);
  const HalfVector* b = VX_GETARG_HALFVEC(1);
  check_same_halfvec_dims(a, b);
  return {a, b, static_cast<std::size_t>(a->dim)};
}
}  // namespace

VX_FUNCTION(vx_halfvec_l2_distance) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(hv::l2_distance(p.a->x, p.b->x, p.n));
}

VX_FUNCTION(vx_halfvec_l2_squared_distance) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(hv::l2_squared_distance(p.a->x, p.b->x, p.n));
}

VX_FUNCTION(vx_halfvec_inner_product) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(hv::inner_product(p.a->x, p.b->x, p.n));
}

VX_FUNCTION(vx_halfvec_negative_inner_product) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(hv::negative_inner_product(p.a->x, p.b->x, p.n));
}

VX_FUNCTION(vx_halfvec_cosine_distance) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(hv::cosine_distance(p.a->x, p.b->x, p.n));
}

VX_FUNCTION(vx_halfvec_spherical_distance) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(hv::spherical_distance(p.a->x, p.b->x, p.n));
}

VX_FUNCTION(vx_halfvec_l1_distance) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(hv::l1_distance(p.a->x, p.b->x, p.n));
}

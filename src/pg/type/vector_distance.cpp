// Distance functions of the vector type (<->, <#>, <=>, <+> and the support functions index opclasses call).
// The hot path of every exact search: each function detoasts, checks dimensions and calls one core kernel; no
// other allocation, no C++ object with a destructor (so the dimension error can ereport directly).
#include "pg/type/vector_type.h"
#include "core/kernels/distance.h"

#include <cmath>

using namespace vx::pg;
namespace core = vx::core;

namespace {
// Detoasts both arguments and checks their dimensions agree.
struct Pair {
  const Vector* a;
  const Vector* b;
};

inline Pair get_pair(FunctionCallInfo fcinfo) {
  const Vector* a = VX_GETARG_VECTOR(0);
  const Vector* b = VX_GETARG_VECTOR(1);
  check_same_dims(a, b);
  return {a, b};
}

inline std::size_t dims(const Pair& p) { return static_cast<std::size_t>(p.a->dim); }
}  // namespace

// l2_distance(a, b) and <->: Euclidean distance.
VX_FUNCTION(vx_l2_distance) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(core::l2_distance(p.a->x, p.b->x, dims(p)));
}

// vector_l2_squared_distance(a, b): squared Euclidean distance (index support, saves the sqrt).
VX_FUNCTION(vx_vector_l2_squared_distance) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(static_cast<double>(core::kernels().l2_squared(p.a->x, p.b->x, dims(p))));
}

// inner_product(a, b): the dot product.
VX_FUNCTION(vx_inner_product) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(static_cast<double>(core::kernels().inner_product(p.a->x, p.b->x, dims(p))));
}

// vector_negative_inner_product(a, b) and <#>: minus the dot product, so that smaller is closer.
VX_FUNCTION(vx_vector_negative_inner_product) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(core::negative_inner_product(p.a->x, p.b->x, dims(p)));
}

// cosine_distance(a, b) and <=>: 1 - cosine similarity, in [0, 2]; NaN when either vector is zero.
VX_FUNCTION(vx_cosine_distance) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(core::cosine_distance(p.a->x, p.b->x, dims(p)));
}

// vector_spherical_distance(a, b): angle between two unit vectors divided by pi, in [0, 1]. Used by IVF k-means
// on normalised data (it satisfies the triangle inequality); the inputs are assumed to be unit vectors.
VX_FUNCTION(vx_vector_spherical_distance) {
  Pair p = get_pair(fcinfo);
  double dot = static_cast<double>(core::kernels().inner_product(p.a->x, p.b->x, dims(p)));
  // Rounding can push the dot product of unit vectors slightly outside [-1, 1], where acos is NaN.
  if (dot > 1.0)
    dot = 1.0;
  else if (dot < -1.0)
    dot = -1.0;
  PG_RETURN_FLOAT8(std::acos(dot) / M_PI);
}

// l1_distance(a, b) and <+>: taxicab distance.
VX_FUNCTION(vx_l1_distance) {
  Pair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(core::l1_distance(p.a->x, p.b->x, dims(p)));
}

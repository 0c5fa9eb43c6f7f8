// TEMPORARY STUBS (branch hnsw): distance functions until branch `type` reaches main; delete with
// sql/parts/19_hnsw_stub_operators.sql.
#include "pg/vector_type.h"

#include <cmath>

using vx::pg::Vector;

namespace {
double dot(const Vector* a, const Vector* b) {
  double s = 0;
  for (int i = 0; i < a->dim; ++i) s += double(a->x[i]) * b->x[i];
  return s;
}
double l2sq(const Vector* a, const Vector* b) {
  double s = 0;
  for (int i = 0; i < a->dim; ++i) s += (double(a->x[i]) - b->x[i]) * (double(a->x[i]) - b->x[i]);
  return s;
}
}  // namespace

#define VX_STUB_PAIR                    \
  Vector* a = VX_GETARG_VECTOR(0);      \
  Vector* b = VX_GETARG_VECTOR(1);      \
  vx::pg::check_same_dims(a, b)

VX_FUNCTION(vx_stub_l2_distance) {
  VX_STUB_PAIR;
  PG_RETURN_FLOAT8(std::sqrt(l2sq(a, b)));
}
VX_FUNCTION(vx_stub_l2_squared_distance) {
  VX_STUB_PAIR;
  PG_RETURN_FLOAT8(l2sq(a, b));
}
VX_FUNCTION(vx_stub_inner_product) {
  VX_STUB_PAIR;
  PG_RETURN_FLOAT8(dot(a, b));
}
VX_FUNCTION(vx_stub_negative_inner_product) {
  VX_STUB_PAIR;
  PG_RETURN_FLOAT8(-dot(a, b));
}
VX_FUNCTION(vx_stub_cosine_distance) {
  VX_STUB_PAIR;
  double na = dot(a, a), nb = dot(b, b);
  double sim = dot(a, b) / std::sqrt(na * nb);
  if (sim > 1) sim = 1;
  if (sim < -1) sim = -1;
  PG_RETURN_FLOAT8(1 - sim);
}
VX_FUNCTION(vx_stub_l1_distance) {
  VX_STUB_PAIR;
  double s = 0;
  for (int i = 0; i < a->dim; ++i) s += std::fabs(double(a->x[i]) - b->x[i]);
  PG_RETURN_FLOAT8(s);
}
VX_FUNCTION(vx_stub_vector_norm) {
  Vector* a = VX_GETARG_VECTOR(0);
  PG_RETURN_FLOAT8(std::sqrt(dot(a, a)));
}

// Construction and the shared validity checks of the vector type.
#include "pg/type/vector_type.h"

#include <cmath>

namespace vx::pg {

Vector* new_vector(int dim) {
  std::size_t size = vector_size(dim);
  auto* v = static_cast<Vector*>(palloc0(size));
  SET_VARSIZE(v, size);
  v->dim = static_cast<int16>(dim);
  return v;
}

void check_dims(int dim) { check_dims_for("vector", dim, core::kMaxVectorDims); }

void check_same_dims(const Vector* a, const Vector* b) { check_same_dims_for("vector", a->dim, b->dim); }

void check_element(float value) { check_element_for("vector", value); }

void overflow_error() {
  ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE), errmsg("value out of range: overflow")));
  pg_unreachable();
}

void underflow_error() {
  ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE), errmsg("value out of range: underflow")));
  pg_unreachable();
}

}  // namespace vx::pg

// Construction, element checks and the checked float -> half conversion of the halfvec type (see halfvec_type.h).
#include "pg/type/halfvec_type.h"

#include <cmath>

extern "C" {
#include "common/shortest_dec.h"
}

namespace vx::pg {

HalfVector* new_halfvec(int dim) {
  const std::size_t size = halfvec_size(dim);
  auto* v = static_cast<HalfVector*>(palloc0(size));
  SET_VARSIZE(v, size);
  v->dim = static_cast<int16>(dim);
  return v;
}

void check_half_element(uint16 h) {
  if (core::half::is_nan(h)) check_element_for("halfvec", NAN);
  if (core::half::is_inf(h)) check_element_for("halfvec", INFINITY);
}

uint16 float_to_half(float x) {
  const uint16 h = core::half::from_float_ieee(x);
  if (__builtin_expect(core::half::is_inf(h), 0) && !std::isinf(x)) {
    char buf[FLOAT_SHORTEST_DECIMAL_LEN];
    float_to_shortest_decimal_buf(x, buf);
    ereport(ERROR,
            (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE), errmsg("\"%s\" is out of range for type halfvec", buf)));
  }
  return h;
}

}  // namespace vx::pg

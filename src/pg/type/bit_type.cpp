// Construction and the length check of bit values (see bit_type.h).
#include "pg/type/bit_type.h"

namespace vx::pg {

VarBit* new_bit_vector(int bits) {
  const int size = VARBITTOTALLEN(bits);
  VarBit* result = static_cast<VarBit*>(palloc0(size));
  SET_VARSIZE(result, size);
  VARBITLEN(result) = bits;
  return result;
}

void check_same_bit_lengths(const VarBit* a, const VarBit* b) {
  if (VARBITLEN(a) != VARBITLEN(b))
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("different bit lengths %u and %u", static_cast<unsigned>(VARBITLEN(a)),
                           static_cast<unsigned>(VARBITLEN(b)))));
}

}  // namespace vx::pg

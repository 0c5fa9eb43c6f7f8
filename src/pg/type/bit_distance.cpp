// pgvector's distance functions on Postgres' `bit` type: hamming_distance (<~>) and jaccard_distance (<%>), over the
// popcount kernels of core/kernels/bit_distance.h. Postgres keeps the padding bits of the last byte zero, so whole bytes are
// compared.
#include "pg/type/bit_type.h"
#include "core/kernels/bit_distance.h"

using namespace vx::pg;
namespace bits = vx::core::bits;

namespace {
struct BitPair {
  const uint8* a;
  const uint8* b;
  std::size_t bytes;
};

inline BitPair get_pair(FunctionCallInfo fcinfo) {
  const VarBit* a = PG_GETARG_VARBIT_P(0);
  const VarBit* b = PG_GETARG_VARBIT_P(1);
  check_same_bit_lengths(a, b);
  return {VARBITS(a), VARBITS(b), static_cast<std::size_t>(VARBITBYTES(a))};
}
}  // namespace

VX_FUNCTION(vx_hamming_distance) {
  BitPair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(bits::hamming_distance(p.a, p.b, p.bytes));
}

VX_FUNCTION(vx_jaccard_distance) {
  BitPair p = get_pair(fcinfo);
  PG_RETURN_FLOAT8(bits::jaccard_distance(p.a, p.b, p.bytes));
}

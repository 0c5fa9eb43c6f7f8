// The Postgres `bit` values the vector types produce (binary_quantize) and pgvector's bit operators read: building
// one, and the byte view of two equal-length ones ("different bit lengths A and B", 22000, otherwise).
#pragma once

#include "pg/boundary.h"

extern "C" {
#include "utils/varbit.h"
}

namespace vx::pg {

// palloc0'd bit(bits), every bit clear.
VarBit* new_bit_vector(int bits);

// bit(dims) with bit i set where positive(i) (first element = leftmost bit), as pgvector's binary_quantize.
template <class Positive>
VarBit* binary_quantize(int dims, Positive positive) {
  VarBit* result = new_bit_vector(dims);
  bits8* out = VARBITS(result);
  for (int i = 0; i < dims; ++i)
    if (positive(i)) out[i / 8] |= static_cast<bits8>(0x80u >> (i % 8));
  return result;
}

void check_same_bit_lengths(const VarBit* a, const VarBit* b);

}  // namespace vx::pg

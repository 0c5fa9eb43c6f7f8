// On-disk and in-memory layout of the `halfvec` type, identical to pgvector's (varlena header, int16 dim, int16
// unused, IEEE binary16 elements), so binary COPY, pg_dump and client libraries see the same bytes; plus the
// checks every halfvec entry point shares, with pgvector's messages and SQLSTATEs. The arithmetic lives in
// core/types/halfvec.h; this layer only detoasts, checks and allocates (the thin layer an index opclass can point at).
#pragma once

#include "pg/type/type_checks.h"
#include "core/kernels/half.h"
#include "core/types/halfvec.h"

namespace vx::pg {

struct HalfVector {
  int32 vl_len_;  // varlena header: never touch directly
  int16 dim;
  int16 unused;  // always 0; part of the wire format
  uint16 x[FLEXIBLE_ARRAY_MEMBER];
};

constexpr std::size_t halfvec_size(int dim) {
  return offsetof(HalfVector, x) + sizeof(uint16) * static_cast<std::size_t>(dim);
}

inline HalfVector* datum_get_halfvec(Datum d) { return reinterpret_cast<HalfVector*>(PG_DETOAST_DATUM(d)); }

// palloc0's a halfvec of `dim` elements (all +0) in the current memory context.
HalfVector* new_halfvec(int dim);

inline void check_halfvec_dims(int dim) { check_dims_for("halfvec", dim, core::halfvec::kMaxDims); }
inline void check_same_halfvec_dims(const HalfVector* a, const HalfVector* b) {
  check_same_dims_for("halfvec", a->dim, b->dim);
}
// A stored element must be finite: "NaN not allowed in halfvec", "infinite value not allowed in halfvec" (22000).
void check_half_element(uint16 h);

// A float as a halfvec element (round to nearest even). A finite float beyond the half range is
// "\"70000\" is out of range for type halfvec" (22003); NaN and infinity pass through for check_half_element.
uint16 float_to_half(float x);

}  // namespace vx::pg

#define VX_GETARG_HALFVEC(n) (::vx::pg::datum_get_halfvec(PG_GETARG_DATUM(n)))

// On-disk and in-memory layout of the `vector` type, identical to pgvector's so that pg_upgrade-style data
// copies, binary COPY and client libraries see the same bytes: varlena header, int16 dim, int16 unused, float4[].
#pragma once

#include "pg/boundary.h"
#include "pg/type/type_checks.h"
#include "core/types/vector_limits.h"

#include <cmath>

namespace vx::pg {

struct Vector {
  int32 vl_len_;  // varlena header: never touch directly
  int16 dim;
  int16 unused;  // always 0; part of the wire format
  float x[FLEXIBLE_ARRAY_MEMBER];
};

constexpr std::size_t vector_size(int dim) {
  return offsetof(Vector, x) + sizeof(float) * static_cast<std::size_t>(dim);
}

inline Vector* datum_get_vector(Datum d) { return reinterpret_cast<Vector*>(PG_DETOAST_DATUM(d)); }

// palloc0's a vector of `dim` elements in the current memory context.
Vector* new_vector(int dim);

// Errors shared by every entry point that builds or combines vectors (ereport directly: callers hold no C++
// objects). Messages and SQLSTATEs match pgvector's.
void check_dims(int dim);  // 1..16000
void check_same_dims(const Vector* a, const Vector* b);
void check_element(float value);  // finite

// "value out of range: overflow" / "...: underflow" (22003), as Postgres' float arithmetic and pgvector report.
[[noreturn]] void overflow_error();
[[noreturn]] void underflow_error();

// An element produced by arithmetic: infinity means the float range overflowed.
inline void check_overflow(float value) {
  if (__builtin_expect(std::isinf(value), 0)) overflow_error();
}

}  // namespace vx::pg

#define VX_GETARG_VECTOR(n) (::vx::pg::datum_get_vector(PG_GETARG_DATUM(n)))

// Text and binary I/O, typmod and the length-coercion cast of the halfvec type: pgvector's formats. Text is read as
// float4in reads a real (core/types/vector_text.h) and rounded to half; output is the shortest text of the element as a
// real, so every stored half round-trips exactly.
#include "pg/type/halfvec_type.h"
#include "pg/type/dense_io.h"

extern "C" {
#include "common/shortest_dec.h"
#include "libpq/pqformat.h"
}

using namespace vx::pg;
namespace half = vx::core::half;
using vx::core::halfvec::kMaxDims;

VX_FUNCTION(vx_halfvec_in) {
  const char* lit = PG_GETARG_CSTRING(0);
  const int32 typmod = PG_GETARG_INT32(2);
  auto* scratch = static_cast<float*>(palloc(sizeof(float) * kMaxDims));
  // Magnitudes that round to infinity in half precision are out of range, reported where they stand.
  auto parsed = vx::core::parse_vector_text(lit, scratch, kMaxDims, half::kOverflowAt);
  report_dense_text_error("halfvec", kMaxDims, lit, parsed);
  check_halfvec_dims(parsed.dims);
  check_expected_dims(typmod, parsed.dims);
  HalfVector* result = new_halfvec(parsed.dims);
  for (int i = 0; i < parsed.dims; ++i) result->x[i] = half::from_float_ieee(scratch[i]);
  pfree(scratch);
  PG_RETURN_POINTER(result);
}

VX_FUNCTION(vx_halfvec_out) {
  const HalfVector* v = VX_GETARG_HALFVEC(0);
  // FLOAT_SHORTEST_DECIMAL_LEN includes a NUL; each element also needs a separator, plus "[", "]" and NUL.
  char* buf = static_cast<char*>(palloc(FLOAT_SHORTEST_DECIMAL_LEN * static_cast<Size>(v->dim) + 2));
  char* p = buf;
  *p++ = '[';
  for (int i = 0; i < v->dim; ++i) {
    if (i > 0) *p++ = ',';
    p += float_to_shortest_decimal_bufn(half::to_float(v->x[i]), p);
  }
  *p++ = ']';
  *p = '\0';
  PG_RETURN_CSTRING(buf);
}

VX_FUNCTION(vx_halfvec_typmod_in) { PG_RETURN_INT32(typmod_in_for("halfvec", PG_GETARG_ARRAYTYPE_P(0), kMaxDims)); }

// Binary: int16 dim, int16 unused (0), then dim big-endian IEEE halves.
VX_FUNCTION(vx_halfvec_recv) {
  StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
  const int32 typmod = PG_GETARG_INT32(2);
  const int dim = recv_dense_header(buf, typmod, "halfvec", kMaxDims, sizeof(uint16));
  HalfVector* result = new_halfvec(dim);
  for (int i = 0; i < dim; ++i) {
    result->x[i] = static_cast<uint16>(pq_getmsgint(buf, sizeof(uint16)));
    check_half_element(result->x[i]);
  }
  PG_RETURN_POINTER(result);
}

VX_FUNCTION(vx_halfvec_send) {
  const HalfVector* v = VX_GETARG_HALFVEC(0);
  StringInfoData buf;
  pq_begintypsend(&buf);
  pq_sendint16(&buf, v->dim);
  pq_sendint16(&buf, v->unused);
  for (int i = 0; i < v->dim; ++i) pq_sendint16(&buf, v->x[i]);
  PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

// halfvec(halfvec, typmod, explicit): the length-coercion cast that enforces halfvec(n).
VX_FUNCTION(vx_halfvec_typmod_cast) {
  HalfVector* v = VX_GETARG_HALFVEC(0);
  check_expected_dims(PG_GETARG_INT32(1), v->dim);
  PG_RETURN_POINTER(v);
}

// Input checks shared by the dense types (vector, halfvec), with each type's name in pgvector's messages.
#pragma once

#include "pg/type/type_checks.h"
#include "core/types/vector_text.h"

extern "C" {
#include "lib/stringinfo.h"
}

namespace vx::pg {

// Text input: maps a core::parse_vector_text failure to pgvector's message and SQLSTATE. Returns only when r holds no
// error.
void report_dense_text_error(const char* type, int max_dims, const char* lit, const core::VectorParseResult& r);

// Binary input: reads the header (int16 dim, int16 unused), checks dimensions, typmod and unused as pgvector does, and
// that exactly dim elements of element_bytes follow, before any is read: "invalid binary <type>: N dimensions need B
// bytes of values, got G" (22P03) otherwise. Returns dim.
int recv_dense_header(StringInfo buf, int32 typmod, const char* type, int max_dims, int element_bytes);

}  // namespace vx::pg

// SQL text the MLOps layer builds from catalog OIDs, never from registry text (docs/security.md): a relation as its
// quoted, schema-qualified name and a type's equality operator as OPERATOR(schema.=), so that what a statement
// refers to does not depend on the search_path it is parsed under.
#pragma once

#include "pg/boundary.h"

namespace vx::pg {

// "schema"."table" of a relation, or nullptr when the OID names no relation (dropped).
char* relation_sql(Oid rel);
// OPERATOR("schema".=) of the default btree equality of `type` (domains and binary-coercible types included);
// raises undefined_function when the type has none.
char* equality_operator_sql(Oid type);

}  // namespace vx::pg

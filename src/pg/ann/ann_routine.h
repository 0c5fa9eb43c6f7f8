// What our approximate-nearest-neighbour access methods (hnsw, ivfflat, ivf) declare alike to the planner: ordered
// by a distance operator only, one key column, no uniqueness, no backward or bitmap or parallel scans.
#pragma once

#include "pg/boundary.h"

extern "C" {
#include "access/amapi.h"
}

namespace vx::pg {

// A palloc'd IndexAmRoutine with those capabilities set and every callback empty; the AM fills in its callbacks.
IndexAmRoutine* new_ann_routine(uint16 support_functions);

// amvalidate for an ANN operator class: the one operator is strategy 1, FOR ORDER BY a float8-returning distance of
// (type, type) sorted by a btree family of float8; support 1 is float8 (type, type), 2 float8 (type), 3 internal
// (internal) (the type-and-metric contract, ann_contract.h);
// `required_support` (bit n = support n) must be present. Each problem is an INFO message naming the
// class, and makes the result false (what amvalidate() reports; CREATE OPERATOR CLASS itself does not call it).
bool validate_ann_opclass(Oid opclassoid, uint32 required_support);

// For amvalidate functions: an operator class's family, input type and name (palloc'd); and one INFO "operator class
// ... is invalid" with the detail (fmt_detail with one %s, what), clearing *ok.
void opclass_identity(Oid opclassoid, Oid* family, Oid* type, const char** name);
void report_invalid_opclass(bool* ok, const char* opclass, const char* fmt_detail, const char* what);

}  // namespace vx::pg

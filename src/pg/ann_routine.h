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

}  // namespace vx::pg

// Which of our access methods an index belongs to (hnsw, ivfflat, ivf), for entry points that take any index
// (index_recall, tune, search_params, the health view): the family its access method registered with
// (ann_registry.h), so no code outside an access method's own files names its handler.
#pragma once

#include "pg/ann/ann_registry.h"

extern "C" {
#include "utils/rel.h"
}

namespace vx::pg {

AnnFamily ann_family(Relation index);
// "hnsw", "ivfflat", "ivf" (nullptr for kNone).
const char* ann_family_name(AnnFamily f);

}  // namespace vx::pg

// Which of our access methods an index belongs to (hnsw, ivfflat, ivf), found from its handler function, for entry
// points that take any index (index_check, index_recall, tune, search_params, the health view).
#pragma once

#include "pg/boundary.h"

extern "C" {
#include "utils/rel.h"
}

namespace vx::pg {

enum class AnnFamily { kNone, kHnsw, kIvfFlat, kIvf };
AnnFamily ann_family(Relation index);
// "hnsw", "ivfflat", "ivf" (nullptr for kNone).
const char* ann_family_name(AnnFamily f);

}  // namespace vx::pg

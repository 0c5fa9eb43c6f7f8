// The hnsw access method in the ANN registry (ann_registry.h): its scans publish exact ORDER BY values and
// hnsw_check.cpp checks its indexes. Issue 12, phase 1: a file of its own while hnsw_am.cpp is being changed on another
// branch; phase 2 moves these lines into hnsw_am.cpp, next to the handler.
#include "pg/ann/ann_registry.h"

extern "C" Datum vx_hnsw_handler(PG_FUNCTION_ARGS);

namespace vx::pg {
namespace {
const AnnAccessMethod kHnsw = {"hnsw", AnnFamily::kHnsw, 10, vx_hnsw_handler, true, hnsw_check_index};
VX_ANN_ACCESS_METHOD(kHnsw);
}  // namespace
}  // namespace vx::pg

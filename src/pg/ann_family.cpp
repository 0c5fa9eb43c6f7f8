// Access-method family of an index (see ann_family.h).
#include "pg/ann_family.h"

extern "C" {
Datum vx_hnsw_handler(PG_FUNCTION_ARGS);
Datum vx_ivfflathandler(PG_FUNCTION_ARGS);
Datum vx_ivfhandler(PG_FUNCTION_ARGS);
}

namespace vx::pg {

AnnFamily ann_family(Relation index) {
  if (index->rd_rel->relkind != RELKIND_INDEX || !OidIsValid(index->rd_amhandler)) return AnnFamily::kNone;
  FmgrInfo fn;
  fmgr_info(index->rd_amhandler, &fn);
  if (fn.fn_addr == vx_hnsw_handler) return AnnFamily::kHnsw;
  if (fn.fn_addr == vx_ivfflathandler) return AnnFamily::kIvfFlat;
  if (fn.fn_addr == vx_ivfhandler) return AnnFamily::kIvf;
  return AnnFamily::kNone;
}

const char* ann_family_name(AnnFamily f) {
  switch (f) {
    case AnnFamily::kHnsw: return "hnsw";
    case AnnFamily::kIvfFlat: return "ivfflat";
    case AnnFamily::kIvf: return "ivf";
    default: return nullptr;
  }
}

}  // namespace vx::pg

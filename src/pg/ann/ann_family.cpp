// Access-method family of an index (see ann_family.h), through the ANN registry.
#include "pg/ann/ann_family.h"

namespace vx::pg {

AnnFamily ann_family(Relation index) {
  if (index->rd_rel->relkind != RELKIND_INDEX) return AnnFamily::kNone;
  const AnnAccessMethod* am = ann_access_method_by_handler(index->rd_amhandler);
  return am == nullptr ? AnnFamily::kNone : am->family;
}

const char* ann_family_name(AnnFamily f) {
  switch (f) {
    case AnnFamily::kHnsw:
      return "hnsw";
    case AnnFamily::kIvfFlat:
      return "ivfflat";
    case AnnFamily::kIvf:
      return "ivf";
    default:
      return nullptr;
  }
}

}  // namespace vx::pg

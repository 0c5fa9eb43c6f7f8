// Placeholder for the ivf checker of vectorext.index_check (index_check.h): being written on its own branch.
#include "pg/boundary.h"
#include "pg/index_check.h"

namespace vx::pg {

void ivf_check_index(Relation index, Relation, bool, IndexCheckCounts*) {
  ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                  errmsg("vectorext.index_check does not check \"%s\" yet", RelationGetRelationName(index))));
}

}  // namespace vx::pg

// Capabilities shared by the ANN access methods (see ann_routine.h).
#include "pg/ann_routine.h"

extern "C" {
#include "commands/vacuum.h"
}

namespace vx::pg {

IndexAmRoutine* new_ann_routine(uint16 support_functions) {
  IndexAmRoutine* am = makeNode(IndexAmRoutine);  // zeroed: every flag false, every callback null
  am->amstrategies = 0;
  am->amsupport = support_functions;
  am->amcanorderbyop = true;
  am->amoptionalkey = true;
  am->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
  am->amkeytype = InvalidOid;
  return am;
}

}  // namespace vx::pg

// The search parameter an index scan uses (hnsw: ef_search; ivfflat / ivf: probes; ivf: rerank), decided in this
// one place with one precedence (docs/tuning.md, "Which value a scan uses"):
//   1. a measurement of this index in progress (vectorext.tune / the drift check measuring at a given setting);
//   2. the setting (hnsw.ef_search, ivfflat.probes, ivf.probes) when the session set it explicitly: SET, SET LOCAL,
//      set_config() or a function's SET clause (its source is PGC_S_SESSION; postgresql.conf, ALTER ROLE/DATABASE
//      SET and connection options are defaults, not explicit choices);
//   3. vectorext.target_recall, when set (> 0) and the index has a recall curve: the cheapest point meeting it;
//   4. the index's tuned value, the index option `ef_search` / `probes` (ALTER INDEX ... SET, written by tune);
//   5. the setting's value.
// Tuned values and the compact curve are index options (pg_class.reloptions): catalog state, transactional,
// replicated to standbys, dumped with the index, dropped with it, and read here from rd_options without a lookup.
#pragma once

#include "pg/boundary.h"

extern "C" {
#include "access/reloptions.h"
#include "utils/rel.h"
}

namespace vx::pg::tuning {

// Appended to each access method's reloption struct.
struct TunedOptions {
  int value;  // ef_search / probes chosen by tune (0: not tuned)
  int curve;  // offset of the recall_curve string option (0: none)
};
constexpr const char* kCurveOption = "recall_curve";
// Registers `param` (an int, 0 = unset) and recall_curve for one reloption kind; both can be changed with only a
// ShareUpdateExclusiveLock, so tuning never blocks the index's readers.
void add_tuned_reloptions(relopt_kind kind, const char* param, int max_value);

enum class Source { kMeasuring, kSession, kTargetRecall, kTuned, kSetting };
const char* source_name(Source s);
struct Effective {
  int value;
  Source source;
};

// ef_search for a scan of an hnsw index.
Effective hnsw_ef_search(Relation index);
// probes for a scan of an ivfflat (ivfflat = true) or ivf index.
Effective ivf_probes(Relation index, bool ivfflat);
// rerank for a scan of an ivf index: the measurement's while one runs, else `configured` (its index option).
int ivf_rerank(Relation index, int configured);

// While set, scans of `index` use `value` (and `rerank` if >= 0). Cleared by clear_measurement and at
// (sub)transaction abort.
void set_measurement(Oid index, int value, int rerank);
void clear_measurement();
bool measuring(Oid index);

// The index's tuned value and curve as stored (for the views and the drift check); curve nullptr when none.
struct Stored {
  int value;
  const char* curve;
};
Stored stored_options(Relation index);

}  // namespace vx::pg::tuning

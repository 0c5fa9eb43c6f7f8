// vectorext._index_recall(index, k, sample, queries, filter, perturb, caller_path), behind vectorext.index_recall: recall@k of an hnsw, ivfflat or ivf index
// against exact search, at the settings in force in the session (recall_measure.h; docs/tuning.md).
#include "pg/tuning/recall_measure.h"
#include "pg/tuning/tuned_params.h"

extern "C" {
#include "utils/builtins.h"
}

VX_FUNCTION(vx_index_recall) {
  using namespace vx::pg::recall;
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  for (int i = 1; i <= 2; ++i)
    if (PG_ARGISNULL(i))
      ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not be NULL", i == 1 ? "k" : "sample")));
  int k = PG_GETARG_INT32(1), sample = PG_GETARG_INT32(2);
  const char* select = PG_ARGISNULL(3) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(3));
  const char* filter = PG_ARGISNULL(4) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(4));
  double perturb = PG_ARGISNULL(5) ? 0.0 : PG_GETARG_FLOAT8(5);
  const char* caller_path = PG_ARGISNULL(6) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(6));
  check_arguments(k, sample, perturb);

  Target t;
  open_target(&t, PG_GETARG_OID(0), "vectorext.index_recall");
  Prepared p;
  prepare(&t, k, sample, select, filter, perturb, caller_path, &p, "vectorext.index_recall");
  Measured m = ann_search(&t, &p.queries, &p.filter, k, p.truth, "vectorext.index_recall");
  close_target(&t);
  if (m.expected == 0) PG_RETURN_NULL();  // no query, or no qualifying row for any
  PG_RETURN_FLOAT8(m.recall());
}

// vectorext._recall_at(index, value, rerank, k, sample, perturb): index_recall on the default sample with the index's
// search parameter at `value` (and ivf rerank at `rerank` unless NULL), whatever the session set; what the drift check
// re-measures at the tuned setting.
VX_FUNCTION(vx_recall_at) {
  using namespace vx::pg::recall;
  for (int i = 0; i <= 5; ++i)
    if (i != 2 && PG_ARGISNULL(i)) PG_RETURN_NULL();
  Oid indexoid = PG_GETARG_OID(0);
  int value = PG_GETARG_INT32(1), rerank = PG_ARGISNULL(2) ? -1 : PG_GETARG_INT32(2);
  int k = PG_GETARG_INT32(3), sample = PG_GETARG_INT32(4);
  double perturb = PG_GETARG_FLOAT8(5);
  check_arguments(k, sample, perturb);
  if (value < 1)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("value must be at least 1, not %d", value)));
  Target t;
  open_target(&t, indexoid, "vectorext._recall_at");
  Prepared p;
  prepare(&t, k, sample, nullptr, nullptr, perturb, nullptr, &p, "vectorext._recall_at");
  vx::pg::tuning::set_measurement(indexoid, value, rerank);
  Measured m = ann_search(&t, &p.queries, &p.filter, k, p.truth);
  vx::pg::tuning::clear_measurement();
  close_target(&t);
  if (m.expected == 0) PG_RETURN_NULL();
  PG_RETURN_FLOAT8(m.recall());
}

// vectorext.index_recall(index, k, sample, queries, filter, perturb): recall@k of an hnsw, ivfflat or ivf index
// against exact search, at the settings in force in the session (recall_measure.h; docs/tuning.md).
#include "pg/recall_measure.h"

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
  check_arguments(k, sample, perturb);

  Target t;
  open_target(&t, PG_GETARG_OID(0), "vectorext.index_recall");
  Prepared p;
  prepare(&t, k, sample, select, filter, perturb, &p, "vectorext.index_recall");
  Measured m = ann_search(&t, &p.queries, &p.filter, k, p.truth);
  close_target(&t);
  if (m.expected == 0) PG_RETURN_NULL();  // no query, or no qualifying row for any
  PG_RETURN_FLOAT8(m.recall());
}

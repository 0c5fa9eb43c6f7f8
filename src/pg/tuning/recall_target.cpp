// Opening an index for recall measurement (see recall_measure.h): locks, privilege checks, the index's key
// expression / predicate / ORDER BY operator, one snapshot for both sides.
#include "pg/tuning/recall_measure.h"

#include <algorithm>

extern "C" {
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"

Datum vx_vector_in(PG_FUNCTION_ARGS);
}

namespace vx::pg::recall {

namespace {

bool is_vector_type(Oid type) {
  Oid input, ioparam;
  getTypeInputInfo(type, &input, &ioparam);
  FmgrInfo fn;
  fmgr_info(input, &fn);
  return fn.fn_addr == vx_vector_in;
}

}  // namespace

void open_target(Target* t, Oid indexoid, const char* function) {
  memset(t, 0, sizeof(*t));
  Oid heapoid = IndexGetRelation(indexoid, true);
  if (!OidIsValid(heapoid))
    ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("\"%s\" is not an index", get_rel_name(indexoid)),
                    errdetail("%s measures hnsw, ivfflat and ivf indexes.", function)));
  // Table before index, as every other path locks them (no deadlock against DDL).
  t->heap = table_open(heapoid, AccessShareLock);
  // Measuring reads every row of the table: require what SELECT on it requires.
  if (pg_class_aclcheck(heapoid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("permission denied for table %s", RelationGetRelationName(t->heap)),
                    errdetail("%s reads every row of the table.", function)));
  // The heap passes see every row; a role limited by row-level security must not learn about the others.
  if (check_enable_rls(heapoid, InvalidOid, false) == RLS_ENABLED)
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("%s cannot measure an index of table \"%s\", which has row-level security enabled", function,
                           RelationGetRelationName(t->heap)),
                    errhint("Run it as the table's owner or a role with BYPASSRLS.")));
  t->index = index_open(indexoid, AccessShareLock);
  if (t->index->rd_rel->relkind == RELKIND_PARTITIONED_INDEX)
    ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                    errmsg("\"%s\" is a partitioned index", RelationGetRelationName(t->index)),
                    errhint("Measure the index of each partition.")));
  t->family = ann_family(t->index);
  if (t->family == AnnFamily::kNone)
    ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                    errmsg("\"%s\" is not an hnsw, ivfflat or ivf index", RelationGetRelationName(t->index))));
  if (!t->index->rd_index->indisvalid || !t->index->rd_index->indisready)
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("index \"%s\" is not valid", RelationGetRelationName(t->index)),
                    errhint("REINDEX it, or wait for CREATE INDEX CONCURRENTLY to finish.")));

  // The ORDER BY operator of the index's operator class (strategy 1) and its function: the exact distance.
  Oid opfamily = t->index->rd_opfamily[0];
  Oid opcintype = t->index->rd_opcintype[0];
  Oid op = get_opfamily_member(opfamily, opcintype, opcintype, 1);
  if (!OidIsValid(op))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("operator class of index \"%s\" has no ORDER BY operator",
                                                              RelationGetRelationName(t->index))));
  t->distance_func = get_opcode(op);
  fmgr_info(t->distance_func, &t->distance);
  t->key_type = opcintype;
  t->collation = t->index->rd_indcollation[0];
  t->key_is_vector = is_vector_type(opcintype);

  t->info = BuildIndexInfo(t->index);
  t->estate = CreateExecutorState();
  t->econtext = GetPerTupleExprContext(t->estate);
  t->slot = table_slot_create(t->heap, nullptr);
  t->econtext->ecxt_scantuple = t->slot;
  t->predicate = t->info->ii_Predicate ? ExecPrepareQual(t->info->ii_Predicate, t->estate) : nullptr;
  t->snapshot = RegisterSnapshot(GetActiveSnapshot());
}

bool indexed_key(Target* t, bool check_predicate, Datum* key) {
  if (check_predicate && t->predicate && !ExecQual(t->predicate, t->econtext)) return false;
  Datum values[INDEX_MAX_KEYS];
  bool isnull[INDEX_MAX_KEYS];
  FormIndexDatum(t->info, t->slot, t->estate, values, isnull);
  if (isnull[0]) return false;
  *key = values[0];
  return true;
}

void close_target(Target* t, bool keep_locks) {
  UnregisterSnapshot(t->snapshot);
  ExecDropSingleTupleTableSlot(t->slot);
  FreeExecutorState(t->estate);
  index_close(t->index, keep_locks ? NoLock : AccessShareLock);
  table_close(t->heap, keep_locks ? NoLock : AccessShareLock);
}

void check_arguments(int k, int sample, double perturb) {
  if (k < 1 || k > kMaxK)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("k must be between 1 and %d, not %d", kMaxK, k)));
  if (sample < 1 || sample > kMaxQueries)
    ereport(ERROR, (errcode(sample > kMaxQueries ? ERRCODE_PROGRAM_LIMIT_EXCEEDED : ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("sample must be between 1 and %d, not %d", kMaxQueries, sample)));
  if (!(perturb >= 0 && perturb <= 10))
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("perturb must be between 0 and 10, not %g", perturb),
             errhint("perturb is the noise's norm relative to the query's, e.g. 0.1.")));
}

void prepare(Target* t, int k, int sample, const char* select, const char* filter, double perturb,
             const char* caller_path, Prepared* out, const char* function) {
  int nest = 0;
  if (caller_path && (select || filter)) {
    nest = NewGUCNestLevel();
    set_config_option("search_path", caller_path, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
  }
  if (select)
    select_queries(t, select, perturb, &out->queries);
  else
    sample_queries(t, sample, perturb, &out->queries);
  compile_filter(t, filter, &out->queries, &out->filter);
  if (nest > 0) AtEOXact_GUC(true, nest);  // back to the pinned path (on error, the abort restores it)
  out->truth = static_cast<Truth*>(palloc(sizeof(Truth) * std::max(out->queries.n, 1)));
  exact_search(t, &out->queries, &out->filter, k, out->truth, function);
}

}  // namespace vx::pg::recall

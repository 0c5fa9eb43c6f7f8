// The row check of collection partitions (docs/mlops.md §2): refuses embeddings of the wrong dimensions and keys
// that are not in the source table, and records the digest of the source row (for staleness) and embedded_at.
// In C with a per-backend cache of the source lookup plan, because it runs for every row of every INSERT and COPY
// (a PL/pgSQL version re-planned its dynamic lookup per row: about 5x slower). Holds no C++ object with a
// destructor: calls Postgres directly.
#include "pg/vector_type.h"

// Postgres headers reached through spi.h use `register`, which C++17 warns about.
extern "C" {
#include "access/htup_details.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

using namespace vx::pg;

namespace {

// Trigger OID -> saved plan of "SELECT md5(s::text) FROM <source> s WHERE s.<key> = $1". A trigger's arguments
// never change (a new trigger gets a new OID); the plan cache re-plans when the source table changes.
struct LookupPlan {
  Oid trigger;  // hash key
  SPIPlanPtr plan;
  char* sql;    // in TopMemoryContext: guards against a reused trigger OID with other arguments
};
HTAB* g_plans = nullptr;

SPIPlanPtr lookup_plan(Oid trigger, const char* source, const char* key, Oid key_type) {
  if (g_plans == nullptr) {
    HASHCTL ctl;
    memset(&ctl, 0, sizeof(ctl));
    ctl.keysize = sizeof(Oid);
    ctl.entrysize = sizeof(LookupPlan);
    ctl.hcxt = TopMemoryContext;
    g_plans = hash_create("vectorext collection row check plans", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
  }
  char* sql = psprintf("SELECT md5(s::text) FROM %s s WHERE s.%s = $1", source, quote_identifier(key));
  bool found = false;
  auto* entry = static_cast<LookupPlan*>(hash_search(g_plans, &trigger, HASH_FIND, &found));
  if (found && strcmp(entry->sql, sql) == 0) return entry->plan;
  SPIPlanPtr plan = SPI_prepare(sql, 1, &key_type);
  if (plan == nullptr) elog(ERROR, "could not prepare the source lookup: %s", SPI_result_code_string(SPI_result));
  if (SPI_keepplan(plan) != 0) elog(ERROR, "could not keep the source lookup plan");
  if (found) {
    SPI_freeplan(entry->plan);
    pfree(entry->sql);
  }
  entry = static_cast<LookupPlan*>(hash_search(g_plans, &trigger, HASH_ENTER, &found));
  entry->plan = plan;
  entry->sql = MemoryContextStrdup(TopMemoryContext, sql);
  return plan;
}

int attnum(TupleDesc desc, const char* name) {
  int n = SPI_fnumber(desc, name);
  if (n <= 0) elog(ERROR, "collection table has no column \"%s\"", name);
  return n;
}

}  // namespace

// Trigger arguments: collection, model, version, dims, source (quoted, qualified), key column.
VX_FUNCTION(vx_mlops_row_check) {
  if (!CALLED_AS_TRIGGER(fcinfo)) elog(ERROR, "vectorext._row_check must be called as a trigger");
  auto* td = reinterpret_cast<TriggerData*>(fcinfo->context);
  if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) || td->tg_trigger->tgnargs != 6)
    elog(ERROR, "vectorext._row_check must be a BEFORE ROW trigger with 6 arguments");
  char** args = td->tg_trigger->tgargs;
  const int dims = atoi(args[3]);
  const bool is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
  HeapTuple tuple = is_update ? td->tg_newtuple : td->tg_trigtuple;
  TupleDesc desc = RelationGetDescr(td->tg_relation);
  const int emb_att = attnum(desc, "embedding");
  const int key_att = attnum(desc, args[5]);
  const int digest_att = attnum(desc, "source_digest");
  const int time_att = attnum(desc, "embedded_at");

  bool emb_null = false, key_null = false;
  Datum emb = heap_getattr(tuple, emb_att, desc, &emb_null);
  Datum key = heap_getattr(tuple, key_att, desc, &key_null);
  if (emb_null || key_null) return PointerGetDatum(tuple);  // NOT NULL constraints report these

  Vector* v = datum_get_vector(emb);
  if (v->dim != dims)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("embedding has %d dimensions, but version %s of model \"%s\" produces %d", v->dim, args[2],
                           args[1], dims),
                    errhint("Write vectors of model '%s' version %s here, or set model_version to the version that "
                            "produced them (see vectorext.models).", args[1], args[2])));

  Oid key_type = TupleDescAttr(desc, key_att - 1)->atttypid;
  char digest[33] = {0};
  SPI_connect();
  SPIPlanPtr plan = lookup_plan(td->tg_trigger->tgoid, args[4], args[5], key_type);
  int rc = SPI_execute_plan(plan, &key, nullptr, true, 1);
  if (rc != SPI_OK_SELECT) elog(ERROR, "source lookup failed: %s", SPI_result_code_string(rc));
  bool found = SPI_processed == 1;
  if (found) {
    char* d = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    if (d != nullptr) strlcpy(digest, d, sizeof(digest));
  }
  SPI_finish();
  if (!found) {
    Oid out;
    bool varlena;
    getTypeOutputInfo(key_type, &out, &varlena);
    ereport(ERROR, (errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
                    errmsg("collection \"%s\" has no source row with %s = %s", args[0], args[5],
                           OidOutputFunctionCall(out, key)),
                    errhint("Insert the row into %s first; embeddings belong to source rows.", args[4])));
  }

  int cols[2] = {digest_att, time_att};
  Datum values[2] = {CStringGetTextDatum(digest), TimestampTzGetDatum(GetCurrentTransactionStartTimestamp())};
  bool nulls[2] = {false, false};
  int ncols = 2;
  if (is_update) {
    bool old_null = false;
    Datum old = heap_getattr(td->tg_trigtuple, emb_att, desc, &old_null);
    if (!old_null && datumIsEqual(old, emb, false, -1)) ncols = 1;  // embedding unchanged: keep embedded_at
  }
  return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, ncols, cols, values, nulls));
}

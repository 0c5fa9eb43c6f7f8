// The row check of collection partitions (docs/mlops.md §2): refuses embeddings of the wrong dimensions and keys
// that are not in the source table, and records the digest of the source row (for staleness) and embedded_at.
// In C with a per-backend cache of the source lookup plan, because it runs for every row of every INSERT and COPY
// (a PL/pgSQL version re-planned its dynamic lookup per row: about 5x slower). Holds no C++ object with a
// destructor: calls Postgres directly.
//
// Security (docs/security.md): the trigger's arguments name only the collection and the version; the source table,
// key column and dims come from the registry, the source by OID. The lookup statement is built from the catalog
// (quoted, schema-qualified relation name, the key type's own equality operator) and every name in it is
// schema-qualified, so neither a trigger argument nor the writer's search_path can change what it runs.
#include "pg/backend_cache.h"
#include "pg/mlops/mlops_sql_text.h"
#include "pg/type/vector_type.h"

// Postgres headers reached through spi.h use `register`, which C++17 warns about.
extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

#include <cerrno>
#include <cstdlib>

using namespace vx::pg;

namespace {

// Trigger OID -> what the registry says about its collection version, and the saved source lookup plan.
// A backend-local cache (backend_cache.h): the table and its strings live in the context "vectorext collection row
// checks"; every entry is re-read when the trigger's arguments no longer match it, the plan re-prepared when the
// source's name changed (lookup_plan).
struct RowCheck {
  Oid trigger;       // hash key
  char* collection;  // the trigger's first argument, to notice a reused trigger OID
  int32 version;
  char* model;
  char* key_column;
  int32 dims;
  Oid source;
  char* sql;  // the lookup statement the plan was prepared from
  SPIPlanPtr plan;
};
HTAB* g_checks = nullptr;
MemoryContext g_checks_cxt = nullptr;

MemoryContext checks_context() { return backend_cache_context(&g_checks_cxt, "vectorext collection row checks"); }
char* keep(const char* s) { return MemoryContextStrdup(checks_context(), s); }
void drop(char*& s) {
  if (s != nullptr) pfree(s);
  s = nullptr;
}

[[noreturn]] void protocol_error(const char* detail) {
  ereport(ERROR,
          (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
           errmsg("vectorext._row_check must be a BEFORE INSERT OR UPDATE ROW trigger with arguments "
                  "(collection, version)"),
           errdetail("%s", detail), errhint("vectorext.add_version creates this trigger; do not create it by hand.")));
}

int32 parse_version(const char* s) {
  errno = 0;
  char* end = nullptr;
  long v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 1 || v > PG_INT32_MAX)
    protocol_error("The version is not a positive integer.");
  return static_cast<int32>(v);
}

// Reads the collection version's registry row (the caller is connected to SPI). Every name is schema-qualified.
void load_registry(RowCheck* e, const char* collection, int32 version) {
  Oid types[2] = {TEXTOID, INT4OID};
  Datum args[2] = {CStringGetTextDatum(collection), Int32GetDatum(version)};
  int rc = SPI_execute_with_args(
      "SELECT c.source::pg_catalog.oid, c.key_column::pg_catalog.text, c.model, m.dims "
      "FROM vectorext.collection c JOIN vectorext.model m ON m.name OPERATOR(pg_catalog.=) c.model "
      "WHERE c.name OPERATOR(pg_catalog.=) $1 AND m.version OPERATOR(pg_catalog.=) $2",
      2, types, args, nullptr, true, 1);
  if (rc != SPI_OK_SELECT) elog(ERROR, "collection registry lookup failed: %s", SPI_result_code_string(rc));
  if (SPI_processed != 1)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                    errmsg("collection \"%s\" has no registered version %d", collection, version),
                    errhint("See SELECT * FROM vectorext.collection_versions WHERE collection = '%s'.", collection)));
  HeapTuple row = SPI_tuptable->vals[0];
  TupleDesc desc = SPI_tuptable->tupdesc;
  bool isnull = false;
  drop(e->collection);
  drop(e->model);
  drop(e->key_column);
  e->source = DatumGetObjectId(SPI_getbinval(row, desc, 1, &isnull));
  e->key_column = keep(SPI_getvalue(row, desc, 2));
  e->model = keep(SPI_getvalue(row, desc, 3));
  e->dims = DatumGetInt32(SPI_getbinval(row, desc, 4, &isnull));
  e->collection = keep(collection);
  e->version = version;
}

RowCheck* row_check(Oid trigger, const char* collection, int32 version) {
  if (g_checks == nullptr) {
    HASHCTL ctl;
    memset(&ctl, 0, sizeof(ctl));
    ctl.keysize = sizeof(Oid);
    ctl.entrysize = sizeof(RowCheck);
    ctl.hcxt = checks_context();
    g_checks = hash_create("vectorext collection row checks", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
  }
  bool found = false;
  auto* e = static_cast<RowCheck*>(hash_search(g_checks, &trigger, HASH_ENTER, &found));
  if (!found) {
    memset(reinterpret_cast<char*>(e) + sizeof(Oid), 0, sizeof(RowCheck) - sizeof(Oid));
  }
  if (e->collection == nullptr || e->version != version || strcmp(e->collection, collection) != 0)
    load_registry(e, collection, version);
  return e;
}

// The saved plan of "SELECT md5(row) FROM <source> WHERE <key> = $1", re-prepared when the source's name changed.
SPIPlanPtr lookup_plan(RowCheck* e, Oid key_type) {
  char* rel = relation_sql(e->source);
  if (rel == nullptr)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                    errmsg("the source table of collection \"%s\" no longer exists", e->collection),
                    errhint("Drop the collection with vectorext.drop_collection('%s').", e->collection)));
  char* sql = psprintf("SELECT pg_catalog.md5(s::pg_catalog.text) FROM %s s WHERE s.%s %s $1", rel,
                       quote_identifier(e->key_column), equality_operator_sql(key_type));
  if (e->plan != nullptr && e->sql != nullptr && strcmp(e->sql, sql) == 0) return e->plan;
  SPIPlanPtr plan = SPI_prepare(sql, 1, &key_type);
  if (plan == nullptr) elog(ERROR, "could not prepare the source lookup: %s", SPI_result_code_string(SPI_result));
  if (SPI_keepplan(plan) != 0) elog(ERROR, "could not keep the source lookup plan");
  if (e->plan != nullptr) SPI_freeplan(e->plan);
  drop(e->sql);
  e->plan = plan;
  e->sql = keep(sql);
  return plan;
}

int attnum(TupleDesc desc, const char* name) {
  int n = SPI_fnumber(desc, name);
  if (n <= 0)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN), errmsg("collection table has no column \"%s\"", name),
                    errhint("vectorext.create_collection makes the collection table; do not change its columns.")));
  return n;
}

}  // namespace

VX_FUNCTION(vx_mlops_row_check) {
  if (!CALLED_AS_TRIGGER(fcinfo)) protocol_error("It was not called as a trigger.");
  auto* td = reinterpret_cast<TriggerData*>(fcinfo->context);
  if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
      !(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
    protocol_error("It fired at another time or for another event.");
  if (td->tg_trigger->tgnargs != 2) protocol_error("It has another number of arguments.");
  char** args = td->tg_trigger->tgargs;
  const int32 version = parse_version(args[1]);
  const bool is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
  HeapTuple tuple = is_update ? td->tg_newtuple : td->tg_trigtuple;
  TupleDesc desc = RelationGetDescr(td->tg_relation);

  SPI_connect();
  RowCheck* e = row_check(td->tg_trigger->tgoid, args[0], version);
  const int emb_att = attnum(desc, "embedding");
  const int key_att = attnum(desc, e->key_column);
  const int digest_att = attnum(desc, "source_digest");
  const int time_att = attnum(desc, "embedded_at");

  bool emb_null = false, key_null = false;
  Datum emb = heap_getattr(tuple, emb_att, desc, &emb_null);
  Datum key = heap_getattr(tuple, key_att, desc, &key_null);
  if (emb_null || key_null) {  // NOT NULL constraints report these
    SPI_finish();
    return PointerGetDatum(tuple);
  }

  Vector* v = datum_get_vector(emb);
  if (v->dim != e->dims)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("embedding has %d dimensions, but version %d of model \"%s\" produces %d", v->dim,
                           e->version, e->model, e->dims),
                    errhint("Write vectors of model '%s' version %d here, or set model_version to the version that "
                            "produced them (see vectorext.models).",
                            e->model, e->version)));

  Oid key_type = TupleDescAttr(desc, key_att - 1)->atttypid;
  char digest[33] = {0};
  SPIPlanPtr plan = lookup_plan(e, key_type);
  int rc = SPI_execute_plan(plan, &key, nullptr, true, 1);
  if (rc != SPI_OK_SELECT) elog(ERROR, "source lookup failed: %s", SPI_result_code_string(rc));
  bool found = SPI_processed == 1;
  if (found) {
    char* d = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    if (d != nullptr) strlcpy(digest, d, sizeof(digest));
  }
  if (!found) {
    Oid out;
    bool varlena;
    getTypeOutputInfo(key_type, &out, &varlena);
    char* source = relation_sql(e->source);
    ereport(ERROR, (errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
                    errmsg("collection \"%s\" has no source row with %s = %s", e->collection, e->key_column,
                           OidOutputFunctionCall(out, key)),
                    errhint("Insert the row into %s first; embeddings belong to source rows.", source)));
  }
  SPI_finish();

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

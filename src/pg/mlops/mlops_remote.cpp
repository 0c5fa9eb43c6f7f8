// vectorext._remote_readiness(partition, collection, version): the promotion gate's check of a version that lives on
// another server, run as the owner of the version's partition (docs/scale-out.md "A model version on another
// server", docs/security.md).
//
// Why a change of user: the gate runs as the extension owner (inside _owner_promote). Reading a postgres_fdw foreign
// table connects with the user mapping of the role reading it; as the extension owner that would lend the extension
// owner's credentials on the shard to whatever remote relation the collection's owner named in the foreign table
// (a remote view of theirs would then run its functions as the extension owner's remote role). Run as the
// partition's owner, the check connects with that role's own user mapping and reads only what it could read itself.
// As PostgreSQL does when it runs a table owner's code (VACUUM, ANALYZE, REFRESH MATERIALIZED VIEW), the switch is a
// security-restricted operation: no SET ROLE, no temporary objects that would outlive it, and setting changes are
// rolled back. An error (a shard that is down) leaves through the (sub)transaction abort, which restores the user.
// Holds no C++ object with a destructor: calls Postgres directly.
#include "pg/boundary.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/syscache.h"
}

namespace {

// The owner of a foreign table (the partition of a remote version); anything else is refused.
Oid foreign_table_owner(Oid rel) {
  HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
  if (!HeapTupleIsValid(tup))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation with OID %u does not exist", rel)));
  auto* form = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup));
  const bool foreign = form->relkind == RELKIND_FOREIGN_TABLE;
  const Oid owner = form->relowner;
  ReleaseSysCache(tup);
  if (!foreign)
    ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("relation with OID %u is not a foreign table", rel)));
  return owner;
}

}  // namespace

// (partition regclass, collection text, version int) -> (source_rows bigint, missing bigint, stale bigint,
// ann_index text): vectorext._readiness(collection, version) as the owner of partition.
VX_FUNCTION(vx_mlops_remote_readiness) {
  const Oid partition = PG_GETARG_OID(0);
  Datum collection = PG_GETARG_DATUM(1);
  const int32 version = PG_GETARG_INT32(2);
  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("function returning a row called in a context that cannot accept it")));
  desc = BlessTupleDesc(desc);
  const Oid owner = foreign_table_owner(partition);

  Oid saved_user;
  int saved_context;
  GetUserIdAndSecContext(&saved_user, &saved_context);
  SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
  const int guc_level = NewGUCNestLevel();

  Datum values[4] = {0, 0, 0, 0};
  bool nulls[4] = {true, true, true, true};
  MemoryContext caller_context = CurrentMemoryContext;
  SPI_connect();
  Oid types[2] = {TEXTOID, INT4OID};
  Datum args[2] = {collection, Int32GetDatum(version)};
  int rc =
      SPI_execute_with_args("SELECT r.source_rows, r.missing, r.stale, r.ann_index FROM vectorext._readiness($1, $2) r",
                            2, types, args, nullptr, false, 1);
  if (rc != SPI_OK_SELECT || SPI_processed != 1)
    elog(ERROR, "could not check the remote version: %s", SPI_result_code_string(rc));
  for (int i = 0; i < 4; ++i) {
    values[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &nulls[i]);
    if (!nulls[i] && i == 3) {  // the text outlives SPI_finish
      MemoryContext spi_context = MemoryContextSwitchTo(caller_context);
      values[i] = datumCopy(values[i], false, -1);
      MemoryContextSwitchTo(spi_context);
    }
  }
  SPI_finish();

  AtEOXact_GUC(false, guc_level);
  SetUserIdAndSecContext(saved_user, saved_context);
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

// vectorext.index_check(index regclass, heapallindexed boolean): the SQL entry point of the index checker, in the
// spirit of contrib/amcheck. It takes the locks (AccessShareLock on table and index: readers and writers go on),
// finds which of our access methods the index belongs to (ann_registry.h: each registers its checker), runs that
// method's read-only checker (index_check.h) and returns one row of counts. Corruption is raised by the checker as
// XX002 (index_corrupted).
#include "pg/ann/ann_registry.h"
#include "pg/boundary.h"
#include "pg/ann/index_check.h"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

VX_FUNCTION(vx_index_check) {
  Oid indexoid = PG_GETARG_OID(0);
  bool heapallindexed = PG_GETARG_BOOL(1);

  // Lock the table before the index, as every other path does (no deadlock against DDL).
  Oid heapoid = IndexGetRelation(indexoid, true);
  if (!OidIsValid(heapoid) && get_rel_name(indexoid) == nullptr)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation with OID %u does not exist", indexoid)));
  if (!OidIsValid(heapoid))
    ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("\"%s\" is not an index", get_rel_name(indexoid)),
                    errdetail("vectorext.index_check checks %s indexes.", vx::pg::ann_access_method_names("and"))));
  Relation heap = table_open(heapoid, AccessShareLock);
  // Reading every page of an index is reading the table's data: require what SELECT on it requires.
  if (pg_class_aclcheck(heapoid, GetUserId(), ACL_SELECT) != ACLCHECK_OK && !pg_class_ownercheck(heapoid, GetUserId()))
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("permission denied for table %s", RelationGetRelationName(heap))));
  Relation index = index_open(indexoid, AccessShareLock);

  const vx::pg::AnnAccessMethod* am = vx::pg::ann_access_method_by_handler(index->rd_amhandler);
  if (am == nullptr || am->check == nullptr)
    ereport(ERROR,
            (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("\"%s\" is not an %s index", RelationGetRelationName(index),
                                                        vx::pg::ann_access_method_names("or"))));
  if (!index->rd_index->indisvalid)
    ereport(ERROR,
            (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
             errmsg("cannot check index \"%s\"", RelationGetRelationName(index)), errdetail("Index is not valid.")));

  vx::pg::IndexCheckCounts counts;
  const char* method = get_am_name(index->rd_rel->relam);
  am->check(index, heap, heapallindexed, &counts);

  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("index_check must be called as a row")));
  desc = BlessTupleDesc(desc);
  Datum values[6] = {CStringGetTextDatum(method),
                     Int64GetDatum(counts.pages),
                     Int64GetDatum(counts.entries),
                     Int64GetDatum(counts.live),
                     heapallindexed ? Int64GetDatum(counts.heap_rows) : (Datum)0,
                     BoolGetDatum(heapallindexed)};
  bool nulls[6] = {false, false, false, false, !heapallindexed, false};

  index_close(index, AccessShareLock);
  table_close(heap, AccessShareLock);
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

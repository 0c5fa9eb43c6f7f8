// Finding the type-and-metric contract of an index (ann_contract.h) and what every access method does with it alike.
#include "pg/ann/ann_contract.h"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "catalog/pg_index.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace vx::pg {

namespace {
constexpr int kContractSupport = 3;

// The name of the operator class of the index's first column, for messages.
const char* opclass_name(Relation index) {
  bool isnull = true;
  Datum indclass = SysCacheGetAttr(INDEXRELID, index->rd_indextuple, Anum_pg_index_indclass, &isnull);
  if (isnull) return "?";
  HeapTuple tup =
      SearchSysCache1(CLAOID, ObjectIdGetDatum(reinterpret_cast<oidvector*>(DatumGetPointer(indclass))->values[0]));
  if (!HeapTupleIsValid(tup)) return "?";
  char* name = pstrdup(NameStr(reinterpret_cast<Form_pg_opclass>(GETSTRUCT(tup))->opcname));
  ReleaseSysCache(tup);
  return name;
}
}  // namespace

const AnnContract& ann_contract(Relation index) {
  const Oid procid = index_getprocid(index, 1, kContractSupport);
  if (!OidIsValid(procid))
    ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                    errmsg("operator class \"%s\" of index \"%s\" has no type-and-metric support function",
                           opclass_name(index), RelationGetRelationName(index)),
                    errhint("Support function 3 names the indexed type and metric, e.g. "
                            "vector_l2_index_support(internal).")));
  // Only a function returning internal may be called for a pointer (amvalidate refuses any other, but an operator
  // class is usable without amvalidate).
  if (get_func_rettype(procid) != INTERNALOID)
    ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                    errmsg("support function 3 of operator class \"%s\" is not a type-and-metric support function",
                           opclass_name(index))));
  FmgrInfo* proc = index_getprocinfo(index, 1, kContractSupport);
  const auto* c = reinterpret_cast<const AnnContract*>(DatumGetPointer(FunctionCall1(proc, PointerGetDatum(nullptr))));
  if (c == nullptr || c->magic != kAnnContractMagic)
    ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                    errmsg("support function 3 of operator class \"%s\" is not a type-and-metric support function",
                           opclass_name(index))));
  return *c;
}

void ann_require_half_copy(Relation index, const AnnContract& c) {
  if (c.stored != StoredForm::HalfCopy || c.type->to_float == nullptr)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("access method \"%s\" does not support type %s",
                                                                   get_am_name(index->rd_rel->relam), c.type->name)));
  ann_check_column_type(index, c);
}

void ann_check_column_type(Relation index, const AnnContract& c) {
  if (c.type->accepts_column_type != nullptr && !c.type->accepts_column_type(TupleDescAttr(index->rd_att, 0)->atttypid))
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("type not supported for %s index", get_am_name(index->rd_rel->relam))));
}

bool ann_value_to_float(const AnnContract& c, const void* value, float* out, int dims) {
  c.type->to_float(value, out);
  if (ann_normalizes(c)) return core::normalize(out, static_cast<std::size_t>(dims));
  return true;
}

}  // namespace vx::pg

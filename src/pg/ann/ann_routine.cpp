// Capabilities shared by the ANN access methods (see ann_routine.h).
#include "pg/ann/ann_routine.h"

extern "C" {
#include "access/amvalidate.h"
#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_type.h"
#include "commands/vacuum.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
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

namespace {

void invalid(bool* ok, const char* opclass, const char* fmt_detail, const char* what) {
  *ok = false;
  ereport(INFO, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION), errmsg("operator class \"%s\" is invalid", opclass),
                 errdetail(fmt_detail, what)));
}

}  // namespace

void report_invalid_opclass(bool* ok, const char* opclass, const char* fmt_detail, const char* what) {
  invalid(ok, opclass, fmt_detail, what);
}

void opclass_identity(Oid opclassoid, Oid* family, Oid* type, const char** name) {
  HeapTuple classtup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclassoid));
  if (!HeapTupleIsValid(classtup)) elog(ERROR, "cache lookup failed for operator class %u", opclassoid);
  auto* classform = reinterpret_cast<Form_pg_opclass>(GETSTRUCT(classtup));
  *family = classform->opcfamily;
  *type = classform->opcintype;
  *name = pstrdup(NameStr(classform->opcname));
  ReleaseSysCache(classtup);
}

bool validate_ann_opclass(Oid opclassoid, uint32 required_support) {
  return guard([&] {
    Oid family, type;
    const char* name;
    opclass_identity(opclassoid, &family, &type, &name);

    bool ok = true;
    uint32 seen_support = 0;
    CatCList* procs = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(family));
    for (int i = 0; i < procs->n_members; i++) {
      auto* proc = reinterpret_cast<Form_pg_amproc>(GETSTRUCT(&procs->members[i]->tuple));
      if (proc->amproclefttype != type || proc->amprocrighttype != type) continue;  // another class's member
      const char* fn = format_procedure(proc->amproc);
      bool sig = false;
      switch (proc->amprocnum) {
        case 1:
          sig = check_amproc_signature(proc->amproc, FLOAT8OID, true, 2, 2, type, type);
          break;
        case 2:
          sig = check_amproc_signature(proc->amproc, FLOAT8OID, true, 1, 1, type);
          break;
        // the type-and-metric contract (ann_contract.h)
        case 3:
          sig = check_amproc_signature(proc->amproc, INTERNALOID, true, 1, 1, INTERNALOID);
          break;
        default:
          invalid(&ok, name, "support function number %s is not used by this access method",
                  psprintf("%d", proc->amprocnum));
          continue;
      }
      if (!sig) invalid(&ok, name, "support function %s has the wrong signature", fn);
      seen_support |= 1u << proc->amprocnum;
    }
    ReleaseCatCacheList(procs);
    for (int n = 1; n <= 3; n++)
      if ((required_support & (1u << n)) && !(seen_support & (1u << n)))
        invalid(&ok, name, "support function %s is missing", psprintf("%d", n));

    int orderings = 0;
    CatCList* ops = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(family));
    for (int i = 0; i < ops->n_members; i++) {
      auto* op = reinterpret_cast<Form_pg_amop>(GETSTRUCT(&ops->members[i]->tuple));
      if (op->amoplefttype != type || op->amoprighttype != type) continue;
      const char* opname = format_operator(op->amopopr);
      if (op->amopstrategy != 1) {
        invalid(&ok, name, "operator %s must be strategy 1", opname);
        continue;
      }
      if (op->amoppurpose != AMOP_ORDER) {
        invalid(&ok, name, "operator %s must be FOR ORDER BY (the index answers only distance orderings)", opname);
        continue;
      }
      if (!opfamily_can_sort_type(op->amopsortfamily, FLOAT8OID))
        invalid(&ok, name, "operator %s must be FOR ORDER BY a btree operator family of float8", opname);
      if (!check_amop_signature(op->amopopr, FLOAT8OID, type, type))
        invalid(&ok, name, "operator %s must be a float8 distance of two values of the indexed type", opname);
      orderings++;
    }
    ReleaseCatCacheList(ops);
    if (orderings == 0) invalid(&ok, name, "%s", "it has no distance operator (strategy 1 FOR ORDER BY)");
    return ok;
  });
}

}  // namespace vx::pg

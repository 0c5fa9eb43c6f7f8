// The one door into the MLOps functions that write the registry (docs/security.md "What runs with whose rights").
// Registry tables are writable only by the extension's owner. A public function such as vectorext.promote(model,
// version, ...) is this C function; it calls vectorext._owner_promote(caller, model, version, ...), a SECURITY
// DEFINER function owned by the extension owner on which nobody holds EXECUTE, passing as `caller` the role that
// called vectorext.promote (GetUserId(): current_user, i.e. the caller itself or the owner of the SECURITY DEFINER
// function it was called from). The _owner_ function checks that role's privileges and validates every argument.
// Nobody can call an _owner_ function with a caller of their choosing: SQL cannot reach it (no EXECUTE), and this
// function always passes the real caller. Holds no C++ object with a destructor: calls Postgres directly.
#include "pg/boundary.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace {

struct OwnerCall {
  FmgrInfo target;  // vectorext._owner_<name>(oid, <the public function's arguments>)
};

// Resolves _owner_<name> in the public function's own schema, by exact signature (no search_path involved), and
// checks it is what the extension script created: SECURITY DEFINER, same result type, a set exactly when the public
// function returns one (a PL/pgSQL set-returning _owner_ function fills the caller's ReturnSetInfo, which is passed
// on unchanged, in materialize mode).
OwnerCall* resolve(FunctionCallInfo fcinfo) {
  Oid self = fcinfo->flinfo->fn_oid;
  HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(self));
  if (!HeapTupleIsValid(tup)) elog(ERROR, "cache lookup failed for function %u", self);
  auto* proc = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tup));
  const int nargs = proc->pronargs;
  if (nargs + 1 > FUNC_MAX_ARGS) elog(ERROR, "too many arguments for an owner call");
  Oid types[FUNC_MAX_ARGS];
  types[0] = OIDOID;
  for (int i = 0; i < nargs; ++i) types[i + 1] = proc->proargtypes.values[i];
  const char* name = NameStr(proc->proname);
  while (*name == '_') ++name;
  char* nspname = get_namespace_name(proc->pronamespace);
  Oid rettype = proc->prorettype;
  bool retset = proc->proretset;
  ReleaseSysCache(tup);

  List* qualified = list_make2(makeString(nspname), makeString(psprintf("_owner_%s", name)));
  Oid target = LookupFuncName(qualified, nargs + 1, types, true);
  bool definer = false;
  if (OidIsValid(target)) {
    HeapTuple t = SearchSysCache1(PROCOID, ObjectIdGetDatum(target));
    if (HeapTupleIsValid(t)) {
      auto* p = reinterpret_cast<Form_pg_proc>(GETSTRUCT(t));
      definer = p->prosecdef && p->prorettype == rettype && p->proretset == retset;
      ReleaseSysCache(t);
    }
  }
  if (!definer)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_FUNCTION),
                    errmsg("%s.%s has no owner-side implementation %s", nspname, get_func_name(self),
                           NameListToString(qualified)),
                    errhint("Reinstall the extension: its script creates both.")));
  auto* call = static_cast<OwnerCall*>(MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(OwnerCall)));
  fmgr_info_cxt(target, &call->target, fcinfo->flinfo->fn_mcxt);  // SECURITY DEFINER: runs as its owner
  return call;
}

}  // namespace

VX_FUNCTION(vx_mlops_owner_call) {
  auto* call = static_cast<OwnerCall*>(fcinfo->flinfo->fn_extra);
  if (call == nullptr) {
    call = resolve(fcinfo);
    fcinfo->flinfo->fn_extra = call;
  }
  const int nargs = fcinfo->nargs;
  if (call->target.fn_strict)
    for (int i = 0; i < nargs; ++i)
      if (fcinfo->args[i].isnull) PG_RETURN_NULL();
  auto* inner = static_cast<FunctionCallInfo>(palloc0(SizeForFunctionCallInfo(nargs + 1)));
  InitFunctionCallInfoData(*inner, &call->target, nargs + 1, fcinfo->fncollation, fcinfo->context, fcinfo->resultinfo);
  inner->args[0].value = ObjectIdGetDatum(GetUserId());
  inner->args[0].isnull = false;
  for (int i = 0; i < nargs; ++i) inner->args[i + 1] = fcinfo->args[i];
  Datum result = FunctionCallInvoke(inner);
  fcinfo->isnull = inner->isnull;
  return result;
}

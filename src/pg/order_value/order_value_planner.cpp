// The planner hook that lets index scans on our indexes hand their exact ORDER BY values to the projection (see
// order_value_handover.h for the rewrite and why a hit is always the value the expression would compute).
// It runs after the standard planner on the finished plan: only IndexScan nodes on an access method that registered
// as publishing values (ann_registry.h: hnsw, ivfflat, ivf register themselves), with one ORDER BY expression
// `col <op> q` whose q is a constant or a parameter (evaluating it again on a miss must be cheap), are changed, and
// only where that very expression occurs in the node's target list or filter.
// The library is loaded by the first query that needs it, which may be in the middle of planning: plans made before
// the load are checked again at executor start (start_with_handover).
#include "pg/ann/ann_registry.h"
#include "pg/boundary.h"
#include "pg/module_init.h"

extern "C" {
#include "access/htup_details.h"
#include "access/sysattr.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/plannodes.h"
#include "optimizer/planner.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

// The function that reads the published values.
Datum vx_index_order_value(PG_FUNCTION_ARGS);
}

namespace vx::pg {

namespace {

planner_hook_type g_prev_planner = nullptr;

bool am_hands_over_values(Oid indexid) {
  const AnnAccessMethod* am = ann_access_method_of(indexid);
  return am != nullptr && am->publishes_order_values;
}

// vector_index_order_value(tid, regclass, regprocedure, <query type>) in the schema of the operator's function, or InvalidOid.
Oid handover_function(Oid opfunc, Oid query_type) {
  Oid nsp = get_func_namespace(opfunc);
  char* nspname = get_namespace_name(nsp);
  if (nspname == nullptr) return InvalidOid;
  Oid args[4] = {TIDOID, REGCLASSOID, REGPROCEDUREOID, query_type};
  List* name = lappend(lappend(NIL, makeString(nspname)), makeString(pstrdup("vector_index_order_value")));
  Oid fn = LookupFuncName(name, 4, args, true);
  if (!OidIsValid(fn)) return InvalidOid;
  // Only ours: a function of that name and signature that someone else created is never put into a plan.
  FmgrInfo info;
  fmgr_info(fn, &info);
  if (info.fn_addr != vx_index_order_value) return InvalidOid;
  // The executor checks EXECUTE on every function of a plan: a role that may not run it (a DBA revoked it) keeps the
  // plain expression rather than getting an error. (The extension script grants it to PUBLIC; see also
  // rewrite_index_scan for plans run by another role.)
  return pg_proc_aclcheck(fn, GetUserId(), ACL_EXECUTE) == ACLCHECK_OK ? fn : InvalidOid;
}

// Whether PUBLIC may execute fn. If not, a plan that calls it is specific to the roles that may (see rewrite_index_scan).
bool public_may_execute(Oid fn) {
  HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
  if (!HeapTupleIsValid(tup)) return false;
  bool isnull;
  Datum d = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_proacl, &isnull);
  bool ok = isnull;  // no ACL: the default, EXECUTE for PUBLIC
  if (!isnull) {
    Acl* acl = DatumGetAclP(d);
    const AclItem* items = ACL_DAT(acl);
    for (int i = 0; i < ACL_NUM(acl) && !ok; ++i)
      ok = items[i].ai_grantee == ACL_ID_PUBLIC && (ACLITEM_GET_PRIVS(items[i]) & ACL_EXECUTE) != 0;
  }
  ReleaseSysCache(tup);
  return ok;
}

// One walk over a finished plan: from the planner hook (the plan is being made: allocate in the current context, mark
// role-specific plans), or at executor start (the plan may be cached: build in the current context and copy into the
// plan's own context only what changes; a role-specific rewrite is not made, a cached plan's role flag being fixed).
struct Pass {
  PlannedStmt* stmt;
  MemoryContext plan_cxt;  // executor start: the plan's context; planner: nullptr
};

struct Rewrite {
  Node* order;        // the scan's ORDER BY expression
  Node* replacement;  // COALESCE(vector_index_order_value(...), order)
  Oid fn;             // vector_index_order_value
  int count;
};

// A COALESCE this rewrite made (a plan checked twice: see start_with_handover).
bool is_rewritten(Node* node, Oid fn) {
  if (!IsA(node, CoalesceExpr)) return false;
  auto* c = reinterpret_cast<CoalesceExpr*>(node);
  Node* first = static_cast<Node*>(linitial(c->args));
  return IsA(first, FuncExpr) && reinterpret_cast<FuncExpr*>(first)->funcid == fn;
}

Node* replace_order(Node* node, void* context) {
  auto* rw = static_cast<Rewrite*>(context);
  if (node == nullptr) return nullptr;
  if (is_rewritten(node, rw->fn)) return node;
  if (equal(node, rw->order)) {
    rw->count++;
    return static_cast<Node*>(copyObjectImpl(rw->replacement));
  }
  // PG15 declares the mutator as Node *(*)(): the cast through void (*)() says the mismatch is intended.
  return expression_tree_mutator(node, reinterpret_cast<Node* (*)()>(reinterpret_cast<void (*)()>(replace_order)),
                                 context);
}

void rewrite_index_scan(const Pass& pass, IndexScan* scan) {
  if (list_length(scan->indexorderbyorig) != 1) return;
  Node* order = static_cast<Node*>(linitial(scan->indexorderbyorig));
  if (!IsA(order, OpExpr)) return;
  auto* op = reinterpret_cast<OpExpr*>(order);
  if (list_length(op->args) != 2 || op->opresulttype != FLOAT8OID) return;
  Node* query = static_cast<Node*>(lsecond(op->args));
  Node* bare = query;
  while (IsA(bare, RelabelType)) bare = reinterpret_cast<Node*>(reinterpret_cast<RelabelType*>(bare)->arg);
  if (!IsA(bare, Const) && !IsA(bare, Param)) return;
  if (!am_hands_over_values(scan->indexid)) return;
  Oid opfunc = get_opcode(op->opno);
  Oid fn = handover_function(opfunc, exprType(query));
  if (!OidIsValid(fn)) return;
  // The executor checks EXECUTE for the role that runs the plan, which may not be the one that planned it (cached
  // plans, SET ROLE, SECURITY DEFINER). Unless PUBLIC may execute the function, the plan is marked role-specific so
  // the plan cache makes another one for another role; at executor start that flag can no longer be set.
  const bool role_specific = !public_may_execute(fn);
  if (role_specific && pass.plan_cxt != nullptr) return;

  Var* ctid = makeVar(scan->scan.scanrelid, SelfItemPointerAttributeNumber, TIDOID, -1, InvalidOid, 0);
  Const* index = makeConst(REGCLASSOID, -1, InvalidOid, sizeof(Oid), ObjectIdGetDatum(scan->indexid), false, true);
  Const* func = makeConst(REGPROCEDUREOID, -1, InvalidOid, sizeof(Oid), ObjectIdGetDatum(opfunc), false, true);
  List* args = lappend(lappend(lappend(lappend(NIL, ctid), index), func), copyObjectImpl(query));
  FuncExpr* lookup = makeFuncExpr(fn, FLOAT8OID, args, InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
  CoalesceExpr* coalesce = makeNode(CoalesceExpr);
  coalesce->coalescetype = FLOAT8OID;
  coalesce->coalescecollid = InvalidOid;
  coalesce->args = lappend(lappend(NIL, lookup), copyObjectImpl(order));
  coalesce->location = -1;

  Rewrite probe{order, reinterpret_cast<Node*>(coalesce), fn, 0};
  Node* tlist = replace_order(reinterpret_cast<Node*>(scan->scan.plan.targetlist), &probe);
  Node* qual = replace_order(reinterpret_cast<Node*>(scan->scan.plan.qual), &probe);
  if (probe.count == 0) return;  // nothing computed the expression, or already rewritten
  if (pass.plan_cxt != nullptr) {
    MemoryContext old = MemoryContextSwitchTo(pass.plan_cxt);
    scan->scan.plan.targetlist = static_cast<List*>(copyObjectImpl(tlist));
    scan->scan.plan.qual = static_cast<List*>(copyObjectImpl(qual));
    MemoryContextSwitchTo(old);
    return;  // a cached plan's dependencies are fixed; DROP EXTENSION also drops the index, which invalidates it
  }
  scan->scan.plan.targetlist = reinterpret_cast<List*>(tlist);
  scan->scan.plan.qual = reinterpret_cast<List*>(qual);
  if (role_specific) pass.stmt->dependsOnRole = true;
  // A cached plan that calls the function must be replanned if it is dropped or replaced.
  PlanInvalItem* item = makeNode(PlanInvalItem);
  item->cacheId = PROCOID;
  item->hashValue = GetSysCacheHashValue1(PROCOID, ObjectIdGetDatum(fn));
  pass.stmt->invalItems = lappend(pass.stmt->invalItems, item);
}

void rewrite_plan(const Pass& pass, Plan* plan);

void rewrite_plans(const Pass& pass, List* plans) {
  ListCell* lc;
  foreach (lc, plans) rewrite_plan(pass, static_cast<Plan*>(lfirst(lc)));
}

void rewrite_plan(const Pass& pass, Plan* plan) {
  if (plan == nullptr) return;
  check_stack_depth();
  switch (nodeTag(plan)) {
    case T_IndexScan:
      rewrite_index_scan(pass, reinterpret_cast<IndexScan*>(plan));
      break;
    case T_Append:
      rewrite_plans(pass, reinterpret_cast<Append*>(plan)->appendplans);
      break;
    case T_MergeAppend:
      rewrite_plans(pass, reinterpret_cast<MergeAppend*>(plan)->mergeplans);
      break;
    case T_SubqueryScan:
      rewrite_plan(pass, reinterpret_cast<SubqueryScan*>(plan)->subplan);
      break;
    case T_CustomScan:
      rewrite_plans(pass, reinterpret_cast<CustomScan*>(plan)->custom_plans);
      break;
    default:
      break;
  }
  rewrite_plan(pass, plan->lefttree);
  rewrite_plan(pass, plan->righttree);
}

void rewrite_statement(const Pass& pass) {
  rewrite_plan(pass, pass.stmt->planTree);
  rewrite_plans(pass, pass.stmt->subplans);
}

PlannedStmt* plan_with_handover(Query* parse, const char* query_string, int options, ParamListInfo params) {
  PlannedStmt* stmt = g_prev_planner ? g_prev_planner(parse, query_string, options, params)
                                     : standard_planner(parse, query_string, options, params);
  guard([&] { rewrite_statement(Pass{stmt, nullptr}); });
  return stmt;
}

// The library is loaded by the first statement that needs it, often in the middle of planning that statement, after
// planner() has decided not to call a hook. Which plans can hold a scan of one of our indexes without having passed
// plan_with_handover? Only those being planned when the library was loaded: it is loaded at the latest when the
// relcache first builds the access method routine of one of our indexes (GetIndexAmRoutine calls our handler), which
// planning any path over the index does; every plan begun later goes through the hook. Those plans (the statement
// that loaded the library and the few plans nested in its planning, e.g. SQL functions folded at plan time) start
// executing among the first after the load, so the first 16 plans started after it are checked again here, before the
// executor builds any state from them; a plan already rewritten is left as it is (is_rewritten). Changed lists are
// copied into the plan's own memory context (a prepared statement planned at the load keeps the rewrite for its later
// executions); nothing else is allocated there. 16 is a margin, not a count that matters: a plan missed only misses
// the hand-over (the projection computes the value itself).
ExecutorStart_hook_type g_prev_executor_start = nullptr;
int g_plans_to_check = 16;

void start_with_handover(QueryDesc* query, int eflags) {
  if (g_plans_to_check > 0) {
    --g_plans_to_check;
    PlannedStmt* stmt = query->plannedstmt;
    if (stmt != nullptr && stmt->commandType != CMD_UTILITY && stmt->planTree != nullptr)
      guard([&] { rewrite_statement(Pass{stmt, GetMemoryChunkContext(stmt)}); });
  }
  if (g_prev_executor_start)
    g_prev_executor_start(query, eflags);
  else
    standard_ExecutorStart(query, eflags);
}

void order_value_planner_on_load() {
  g_prev_planner = planner_hook;
  planner_hook = plan_with_handover;
  g_prev_executor_start = ExecutorStart_hook;
  ExecutorStart_hook = start_with_handover;
}

}  // namespace

VX_ON_LOAD(order_value_planner_on_load);

}  // namespace vx::pg

// `filter_col = ANY(array)` as an index condition of an ordered hnsw scan. PostgreSQL 15's planner
// (indxpath.c, build_index_paths) never orders a scan by an index's ORDER BY operator once it takes a ScalarArrayOpExpr
// on a column other than the first ("lower SAOP": a btree would return each array element's rows in turn, unordered).
// Filter columns always follow the vector (hnsw_filter.h), so `WHERE category = ANY($2) ORDER BY v <=> $1` got an
// ordered hnsw path with the array as a Filter over its rows, and an unordered one that the cost estimate refuses.
// An hnsw scan evaluates the array on each element during its one walk, so its order does not depend on it: this
// set_rel_pathlist_hook adds, next to each ordered hnsw path of a base relation, the same path with the relation's
// array conditions on filter columns as index conditions (priced by amcostestimate, then add_path decides).
#include "pg/hnsw/hnsw.h"
#include "pg/module_init.h"

extern "C" {
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "utils/lsyscache.h"
}

namespace vx::pg::hnsw {

namespace {

set_rel_pathlist_hook_type g_prev_set_rel_pathlist = nullptr;

// The index column (1 .. ncolumns - 1: filter columns) an array condition applies to, or -1: `col op ANY(array)`
// with col the indexed column itself, op of the column's operator family (strategies 1-5), the array free of this
// relation's columns and of volatile functions.
int saop_filter_column(PlannerInfo* root, IndexOptInfo* index, RestrictInfo* rinfo) {
  if (!IsA(rinfo->clause, ScalarArrayOpExpr)) return -1;
  auto* saop = reinterpret_cast<ScalarArrayOpExpr*>(rinfo->clause);
  if (!saop->useOr || list_length(saop->args) != 2) return -1;
  if (!restriction_is_securely_promotable(rinfo, index->rel)) return -1;
  Node* left = static_cast<Node*>(linitial(saop->args));
  Node* right = static_cast<Node*>(lsecond(saop->args));
  while (IsA(left, RelabelType)) left = reinterpret_cast<Node*>(reinterpret_cast<RelabelType*>(left)->arg);
  if (!IsA(left, Var)) return -1;
  Var* var = reinterpret_cast<Var*>(left);
  if (var->varno != int(index->rel->relid) || var->varlevelsup != 0) return -1;
  if (bms_is_member(int(index->rel->relid), pull_varnos(root, right)) || contain_volatile_functions(right)) return -1;
  for (int col = 1; col < index->nkeycolumns; ++col) {
    if (index->indexkeys[col] != var->varattno) continue;
    const int strategy = get_op_opfamily_strategy(saop->opno, index->opfamily[col]);
    if (strategy >= 1 && strategy <= 5) return col;
  }
  return -1;
}

bool has_clause(List* clauses, RestrictInfo* rinfo) {
  ListCell* lc;
  foreach (lc, clauses)
    if (static_cast<IndexClause*>(lfirst(lc))->rinfo == rinfo) return true;
  return false;
}

int by_column(const ListCell* a, const ListCell* b) {
  return static_cast<IndexClause*>(lfirst(a))->indexcol - static_cast<IndexClause*>(lfirst(b))->indexcol;
}

void add_array_paths(PlannerInfo* root, RelOptInfo* rel, Index rti, RangeTblEntry* rte) {
  if (g_prev_set_rel_pathlist) g_prev_set_rel_pathlist(root, rel, rti, rte);
  if (rel->reloptkind != RELOPT_BASEREL || rte->rtekind != RTE_RELATION) return;
  guard([&] {
    List* extra = NIL;
    ListCell* lc;
    foreach (lc, rel->pathlist) {
      Path* p = static_cast<Path*>(lfirst(lc));
      if (!IsA(p, IndexPath) || p->param_info != nullptr) continue;  // unparameterized ordered scans only
      auto* ip = reinterpret_cast<IndexPath*>(p);
      IndexOptInfo* index = ip->indexinfo;
      if (ip->indexorderbys == NIL || index->nkeycolumns < 2 ||
          index->amcostestimate != reinterpret_cast<void (*)()>(hnsw_amcostestimate()))
        continue;
      List* clauses = list_copy(ip->indexclauses);
      bool added = false;
      ListCell* rc;
      foreach (rc, index->indrestrictinfo) {
        RestrictInfo* rinfo = static_cast<RestrictInfo*>(lfirst(rc));
        const int col = saop_filter_column(root, index, rinfo);
        if (col < 0 || has_clause(clauses, rinfo)) continue;
        IndexClause* ic = makeNode(IndexClause);
        ic->rinfo = rinfo;
        ic->indexquals = list_make1(rinfo);
        ic->lossy = false;
        ic->indexcol = AttrNumber(col);
        ic->indexcols = NIL;
        clauses = lappend(clauses, ic);
        added = true;
      }
      if (!added) continue;
      list_sort(clauses, by_column);  // index clauses are in column order
      extra = lappend(extra, create_index_path(root, index, clauses, ip->indexorderbys, ip->indexorderbycols,
                                               p->pathkeys, ForwardScanDirection, false, nullptr, 1.0, false));
    }
    foreach (lc, extra)
      add_path(rel, static_cast<Path*>(lfirst(lc)));
  });
}

void filter_paths_on_load() {
  g_prev_set_rel_pathlist = set_rel_pathlist_hook;
  set_rel_pathlist_hook = add_array_paths;
}
VX_ON_LOAD(filter_paths_on_load);

}  // namespace

}  // namespace vx::pg::hnsw

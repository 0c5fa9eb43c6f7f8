// amcostestimate of the hnsw, ivfflat and ivf access methods: genericcostestimate prices reading the whole index,
// the index's parameters (m and ef_search; lists, probes and re-ranking, as the scans decide them: tuned_params.h)
// say which share of it a scan reads before its first row and what each further row costs (core/ann_cost.h). The selectivity is genericcostestimate's,
// which includes a partial index's predicate, so the executor's heap fetches are priced for the rows the index holds.
#include "pg/hnsw/hnsw.h"
#include "pg/ivf/ivf.h"

#include "core/ann_cost.h"

#include <climits>
#include <cstring>

extern "C" {
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/float.h"
#include "utils/selfuncs.h"
#include "utils/spccache.h"
}

namespace vx::pg {

namespace {

namespace model = core::ann_cost;

// Without ORDER BY <distance> the index answers nothing (no WHERE strategies): never chosen.
bool unusable(IndexPath* path, Cost* startup, Cost* total, Selectivity* selectivity, double* correlation,
              double* pages) {
  if (path->indexorderbys != NIL) return false;
  *startup = *total = get_float8_infinity();
  *selectivity = 0;
  *correlation = 0;
  *pages = 0;
  return true;
}

// genericcostestimate's price of reading every index tuple the path can return, split into pages and tuples.
// Conditions the index evaluates itself (hnsw filter columns, src/pg/hnsw/hnsw_filter.h): genericcostestimate would
// price them as a btree range that reads only the matching share of the index; an hnsw scan walks the whole graph
// past the rows they reject. So the full index is priced without them, and the share they keep is returned apart
// (FullScan::index_filter_selectivity) and included in the path's selectivity, so the executor's heap fetches and the
// rows other conditions reject count only matching rows: a row the index rejects costs no heap visit.
model::FullScan full_scan(PlannerInfo* root, IndexPath* path, double loop_count, GenericCosts* costs) {
  std::memset(costs, 0, sizeof(*costs));
  double index_filter = 1;
  if (path->indexclauses != NIL) {
    IndexPath whole = *path;
    whole.indexclauses = NIL;
    genericcostestimate(root, &whole, loop_count, costs);
    index_filter = clauselist_selectivity(root, get_quals_from_indexclauses(path->indexclauses),
                                          path->indexinfo->rel->relid, JOIN_INNER, nullptr);
    costs->indexSelectivity *= index_filter;
  } else {
    genericcostestimate(root, path, loop_count, costs);
  }
  IndexOptInfo* info = path->indexinfo;
  double random_page_cost, seq_page_cost;
  get_tablespace_page_costs(info->reltablespace, &random_page_cost, &seq_page_cost);
  model::FullScan f;
  f.tuples = costs->numIndexTuples;
  f.pages = costs->numIndexPages;
  f.tuple_cost = costs->numIndexTuples * costs->num_sa_scans *
                 (cpu_index_tuple_cost + cpu_operator_cost * list_length(path->indexorderbys));
  f.page_cost = std::max(costs->indexTotalCost - costs->indexStartupCost - f.tuple_cost, 0.0);
  f.heap_pages = info->rel->pages;
  f.seq_page_cost = seq_page_cost;
  // The rows the table's other conditions reject (rel->rows: after all of them; a partial index's predicate that the
  // query implies rejects none of the index's rows), each a heap visit at the table's random page cost less the share
  // of a page cost_index charges it: see core/ann_cost.h.
  RelOptInfo* rel = info->rel;
  f.index_filter_selectivity = index_filter;
  f.rejected_rows = std::max(0.0, f.tuples * index_filter - rel->rows);
  double heap_random_page_cost, heap_seq_page_cost;
  get_tablespace_page_costs(rel->reltablespace, &heap_random_page_cost, &heap_seq_page_cost);
  const double pages_per_row = rel->tuples > 0 ? std::min(1.0, rel->pages / rel->tuples) : 1.0;
  f.row_visit_cost = heap_random_page_cost * (1.0 - pages_per_row);
  return f;
}

void report(const GenericCosts& costs, const model::ScanCost& scan, Cost* startup, Cost* total,
            Selectivity* selectivity, double* correlation, double* pages) {
  *startup = costs.indexStartupCost + scan.startup;  // indexStartupCost: evaluating the query vector's expression
  *total = costs.indexStartupCost + scan.total;
  *selectivity = costs.indexSelectivity;
  *correlation = 0;  // index order is distance order, unrelated to the heap's
  *pages = costs.numIndexPages;
}

}  // namespace

void hnsw::cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup, Cost* total,
                         Selectivity* selectivity, double* correlation, double* pages) {
  if (unusable(path, startup, total, selectivity, correlation, pages)) return;
  GenericCosts costs;
  model::FullScan full = full_scan(root, path, loop_count, &costs);
  Relation index = index_open(path->indexinfo->indexoid, NoLock);
  int m = index_m(index);
  int ef_search = tuning::hnsw_ef_search(index).value;
  index_close(index, NoLock);
  model::ScanCost scan = model::hnsw_scan_cost(full, m, ef_search);
  if (full.index_filter_selectivity < 1) {
    // The walk with the conditions in the index does no more than the same walk whose rows the executor filters (the
    // rows they reject cost it a heap visit each): never priced above it, so adding the conditions to the index never
    // loses a plan (e.g. an `= ANY($1)` whose selectivity the planner guesses near 1).
    model::FullScan filtered = full;
    filtered.index_filter_selectivity = 1;
    filtered.rejected_rows = std::max(0.0, full.tuples - path->indexinfo->rel->rows);
    model::ScanCost alt = model::hnsw_scan_cost(filtered, m, ef_search);
    scan.startup = std::min(scan.startup, alt.startup);
    scan.total = std::min(scan.total, alt.total);
  }
  report(costs, scan, startup, total, selectivity, correlation, pages);
}

void ivf::cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup, Cost* total,
                        Selectivity* selectivity, double* correlation, double* pages) {
  if (unusable(path, startup, total, selectivity, correlation, pages)) return;
  GenericCosts costs;
  model::FullScan full = full_scan(root, path, loop_count, &costs);
  Relation index = index_open(path->indexinfo->indexoid, NoLock);
  IvfMeta meta = read_meta(index);
  const core::ivf::CodecInfo* codec = core::ivf::codec_info(static_cast<uint32>(meta.quantizer));
  // heap postings: every probed candidate is re-ranked before the first row comes back
  int rerank = codec == nullptr || !codec->lossy         ? 0
               : codec->id == core::ivf::Quantizer::Heap ? INT_MAX
                                                         : effective_rerank(index, meta);
  int probes = tuning::ivf_probes(index, meta.am == static_cast<uint8>(AmKind::IvfFlat)).value;
  index_close(index, NoLock);

  RelOptInfo* rel = path->indexinfo->rel;
  model::IvfParams p;
  p.lists = std::max(meta.lists, 1);
  p.probes = probes;
  p.model_pages = meta.first_posting;
  p.centroid_cost = p.lists * cpu_operator_cost;
  p.rerank = rerank;
  // a re-ranked candidate: its heap tuple (its share of a page read at random) and the exact distance
  double random_page_cost, seq_page_cost;
  get_tablespace_page_costs(rel->reltablespace, &random_page_cost, &seq_page_cost);
  p.rerank_row_cost = cpu_tuple_cost + cpu_operator_cost +
                      (rel->tuples > 0 ? random_page_cost * std::min(1.0, rel->pages / rel->tuples) : random_page_cost);
  report(costs, model::ivf_scan_cost(full, p), startup, total, selectivity, correlation, pages);
}

}  // namespace vx::pg

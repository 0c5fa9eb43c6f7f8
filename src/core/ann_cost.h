// Planner cost model of the ANN index scans (pure C++17, no Postgres): how much of an hnsw / ivf index a scan
// reads before its first row (start-up) and what every further row costs, in the planner's units. src/pg/ann/ann_cost.cpp
// feeds it from genericcostestimate and the index's parameters; docs/reference/vector.md ("Planner costs") explains
// the choices it leads to.
//
// The model starts from the cost of reading the whole index once (every page at random_page_cost, every tuple at
// cpu_index_tuple_cost + one operator), as Postgres' genericcostestimate prices it, and asks which share of that a
// scan spends:
//   hnsw  a search evaluates E elements (a measured fit, hnsw_search_evaluations) before it returns its first ef
//         rows. Each further row (a filter rejected earlier ones: iterative scans) costs E / ef more evaluations,
//         fewer in the share of the graph the first search has already visited. So a small partial index (the first
//         search reads all of it) costs no more per row than its heap fetches, while a selective filter over a big
//         index is priced as the long walk it is, and a plan that filters another way wins.
//   ivf   a scan ranks the lists' centroids and reads probes / lists of the postings; each further row costs one
//         posting more; lossy quantizers (sq8, pq) add the exact vectors re-ranked from the table.
// Pages a search reads are charged at most the table's pages read sequentially: when vectors are stored out of line
// (TOAST) the planner's sequential-scan cost leaves their reads out, and the index must stay comparable with it.
// Every row the scan returns and a filter then rejects costs a heap visit beyond what cost_index charges for it
// (row_visit_cost x rejected_rows): cost_index prices the heap fetches of all the index's rows as one read of the
// table (each page once) and a LIMIT takes its share of that, about pages / tuples of a random page per row; but the
// rows a selective filter makes a LIMIT scan pass over lie on as many different pages, each a random read, as a
// bitmap scan of the btree-filtered rows is priced. Without this a selective filter made the ANN scan look cheaper
// than the exact plan over the btree's rows down to a third of the selectivity where their measured times meet
// (docs/tuning.md, "Filtered search"). Rows that pass are not charged more: an unfiltered LIMIT, or a partial index
// whose predicate is the query's filter, costs what it did.
#pragma once

namespace vx::core::ann_cost {

// The cost of reading the whole index once, and the table around it.
struct FullScan {
  double tuples = 0;      // index tuples (a partial index: its own rows)
  double pages = 0;       // index pages those tuples occupy
  double page_cost = 0;   // pages x random_page_cost (genericcostestimate's, loop_count applied)
  double tuple_cost = 0;  // tuples x (cpu_index_tuple_cost + operator cost)
  double heap_pages = 0;  // the table's pages
  double seq_page_cost = 1;
  double rejected_rows = 0;   // of `tuples`, the rows the query's other conditions are estimated to reject
  double row_visit_cost = 0;  // per rejected row: random_page_cost less the share cost_index charges (see above)
  // hnsw filter columns: the share of `tuples` the conditions the index evaluates itself keep (1: none). Rows those
  // reject cost no heap visit (they are not in rejected_rows) but a longer walk: see hnsw_scan_cost.
  double index_filter_selectivity = 1;
};

struct ScanCost {
  double startup = 0;  // before the first row
  double total = 0;    // every row the index can return
};

// Elements an hnsw search evaluates (distances computed) to return its first ef rows: the greedy descent through
// ln(n) / ln(m) upper levels of about m elements each, then the level-0 beam search, fitted to our scans' counts on
// uniform random data of 32 to 384 dimensions (n 2,000-30,000, m 8-32, ef 10-100): ~0.68 ln(n) ef^0.8 m^0.7.
// Real embeddings have fewer intrinsic dimensions and need fewer. Never more than n.
double hnsw_search_evaluations(double n, int m, int ef);

// With index_filter_selectivity s < 1 the walk passes over the elements the index's own conditions reject to find ef
// that match: it evaluates about E / sqrt(s) elements (measured, see hnsw_scan_cost; at most all n) before its first
// rows, and each further row costs as many more per matching row; only the n s matching rows can come back. So a selective in-index filter over a big
// index is priced as the long walk it is (a 0.1% filter reads about the whole index), and btree + exact sort of the
// few matching rows wins where it is cheaper (sql/ann_filter_plan.sql).
ScanCost hnsw_scan_cost(const FullScan& index, int m, int ef_search);

struct IvfParams {
  int lists = 1;
  int probes = 1;
  double model_pages = 0;      // meta, centroid, codebook and directory pages (cached per backend after the first scan)
  double centroid_cost = 0;    // ranking every centroid: lists x operator cost
  int rerank = 0;              // lossy quantizers: candidates re-ranked with exact vectors from the table per window
  double rerank_row_cost = 0;  // one re-ranked candidate: tuple fetch + operator
};
ScanCost ivf_scan_cost(const FullScan& index, const IvfParams& p);

}  // namespace vx::core::ann_cost

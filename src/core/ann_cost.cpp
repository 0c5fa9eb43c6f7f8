// Planner cost model of the ANN index scans: see ann_cost.h.
#include "core/ann_cost.h"

#include <algorithm>
#include <cmath>

namespace vx::core::ann_cost {

namespace {

// The cost of reading `share` of the index: its pages (at most the table's pages read sequentially, see the header;
// a minimum, not a condition, so the cost never jumps as an index grows) and its tuples.
double share_cost(const FullScan& ix, double share) {
  double pages = share * ix.page_cost;
  if (ix.heap_pages > 0) pages = std::min(pages, ix.heap_pages * ix.seq_page_cost);
  return pages + share * ix.tuple_cost;
}

// The heap visits of the rows a filter rejects, beyond cost_index's share (see the header).
double rejected_visits(const FullScan& ix) {
  return std::max(0.0, std::min(ix.rejected_rows, ix.tuples)) * ix.row_visit_cost;
}

}  // namespace

double hnsw_search_evaluations(double n, int m, int ef) {
  n = std::max(n, 1.0);
  const double mm = std::max(m, 2), e = std::max(ef, 1);
  const double ln_n = std::log(std::max(n, 2.0));
  const double upper = ln_n / std::log(mm) * mm;
  const double level0 = 0.68 * ln_n * std::pow(e, 0.8) * std::pow(mm, 0.7);
  return std::min(n, upper + level0);
}

ScanCost hnsw_scan_cost(const FullScan& ix, int m, int ef_search) {
  const double n = std::max(ix.tuples, 1.0);
  const double sel = std::min(1.0, std::max(ix.index_filter_selectivity, 1.0 / n));
  const double matching = std::max(1.0, n * sel);  // rows the scan can return
  // Measured (DEBUG2 "elements evaluated", 20,000 clustered 16-d rows, m 16, ef 40, LIMIT 10): 2.1x the unfiltered
  // walk at 10%, 8.9x at 1%, the whole graph (33x) at 0.1%: about 1 / sqrt(s), not 1 / s (the walk passes over the
  // rejected elements of the region it searches anyway; it does not widen its beam to ef / s).
  const double evaluated = std::min(n, hnsw_search_evaluations(n, m, ef_search) / std::sqrt(sel));
  const double visited = evaluated / n;  // share of the graph the first search reads
  const double search = share_cost(ix, visited);
  const double per_evaluation = search / evaluated;
  const double first_rows = std::min<double>(std::max(ef_search, 1), matching);
  // Each further row costs what a row of the first batch did, except in the part of the graph already visited.
  double further = evaluated / first_rows * (matching - first_rows) * (1.0 - visited);
  // In-index filter: the walk evaluates each element once (its visited set), so all the matching rows cost at most the
  // rest of the index.
  if (sel < 1.0) further = std::min(further, n - evaluated);
  return {search, search + further * per_evaluation + rejected_visits(ix)};
}

ScanCost ivf_scan_cost(const FullScan& ix, const IvfParams& p) {
  const double n = std::max(ix.tuples, 1.0);
  const double share = std::min(1.0, static_cast<double>(std::max(p.probes, 1)) / std::max(p.lists, 1));
  // Postings only: the model pages are read once per backend (load_model's cache), centroids cost their ranking.
  FullScan postings = ix;
  postings.pages = std::max(ix.pages - p.model_pages, 1.0);
  if (ix.pages > 0) postings.page_cost = ix.page_cost * std::min(1.0, postings.pages / ix.pages);
  const double first = share_cost(postings, share);
  const double rest = (1.0 - share) * (postings.page_cost + postings.tuple_cost);
  const double reranked_first = p.rerank > 0 ? std::min<double>(p.rerank, n * share) : 0.0;
  const double reranked_rest = p.rerank > 0 ? n - reranked_first : 0.0;
  ScanCost c;
  c.startup = p.centroid_cost + first + reranked_first * p.rerank_row_cost;
  c.total = c.startup + rest + reranked_rest * p.rerank_row_cost + rejected_visits(ix);
  return c;
}

}  // namespace vx::core::ann_cost

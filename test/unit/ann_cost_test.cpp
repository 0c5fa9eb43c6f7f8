// The planner cost model of the ANN scans (core/ann_cost.h): the shapes that decide plans.
#include "core/ann_cost.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace vx::core::ann_cost;

namespace {
// An index of n tuples on `pages` pages priced as genericcostestimate would (random_page_cost 4, 0.0075 per tuple).
FullScan index_of(double n, double pages, double heap_pages) {
  FullScan f;
  f.tuples = n;
  f.pages = pages;
  f.page_cost = pages * 4.0;
  f.tuple_cost = n * 0.0075;
  f.heap_pages = heap_pages;
  f.seq_page_cost = 1.0;
  return f;
}
}  // namespace

TEST(HnswCost, SearchEvaluationsFollowTheMeasuredFit) {
  // measured on uniform random 32-d data: ~880 at n 10,000, m 16, ef 40; ~1,780 at ef 100; ~500 at m 8
  EXPECT_NEAR(hnsw_search_evaluations(10000, 16, 40), 880, 60);
  EXPECT_NEAR(hnsw_search_evaluations(10000, 16, 100), 1780, 120);
  EXPECT_NEAR(hnsw_search_evaluations(10000, 8, 40), 500, 60);
  EXPECT_LT(hnsw_search_evaluations(2000, 16, 40), hnsw_search_evaluations(30000, 16, 40));
  EXPECT_DOUBLE_EQ(hnsw_search_evaluations(200, 16, 40), 200);  // never more than the index holds
  EXPECT_DOUBLE_EQ(hnsw_search_evaluations(0, 16, 40), 1);
}

TEST(HnswCost, StartupIsTheSearchAndMoreEfCostsMore) {
  FullScan ix = index_of(10000, 204, 84);
  ScanCost c40 = hnsw_scan_cost(ix, 16, 40), c100 = hnsw_scan_cost(ix, 16, 100);
  const double share = hnsw_search_evaluations(10000, 16, 40) / 10000;
  EXPECT_NEAR(c40.startup, share * (ix.page_cost + ix.tuple_cost), 1e-9);
  EXPECT_GT(c100.startup, c40.startup);
  // further rows are priced as the walk they need: a selective filter (a tenth of the rows for 20 results out
  // of 200 qualifying) costs far more than reading the table (84 pages)
  EXPECT_GT(c40.startup + 0.1 * (c40.total - c40.startup), 84 * 2.0);
}

TEST(HnswCost, AnIndexTheFirstSearchReadsWhollyCostsNothingMorePerRow) {
  ScanCost c = hnsw_scan_cost(index_of(200, 6, 84), 16, 40);  // a partial index of 200 rows
  EXPECT_NEAR(c.startup, 6 * 4.0 + 200 * 0.0075, 1e-9);
  EXPECT_DOUBLE_EQ(c.total, c.startup);
}

TEST(HnswCost, PagesAreCappedAtTheTableReadSequentially) {
  // vectors stored out of line: 39 heap pages, 6,000 index pages
  FullScan ix = index_of(6000, 6000, 39);
  ScanCost c = hnsw_scan_cost(ix, 16, 40);
  EXPECT_LE(c.startup, 39 * 1.0 + ix.tuple_cost);
  // continuous: an index just below and just above the cap costs about the same
  ScanCost below = hnsw_scan_cost(index_of(200, 9.9, 40), 16, 40),
           above = hnsw_scan_cost(index_of(200, 10.1, 40), 16, 40);
  EXPECT_NEAR(below.startup, above.startup, 1.0);
}

TEST(HnswCost, AnInIndexFilterIsALongerWalkOverFewerRows) {
  FullScan ix = index_of(60000, 5000, 10000);
  const ScanCost plain = hnsw_scan_cost(ix, 16, 40);
  ix.index_filter_selectivity = 1;
  EXPECT_DOUBLE_EQ(hnsw_scan_cost(ix, 16, 40).total, plain.total);  // no filter: as before
  // the walk to ef matching rows: E / sqrt(s) elements, so a selective filter starts later
  ix.index_filter_selectivity = 0.1;
  const ScanCost ten = hnsw_scan_cost(ix, 16, 40);
  const double e = hnsw_search_evaluations(60000, 16, 40);
  EXPECT_NEAR(ten.startup, e / std::sqrt(0.1) / 60000 * (ix.page_cost + ix.tuple_cost), 1e-6);
  EXPECT_GT(ten.startup, plain.startup);
  // only the 6,000 matching rows come back: all of them cost less than the whole unfiltered scan
  EXPECT_LT(ten.total, plain.total);
  // 0.1%: a longer walk still; the walk evaluates each element once, so all 60 matching rows cost less than the
  // unfiltered scan's every row
  ix.index_filter_selectivity = 0.001;
  const ScanCost tiny = hnsw_scan_cost(ix, 16, 40);
  EXPECT_GT(tiny.startup, ten.startup);
  EXPECT_LT(tiny.total, plain.total);
  EXPECT_LE(tiny.total, tiny.startup / std::min(1.0, e / std::sqrt(0.001) / 60000) + 1e-6);
  // a partial index of 1,000 rows whose walk reads it whole: all 1 matching row at once
  FullScan small = index_of(1000, 100, 10000);
  small.index_filter_selectivity = 0.001;
  const ScanCost one = hnsw_scan_cost(small, 16, 40);
  EXPECT_NEAR(one.startup, 100 * 4.0 + 1000 * 0.0075, 1e-9);
  EXPECT_DOUBLE_EQ(one.total, one.startup);
}

TEST(IvfCost, StartupIsCentroidsPlusTheProbedShare) {
  FullScan ix = index_of(10000, 42, 1000);  // a table bigger than the index: no page cap
  IvfParams p;
  p.lists = 100;
  p.probes = 1;
  p.model_pages = 2;
  p.centroid_cost = 100 * 0.0025;
  ScanCost c = ivf_scan_cost(ix, p);
  EXPECT_NEAR(c.startup, 0.25 + 0.01 * (40 * 4.0 + 10000 * 0.0075), 1e-9);
  EXPECT_NEAR(c.total, 0.25 + 40 * 4.0 + 10000 * 0.0075, 1e-9);
  p.probes = 10;
  EXPECT_GT(ivf_scan_cost(ix, p).startup, c.startup);
  p.probes = 1000;  // more probes than lists: everything
  EXPECT_NEAR(ivf_scan_cost(ix, p).startup, c.total, 1e-9);
}

TEST(IvfCost, RerankAddsExactVectorsFromTheTable) {
  FullScan ix = index_of(10000, 42, 84);
  IvfParams p;
  p.lists = 10;
  p.probes = 1;
  ScanCost flat = ivf_scan_cost(ix, p);
  p.rerank = 100;
  p.rerank_row_cost = 0.5;
  ScanCost lossy = ivf_scan_cost(ix, p);
  EXPECT_NEAR(lossy.startup - flat.startup, 100 * 0.5, 1e-9);
  EXPECT_NEAR(lossy.total - flat.total, 10000 * 0.5, 1e-9);
  p.rerank = 100000;  // never more than the probed lists hold before the first row
  EXPECT_NEAR(ivf_scan_cost(ix, p).startup - flat.startup, 1000 * 0.5, 1e-9);
}

TEST(AnnCost, EveryRowAFilterRejectsPaysItsHeapVisit) {
  // 60,000 rows on 8,600 heap pages, a filter keeping 1%: a rejected row costs a random page less the
  // 8,600 / 60,000 cost_index charges
  FullScan ix = index_of(60000, 4300, 8600);
  ScanCost h0 = hnsw_scan_cost(ix, 16, 40);
  IvfParams p;
  p.lists = 245;
  p.probes = 16;
  ScanCost i0 = ivf_scan_cost(ix, p);
  ix.row_visit_cost = 4.0 * (1 - 8600.0 / 60000);
  ScanCost h_none = hnsw_scan_cost(ix, 16, 40);  // no filter: nothing rejected, nothing more
  EXPECT_DOUBLE_EQ(h_none.total, h0.total);
  ix.rejected_rows = 60000 - 600;
  ScanCost h1 = hnsw_scan_cost(ix, 16, 40), i1 = ivf_scan_cost(ix, p);
  // start-up unchanged (no row returned yet); the rows a selective filter makes the scan pass over cost more
  EXPECT_DOUBLE_EQ(h1.startup, h0.startup);
  EXPECT_DOUBLE_EQ(i1.startup, i0.startup);
  EXPECT_NEAR(h1.total - h0.total, 59400 * ix.row_visit_cost, 1e-6);
  EXPECT_NEAR(i1.total - i0.total, 59400 * ix.row_visit_cost, 1e-6);
  // at 1% selectivity a LIMIT 10 takes a sixtieth of the rest: more than the bitmap scan of those 600 rows
  // (about 600 random pages) for both, as measured (docs/tuning.md)
  EXPECT_GT(i1.startup + (i1.total - i1.startup) / 60, 600 * 3.0);
  EXPECT_GT(h1.startup + (h1.total - h1.startup) / 60, 600 * 3.0);
}

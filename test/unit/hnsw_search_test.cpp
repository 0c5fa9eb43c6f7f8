// core::hnsw's graph search (core/hnsw/hnsw_search.h) over in-memory graphs: heaps, greedy descent, beam search,
// the visited set, ef, flagged elements, result filters and the discarded list the iterative scans resume from.
#include "core/hnsw/hnsw_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <vector>

using vx::core::hnsw::Candidate;
using vx::core::hnsw::SearchState;
namespace h = vx::core::hnsw;

namespace {

// Points in the plane with neighbour lists per level; squared L2 to a query.
struct MemGraph {
  std::vector<std::pair<float, float>> pts;
  std::vector<std::vector<std::vector<int32_t>>> lists;  // lists[level][id]
  std::vector<bool> flagged;
  float qx = 0, qy = 0;
  int neighbor_calls = 0;
  int distance_calls = 0;
  std::vector<std::unique_ptr<Candidate[]>> pool;  // what grow() handed out

  explicit MemGraph(int n, int levels = 1) : pts(n), lists(levels, std::vector<std::vector<int32_t>>(n)), flagged(n) {}
  void link(int level, int a, int b) {
    lists[level][a].push_back(b);
    lists[level][b].push_back(a);
  }
  float dist_to(uint32_t id) const {
    float dx = pts[id].first - qx, dy = pts[id].second - qy;
    return dx * dx + dy * dy;
  }

  // The accessor (hnsw_search.h).
  int neighbors(uint32_t id, int level, int32_t* out) {
    ++neighbor_calls;
    const auto& l = lists[level][id];
    std::copy(l.begin(), l.end(), out);
    return int(l.size());
  }
  float distance(uint32_t id) {
    ++distance_calls;
    return dist_to(id);
  }
  float distance(uint32_t id, bool* excluded) {
    *excluded = flagged[id];
    return dist_to(id);
  }
  void prefetch(uint32_t) {}
  void prefetch_vector(uint32_t) {}
  void prefetch_list(uint32_t) {}
  void grow(Candidate** array, int* capacity, int need) {
    std::unique_ptr<Candidate[]> a(new Candidate[need]);
    if (*array) std::copy(*array, *array + *capacity, a.get());
    *array = a.get();
    *capacity = need;
    pool.push_back(std::move(a));
  }
};

// Search buffers for n ids, deliberately small so that the search grows them.
struct Buffers {
  std::vector<uint64_t> visited, queued;
  std::vector<int32_t> nbuf;
  SearchState s{};
  explicit Buffers(uint32_t n, int max_list = 64) : visited(n / 64 + 1), queued(n / 64 + 1), nbuf(max_list) {
    s.visited = visited.data();
    s.visited_bits = n;
    s.nbuf = nbuf.data();
  }
  void start(MemGraph& g, int32_t entry) {
    h::search_reset(&s);
    h::visited_test_set(&s, uint32_t(entry));
    Candidate c{g.dist_to(uint32_t(entry)), entry};
    if (s.capcand == 0) g.grow(&s.cand, &s.capcand, 1);
    if (s.capres == 0) g.grow(&s.res, &s.capres, 1);
    h::push_cand(g, &s, c);
    h::heap_push_max(s.res, &s.nres, c);
  }
  std::vector<Candidate> sorted_results() const {
    std::vector<Candidate> r(s.res, s.res + s.nres);
    h::sort_candidates(r.data(), int(r.size()));
    return r;
  }
};

// n random points, each linked to its k nearest (both ways) and to the next id (so the graph is connected).
MemGraph knn_graph(int n, int k, unsigned seed) {
  MemGraph g(n);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  for (auto& p : g.pts) p = {u(rng), u(rng)};
  for (int i = 0; i < n; ++i) {
    g.qx = g.pts[i].first;
    g.qy = g.pts[i].second;
    std::vector<int> order(n);
    for (int j = 0; j < n; ++j) order[j] = j;
    std::sort(order.begin(), order.end(), [&](int a, int b) { return g.dist_to(a) < g.dist_to(b); });
    for (int j = 1; j <= k; ++j) g.lists[0][i].push_back(order[j]);
    if (i + 1 < n) g.lists[0][i].push_back(i + 1);
  }
  return g;
}

std::vector<int32_t> brute_force(MemGraph& g, int k, const std::vector<bool>* skip = nullptr) {
  std::vector<Candidate> all;
  for (int i = 0; i < int(g.pts.size()); ++i)
    if (!skip || !(*skip)[i]) all.push_back({g.dist_to(i), i});
  h::sort_candidates(all.data(), int(all.size()));
  std::vector<int32_t> ids;
  for (int i = 0; i < k && i < int(all.size()); ++i) ids.push_back(all[i].id);
  return ids;
}

std::vector<int32_t> ids_of(const std::vector<Candidate>& c, int k) {
  std::vector<int32_t> ids;
  for (int i = 0; i < k && i < int(c.size()); ++i) ids.push_back(c[i].id);
  return ids;
}

}  // namespace

TEST(HnswSearch, HeapsPopInOrder) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0, 100);
  Candidate mn[200], mx[200];
  int nmin = 0, nmax = 0;
  for (int i = 0; i < 200; ++i) {
    Candidate c{u(rng), i};
    h::heap_push_min(mn, &nmin, c);
    h::heap_push_max(mx, &nmax, c);
  }
  float prev = -1;
  while (nmin > 0) {
    Candidate c = h::heap_pop_min(mn, &nmin);
    EXPECT_GE(c.dist, prev);
    prev = c.dist;
  }
  prev = 1e9f;
  while (nmax > 0) {
    Candidate c = h::heap_pop_max(mx, &nmax);
    EXPECT_LE(c.dist, prev);
    prev = c.dist;
  }
}

TEST(HnswSearch, GreedyDescentReachesTheLocalMinimum) {
  // A path 0 - 1 - ... - 9 at x = 0..9; from 0 towards a query at x = 7.2 the descent stops at 7.
  MemGraph g(10);
  for (int i = 0; i < 10; ++i) g.pts[i] = {float(i), 0.f};
  for (int i = 0; i + 1 < 10; ++i) g.link(0, i, i + 1);
  g.qx = 7.2f;
  Buffers b(10);
  int32_t cur = 0;
  float d = g.dist_to(0);
  h::greedy_layer(g, &b.s, 0, 10, &cur, &d);
  EXPECT_EQ(cur, 7);
  EXPECT_FLOAT_EQ(d, g.dist_to(7));
  // A local minimum that is not the global one: 0 - 1 - 2 with 2 nearer than 1, and 3 (the nearest) only behind a
  // farther element 4. Greedy descent stops at 2; no neighbour of 2 is nearer.
  MemGraph l(5);
  l.pts = {{0, 0}, {1, 0}, {2, 0}, {2.4f, 0}, {-5, 0}};
  l.link(0, 0, 1);
  l.link(0, 1, 2);
  l.link(0, 2, 4);
  l.link(0, 4, 3);
  l.qx = 2.5f;
  Buffers b2(5);
  cur = 0;
  d = l.dist_to(0);
  h::greedy_layer(l, &b2.s, 0, 5, &cur, &d);
  EXPECT_EQ(cur, 2);
  // Ids at or beyond the limit (allocated after the search began) are not looked at.
  cur = 0;
  d = g.dist_to(0);
  h::greedy_layer(g, &b.s, 0, 4, &cur, &d);
  EXPECT_EQ(cur, 3);
}

TEST(HnswSearch, BeamSearchWithLargeEfIsExact) {
  MemGraph g = knn_graph(300, 6, 42);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0, 1);
  for (int q = 0; q < 20; ++q) {
    g.qx = u(rng);
    g.qy = u(rng);
    Buffers b(300);
    b.start(g, 0);
    h::search_layer(g, &b.s, 0, 300);
    EXPECT_EQ(b.s.nres, 300);  // ef >= n: every element of the connected graph is found
    EXPECT_EQ(ids_of(b.sorted_results(), 10), brute_force(g, 10));
  }
}

TEST(HnswSearch, EfBoundsTheResultsAndTheVisitedSetIsHonoured) {
  MemGraph g = knn_graph(300, 6, 5);
  g.qx = 0.5f;
  g.qy = 0.5f;
  Buffers b(300);
  b.start(g, 0);
  // Pre-visited elements are never evaluated: mark the true nearest one.
  int32_t nearest = brute_force(g, 1)[0];
  ASSERT_NE(nearest, 0);
  h::visited_test_set(&b.s, uint32_t(nearest));
  h::search_layer(g, &b.s, 0, 16);
  EXPECT_LE(b.s.nres, 16);
  EXPECT_EQ(b.s.nres, 16);
  for (int i = 0; i < b.s.nres; ++i) EXPECT_NE(b.s.res[i].id, nearest);
  // res is a max-heap: its root is the farthest kept.
  for (int i = 1; i < b.s.nres; ++i) EXPECT_LE(b.s.res[i].dist, b.s.res[0].dist);
  // Every evaluated element was visited once: a second search without reset evaluates nothing new.
  uint64_t evaluated = b.s.evaluated;
  EXPECT_GT(evaluated, 0u);
  EXPECT_LT(evaluated, 300u);  // ef = 16 stops early
  b.s.ncand = 0;
  Candidate c{g.dist_to(0), 0};
  h::push_cand(g, &b.s, c);
  h::search_layer(g, &b.s, 0, 16);
  EXPECT_EQ(b.s.evaluated, evaluated);
  // Ids beyond visited_bits count as visited (newer than the search).
  Buffers small(10);
  EXPECT_TRUE(h::visited_test_set(&small.s, 10));
  EXPECT_FALSE(h::visited_test_set(&small.s, 9));
  EXPECT_TRUE(h::visited_test_set(&small.s, 9));
}

TEST(HnswSearch, FlaggedElementsAreTraversedButNotResults) {
  // Two groups joined only through element 5 (flagged, as a dead element VACUUM left linked): with skip_excluded
  // the far group is still reached through it, and 5 is not a result.
  MemGraph g(11);
  for (int i = 0; i < 11; ++i) g.pts[i] = {float(i), 0.f};
  for (int i = 0; i + 1 < 11; ++i) g.link(0, i, i + 1);
  g.flagged[5] = true;
  g.qx = 10;
  Buffers b(11);
  b.s.skip_excluded = true;
  b.start(g, 0);
  h::search_layer(g, &b.s, 0, 11);
  std::vector<bool> skip(g.flagged.begin(), g.flagged.end());
  EXPECT_EQ(ids_of(b.sorted_results(), 10), brute_force(g, 10, &skip));
  for (int i = 0; i < b.s.nres; ++i) EXPECT_NE(b.s.res[i].id, 5);
  // Without skip_excluded the flagged element is a result like any other.
  Buffers all(11);
  all.start(g, 0);
  h::search_layer(g, &all.s, 0, 11);
  EXPECT_EQ(all.s.nres, 11);
}

TEST(HnswSearch, ResultsOnlyFiltersResultsNotTraversal) {
  MemGraph g = knn_graph(200, 6, 11);
  g.qx = 0.3f;
  g.qy = 0.7f;
  std::vector<uint64_t> only(200 / 64 + 1);
  std::vector<bool> skip(200, true);
  for (uint32_t id = 0; id < 200; id += 3) {
    only[id >> 6] |= uint64_t(1) << (id & 63);
    skip[id] = false;
  }
  Buffers b(200);
  b.s.results_only = only.data();
  b.start(g, 0);  // entry 0 is in the set
  h::search_layer(g, &b.s, 0, 200);
  EXPECT_EQ(ids_of(b.sorted_results(), 10), brute_force(g, 10, &skip));
  for (int i = 0; i < b.s.nres; ++i) EXPECT_EQ(b.s.res[i].id % 3, 0);
}

TEST(HnswSearch, DiscardedElementsAreKeptForIterativeScans) {
  MemGraph g = knn_graph(300, 6, 9);
  g.qx = 0.1f;
  g.qy = 0.9f;
  Buffers b(300);
  b.s.keep_discarded = true;
  b.s.queued = b.queued.data();
  b.start(g, 0);
  h::search_layer(g, &b.s, 0, 8);
  EXPECT_EQ(b.s.nres, 8);
  // Everything evaluated is either kept or discarded (the entry point was kept without an evaluation).
  EXPECT_EQ(uint64_t(b.s.nres + b.s.ndisc), b.s.evaluated + 1);
  std::set<int32_t> seen;
  for (int i = 0; i < b.s.nres; ++i) seen.insert(b.s.res[i].id);
  for (int i = 0; i < b.s.ndisc; ++i) seen.insert(b.s.disc[i].id);
  EXPECT_EQ(seen.size(), size_t(b.s.nres + b.s.ndisc));
  // Whatever entered the candidate heap is marked queued.
  for (int i = 0; i < b.s.nres; ++i) EXPECT_TRUE(h::bit_is_set(b.s.queued, uint32_t(b.s.res[i].id)));
  // The kept ones are the nearest of all evaluated.
  float worst_kept = 0;
  for (int i = 0; i < b.s.nres; ++i) worst_kept = std::max(worst_kept, b.s.res[i].dist);
  for (int i = 0; i < b.s.ndisc; ++i) EXPECT_GE(b.s.disc[i].dist, worst_kept);
}

TEST(HnswSearch, UpperLevelsAreSearchedSeparately) {
  // Level 1 links 0 and 9 directly; level 0 is a path. Greedy descent at level 1 jumps to 9.
  MemGraph g(10, 2);
  for (int i = 0; i < 10; ++i) g.pts[i] = {float(i), 0.f};
  for (int i = 0; i + 1 < 10; ++i) g.link(0, i, i + 1);
  g.link(1, 0, 9);
  g.qx = 9;
  Buffers b(10);
  int32_t cur = 0;
  float d = g.dist_to(0);
  g.neighbor_calls = 0;
  h::greedy_layer(g, &b.s, 1, 10, &cur, &d);
  EXPECT_EQ(cur, 9);
  EXPECT_EQ(g.neighbor_calls, 2);
}

TEST(HnswSearch, GreedyDescentSkipsWhatItEvaluatedAndEndsWhereItDid) {
  // Three levels over 2,000 random points: level 0 the 8 nearest, level 1 every 8th point's 6 nearest among them,
  // level 2 every 64th point's 4 nearest among those. A descent from point 0 to each query, with and without the set
  // of evaluated ids (also one so small that it fills up): the same element and distance, fewer distances.
  const int n = 2000;
  MemGraph g = knn_graph(n, 8, 11);
  g.lists.resize(3, std::vector<std::vector<int32_t>>(n));
  for (int level = 1; level <= 2; ++level) {
    const int step = level == 1 ? 8 : 64, k = level == 1 ? 6 : 4;
    for (int i = 0; i < n; i += step) {
      g.qx = g.pts[i].first;
      g.qy = g.pts[i].second;
      std::vector<int> members;
      for (int j = 0; j < n; j += step)
        if (j != i) members.push_back(j);
      std::sort(members.begin(), members.end(), [&](int a, int b) { return g.dist_to(a) < g.dist_to(b); });
      for (int j = 0; j < k; ++j) g.lists[level][i].push_back(members[j]);
    }
  }
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0, 1);
  int plain_calls = 0, seen_calls = 0, tiny_calls = 0;
  for (int q = 0; q < 50; ++q) {
    g.qx = u(rng);
    g.qy = u(rng);
    auto descend = [&](uint32_t seen_bits, int* calls) {
      Buffers b(n);
      std::vector<uint32_t> seen(size_t(1) << std::max<uint32_t>(seen_bits, 1));
      if (seen_bits) {
        b.s.seen = seen.data();
        b.s.seen_bits = seen_bits;
        h::seen_clear(&b.s);
        h::seen_test_set(&b.s, 0);
      }
      int32_t cur = 0;
      float d = g.dist_to(0);
      g.distance_calls = 0;
      for (int level = 2; level > 0; --level) h::greedy_layer(g, &b.s, level, n, &cur, &d);
      h::greedy_layer(g, &b.s, 0, n, &cur, &d);
      *calls += g.distance_calls;
      return Candidate{d, cur};
    };
    Candidate plain = descend(0, &plain_calls), with_seen = descend(10, &seen_calls), tiny = descend(2, &tiny_calls);
    EXPECT_EQ(with_seen.id, plain.id);
    EXPECT_EQ(with_seen.dist, plain.dist);
    EXPECT_EQ(tiny.id, plain.id);
    EXPECT_EQ(tiny.dist, plain.dist);
  }
  EXPECT_LT(seen_calls, plain_calls * 9 / 10);  // each hop meets much of the previous hop's list again
  EXPECT_LE(tiny_calls, plain_calls);
  EXPECT_GT(tiny_calls, seen_calls);  // 4 slots hold 2 ids: most repeats are evaluated again
}

TEST(HnswSearch, SeenSetAddsUntilHalfFull) {
  std::vector<uint32_t> slots(8);
  SearchState s{};
  s.seen = slots.data();
  s.seen_bits = 3;
  h::seen_clear(&s);
  for (uint32_t id = 100; id < 104; ++id) EXPECT_FALSE(h::seen_test_set(&s, id));
  for (uint32_t id = 100; id < 104; ++id) EXPECT_TRUE(h::seen_test_set(&s, id));
  EXPECT_FALSE(h::seen_test_set(&s, 7));  // full: not added
  EXPECT_FALSE(h::seen_test_set(&s, 7));
  EXPECT_EQ(s.seen_count, 4u);
  h::seen_clear(&s);
  EXPECT_FALSE(h::seen_test_set(&s, 100));
  EXPECT_EQ(s.seen_count, 1u);
}

#include "core/hnsw/hnsw_select.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

using vx::core::hnsw::Candidate;
using vx::core::hnsw::keep_pruned;
using vx::core::hnsw::select_neighbors;

namespace {
struct Points {
  std::vector<std::vector<float>> p;
  float dist(int a, int b) const {
    float s = 0;
    for (size_t k = 0; k < p[a].size(); ++k) s += (p[a][k] - p[b][k]) * (p[a][k] - p[b][k]);
    return s;
  }
};
}  // namespace

TEST(HnswSelect, KeepsNearestAndDropsShadowedCandidates) {
  // base at 0; candidates on one line (1, 2, 3) shadow each other; one at -1 on the other side.
  Points pts{{{1.f}, {2.f}, {3.f}, {-1.f}}};
  std::vector<Candidate> c = {{1, 0}, {1, 3}, {4, 1}, {9, 2}};  // sorted by distance to base (squared L2)
  int out[4];
  int n = select_neighbors(
      c.data(), 4, 4, [&](int i, int j) { return pts.dist(c[i].id, c[j].id); }, out);
  ASSERT_EQ(n, 2);
  EXPECT_EQ(c[out[0]].id, 0);
  EXPECT_EQ(c[out[1]].id, 3);
}

TEST(HnswSelect, RespectsMaxKeep) {
  Points pts{{{1.f, 0.f}, {0.f, 1.f}, {-1.f, 0.f}, {0.f, -1.f}}};
  std::vector<Candidate> c = {{1, 0}, {1, 1}, {1, 2}, {1, 3}};
  int out[4];
  int n = select_neighbors(
      c.data(), 4, 3, [&](int i, int j) { return pts.dist(c[i].id, c[j].id); }, out);
  EXPECT_EQ(n, 3);
}

TEST(HnswSelect, DuplicatesOfTheBaseFillAtMostHalf) {
  // 10 exact duplicates of the base, then 4 distinct points in different directions.
  Points pts;
  for (int i = 0; i < 10; ++i) pts.p.push_back({0.f, 0.f});
  pts.p.push_back({1.f, 0.f});
  pts.p.push_back({0.f, 1.f});
  pts.p.push_back({-1.f, 0.f});
  pts.p.push_back({0.f, -1.f});
  std::vector<Candidate> c;
  for (int i = 0; i < 10; ++i) c.push_back({0.f, i});
  for (int i = 10; i < 14; ++i) c.push_back({1.f, i});
  int out[14];
  int n = select_neighbors(
      c.data(), int(c.size()), 8, [&](int i, int j) { return pts.dist(c[i].id, c[j].id); }, out);
  ASSERT_EQ(n, 8);
  int dups = 0;
  for (int i = 0; i < n; ++i) dups += c[out[i]].dist == 0;
  EXPECT_EQ(dups, 4);
}

TEST(HnswSelect, KeepPrunedTopsUpNearestFirstWithinTheDuplicateCap) {
  // base at 0: 6 duplicates, then points on one ray (1, 2, 3, 4: each shadows the next), then one at -5.
  Points pts;
  for (int i = 0; i < 6; ++i) pts.p.push_back({0.f});
  for (float x : {1.f, 2.f, 3.f, 4.f, -5.f}) pts.p.push_back({x});
  std::vector<Candidate> c;
  for (int i = 0; i < 6; ++i) c.push_back({0.f, i});
  for (int i = 6; i < 11; ++i) c.push_back({pts.dist(0, i), i});
  int out[11];
  const int max_keep = 8;
  int n = select_neighbors(
      c.data(), 11, max_keep, [&](int i, int j) { return pts.dist(c[i].id, c[j].id); }, out);
  ASSERT_EQ(n, 6);  // 4 duplicates (the cap), 1 and -5 (2, 3, 4 shadowed by 1)
  n = keep_pruned(c.data(), 11, max_keep, out, n);
  ASSERT_EQ(n, max_keep);
  std::vector<int> ids;
  int dups = 0;
  for (int i = 0; i < n; ++i) {
    ids.push_back(c[out[i]].id);
    dups += c[out[i]].dist == 0;
  }
  EXPECT_EQ(dups, 4);  // the two duplicates left out stay out
  // the first six as selected, then the shadowed ones nearest first: 2 and 3 (4 does not fit)
  EXPECT_EQ(std::vector<int>(ids.begin() + 6, ids.end()), (std::vector<int>{7, 8}));
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) EXPECT_NE(out[i], out[j]);
}

TEST(HnswSelect, KeepPrunedLeavesAFullSelectionAlone) {
  std::vector<Candidate> c = {{1, 0}, {2, 1}, {3, 2}};
  int out[3] = {0, 2};
  EXPECT_EQ(keep_pruned(c.data(), 3, 2, out, 2), 2);
  EXPECT_EQ(out[1], 2);
}

TEST(HnswSelect, CopiesAreWhatThePredicateSaysNotNegativeDistances) {
  // Inner-product distances are negative for every candidate with a positive dot product: none of these is a copy,
  // so the heuristic applies to all (the old rule took them all, up to half the list, as copies).
  std::vector<Candidate> c = {{-0.9f, 0}, {-0.8f, 1}, {-0.7f, 2}, {-0.6f, 3}};
  int out[4];
  auto pair = [](int, int) { return -1.0f; };  // every pair closer to each other than to the base
  int n = select_neighbors(
      c.data(), 4, 4, pair, [](int) { return false; }, out);
  EXPECT_EQ(n, 1);                                  // the nearest only: the rest are shadowed by it
  n = select_neighbors(c.data(), 4, 4, pair, out);  // the distance rule (L2/L1 callers) would keep 2 "copies"
  EXPECT_EQ(n, 2);
}

TEST(HnswSelect, RefillKeepsLiveEntriesAndFillsTheRest) {
  // A list that lost entries: entries 0 and 1 stay (whatever the heuristic would say); replacements 2..5 sorted.
  Points pts{{{5.f}, {6.f}, {1.f}, {2.f}, {-1.f}, {-3.f}}};
  std::vector<Candidate> c;
  for (int i = 0; i < 6; ++i) c.push_back({pts.p[i][0] * pts.p[i][0], i});
  std::sort(c.begin() + 2, c.end(), [](const Candidate& a, const Candidate& b) { return a.dist < b.dist; });
  int out[6];
  auto pair = [&](int i, int j) { return pts.dist(c[i].id, c[j].id); };
  auto no_copy = [](int) { return false; };
  int n = vx::core::hnsw::refill_neighbors(c.data(), 6, 2, 4, pair, no_copy, out);
  ASSERT_EQ(n, 4);
  EXPECT_EQ(c[out[0]].id, 0);
  EXPECT_EQ(c[out[1]].id, 1);
  // 1 (nearest, not shadowed by 5 or 6) and -1 (other side) by the heuristic
  EXPECT_EQ(c[out[2]].id, 2);
  EXPECT_EQ(c[out[3]].id, 4);
  n = vx::core::hnsw::refill_neighbors(c.data(), 6, 2, 6, pair, no_copy, out);
  EXPECT_EQ(n, 6);  // topped up with the shadowed ones
}

// The build's rules (pgvector's): select_keep_pruned for a new element's list, replaced_on_link_back for a full list
// a new element links back into.
using vx::core::hnsw::replaced_on_link_back;
using vx::core::hnsw::select_keep_pruned;

namespace {
std::vector<Candidate> sorted_candidates(const Points& pts, int base, const std::vector<int>& ids) {
  std::vector<Candidate> c;
  for (int id : ids) c.push_back({pts.dist(base, id), id});
  std::sort(c.begin(), c.end(), [](const Candidate& a, const Candidate& b) {
    return a.dist < b.dist || (a.dist == b.dist && a.id < b.id);
  });
  return c;
}
int index_of(const std::vector<Candidate>& c, int id) {
  for (int i = 0; i < int(c.size()); ++i)
    if (c[i].id == id) return i;
  return -1;
}
}  // namespace

TEST(HnswSelect, SelectKeepPrunedTakesTheHeuristicsChoiceThenThePrunedNearestFirst) {
  // base 0 at 0; on one ray 1, 2, 3, 4 (1 shadows the others), -5 on the other side
  Points pts{{{0.f}, {1.f}, {2.f}, {3.f}, {4.f}, {-5.f}}};
  auto c = sorted_candidates(pts, 0, {1, 2, 3, 4, 5});
  auto pd = [&](int i, int j) { return pts.dist(c[i].id, c[j].id); };
  auto no_copy = [](int) { return false; };
  int out[6];
  ASSERT_EQ(select_keep_pruned(c.data(), 5, 4, pd, no_copy, out), 4);
  std::vector<int> ids;
  for (int k = 0; k < 4; ++k) ids.push_back(c[out[k]].id);
  EXPECT_EQ(ids, (std::vector<int>{1, 5, 2, 3}));  // 1 and -5 by the heuristic, then 2 and 3
  // fewer candidates than max_keep: all of them
  EXPECT_EQ(select_keep_pruned(c.data(), 5, 8, pd, no_copy, out), 5);
}

TEST(HnswSelect, SelectKeepPrunedNeverKeepsFewerThanMaxKeepWhenThereAreEnough) {
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0, 1);
  for (int trial = 0; trial < 200; ++trial) {
    const int max_keep = 4 + trial % 29, n = max_keep + int(rng() % 64);
    Points pts;
    for (int i = 0; i <= n; ++i) pts.p.push_back({g(rng), g(rng), g(rng)});
    std::vector<int> ids;
    for (int i = 1; i <= n; ++i) ids.push_back(i);
    auto c = sorted_candidates(pts, 0, ids);
    auto pd = [&](int i, int j) { return pts.dist(c[i].id, c[j].id); };
    std::vector<int> out(n), diverse(n);
    const int kept = select_keep_pruned(c.data(), n, max_keep, pd, [](int) { return false; }, out.data());
    ASSERT_EQ(kept, max_keep) << trial;
    // the heuristic's choice first, in its order; then the others nearest first
    const int d = select_neighbors(c.data(), n, max_keep, pd, diverse.data());
    for (int k = 0; k < d; ++k) ASSERT_EQ(out[k], diverse[k]) << trial;
    for (int k = d + 1; k < kept; ++k) ASSERT_LT(out[k - 1], out[k]) << trial;
  }
}

TEST(HnswSelect, LinkBackReplacesTheFarthestPrunedEntryOrNothing) {
  Points pts{{{0.f}, {1.f}, {2.f}, {3.f}, {-1.5f}, {2.5f}, {4.f}}};
  auto no_copy = [](int) { return false; };
  int scratch[4];
  auto replaced = [&](int new_id) {  // the full list {1, 2, 3} (cap 3) of element 0; the id replaced, -1 for none
    auto c = sorted_candidates(pts, 0, {1, 2, 3, new_id});
    int r = replaced_on_link_back(
        c.data(), 4, 3, index_of(c, new_id), [&](int i, int j) { return pts.dist(c[i].id, c[j].id); }, no_copy,
        scratch);
    return r < 0 ? -1 : c[r].id;
  };
  EXPECT_EQ(replaced(4), 3);   // -1.5: kept by the heuristic; 2 and 3 pruned, 2 fills: 3 leaves
  EXPECT_EQ(replaced(5), 3);   // 2.5: pruned, but nearer than 3: 3 leaves
  EXPECT_EQ(replaced(6), -1);  // 4: pruned and the farthest: the list stays
}

TEST(HnswSelect, LinkBackDropsTheFarthestWhenTheHeuristicKeepsEveryEntry) {
  // base 0 at the origin, entries in three directions (all kept by the heuristic)
  Points pts{{{0.f, 0.f}, {1.f, 0.f}, {0.f, 1.f}, {-1.f, 0.f}, {0.f, -2.f}, {0.f, -0.5f}}};
  int scratch[4];
  auto replaced = [&](int new_id) {
    auto c = sorted_candidates(pts, 0, {1, 2, 3, new_id});
    int r = replaced_on_link_back(
        c.data(), 4, 3, index_of(c, new_id), [&](int i, int j) { return pts.dist(c[i].id, c[j].id); },
        [](int) { return false; }, scratch);
    return r < 0 ? -1 : c[r].id;
  };
  EXPECT_EQ(replaced(4), -1);  // (0,-2): the heuristic stops at 3 kept before reaching it
  EXPECT_EQ(replaced(5), 3);   // (0,-0.5): kept first; (1,0), (0,1) still kept; (-1,0) left out (ties: by id)
}

TEST(HnswSelect, LinkBackChangesAtMostOneEntryAndNeverAHeuristicChoice) {
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0, 1);
  for (int trial = 0; trial < 300; ++trial) {
    const int cap = 4 + trial % 29;
    Points pts;
    for (int i = 0; i <= cap + 1; ++i) pts.p.push_back({g(rng), g(rng), g(rng), g(rng)});
    std::vector<int> ids;
    for (int i = 1; i <= cap + 1; ++i) ids.push_back(i);  // list 1..cap, new element cap + 1
    auto c = sorted_candidates(pts, 0, ids);
    auto pd = [&](int i, int j) { return pts.dist(c[i].id, c[j].id); };
    std::vector<int> scratch(cap + 1), diverse(cap + 1);
    const int at = index_of(c, cap + 1);
    const int r = replaced_on_link_back(c.data(), cap + 1, cap, at, pd, [](int) { return false; }, scratch.data());
    ASSERT_NE(r, at) << trial;  // -1 (no change) or an old entry
    const int d = select_neighbors(c.data(), cap + 1, cap, pd, diverse.data());
    if (r >= 0 && d < cap)
      for (int k = 0; k < d; ++k) ASSERT_NE(diverse[k], r) << trial;
    if (r < 0) {  // the new element is the one left out: the heuristic did not choose it, or stopped before it
      bool chosen = false;
      for (int k = 0; k < d; ++k) chosen |= diverse[k] == at;
      ASSERT_TRUE(!chosen || d == cap) << trial;
    }
  }
}

// left_out_of_full_list (the insert's re-prune of a full list) answers as select_keep_pruned does, whatever the
// dimension, list size and data (clustered points, ties of distances included), with fewer pair distances; every pair
// distance it asks for is one the full heuristic pass asks for too (same arguments), so it can never see a distance
// the full pass would not have computed.
TEST(HnswSelect, LeftOutOfAFullListIsWhatSelectKeepPrunedLeavesOut) {
  using vx::core::hnsw::left_out_of_full_list;
  using vx::core::hnsw::select_keep_pruned;
  std::mt19937 rng(7);
  std::normal_distribution<float> g(0, 1);
  std::uniform_int_distribution<int> small(0, 3);
  long lazy_calls = 0, full_calls = 0;
  int left_new = 0, left_last = 0, left_other = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const int cap = 2 + trial % 33, dims = 1 + trial % 24, n = cap + 1;
    const bool grid = trial % 5 == 0;  // small integer coordinates: many equal distances
    Points pts;
    for (int i = 0; i <= n; ++i) {
      std::vector<float> v;
      for (int k = 0; k < dims; ++k) v.push_back(grid ? float(small(rng)) : g(rng) + (i % 3) * 2.0f);
      pts.p.push_back(v);
    }
    // element 0 is the list's owner; candidates 1..n (the last one the new element), no copy of the owner
    std::vector<int> ids;
    for (int i = 1; i <= n; ++i)
      if (pts.dist(0, i) > 0) ids.push_back(i);
    if (int(ids.size()) != n) continue;
    auto c = sorted_candidates(pts, 0, ids);
    long full = 0;
    auto full_pd = [&](int i, int j) {
      ++full;
      return pts.dist(c[i].id, c[j].id);
    };
    std::vector<int> out(n);
    const int kept = select_keep_pruned(c.data(), n, cap, full_pd, [](int) { return false; }, out.data());
    ASSERT_EQ(kept, cap) << trial;
    int expect = -1;
    for (int i = 0; i < n && expect < 0; ++i)
      if (std::find(out.begin(), out.begin() + kept, i) == out.begin() + kept) expect = i;
    std::vector<int> scratch(2 * n);
    long calls = 0;
    const int got = left_out_of_full_list(
        c.data(), n, cap,
        [&](int i, int j) {
          ++calls;
          return pts.dist(c[i].id, c[j].id);
        },
        scratch.data());
    ASSERT_EQ(got, expect) << trial << " cap " << cap << " dims " << dims;
    lazy_calls += calls;
    full_calls += full;
    if (c[got].id == n) ++left_new;
    (got == n - 1 ? left_last : left_other) += 1;
  }
  // every outcome is exercised: the new element left out, the farthest entry, and a nearer pruned one
  EXPECT_GT(left_new, 100);
  EXPECT_GT(left_last, 100);
  EXPECT_GT(left_other, 20);
  EXPECT_LT(lazy_calls * 2, full_calls) << lazy_calls << " vs " << full_calls;
  std::printf("pair distances: %ld lazy, %ld full; left out: new %d, farthest %d, other %d\n", lazy_calls, full_calls,
              left_new, left_last, left_other);
}

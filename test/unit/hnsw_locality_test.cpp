#include "core/hnsw/hnsw_locality.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

using vx::core::hnsw::locality_order;

namespace {

std::vector<uint32_t> order_of(const std::vector<std::vector<uint32_t>>& adj, uint32_t entry) {
  return locality_order(adj.size(), entry, [&](uint32_t id, const uint32_t** ids) {
    *ids = adj[id].data();
    return int(adj[id].size());
  });
}

bool is_permutation_of_n(std::vector<uint32_t> v) {
  std::sort(v.begin(), v.end());
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i] != i) return false;
  return true;
}

}  // namespace

TEST(HnswLocality, BreadthFirstFromTheEntryPoint) {
  // 0 -> 3, 5; 3 -> 1; 5 -> 2, 4; 4 -> 0 (already placed)
  std::vector<std::vector<uint32_t>> adj = {{3, 5}, {}, {}, {1}, {0}, {2, 4}};
  EXPECT_EQ(order_of(adj, 0), (std::vector<uint32_t>{0, 3, 5, 1, 2, 4}));
  EXPECT_EQ(order_of(adj, 5), (std::vector<uint32_t>{5, 2, 4, 0, 3, 1}));
}

TEST(HnswLocality, UnreachedElementsComeLastAndNothingIsLostOrRepeated) {
  // 0 <-> 1; 2 and 4 unreachable from 0 (2 -> 3); an out-of-range neighbour id is ignored.
  std::vector<std::vector<uint32_t>> adj = {{1}, {0, 99}, {3}, {}, {}};
  EXPECT_EQ(order_of(adj, 0), (std::vector<uint32_t>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(order_of({}, 0).empty());
}

// A 70 x 70 grid (4-neighbour links) under shuffled labels: in label order an element's neighbours are spread over
// the whole range; in BFS order they lie within a couple of BFS layers (O(side)) of each other.
TEST(HnswLocality, GridNeighboursEndUpClose) {
  const uint32_t side = 70, n = side * side;
  std::vector<uint32_t> label(n);
  std::iota(label.begin(), label.end(), 0u);
  std::shuffle(label.begin(), label.end(), std::mt19937(11));
  std::vector<std::vector<uint32_t>> adj(n);
  for (uint32_t r = 0; r < side; ++r)
    for (uint32_t c = 0; c < side; ++c) {
      auto& a = adj[label[r * side + c]];
      if (r > 0) a.push_back(label[(r - 1) * side + c]);
      if (r + 1 < side) a.push_back(label[(r + 1) * side + c]);
      if (c > 0) a.push_back(label[r * side + c - 1]);
      if (c + 1 < side) a.push_back(label[r * side + c + 1]);
    }
  std::vector<uint32_t> order = order_of(adj, label[35 * side + 35]);
  ASSERT_EQ(order.size(), n);
  ASSERT_TRUE(is_permutation_of_n(order));
  std::vector<uint32_t> pos(n);
  for (uint32_t i = 0; i < n; ++i) pos[order[i]] = i;
  auto mean_span = [&](const std::vector<uint32_t>& at) {
    double total = 0;
    for (uint32_t e = 0; e < n; ++e) {
      uint32_t lo = at[e], hi = at[e];
      for (uint32_t x : adj[e]) lo = std::min(lo, at[x]), hi = std::max(hi, at[x]);
      total += hi - lo;
    }
    return total / n;
  };
  std::vector<uint32_t> identity(n);
  std::iota(identity.begin(), identity.end(), 0u);
  EXPECT_GT(mean_span(identity), n / 3.0);
  EXPECT_LT(mean_span(pos), 4.0 * side);
}

// Unit tests for the build's insertion order (src/core/hnsw/hnsw_insert_order.h): a permutation that keeps every
// row in its chunk and sorts each chunk by key, keys that split space by hyperplanes through the mean, and the point
// of it all: rows added one after another are near each other.
#include "core/hnsw/hnsw_insert_order.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace vx::core::hnsw {
namespace {

TEST(InsertOrder, PermutationSortedWithinChunksStable) {
  std::mt19937 rng(3);
  std::vector<uint32_t> keys(10000);
  for (auto& k : keys) k = rng() % 50;  // many equal keys: stability shows
  const std::size_t chunk = 999;
  const std::vector<uint32_t> order = InsertOrder::order(keys, chunk);
  ASSERT_EQ(order.size(), keys.size());
  std::vector<char> seen(keys.size(), 0);
  for (std::size_t i = 0; i < order.size(); ++i) {
    ASSERT_LT(order[i], keys.size());
    ASSERT_FALSE(seen[order[i]]) << "row " << order[i] << " twice";
    seen[order[i]] = 1;
    EXPECT_EQ(order[i] / chunk, i / chunk) << "row left its chunk";
    if (i % chunk != 0) {
      ASSERT_LE(keys[order[i - 1]], keys[order[i]]);
      if (keys[order[i - 1]] == keys[order[i]]) ASSERT_LT(order[i - 1], order[i]) << "equal keys out of heap order";
    }
  }
  EXPECT_TRUE(InsertOrder::order({}, chunk).empty());
}

TEST(InsertOrder, KeysAreHyperplaneSidesThroughTheMean) {
  const std::size_t dims = 40;
  std::mt19937 rng(5);
  std::normal_distribution<float> g;
  std::vector<float> mean(dims);
  for (auto& m : mean) m = g(rng);
  const InsertOrder a(dims, mean.data()), b(dims, mean.data());
  for (int t = 0; t < 200; ++t) {
    std::vector<float> v(dims), plus(dims), minus(dims);
    for (auto& x : v) x = g(rng);
    for (std::size_t d = 0; d < dims; ++d) plus[d] = mean[d] + v[d], minus[d] = mean[d] - v[d];
    // mirrored through the mean: on the other side of every plane (none passes exactly through these points)
    EXPECT_EQ(a.key(plus) ^ a.key(minus), (1u << InsertOrder::kPlanes) - 1);
    EXPECT_EQ(a.key(plus.data()), b.key(plus.data()));  // fixed seed: the same rows give the same order
  }
}

// 40 clusters of 32 dims, rows in round-robin cluster order (the worst heap order for locality): within a chunk the
// sorted order puts rows of one cluster together, so consecutive rows are far nearer than in heap order.
TEST(InsertOrder, ConsecutiveRowsAreNear) {
  const std::size_t dims = 32, clusters = 40, n = 8000;
  std::mt19937 rng(9);
  std::normal_distribution<float> g;
  std::vector<float> centers(clusters * dims), rows(n * dims), mean(dims, 0.f);
  for (auto& c : centers) c = g(rng) * 4;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t d = 0; d < dims; ++d) rows[i * dims + d] = centers[(i % clusters) * dims + d] + g(rng) * 0.5f;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t d = 0; d < dims; ++d) mean[d] += rows[i * dims + d] / float(n);
  const InsertOrder keyer(dims, mean.data());
  std::vector<uint32_t> keys(n);
  for (std::size_t i = 0; i < n; ++i) keys[i] = keyer.key(&rows[i * dims]);
  const std::vector<uint32_t> order = InsertOrder::order(keys, 4000);
  auto gap = [&](auto row_at) {
    double s = 0;
    for (std::size_t i = 1; i < n; ++i) {
      double d2 = 0;
      for (std::size_t d = 0; d < dims; ++d) {
        const double x = rows[row_at(i) * dims + d] - rows[row_at(i - 1) * dims + d];
        d2 += x * x;
      }
      s += std::sqrt(d2);
    }
    return s / double(n - 1);
  };
  const double heap = gap([](std::size_t i) { return i; });
  const double sorted = gap([&](std::size_t i) { return std::size_t(order[i]); });
  EXPECT_LT(sorted, 0.5 * heap) << "mean distance between consecutive rows: sorted " << sorted << ", heap " << heap;
}

TEST(InsertOrder, SmallTablesKeepHeapOrderLargeOnesGetAtLeastSixteenChunks) {
  EXPECT_EQ(InsertOrder::chunk_rows(0), 0u);
  EXPECT_EQ(InsertOrder::chunk_rows(InsertOrder::kMinRows - 1), 0u);
  for (std::size_t n : {std::size_t(65536), std::size_t(300000), std::size_t(1000000), std::size_t(5000000)}) {
    const std::size_t c = InsertOrder::chunk_rows(n);
    ASSERT_GT(c, 0u) << n;
    EXPECT_LE(c, InsertOrder::kChunkRows) << n;
    EXPECT_GE((n + c - 1) / c, InsertOrder::kMinChunks) << n;
  }
}

}  // namespace
}  // namespace vx::core::hnsw

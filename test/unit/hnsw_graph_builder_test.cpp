// Unit tests for the in-memory graph builder (src/core/hnsw_graph_builder.*) in both storage modes: on clustered
// data, the level-0 neighbours of nearly every element come from its own cluster and nearly every element is
// reachable from the entry point; half copies build the same quality of graph; and the data check that decides when half copies
// may be used.
#include "core/hnsw_graph_builder.h"

#include <gtest/gtest.h>

#include <queue>
#include <random>
#include <vector>

namespace vx::core::hnsw {
namespace {

struct Clustered {
  std::size_t n, dims, clusters;
  std::vector<float> data;
  std::vector<int> cluster;
};

Clustered make_clustered(std::size_t n, std::size_t dims, std::size_t clusters, float scale) {
  std::mt19937 rng(17);
  std::normal_distribution<float> g(0, 1);
  std::vector<float> centers(clusters * dims);
  for (auto& c : centers) c = g(rng) * 10 * scale;
  Clustered c{n, dims, clusters, std::vector<float>(n * dims), std::vector<int>(n)};
  for (std::size_t i = 0; i < n; i++) {
    c.cluster[i] = static_cast<int>(i % clusters);
    for (std::size_t d = 0; d < dims; d++) c.data[i * dims + d] = centers[c.cluster[i] * dims + d] + g(rng) * scale;
  }
  return c;
}

void expect_good_graph(const Clustered& c, bool half) {
  GraphBuilder b(static_cast<int>(c.dims), Metric::L2, 8, 40, c.n, 42, half);
  for (std::size_t i = 0; i < c.n; i++) b.add(&c.data[i * c.dims], i);
  ASSERT_EQ(b.size(), c.n);
  std::size_t same = 0, total = 0;
  std::vector<bool> seen(c.n, false);
  std::queue<std::size_t> todo;
  todo.push(static_cast<std::size_t>(b.entry_point()));
  seen[todo.front()] = true;
  while (!todo.empty()) {
    std::size_t id = todo.front();
    todo.pop();
    for (int level = 0; level <= b.level(id); level++) {  // a search reaches level 0 through the upper levels
      const uint32_t* ids;
      int k = b.neighbors(id, level, &ids);
      for (int j = 0; j < k; j++) {
        if (level == 0) {
          total++;
          if (c.cluster[b.label(id)] == c.cluster[b.label(ids[j])]) same++;
        }
        if (!seen[ids[j]]) {
          seen[ids[j]] = true;
          todo.push(ids[j]);
        }
      }
    }
  }
  std::size_t reached = 0;
  for (bool s : seen) reached += s;
  // HNSW links are directed and clusters here are far apart: a handful of elements may lack in-links
  EXPECT_GE(reached, c.n * 99 / 100) << (half ? "half" : "float");
  // the heuristic keeps a few long links between clusters on purpose; nearly all are within the cluster
  EXPECT_GT(static_cast<double>(same) / static_cast<double>(total), 0.9) << (half ? "half" : "float");
}

TEST(GraphBuilder, FloatAndHalfCopiesBuildConnectedClusteredGraphs) {
  Clustered c = make_clustered(2000, 64, 20, 1.0f);
  expect_good_graph(c, false);
  expect_good_graph(c, true);
}

TEST(GraphBuilder, LinkUnreachedMakesEveryNodeReachableAgain) {
  Clustered c = make_clustered(1500, 32, 15, 1.0f);
  for (bool half : {false, true}) {
    GraphBuilder b(static_cast<int>(c.dims), Metric::L2, 8, 40, c.n, 42, half);
    for (std::size_t i = 0; i < c.n; i++) b.add(&c.data[i * c.dims], i);
    b.link_unreached();
    ASSERT_EQ(b.reachable_count(), c.n);
    // orphan a few nodes (never the entry point), then repair
    std::size_t orphans = 0;
    for (std::size_t id : {3u, 500u, 501u, 1499u})
      if (static_cast<int32_t>(id) != b.entry_point()) {
        b.drop_in_links_for_test(id);
        orphans++;
      }
    ASSERT_LT(b.reachable_count(), c.n);
    EXPECT_GE(b.link_unreached(), orphans);
    EXPECT_EQ(b.reachable_count(), c.n) << (half ? "half" : "float");
    EXPECT_EQ(b.link_unreached(), 0u);  // nothing left to link
  }
}

TEST(GraphBuilder, HalfCopiesHalveTheVectorMemoryEstimate) {
  EXPECT_LT(GraphBuilder::estimate_bytes(784, 16, 10000, true), GraphBuilder::estimate_bytes(784, 16, 10000, false));
}

TEST(GraphBuilder, HalfCopiesSuitableOnlyForDataTheyHoldFaithfully) {
  Clustered pixels = make_clustered(100, 16, 4, 30.0f);
  EXPECT_TRUE(GraphBuilder::half_copies_suitable(pixels.data.data(), 100, 16));
  Clustered unit = make_clustered(100, 16, 4, 0.05f);
  EXPECT_TRUE(GraphBuilder::half_copies_suitable(unit.data.data(), 100, 16));
  Clustered tiny = make_clustered(100, 16, 4, 1e-6f);
  EXPECT_FALSE(GraphBuilder::half_copies_suitable(tiny.data.data(), 100, 16));
  std::vector<float> huge = {1.0f, 2.0f, 40000.0f};
  EXPECT_FALSE(GraphBuilder::half_copies_suitable(huge.data(), 1, 3));
  std::vector<float> zeros(10, 0.0f);
  EXPECT_TRUE(GraphBuilder::half_copies_suitable(zeros.data(), 5, 2));
  // Near-duplicates in few dimensions: rows 1e-3 apart around 10, closer than a half resolves (step 2^-7 at 10).
  std::vector<float> close;
  for (int i = 0; i < 200; i++)
    for (int d = 0; d < 4; d++) close.push_back(10.0f + 1e-3f * static_cast<float>((i * (d + 3)) % 17));
  EXPECT_FALSE(GraphBuilder::half_copies_suitable(close.data(), 200, 4));
}

}  // namespace
}  // namespace vx::core::hnsw

// In-memory HNSW graph construction for CREATE INDEX, backed by hnswlib (this header hides it: hnswlib is
// included only by hnsw_graph_builder.cpp). Thread-safe add(); the graph is then read out element by element and
// written to pages by src/pg/hnsw_build.cpp. Element ids are hnswlib's internal ids (0..size-1, insertion order).
#pragma once

#include "core/hnsw_distance.h"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace vx::core::hnsw {

class GraphBuilder {
 public:
  // half_copies: hnswlib stores and compares half-precision copies (core/half.h) instead of floats: half the memory
  // and ~35% less build time on Fashion-MNIST. The graph is then built on the copies, so only use it when they are
  // faithful (values well inside the half range); the caller decides from the data.
  GraphBuilder(int dims, Metric metric, int m, int ef_construction, std::size_t max_elements, unsigned seed,
               bool half_copies = false);
  ~GraphBuilder();
  GraphBuilder(const GraphBuilder&) = delete;
  GraphBuilder& operator=(const GraphBuilder&) = delete;

  // Adds vector `label` (thread-safe). Vectors must already be normalised for Cosine. Always floats: with
  // half_copies they are encoded here.
  void add(const float* vector, std::size_t label);

  std::size_t size() const;
  int32_t entry_point() const;
  int max_level() const;
  int level(std::size_t id) const;
  std::size_t label(std::size_t id) const;
  // Neighbours of `id` at `level` (0 = bottom): returns the count and points *ids at them (valid while alive).
  int neighbors(std::size_t id, int level, const uint32_t** ids) const;

  // HNSW links are directed, and hnswlib's neighbour heuristic can drop every link into a node (clusters of identical
  // points); a search then never reaches it. Walks the graph from the entry point over all levels and links each
  // unreached node at level 0 from one of its nearest reached nodes (found by the graph's own search; one with a free
  // slot if any, else the nearest, replacing its farthest neighbour), repeating until everything is reached (at most
  // 8 rounds). Single-threaded, after every add().
  // Returns how many links it made.
  std::size_t link_unreached();

  // Inner product is not a metric: hnswlib's heuristic (alg. 4) keeps only a few links per node under it (a node with
  // a large norm "covers" most others), and nodes whose few in-links come from poorly ranked nodes are missed by
  // searches (pgvector's TAP 012). Tops every level-0 list up to m links with the nearest of its neighbours'
  // neighbours not yet linked, as the page-level insert path keeps its pruned candidates (core::hnsw::keep_pruned).
  // Only for Metric::InnerProduct (a no-op otherwise); single-threaded, after every add(). Returns links added.
  std::size_t top_up_inner_product();

  // Test hook: removes every link into `id` at every level, making it unreachable.
  void drop_in_links_for_test(std::size_t id);

  // Number of elements reachable from the entry point over all levels (tests, DEBUG output).
  std::size_t reachable_count() const;

  // Bytes hnswlib allocates for max_elements vectors (for the maintenance_work_mem check).
  static std::size_t estimate_bytes(int dims, int m, std::size_t max_elements, bool half_copies = false);

  // Whether half copies of these vectors (rows x dims, row-major) are faithful enough to build the graph on: every
  // |value| at most 2^15, few values down among half subnormals, and, on a sample, distances between near rows
  // within 1% of their float values (close points in few dimensions can be closer than a half can resolve).
  static bool half_copies_suitable(const float* values, std::size_t rows, std::size_t dims);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vx::core::hnsw

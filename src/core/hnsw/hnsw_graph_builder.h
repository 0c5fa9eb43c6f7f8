// In-memory HNSW graph construction for CREATE INDEX, backed by hnswlib (this header hides it: hnswlib is
// included only by hnsw_graph_builder.cpp). Thread-safe add(); the graph is then read out element by element and
// written to pages by src/pg/hnsw/hnsw_build.cpp. Element ids are hnswlib's internal ids (0..size-1, insertion order).
#pragma once

#include "core/metric.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace vx::core::hnsw {

// Elements a type keeps as its own bytes (bit strings, sparse vectors: the contract's OwnBytes form, src/pg/ann/ann_contract.h):
// `bytes` per element and the ranking key between two of them (smaller is nearer; dims: the elements' dimensions).
struct StoredSpace {
  std::size_t bytes;
  float (*rank)(const uint8_t* a, const uint8_t* b, int dims);
};

// What hnswlib stores and compares while the graph is built (the pages get their own copies, whatever this is):
//   Float  the vectors as given;
//   Half   half-precision copies (core/kernels/half.h): half the memory, ~35% less build time on Fashion-MNIST;
//   Int8   8-bit codes with one scale for the index (core/kernels/int8.h): a quarter of the memory, exact integer
//          distances without conversion (l2, inner product, cosine only).
// The graph is built on the copies, so they must be faithful: choose_copies() decides from the data.
enum class BuildCopies { Float, Half, Int8 };

class GraphBuilder {
 public:
  // int8_scale: with BuildCopies::Int8, the value of one code step (choose_copies gives it); ignored otherwise.
  GraphBuilder(int dims, vx::core::Metric metric, int m, int ef_construction, std::size_t max_elements, unsigned seed,
               BuildCopies copies = BuildCopies::Float, float int8_scale = 0);
  // Over elements of a StoredSpace: add() then takes (bytes rounded up to 4) bytes, the tail zero.
  GraphBuilder(int dims, const StoredSpace& space, int m, int ef_construction, std::size_t max_elements, unsigned seed);
  ~GraphBuilder();
  GraphBuilder(const GraphBuilder&) = delete;
  GraphBuilder& operator=(const GraphBuilder&) = delete;

  // Adds vector `label` (thread-safe). Vectors must already be normalised for Cosine. Always floats: with
  // half_copies they are encoded here. Over a StoredSpace, an element's stored bytes.
  void add(const float* vector, std::size_t label);

  // add() runs hnswlib's own addPoint (heuristic-only lists that shrink on link-back) instead of the keep-pruned
  // connect step (hnsw_dense_index.h): for A/B in bench/lab and for tests of the post-passes on sparse lists; CREATE
  // INDEX never calls it. Call before the first add().
  void use_hnswlib_connect(bool on);
  // Test hook, before the first add(): hnswlib's searchBaseLayer instead of DenseIndex's prefetching rewrite of it,
  // which must give the same graph.
  void use_hnswlib_search(bool on);

  std::size_t size() const;
  int32_t entry_point() const;
  int max_level() const;
  int level(std::size_t id) const;
  std::size_t label(std::size_t id) const;
  // Neighbours of `id` at `level` (0 = bottom): returns the count and points *ids at them (valid while alive).
  // Nearest first once the top-up ran.
  int neighbors(std::size_t id, int level, const uint32_t** ids) const;

  // HNSW links are directed, and hnswlib's neighbour heuristic can drop every link into a node (clusters of identical
  // points); a search then never reaches it. Walks the graph from the entry point over all levels and links each
  // unreached node at level 0 from one of its nearest reached nodes (found by the graph's own search; one with a free
  // slot if any, else the nearest, replacing its farthest neighbour, which first moves into the unreached node's
  // list), repeating until everything is reached (at most 8 rounds). Lists it changes stay nearest first.
  // Single-threaded, after every add() and the top-up.
  // Returns how many links it made.
  std::size_t link_unreached();

  // hnswlib keeps in a list only what its heuristic (alg. 4) keeps: 11-17 of the 2m level-0 slots on float
  // embeddings, a handful under inner product (a node with a large norm "covers" most others). Such a graph needs a
  // much larger ef_search than pgvector's for the same recall (pgvector tops the heuristic's choice up with the
  // candidates it pruned, nearest first: the paper's keepPrunedConnections). This post-pass does the same after the
  // fact: every list, at every level, is topped up to its capacity (2m at level 0, m above) with the nearest of its
  // neighbours' neighbours at that level that it does not hold yet (core::hnsw::keep_pruned: copies of its element,
  // identical vectors, are not added beyond half the list), and stored nearest first. A list keeps all its entries
  // (the graph only gains links, so nothing reachable becomes unreachable); full lists are only sorted.
  //
  // Three phases, so it runs on several threads and gives the same graph whatever their number: every new list is
  // computed from the lists as add() left them, staged, and written only once all are computed.
  //   begin_top_up()          single-threaded, after every add(); allocates the staging (top_up_bytes)
  //   top_up_worker(stop)     on any number of threads at once; returns when nothing is left or *stop is set
  //   finish_top_up()         single-threaded; writes the staged lists, frees the staging, returns links added
  // top_up_lists() runs the three on the calling thread.
  void begin_top_up();
  void top_up_worker(const std::atomic<bool>* stop = nullptr);
  std::size_t finish_top_up();
  std::size_t top_up_lists();
  // Bytes begin_top_up() allocates for max_elements vectors (included in estimate_bytes).
  static std::size_t top_up_bytes(int m, std::size_t max_elements);

  // Test hook, after add()s and before begin_top_up(): level-0 lists whose add()-phase cache (order, distances,
  // heuristic states: hnsw_dense_index.h) disagrees with a fresh computation. 0 when linking back is exact.
  std::size_t inconsistent_lists_for_test();

  // Test hook: removes every link into `id` at every level, making it unreachable.
  void drop_in_links_for_test(std::size_t id);

  // Number of elements reachable from the entry point over all levels (tests, DEBUG output).
  std::size_t reachable_count() const;

  // Bytes hnswlib allocates for max_elements vectors (for the maintenance_work_mem check).
  static std::size_t estimate_bytes(int dims, int m, std::size_t max_elements, BuildCopies copies = BuildCopies::Float);
  // Bytes of one element's copy.
  static std::size_t copy_bytes(int dims, BuildCopies copies);

  // The cheapest faithful copies of these vectors (rows x dims, row-major, already normalised for cosine) for a
  // graph ranked by `metric`: 8-bit codes from kInt8MinDims dimensions on (not for l1) when int8_codes_suitable with
  // the scale that maps the largest |value| to 127 (set in *int8_scale), else half copies when half_copies_suitable,
  // else floats. Measured on 60,000 x 1,536 normalised embeddings: codes take 2.5x less build CPU than half copies,
  // same recall curve (docs/benchmarks.md, "Where the time goes: builds").
  static constexpr std::size_t kInt8MinDims = 64;
  static BuildCopies choose_copies(const float* values, std::size_t rows, std::size_t dims, vx::core::Metric metric,
                                   float* int8_scale);
  // Whether codes at `scale` keep nearest-row distances on a sample within 3% (at most 10% of sampled rows off).
  static bool int8_codes_suitable(const float* values, std::size_t rows, std::size_t dims, float scale);

  // Whether half copies of these vectors (rows x dims, row-major) are faithful enough to build the graph on: every
  // |value| at most 2^15, few values down among half subnormals, and, on a sample, distances between near rows
  // within 1% of their float values (close points in few dimensions can be closer than a half can resolve).
  static bool half_copies_suitable(const float* values, std::size_t rows, std::size_t dims);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vx::core::hnsw

// The order in which CREATE INDEX adds rows to its in-memory graph: heap order, except that each chunk of rows is
// sorted by the signs of the rows' projections on random hyperplanes through their mean (sign bits compared
// lexicographically: rows sharing a long prefix lie in the same cone). Consecutive insertions then tend to be near each
// other, so their searches read many of the same elements while those are still in cache: the build is bound by
// memory traffic (docs/benchmarks.md, "Build: the candidate search's memory traffic"). Chunks keep the graph's
// growth uniform: every chunk spans the whole space (the heap's order across chunks is kept), only the order within
// a chunk changes. Pure: unit-tested; the pg glue computes keys on its worker threads.
#pragma once

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <vector>

namespace vx::core::hnsw {

class InsertOrder {
 public:
  static constexpr int kPlanes = 16;
  static constexpr std::size_t kChunkRows = 65536;
  // At least this many chunks: sorting a whole small table adds it cluster by cluster, and the graph suffers (in
  // sql/hnsw_delete_ratios.sql 9 of 6,000 rows were no longer found by their own vector after deletes).
  static constexpr std::size_t kMinChunks = 16;
  // Below this many rows the build's elements stay in cache anyway: heap order.
  static constexpr std::size_t kMinRows = 65536;

  // The chunk size for n rows: 0 (heap order) below kMinRows, else kChunkRows or less so there are kMinChunks.
  static std::size_t chunk_rows(std::size_t n) {
    if (n < kMinRows) return 0;
    return std::min(kChunkRows, (n + kMinChunks - 1) / kMinChunks);
  }

  // mean: dims values (the rows' mean, or a sample's). The hyperplanes come from a fixed seed: the same rows give
  // the same order.
  InsertOrder(std::size_t dims, const float* mean);

  // The row's key: bit (kPlanes - 1 - p) set when the row lies on the positive side of hyperplane p. Thread-safe.
  uint32_t key(const float* row) const;
  uint32_t key(const std::vector<float>& row) const { return key(row.data()); }

  // order[i] = the row added i-th: chunks of `chunk` rows in heap order, each sorted by key (stable: equal keys
  // keep heap order).
  static std::vector<uint32_t> order(const std::vector<uint32_t>& keys, std::size_t chunk = kChunkRows);

 private:
  std::size_t dims_;
  std::vector<float> planes_;  // kPlanes x dims
  std::vector<float> offset_;  // kPlanes: each plane's projection of the mean
};

}  // namespace vx::core::hnsw

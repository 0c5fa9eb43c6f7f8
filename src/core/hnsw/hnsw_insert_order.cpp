// Keys and chunk-sorted insertion order for the in-memory HNSW build (hnsw_insert_order.h).
#include "core/hnsw/hnsw_insert_order.h"

#include <algorithm>
#include <random>

#include "core/kernels/distance.h"

namespace vx::core::hnsw {

InsertOrder::InsertOrder(std::size_t dims, const float* mean)
    : dims_(dims), planes_(std::size_t(kPlanes) * dims), offset_(kPlanes) {
  std::mt19937 rng(7);
  std::normal_distribution<float> gauss;
  for (auto& v : planes_) v = gauss(rng);
  const DistanceKernels& k = kernels();
  for (int p = 0; p < kPlanes; ++p) offset_[p] = k.inner_product(&planes_[std::size_t(p) * dims_], mean, dims_);
}

uint32_t InsertOrder::key(const float* row) const {
  const DistanceKernels& k = kernels();
  uint32_t key = 0;
  for (int p = 0; p < kPlanes; ++p)
    key = (key << 1) | (k.inner_product(&planes_[std::size_t(p) * dims_], row, dims_) > offset_[p] ? 1u : 0u);
  return key;
}

std::vector<uint32_t> InsertOrder::order(const std::vector<uint32_t>& keys, std::size_t chunk) {
  const std::size_t n = keys.size();
  if (chunk == 0) chunk = 1;
  std::vector<uint32_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = uint32_t(i);
  for (std::size_t c = 0; c < n; c += chunk)
    std::stable_sort(order.begin() + std::ptrdiff_t(c), order.begin() + std::ptrdiff_t(std::min(n, c + chunk)),
                     [&keys](uint32_t a, uint32_t b) { return keys[a] < keys[b]; });
  return order;
}

}  // namespace vx::core::hnsw

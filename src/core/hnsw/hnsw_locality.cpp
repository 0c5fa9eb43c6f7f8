// Breadth-first element order for the HNSW page layout (see hnsw_locality.h).
#include "core/hnsw/hnsw_locality.h"

namespace vx::core::hnsw {

std::vector<uint32_t> locality_order(std::size_t n, uint32_t entry,
                                     const std::function<int(uint32_t, const uint32_t**)>& neighbors) {
  std::vector<uint32_t> order;
  order.reserve(n);
  if (n == 0) return order;
  std::vector<char> placed(n, 0);
  auto place = [&](uint32_t id) {
    if (id < n && !placed[id]) {
      placed[id] = 1;
      order.push_back(id);
    }
  };
  place(entry < n ? entry : 0);
  uint32_t next_unplaced = 0;  // ids below it are all placed: each restart resumes the search there (linear overall)
  for (std::size_t head = 0; order.size() < n; ++head) {
    if (head == order.size()) {  // the rest is not reachable from what was placed: continue from the next one
      while (placed[next_unplaced]) ++next_unplaced;
      place(next_unplaced);
    }
    const uint32_t* ids;
    int cnt = neighbors(order[head], &ids);
    for (int i = 0; i < cnt; ++i) place(ids[i]);
  }
  return order;
}

}  // namespace vx::core::hnsw

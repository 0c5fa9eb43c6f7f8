// The order in which an HNSW build writes its elements to pages: breadth-first over the level-0 graph from the entry
// point, so that each element's neighbours tend to sit next to it and to each other (several per page). A search
// evaluates the neighbours of the element it expands one after the other; packed, they share pages, buffer pins,
// TLB entries and cache lines instead of each costing its own.
// Pure: takes the neighbour lists through a callback, unit-tested without pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace vx::core::hnsw {

// neighbors(id, &ids) returns the count of id's level-0 neighbours and points ids at them. Returns order[new] = old:
// a permutation of 0..n-1 that starts at `entry` and visits breadth-first; elements no link reaches come last, in id
// order.
std::vector<uint32_t> locality_order(std::size_t n, uint32_t entry,
                                     const std::function<int(uint32_t, const uint32_t**)>& neighbors);

}  // namespace vx::core::hnsw

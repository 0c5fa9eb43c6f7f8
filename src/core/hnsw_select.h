// The HNSW neighbour-selection heuristic (Malkov & Yashunin, alg. 4, as hnswlib applies it): walk candidates from
// nearest to farthest and keep one only if it is closer to the base element than to every element already kept.
// Exact duplicates of the base (distance 0) may fill at most half of the list: otherwise a group of identical
// vectors links only to itself and becomes an island no search can leave or enter (hnswlib has that problem).
// Pure and templated over the distance so it is unit-tested without pages.
#pragma once

#include <cstdint>

namespace vx::core::hnsw {

struct Candidate {
  float dist;  // distance to the base element
  int32_t id;
};

// `cands` must be sorted by ascending dist. pair_dist(i, j) is the distance between cands[i] and cands[j]
// (indexes into cands). Writes the indexes of the kept candidates to out (at most max_keep) and returns how many.
template <class PairDist>
int select_neighbors(const Candidate* cands, int n, int max_keep, PairDist&& pair_dist, int* out) {
  int kept = 0;
  int duplicates = 0;
  const int max_duplicates = max_keep / 2 > 0 ? max_keep / 2 : 1;
  for (int i = 0; i < n && kept < max_keep; ++i) {
    if (cands[i].dist <= 0) {
      if (duplicates >= max_duplicates) continue;
      ++duplicates;
      out[kept++] = i;
      continue;
    }
    bool good = true;
    for (int k = 0; k < kept; ++k) {
      if (pair_dist(i, out[k]) < cands[i].dist) {
        good = false;
        break;
      }
    }
    if (good) out[kept++] = i;
  }
  return kept;
}

}  // namespace vx::core::hnsw

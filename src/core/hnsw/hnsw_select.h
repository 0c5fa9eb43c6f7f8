// The HNSW neighbour-selection heuristic (Malkov & Yashunin, alg. 4, as hnswlib applies it): walk candidates from
// nearest to farthest and keep one only if it is closer to the base element than to every element already kept.
// Exact duplicates of the base may fill at most half of the list: otherwise a group of identical vectors links only
// to itself and becomes an island no search can leave or enter (hnswlib has that problem). Which candidates are
// copies of the base is the caller's predicate is_copy(i): distance 0 means "identical" only for L2 and L1; under
// inner product (cosine is searched as inner product) every candidate with a positive dot product has a distance
// <= 0, and treating those as copies let them bypass the heuristic and made link-backs refuse (issue 10).
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
inline int max_duplicates_of(int max_keep) { return max_keep / 2 > 0 ? max_keep / 2 : 1; }

// The heuristic over cands[from, n), appending to out (which holds `kept` indexes, `duplicates` of them copies).
template <class PairDist, class IsCopy>
int heuristic_pass(const Candidate* cands, int from, int n, int max_keep, PairDist& pair_dist, IsCopy& is_copy,
                   int* out, int kept, int* duplicates) {
  const int max_duplicates = max_duplicates_of(max_keep);
  for (int i = from; i < n && kept < max_keep; ++i) {
    if (is_copy(i)) {
      if (*duplicates >= max_duplicates) continue;
      ++*duplicates;
      out[kept++] = i;
      continue;
    }
    bool good = true;
    for (int k = 0; k < kept && good; ++k) good = !(pair_dist(i, out[k]) < cands[i].dist);
    if (good) out[kept++] = i;
  }
  return kept;
}

template <class PairDist, class IsCopy>
int select_neighbors(const Candidate* cands, int n, int max_keep, PairDist&& pair_dist, IsCopy&& is_copy, int* out) {
  int duplicates = 0;
  return heuristic_pass(cands, 0, n, max_keep, pair_dist, is_copy, out, 0, &duplicates);
}

// Tops up a selection (`kept` indexes in out, from select_neighbors) with the candidates it left out, nearest first,
// until max_keep are kept, duplicates of the base still at most half (the paper's keepPrunedConnections). For the
// re-pruning of a full list when a new element links back: the heuristic alone may keep far fewer than the list
// held, and every entry it drops loses an in-link (an element whose only in-links are dropped is unreachable);
// topped up, a re-pruned list that was full drops exactly one candidate. Returns the new count.
template <class IsCopy>
int keep_pruned(const Candidate* cands, int n, int max_keep, IsCopy&& is_copy, int* out, int kept) {
  int duplicates = 0;
  for (int k = 0; k < kept; ++k) duplicates += is_copy(out[k]) ? 1 : 0;
  const int max_duplicates = max_duplicates_of(max_keep);
  for (int i = 0; i < n && kept < max_keep; ++i) {
    bool taken = false;
    for (int k = 0; k < kept && !taken; ++k) taken = out[k] == i;
    if (taken) continue;
    if (is_copy(i)) {
      if (duplicates >= max_duplicates) continue;
      ++duplicates;
    }
    out[kept++] = i;
  }
  return kept;
}

// The list a new element takes during construction (pgvector's rule, the paper's keepPrunedConnections): the
// heuristic's choice, then the candidates it pruned, nearest first, up to max_keep. A list built this way never holds
// fewer than min(n, max_keep) entries (fewer only when copies of the base beyond the cap are all that is left), so
// later insertions search a graph as dense as the finished one. Writes indexes into cands to out; returns the count.
template <class PairDist, class IsCopy>
int select_keep_pruned(const Candidate* cands, int n, int max_keep, PairDist&& pair_dist, IsCopy&& is_copy, int* out) {
  int kept = select_neighbors(cands, n, max_keep, pair_dist, is_copy, out);
  return keep_pruned(cands, n, max_keep, is_copy, out, kept);
}

// A new element links back into a full list (max_keep entries): cands are the list's entries and the new element
// (n = max_keep + 1), sorted by ascending dist to the list's owner. The list changes by at most one entry: the
// candidate select_keep_pruned leaves out, i.e. the farthest one the heuristic pruned (or the farthest of all when it
// pruned none). Returns the index into cands of the entry to replace with the new element, or -1 when the new element
// itself is left out (the list stays as it is). hnswlib instead keeps only the heuristic's choice, so a full list of
// 2m entries shrinks to its diverse subset (12 of 32 on float embeddings) and the graph the later insertions search
// is much sparser than the finished one. scratch holds n ints.
template <class PairDist, class IsCopy>
int replaced_on_link_back(const Candidate* cands, int n, int max_keep, int new_index, PairDist&& pair_dist,
                          IsCopy&& is_copy, int* scratch) {
  const int kept = select_keep_pruned(cands, n, max_keep, pair_dist, is_copy, scratch);
  auto taken = [&](int i) {
    for (int k = 0; k < kept; ++k)
      if (scratch[k] == i) return true;
    return false;
  };
  if (!taken(new_index)) return -1;  // the new element left out (even beside a surplus copy): the list stays
  for (int i = n - 1; i >= 0; --i)
    if (!taken(i)) return i;  // the farthest left out
  return -1;                  // nothing left out (fewer than max_keep + 1 candidates)
}

// replaced_on_link_back's question when no candidate is a copy of the base (the caller checks: copies change which
// candidates the top-up skips), computing only the pair distances the answer depends on: returns the index into cands
// (sorted, n = max_keep + 1) of the one candidate select_keep_pruned leaves out (the new element's index: the list
// stays as it is). That is the farthest candidate unless
// the heuristic keeps it; the farthest is pruned as soon as one kept candidate nearer the base is nearer to it than
// the base is, so the heuristic's decisions are made in order, as the full pass makes them, only as far as needed to
// find that candidate (most often among the first few: a row-by-row insert re-prunes up to 2m full lists, and the full
// pass computed ~10x more distances, docs/benchmarks.md "Where the time goes: inserts"). Pair distances are asked for
// with the same arguments, in the same order, as heuristic_pass asks for them. scratch holds 2n ints.
template <class PairDist>
int left_out_of_full_list(const Candidate* cands, int n, int max_keep, PairDist&& pair_dist, int* scratch) {
  if (n <= max_keep) return -1;  // room for all: nothing left out
  int* kept_at = scratch;        // indexes the heuristic kept, in order (the prefix [0, decided) is decided)
  int* state = scratch + n;      // 1 kept, 0 not, for the decided prefix
  int decided = 0, nkept = 0;
  const int last = n - 1;
  auto decide_next = [&] {  // heuristic_pass's step for candidate `decided`
    const int i = decided++;
    bool good = nkept < max_keep;
    for (int k = 0; k < nkept && good; ++k) good = !(pair_dist(i, kept_at[k]) < cands[i].dist);
    state[i] = good ? 1 : 0;
    if (good) kept_at[nkept++] = i;
  };
  // Is `last` pruned? It is tested against the kept candidates in order, each decided just before it is needed.
  for (int k = 0;; ++k) {
    while (k >= nkept && decided < last) decide_next();
    if (k >= nkept) break;  // every candidate before `last` decided, none prunes it
    if (pair_dist(last, kept_at[k]) < cands[last].dist) return last;
  }
  if (nkept >= max_keep) return last;  // the heuristic stopped before it
  for (int i = last - 1; i >= 0; --i)  // `last` is kept: the farthest one the heuristic pruned leaves
    if (!state[i]) return i;
  return -1;  // unreachable: max_keep kept before `last` would have stopped the heuristic
}

// Refills a list that lost entries (VACUUM removed dead neighbours): cands[0, nkeep) are the entries it keeps, as
// they are; cands[nkeep, n) the replacement candidates, sorted by ascending dist. Replacements are chosen with the
// heuristic against everything kept so far, then topped up nearest first, until max_keep are kept (copies of the
// base still at most half). Keeping every live entry keeps every in-link a live element had: re-selecting the whole
// list from the nearest candidates churned it, and under cosine on concentrated data the graph lost the links that
// make it navigable (self-lookups failed for 1 row in 9 after VACUUM). Writes indexes into cands to out.
template <class PairDist, class IsCopy>
int refill_neighbors(const Candidate* cands, int n, int nkeep, int max_keep, PairDist&& pair_dist, IsCopy&& is_copy,
                     int* out) {
  int kept = 0, duplicates = 0;
  const int max_duplicates = max_duplicates_of(max_keep);
  for (int i = 0; i < nkeep && kept < max_keep; ++i) {
    out[kept++] = i;
    duplicates += is_copy(i) ? 1 : 0;
  }
  const int first_new = kept;
  kept = heuristic_pass(cands, nkeep, n, max_keep, pair_dist, is_copy, out, kept, &duplicates);
  for (int i = nkeep; i < n && kept < max_keep; ++i) {
    bool taken = false;
    for (int k = first_new; k < kept && !taken; ++k) taken = out[k] == i;
    if (taken) continue;
    if (is_copy(i)) {
      if (duplicates >= max_duplicates) continue;
      ++duplicates;
    }
    out[kept++] = i;
  }
  return kept;
}

// For metrics where distance 0 means identical vectors (L2, L1), and for tests.
template <class PairDist>
int select_neighbors(const Candidate* cands, int n, int max_keep, PairDist&& pair_dist, int* out) {
  return select_neighbors(
      cands, n, max_keep, pair_dist, [cands](int i) { return cands[i].dist <= 0; }, out);
}
inline int keep_pruned(const Candidate* cands, int n, int max_keep, int* out, int kept) {
  return keep_pruned(
      cands, n, max_keep, [cands](int i) { return cands[i].dist <= 0; }, out, kept);
}

}  // namespace vx::core::hnsw

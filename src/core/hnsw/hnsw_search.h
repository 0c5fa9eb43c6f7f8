// The HNSW graph search (Malkov & Yashunin, alg. 2 and the greedy descent of alg. 5): binary heaps, the visited set,
// greedy descent on an upper level and the beam search on a level, as templates over a graph accessor, so the page
// graph (src/pg/hnsw/hnsw_storage.cpp) and the unit tests' in-memory graphs run the same code.
//
// No allocation in here: the buffers are the caller's (SearchState), and they grow only through the accessor's
// grow(). The pg side's accessor calls Postgres (buffer reads, palloc), which may longjmp through these frames, so
// nothing here holds an object with a destructor (docs/architecture.md, The dialect rule).
//
// Graph accessor (every call inlines; `g` is passed by reference):
//   int neighbors(uint32_t id, int level, int32_t* out)  the ids of id's list at level (at most 2m); 0 when the
//                                                        element is unreadable (not written yet)
//   float distance(uint32_t id)                          the ranking distance from the query to id
//   float distance(uint32_t id, bool* excluded)          the same, and whether id is flagged (deleted, unfinished):
//                                                        traversed but, with SearchState::skip_excluded, no result
//   void prefetch(uint32_t id)                           a hint that id's distance is asked for next (may do nothing)
//   void prefetch_vector(uint32_t id)                    a hint that id's distance is asked for right after the one
//                                                        being computed: all of its vector is needed (may do nothing)
//   void prefetch_list(uint32_t id)                      a hint that id's level-0 neighbour list is likely read next
//                                                        (may do nothing)
//   void grow(Candidate** array, int* capacity, int need) makes *array hold at least need (copying its contents)
#pragma once

#include "core/binary_heap.h"
#include "core/hnsw/hnsw_select.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace vx::core::hnsw {

// ---- heaps ------------------------------------------------------------------------------------------------------

using core::heap_pop;  // core/binary_heap.h
using core::heap_push;

struct Nearer {
  bool operator()(const Candidate& a, const Candidate& b) const { return a.dist < b.dist; }
};
struct Farther {
  bool operator()(const Candidate& a, const Candidate& b) const { return a.dist > b.dist; }
};
inline void heap_push_min(Candidate* h, int* n, Candidate c) { heap_push(h, n, c, Nearer{}); }
inline Candidate heap_pop_min(Candidate* h, int* n) { return heap_pop(h, n, Nearer{}); }
inline void heap_push_max(Candidate* h, int* n, Candidate c) { heap_push(h, n, c, Farther{}); }
inline Candidate heap_pop_max(Candidate* h, int* n) { return heap_pop(h, n, Farther{}); }

// Ascending dist, ties by id (a deterministic order).
inline void sort_candidates(Candidate* c, int n) {
  std::sort(c, c + n, [](const Candidate& a, const Candidate& b) {
    return a.dist < b.dist || (a.dist == b.dist && a.id < b.id);
  });
}

// ---- search state -----------------------------------------------------------------------------------------------

// The buffers of a search, owned by the caller and reused across levels and calls (no allocation per candidate).
struct SearchState {
  uint64_t* visited;  // one bit per id < visited_bits
  uint32_t visited_bits;
  Candidate* cand;  // min-heap by dist: to expand
  int ncand, capcand;
  Candidate* res;  // max-heap by dist: the best ef found
  int nres, capres;
  Candidate* disc;  // evaluated but not kept (with keep_discarded: iterative scans resume from them)
  int ndisc, capdisc;
  bool keep_discarded;
  uint64_t* queued;    // when set: ids pushed to cand once already (a discarded element re-enters cand only once)
  bool skip_excluded;  // excluded elements (accessor's distance(id, &excluded)) are traversed but not put in res
  const uint64_t* results_only;  // when set, only the ids whose bit is set are put in res (the others are traversed)
  int32_t* nbuf;                 // room for one neighbour list (2m ids)
  uint64_t evaluated;            // distance computations
  // When set: the ids greedy_layer evaluated since seen_clear, an open-addressing set of 2^seen_bits slots (caller-
  // owned; see greedy_layer for why a descent may skip them).
  uint32_t* seen;
  uint32_t seen_bits, seen_count;
};

// ---- the greedy descent's set of evaluated ids -----------------------------------------------------------------

constexpr uint32_t kSeenEmpty = 0xFFFFFFFFu;

// Empties s->seen (a descent starts).
inline void seen_clear(SearchState* s) {
  std::memset(s->seen, 0xFF, sizeof(uint32_t) << s->seen_bits);
  s->seen_count = 0;
}

// Adds id to s->seen; true if it was there already. A set half full adds nothing more and answers false (the id is
// then evaluated again: slower, never different).
inline bool seen_test_set(SearchState* s, uint32_t id) {
  const uint32_t mask = (uint32_t(1) << s->seen_bits) - 1;
  for (uint32_t i = (id * 2654435761u) >> (32 - s->seen_bits);; i = (i + 1) & mask) {
    if (s->seen[i] == id) return true;
    if (s->seen[i] == kSeenEmpty) {
      if (s->seen_count >= (mask + 1) / 2) return false;
      s->seen[i] = id;
      ++s->seen_count;
      return false;
    }
  }
}

inline bool bit_is_set(const uint64_t* bits, uint32_t id) { return (bits[id >> 6] >> (id & 63)) & 1; }

// Marks id visited; true if it was already, or is beyond visited_bits (newer than the search: not ours to visit).
inline bool visited_test_set(SearchState* s, uint32_t id) {
  if (id >= s->visited_bits) return true;
  uint64_t bit = uint64_t(1) << (id & 63);
  uint64_t& word = s->visited[id >> 6];
  if (word & bit) return true;
  word |= bit;
  return false;
}

// Clears visited (and queued) and empties the heaps.
inline void search_reset(SearchState* s) {
  std::memset(s->visited, 0, sizeof(uint64_t) * (s->visited_bits / 64 + 1));
  if (s->queued) std::memset(s->queued, 0, sizeof(uint64_t) * (s->visited_bits / 64 + 1));
  s->ncand = s->nres = s->ndisc = 0;
}

// Pushes c onto the candidate heap (growing it; marking it queued when s->queued is set).
template <class G>
inline void push_cand(G& g, SearchState* s, Candidate c) {
  if (s->queued) s->queued[uint32_t(c.id) >> 6] |= uint64_t(1) << (uint32_t(c.id) & 63);
  if (s->ncand == s->capcand) g.grow(&s->cand, &s->capcand, s->capcand * 2);
  heap_push_min(s->cand, &s->ncand, c);
}

// Keeps c among the discarded (when s->keep_discarded).
template <class G>
inline void push_disc(G& g, SearchState* s, Candidate c) {
  if (!s->keep_discarded) return;
  if (s->ndisc == s->capdisc) g.grow(&s->disc, &s->capdisc, s->capdisc ? s->capdisc * 2 : 256);
  s->disc[s->ndisc++] = c;
}

// ---- search -----------------------------------------------------------------------------------------------------

// Keeps the ids of nb[0..n) that keep(id) accepts at the front of nb, in order, asking for each one's record as it
// goes (so that their latencies overlap); returns how many were kept.
template <class G, class Keep>
inline int keep_and_prefetch(G& g, int32_t* nb, int n, Keep keep) {
  int kept = 0;
  for (int i = 0; i < n; ++i) {
    const int32_t id = nb[i];
    if (!keep(id)) continue;
    nb[kept++] = id;
    g.prefetch(uint32_t(id));
  }
  return kept;
}

// Calls visit(id) for nb[0..n) in order, asking for the rest of each one's vector one element ahead.
template <class G, class Visit>
inline void visit_prefetched(G& g, const int32_t* nb, int n, Visit visit) {
  if (n > 0) g.prefetch_vector(uint32_t(nb[0]));
  for (int i = 0; i < n; ++i) {
    if (i + 1 < n) g.prefetch_vector(uint32_t(nb[i + 1]));
    visit(nb[i]);
  }
}

// Greedy descent on `level` (ef = 1): moves (*cur, *cur_dist) to a neighbour nearer the query until none is. Ids
// below 0 or at/after `limit` (allocated after the search began) are not looked at. With s->seen (the caller cleared
// it when the descent began and put the entry point in it), an id evaluated before in the same descent, on this level
// or a higher one, is skipped: it was no nearer than *cur_dist right after its evaluation (it either became *cur or
// lost to it) and *cur_dist only decreases, so it could not move *cur now. The walk is the same, without the repeated
// page reads and distances (a third of the descent's evaluations on 60,000 elements, m 16).
template <class G>
inline void greedy_layer(G& g, SearchState* s, int level, uint32_t limit, int32_t* cur, float* cur_dist) {
  bool changed = true;
  int32_t* nb = s->nbuf;
  while (changed) {
    changed = false;
    const int n = keep_and_prefetch(g, nb, g.neighbors(uint32_t(*cur), level, nb), [&](int32_t id) {
      return id >= 0 && uint32_t(id) < limit && !(s->seen && seen_test_set(s, uint32_t(id)));
    });
    visit_prefetched(g, nb, n, [&](int32_t id) {
      const float d = g.distance(uint32_t(id));
      ++s->evaluated;
      if (d < *cur_dist) {
        *cur_dist = d;
        *cur = id;
        changed = true;
      }
    });
  }
}

// Beam search at `level`: s->cand / s->res hold the entry points (already marked visited) on entry; on exit s->res
// (a max-heap) holds up to ef nearest found. Every element within reach is traversed (excluded ones too); what is
// evaluated and not kept goes to the discarded list when s->keep_discarded.
template <class G>
inline void search_layer(G& g, SearchState* s, int level, int ef) {
  if (s->capres < ef + 1) g.grow(&s->res, &s->capres, ef + 1);
  int32_t* nb = s->nbuf;
  while (s->ncand > 0) {
    Candidate c = s->cand[0];
    if (s->nres >= ef && c.dist > s->res[0].dist) break;
    heap_pop_min(s->cand, &s->ncand);
    // The candidate expanded next is most often the best one left now (unless a neighbour below beats it): its list
    // loads while these neighbours are evaluated.
    if (s->ncand > 0) g.prefetch_list(uint32_t(s->cand[0].id));
    const int n = keep_and_prefetch(g, nb, g.neighbors(uint32_t(c.id), level, nb),
                                    [&](int32_t id) { return id >= 0 && !visited_test_set(s, uint32_t(id)); });
    visit_prefetched(g, nb, n, [&](int32_t id) {
      bool excluded;
      const float d = g.distance(uint32_t(id), &excluded);
      ++s->evaluated;
      const Candidate nc{d, id};
      if (s->nres < ef || d < s->res[0].dist) {
        push_cand(g, s, nc);
        if (s->skip_excluded && excluded) return;
        if (s->results_only && !bit_is_set(s->results_only, uint32_t(id))) return;
        heap_push_max(s->res, &s->nres, nc);
        if (s->nres > ef) push_disc(g, s, heap_pop_max(s->res, &s->nres));
      } else {
        push_disc(g, s, nc);
      }
    });
  }
}

}  // namespace vx::core::hnsw

// The graph repair of hnsw VACUUM (contract in hnsw_repair.h). The invariant it keeps at every moment, also for
// concurrent scans and for a crash at any point: every live element is reachable at level 0 from the meta page's
// entry point through elements not recycled (live, or dead ones still traversable). Removing the link to a dead
// element can break that: what the dead element led to may have had no other way in. So, in this order:
//   0. the root: the entry point if it is live, else a live element of the highest level, which the entry point
//      reaches; the dead elements of one path from the entry point to it are pinned (never unlinked here);
//   1. walk: breadth-first from the root through live elements only;
//   2. reconnect: every live element the walk missed is linked from reached live elements near it (found by a
//      search), by appending to lists with room or splicing (host -> x -> the entry x displaces), both of which
//      only add paths; now every live element is reachable from the root without passing through a dead one;
//   3. coverage: a dead element that still leads (through dead ones only) to a live element not reached is kept;
//   4. repair: every list's removable dead entries (and stale links to recycled ids) give their places to live
//      replacements (core::hnsw::refill_neighbors; live entries always stay, so the walk's paths stay);
//   5. in-links: live elements left with few in-links are linked back from their nearest neighbours;
//   6. a dead entry point is replaced by the root, which now reaches every live element.
// Concurrent inserts keep the invariant themselves (hnsw_insert.cpp): a list entry they drop is adopted by the new
// element first, and a dead element's list never changes. Elements an insert reuses or allocates while VACUUM runs
// are live: their links are never removed here, and they are looked at again when met (ElementState).
#include "pg/hnsw/hnsw_repair.h"
#include "pg/hnsw/hnsw_meta.h"

extern "C" {
#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "storage/bufmgr.h"
}

#include <algorithm>
#include <cstring>

namespace vx::pg::hnsw {

namespace {

inline bool bit(const uint64* b, uint32 i) { return (b[i >> 6] >> (i & 63)) & 1; }
inline void set_bit(uint64* b, uint32 i) { b[i >> 6] |= uint64(1) << (i & 63); }
inline uint64* new_bits(uint32 n) { return static_cast<uint64*>(palloc0(sizeof(uint64) * (n / 64 + 1))); }

struct Repair {
  Graph* g;
  uint32 n;
  uint8* state;
  uint8* level;
  BlockNumber nblocks;  // relation size as last looked at (records beyond it are not written yet)
  int32 entry;          // the meta page's entry point when the repair began
  int32 root;           // where walks and searches start: the entry point if live, else a live element it reaches
  int root_level;
  int efc;
  uint64* reached;    // walk from the root through live elements
  uint64* pinned;     // the entry point and the dead elements of a path from it to the root
  uint64* uncovered;  // dead elements that lead to live elements not reached: must stay linked
  uint64* visited;    // scratch of reachable_without_link (all clear between calls)
  uint64* incands;    // scratch of repair_list: ids < n among r.cands (all clear between calls)
  uint32* queue;
  uint32 qhead, qtail;
  Search s;
  float* vec;  // the element being worked on, width floats as read_vector gives it
  float* mat;  // candidate elements for the heuristic, width floats each
  Candidate* cands;
  int capcands;
  int32 *cur, *tmp, *next, *xlist;
  RepairCounts* out;
};

int cap_at(const Repair& r, int level) { return level == 0 ? int(2 * r.g->m) : int(r.g->m); }

// The record header of id as it is now; false if it is not written (its page may not even exist yet).
bool header_now(Repair& r, uint32 id, HnswRecordHeader* h) {
  const HnswSegment* seg = find_segment(r.g->segments, r.g->nsegments, id);
  if (seg == nullptr) return false;
  BlockNumber last = locate(*seg, r.g->layout, id, kHeaderBytes + 8 * r.g->m - 1).block;
  if (last >= r.nblocks) {
    r.nblocks = RelationGetNumberOfBlocks(r.g->index);
    if (last >= r.nblocks) return false;
  }
  return read_header(r.g, id, h);
}

// Whether id is a live element now (published, neither deleted nor recycled). Ids beyond n (allocated after the
// first pass) are not looked at: callers treat them as live where that is the safe side.
bool live_now(Repair& r, int32 id) {
  if (id < 0 || uint32(id) >= r.n) return false;
  uint8 s = r.state[id];
  if (s == kStateLive) return true;
  if (s == kStateDead) return false;
  HnswRecordHeader h;
  if (!header_now(r, uint32(id), &h) || (h.flags & (kFlagDeleted | kFlagFree))) return false;
  r.state[id] = kStateLive;  // written and live: stays so until the next VACUUM
  r.level[id] = h.level;
  return true;
}

// Whether a list entry may be removed: a dead element nothing depends on (at level 0: neither pinned nor uncovered),
// a stale link to a recycled id that is still free, or garbage.
bool removable(Repair& r, int32 c, int level) {
  if (c < 0) return true;
  if (uint32(c) >= r.n) return false;  // allocated since the first pass
  switch (r.state[c]) {
    case kStateLive:
      return false;
    case kStateDead:
      return level > 0 || !(bit(r.pinned, uint32(c)) || bit(r.uncovered, uint32(c)));
    default: {
      HnswRecordHeader h;
      return header_now(r, uint32(c), &h) && (h.flags & kFlagFree);
    }
  }
}

// ---- 1. the walk ------------------------------------------------------------------------------------------------

void walk(Repair& r) {
  while (r.qhead < r.qtail) {
    uint32 id = r.queue[r.qhead++];
    int k = read_neighbors(r.g, id, 0, r.tmp);
    for (int i = 0; i < k; ++i) {
      int32 c = r.tmp[i];
      if (c < 0 || uint32(c) >= r.n || bit(r.reached, uint32(c)) || !live_now(r, c)) continue;
      set_bit(r.reached, uint32(c));
      r.queue[r.qtail++] = uint32(c);
    }
  }
}

void reach(Repair& r, uint32 id) {
  if (bit(r.reached, id)) return;
  set_bit(r.reached, id);
  r.queue[r.qtail++] = id;
  walk(r);
}

void walk_from(Repair& r, int32 root) {
  std::memset(r.reached, 0, sizeof(uint64) * (r.n / 64 + 1));
  r.qhead = r.qtail = 0;
  reach(r, uint32(root));
}

// ---- searches and links -------------------------------------------------------------------------------------------

// Greedy descent from the root to `level` + 1 for r.vec, then a beam search (ef_construction) at `level`; dead
// elements are traversed (their lists are intact until recycled) but not returned. Leaves the result in r.s.res.
void search_near(Repair& r, int level, int ef, bool descend = true) {
  Graph* g = r.g;
  Search* s = &r.s;
  search_reset(s);
  int32 cur = r.root;
  float cur_dist = distance_to(g, uint32(cur), r.vec);
  for (int l = r.root_level; descend && l > level; --l) greedy_layer(g, s, r.vec, l, &cur, &cur_dist);
  search_reset(s);
  visited_test_set(s, uint32(cur));
  Candidate c0{cur_dist, cur};
  heap_push_min(s->cand, &s->ncand, c0);
  if (live_now(r, cur) && (s->results_only == nullptr || bit(s->results_only, uint32(cur))))
    heap_push_max(s->res, &s->nres, c0);
  search_layer(g, s, r.vec, level, ef);
}

// Appends x to owner's level-0 list; true if the list holds x afterwards (false: full, or owner is dead).
bool append_link(Repair& r, uint32 owner, int32 x) {
  const int cap = cap_at(r, 0);
  for (int attempt = 0; attempt < 8; ++attempt) {
    int n = read_neighbors(r.g, owner, 0, r.cur);
    for (int i = 0; i < n; ++i)
      if (r.cur[i] == x) return true;
    if (n >= cap) return false;
    std::memcpy(r.next, r.cur, sizeof(int32) * n);
    r.next[n] = x;
    if (replace_neighbors(r.g, owner, 0, r.cur, n, r.next, n + 1)) return true;
  }
  return false;
}

// Links x from up to `want` of the nearest reached live elements with room, as an insert links a new element (one
// in-link from far away makes x reachable but hardly findable by its own vector). Expects r.s.res to hold a search
// for x's vector, sorted. Returns how many lists hold x.
int link_from_nearest(Repair& r, uint32 x, int want) {
  int linked = 0;
  for (int i = 0; i < r.s.nres && linked < want; ++i) {
    int32 c = r.s.res[i].id;
    if (uint32(c) == x || !live_now(r, c) || !bit(r.reached, uint32(c))) continue;
    if (append_link(r, uint32(c), int32(x))) ++linked;
  }
  return linked;
}

// Whether z stays reachable from x when x's link to z goes: through live elements the walk has not reached (a
// path through reached ones would have put z among them), found by a bounded breadth-first search.
bool reachable_without_link(Repair& r, uint32 x, int32 z) {
  constexpr uint32 kMaxVisit = 4096;
  uint32* seen = r.queue + r.qtail;  // the free tail of the walk's queue (room for every id not queued yet)
  uint32 head = 0, tail = 0;
  bool found = false;
  auto visit = [&](int32 c) {
    if (c == z) found = true;
    if (found || c < 0 || uint32(c) >= r.n || uint32(c) == x || bit(r.reached, uint32(c)) || bit(r.visited, uint32(c)))
      return;
    if (tail >= kMaxVisit || uint32(r.qtail) + tail >= r.n || !live_now(r, c)) return;
    set_bit(r.visited, uint32(c));
    seen[tail++] = uint32(c);
  };
  int32 xl[2 * kMaxM];
  int xn = read_neighbors(r.g, x, 0, xl);
  for (int i = 0; i < xn; ++i)
    if (xl[i] != z) visit(xl[i]);
  while (!found && head < tail) {
    int k = read_neighbors(r.g, seen[head++], 0, r.tmp);
    for (int i = 0; i < k && !found; ++i) visit(r.tmp[i]);
  }
  for (uint32 i = 0; i < tail; ++i) r.visited[seen[i] >> 6] &= ~(uint64(1) << (seen[i] & 63));
  return found;
}

// Splices x into host's full list in place of its last entry v, which first moves into x's list (host -> x -> v:
// v keeps its way in). x's list takes v in a free slot, or in place of an entry z that keeps a way in: z is reached
// (the walk's paths do not pass through x, which is not reached), or x reaches z through other live elements. False
// when x's list has no such slot.
bool splice_into(Repair& r, uint32 host, uint32 x) {
  const int cap = cap_at(r, 0);
  for (int attempt = 0; attempt < 8; ++attempt) {
    int n = read_neighbors(r.g, host, 0, r.cur);
    bool present = false;
    for (int i = 0; i < n; ++i) present |= r.cur[i] == int32(x);
    if (present) return true;
    if (n < cap) {
      if (append_link(r, host, int32(x))) return true;
      continue;
    }
    int32 victim = r.cur[n - 1];
    int xn = read_neighbors(r.g, x, 0, r.xlist);
    bool has = false;
    for (int i = 0; i < xn; ++i) has |= r.xlist[i] == victim;
    if (!has) {
      int32 xnext[2 * kMaxM];
      std::memcpy(xnext, r.xlist, sizeof(int32) * xn);
      int xnn = xn;
      if (xn < cap) {
        xnext[xnn++] = victim;
      } else {
        int slot = -1;
        for (int i = xn; i-- > 0 && slot < 0;) {
          int32 z = r.xlist[i];
          if (z >= 0 && uint32(z) < r.n && bit(r.reached, uint32(z)) && uint32(z) != x) slot = i;
        }
        for (int i = xn; i-- > 0 && slot < 0;) {
          int32 z = r.xlist[i];
          if (live_now(r, z) && uint32(z) != x && reachable_without_link(r, x, z)) slot = i;
        }
        if (slot < 0) return false;
        xnext[slot] = victim;
      }
      if (!replace_neighbors(r.g, x, 0, r.xlist, xn, xnext, xnn)) continue;
    }
    std::memcpy(r.next, r.cur, sizeof(int32) * n);
    r.next[n - 1] = int32(x);
    if (replace_neighbors(r.g, host, 0, r.cur, n, r.next, n)) return true;
  }
  return false;
}

// ---- 2. reconnect -------------------------------------------------------------------------------------------------

// Links every live element of the first pass that the walk did not reach; the walk goes on from each. Returns how
// many are still not reached (no list had room for them: they stay reachable through dead elements, which coverage
// then keeps).
uint32 reconnect(Repair& r) {
  for (uint32 x = 0; x < r.n; ++x) {
    if (r.state[x] != kStateLive || bit(r.reached, x)) continue;
    vacuum_delay_point();
    read_vector(r.g, x, r.vec);
    search_near(r, 0, r.efc);
    sort_candidates(r.s.res, r.s.nres);
    bool linked = link_from_nearest(r, x, int(r.g->m)) > 0;
    for (int i = 0; !linked && i < r.s.nres; ++i) {
      int32 c = r.s.res[i].id;
      if (uint32(c) != x && live_now(r, c) && bit(r.reached, uint32(c))) linked = splice_into(r, uint32(c), x);
    }
    // Nothing near x is reached (a region entered only through dead elements, which may not lead back): the reached
    // elements nearest to x that a search from the root at level 0 finds, returning only those. The walk then goes
    // on from x through the region.
    if (!linked) {
      r.s.results_only = r.reached;
      search_near(r, 0, 8, /*descend=*/false);
      r.s.results_only = nullptr;
      sort_candidates(r.s.res, r.s.nres);
    }
    for (int i = 0; !linked && i < r.s.nres; ++i) {
      int32 c = r.s.res[i].id;
      if (uint32(c) != x && live_now(r, c) && bit(r.reached, uint32(c))) linked = splice_into(r, uint32(c), x);
    }
    if (!linked) continue;
    r.out->reconnected++;
    reach(r, x);
  }
  uint32 left = 0;
  for (uint32 x = 0; x < r.n; ++x) left += r.state[x] == kStateLive && !bit(r.reached, x);
  return left;
}

// ---- 3. coverage --------------------------------------------------------------------------------------------------

// Whether a link to c, from a dead element, leads to a live element the walk did not reach.
bool leads_to_unreached(Repair& r, int32 c) {
  if (c < 0) return false;
  if (uint32(c) >= r.n) return true;  // allocated since the first pass: not walked (safe side)
  if (r.state[c] == kStateDead || bit(r.reached, uint32(c))) return false;
  return live_now(r, c);  // else: a stale link to a recycled id, or garbage
}

// Marks the dead elements that lead to a live element not reached, directly or through other dead elements.
void compute_uncovered(Repair& r) {
  std::memset(r.uncovered, 0, sizeof(uint64) * (r.n / 64 + 1));
  bool any = false;
  for (uint32 d = 0; d < r.n; ++d) {
    if (r.state[d] != kStateDead) continue;
    int k = read_neighbors(r.g, d, 0, r.tmp);
    for (int i = 0; i < k; ++i)
      if (leads_to_unreached(r, r.tmp[i])) {
        set_bit(r.uncovered, d);
        any = true;
        break;
      }
  }
  for (int pass = 0; any && pass < 64; ++pass) {
    bool changed = false;
    for (uint32 d = 0; d < r.n; ++d) {
      if (r.state[d] != kStateDead || bit(r.uncovered, d)) continue;
      vacuum_delay_point();
      int k = read_neighbors(r.g, d, 0, r.tmp);
      for (int i = 0; i < k; ++i) {
        int32 c = r.tmp[i];
        if (c >= 0 && uint32(c) < r.n && r.state[c] == kStateDead && bit(r.uncovered, uint32(c))) {
          set_bit(r.uncovered, d);
          changed = true;
          break;
        }
      }
    }
    if (!changed) return;
  }
  if (any)  // not settled after 64 rounds: keep every dead element linked (the next VACUUM tries again)
    for (uint32 d = 0; d < r.n; ++d)
      if (r.state[d] == kStateDead) set_bit(r.uncovered, d);
}

// ---- 4. repair ----------------------------------------------------------------------------------------------------

// Whether c may join the candidates (not self, not one already, live; room left); marks it in r.incands. Checked
// before its distance is computed: after heavy deletes most of the dead entries' entries are repeats or dead.
bool new_candidate(Repair& r, int nc, uint32 self, int32 c) {
  if (c < 0 || uint32(c) == self || nc >= r.capcands) return false;
  if (uint32(c) < r.n) {
    if (bit(r.incands, uint32(c)) || !live_now(r, c)) return false;
  } else {
    return false;  // allocated since the first pass: not live_now (a list that holds it keeps it: repair_list)
  }
  set_bit(r.incands, uint32(c));
  return true;
}

void clear_candidates(Repair& r, int nc) {
  for (int i = 0; i < nc; ++i) {
    int32 c = r.cands[i].id;
    if (c >= 0 && uint32(c) < r.n) r.incands[uint32(c) >> 6] &= ~(uint64(1) << (uint32(c) & 63));
  }
}

// Repairs id's list at `level` when it has removable entries: the other entries stay (first, as they are), and the
// places of the removed ones go to replacements (core::hnsw::refill_neighbors) among the live neighbours of its dead
// entries and the nearest live elements a search from the root finds. One hop through the dead ones is not enough:
// after heavy deletes whole regions of a list's neighbourhood are dead (issue 10: 885 of 1,000 live rows lost).
void repair_list(Repair& r, uint32 id, int level) {
  Graph* g = r.g;
  const int cap = cap_at(r, level);
  for (int attempt = 0; attempt < 8; ++attempt) {
    int n = read_neighbors(g, id, level, r.cur);
    bool broken = false;
    for (int i = 0; i < n && !broken; ++i) broken = removable(r, r.cur[i], level);
    if (!broken) return;
    read_vector(g, id, r.vec);
    int nc = 0;
    for (int i = 0; i < n; ++i) {
      int32 c = r.cur[i];
      if (removable(r, c, level) || nc >= r.capcands) continue;
      bool dup = false;
      for (int k = 0; k < nc && !dup; ++k) dup = r.cands[k].id == c;
      if (dup) continue;
      if (c >= 0 && uint32(c) < r.n) set_bit(r.incands, uint32(c));
      r.cands[nc++] = Candidate{distance_to(g, uint32(c), r.vec), c};
    }
    const int nkeep = nc;
    for (int i = 0; i < n; ++i) {
      int32 c = r.cur[i];
      if (c < 0 || uint32(c) >= r.n || r.state[c] != kStateDead) continue;
      int k = read_neighbors(g, uint32(c), level, r.tmp);
      for (int j = 0; j < k; ++j)
        if (new_candidate(r, nc, id, r.tmp[j]))
          r.cands[nc++] = Candidate{distance_to(g, uint32(r.tmp[j]), r.vec), r.tmp[j]};
    }
    search_near(r, level, r.efc);
    for (int i = 0; i < r.s.nres; ++i)
      if (new_candidate(r, nc, id, r.s.res[i].id)) r.cands[nc++] = r.s.res[i];
    clear_candidates(r, nc);
    sort_candidates(r.cands + nkeep, nc - nkeep);
    nc = std::min(nc, nkeep + r.efc + cap);  // the nearest replacements are enough for the heuristic
    const uint32 width = g->width;
    for (int i = 0; i < nc; ++i) read_vector(g, uint32(r.cands[i].id), r.mat + size_t(i) * width);
    auto is_copy = [&](int a) { return std::memcmp(r.mat + size_t(a) * width, r.vec, sizeof(float) * width) == 0; };
    int idx[2 * kMaxM];
    // As many entries as the list had, at least m at level 0.
    int target = std::min(cap, std::max(n, level == 0 ? int(g->m) : 0));
    int kept = core::hnsw::refill_neighbors(
        r.cands, nc, nkeep, target,
        [&](int a, int b) { return element_distance(g, r.mat + size_t(a) * width, r.mat + size_t(b) * width); },
        is_copy, idx);
    for (int i = 0; i < kept; ++i) r.next[i] = r.cands[idx[i]].id;
    if (replace_neighbors(g, id, level, r.cur, n, r.next, kept)) {
      r.out->repaired++;
      return;
    }
  }
}

void repair_lists(Repair& r) {
  // the root first, from the top: the other repairs' searches start there
  for (int l = r.level[r.root]; l >= 0; --l) repair_list(r, uint32(r.root), l);
  for (uint32 id = 0; id < r.n; ++id) {
    if (int32(id) == r.root || !live_now(r, int32(id))) continue;
    vacuum_delay_point();
    for (int l = r.level[id]; l >= 0; --l) repair_list(r, id, l);
  }
}

// ---- 5. in-links --------------------------------------------------------------------------------------------------

// Elements the repairs left with few in-links (their neighbours died and the refilled lists chose others): linked
// back from their nearest neighbours like a new element. After deleting 90% of Fashion-MNIST, 54 of 6,106 rows were
// reachable but not found by their own vector at ef_search 40 (a fresh build: 1).
void relink_few(Repair& r) {
  uint16* indegree = static_cast<uint16*>(palloc0(sizeof(uint16) * (r.n + 1)));
  for (uint32 id = 0; id < r.n; ++id) {
    if (r.state[id] != kStateLive) continue;
    int k = read_neighbors(r.g, id, 0, r.tmp);
    for (int i = 0; i < k; ++i) {
      int32 c = r.tmp[i];
      if (c >= 0 && uint32(c) < r.n && r.state[c] == kStateLive && indegree[c] < UINT16_MAX) indegree[c]++;
    }
  }
  const int few = std::max(2, int(r.g->m) / 4);
  for (uint32 x = 0; x < r.n; ++x) {
    if (r.state[x] != kStateLive || indegree[x] >= few || int32(x) == r.root || !bit(r.reached, x)) continue;
    vacuum_delay_point();
    read_vector(r.g, x, r.vec);
    search_near(r, 0, r.efc);
    sort_candidates(r.s.res, r.s.nres);
    if (link_from_nearest(r, x, int(r.g->m)) > 0) r.out->relinked++;
  }
  pfree(indegree);
}

// ---- 0. and 6. the root and the entry point ----------------------------------------------------------------------

// Pins the entry point and the dead elements of a path from it to the root (breadth-first through elements not
// recycled): that path keeps the root, and all the walk reaches from it, reachable from the entry point until the
// entry point moves, also from a new entry point an insert raises meanwhile (it links to the old one). False if the
// entry point does not reach the root (not expected: the invariant says it does).
bool pin_path_to_root(Repair& r) {
  set_bit(r.pinned, uint32(r.entry));
  if (r.entry == r.root) return true;
  int32* parent = static_cast<int32*>(palloc(sizeof(int32) * (r.n + 1)));
  uint64* seen = new_bits(r.n);
  uint32 head = 0, tail = 0;
  set_bit(seen, uint32(r.entry));
  r.queue[tail++] = uint32(r.entry);
  bool found = false;
  while (head < tail && !found) {
    uint32 id = r.queue[head++];
    int k = read_neighbors(r.g, id, 0, r.tmp);
    for (int i = 0; i < k && !found; ++i) {
      int32 c = r.tmp[i];
      if (c < 0 || uint32(c) >= r.n || bit(seen, uint32(c))) continue;
      if (r.state[c] != kStateDead && !live_now(r, c)) continue;
      set_bit(seen, uint32(c));
      parent[c] = int32(id);
      r.queue[tail++] = uint32(c);
      found = c == r.root;
    }
  }
  if (found)
    for (int32 c = parent[r.root]; c != r.entry; c = parent[c])
      if (r.state[c] == kStateDead) set_bit(r.pinned, uint32(c));
  pfree(seen);
  pfree(parent);
  return found;
}

// A dead entry point is replaced by the root once the root reaches every live element of the first pass (else it
// stays the entry point until a later VACUUM), unless an insert raised a new (live) entry point meanwhile.
void move_entry(Repair& r, bool all_reached) {
  if (r.entry == r.root || !all_reached) return;
  if (meta_move_entry(r.g->index, r.entry, r.root, r.level[r.root])) r.out->entry_moved = true;
}

}  // namespace

void repair_graph(Graph* g, uint8* state, uint8* level, uint32 n, int efc, RepairCounts* out) {
  if (g->entry < 0 || uint32(g->entry) >= n) return;
  Repair r{};
  r.g = g;
  r.n = n;
  r.state = state;
  r.level = level;
  r.out = out;
  r.nblocks = RelationGetNumberOfBlocks(g->index);
  r.entry = g->entry;
  r.efc = efc;
  if (state[r.entry] != kStateDead && !live_now(r, r.entry)) return;  // not expected: the entry point is never recycled
  r.root = r.entry;
  if (state[r.entry] == kStateDead) {
    int best_level = -1;
    for (uint32 id = 0; id < n; ++id)
      if (state[id] == kStateLive && int(level[id]) > best_level) {
        r.root = int32(id);
        best_level = level[id];
      }
    if (best_level < 0) return;  // nothing live of the first pass: hnsw_vacuum.cpp moves the entry point
  }
  r.root_level = r.root == r.entry ? g->max_level : level[r.root];
  r.reached = new_bits(n);
  r.pinned = new_bits(n);
  r.uncovered = new_bits(n);
  r.visited = new_bits(n);
  r.incands = new_bits(n);
  r.queue = static_cast<uint32*>(palloc(sizeof(uint32) * (n + 1)));
  search_init(&r.s, n, int(g->m), efc);
  r.s.skip_excluded = true;
  r.vec = static_cast<float*>(palloc(sizeof(float) * g->width));
  r.capcands = efc + 2 * int(g->m) * (2 * int(g->m) + 1);
  r.cands = static_cast<Candidate*>(palloc(sizeof(Candidate) * r.capcands));
  r.mat = static_cast<float*>(palloc(sizeof(float) * g->width * size_t(r.capcands)));
  r.cur = static_cast<int32*>(palloc(sizeof(int32) * 2 * kMaxM));
  r.tmp = static_cast<int32*>(palloc(sizeof(int32) * 2 * kMaxM));
  r.next = static_cast<int32*>(palloc(sizeof(int32) * 2 * kMaxM));
  r.xlist = static_cast<int32*>(palloc(sizeof(int32) * 2 * kMaxM));

  if (!pin_path_to_root(r)) return;
  walk_from(r, r.root);
  uint32 left = reconnect(r);
  compute_uncovered(r);
  for (uint32 d = 0; d < n; ++d) out->kept_dead += state[d] == kStateDead && (bit(r.uncovered, d) || bit(r.pinned, d));
  repair_lists(r);
  relink_few(r);
  move_entry(r, left == 0);
}

void mark_linked(Graph* g, uint64* linked) {
  const uint32 count = g->count;
  if (g->entry < 0 || uint32(g->entry) >= count) return;
  uint32* queue = static_cast<uint32*>(palloc(sizeof(uint32) * (count + 1)));
  int32* nbrs = static_cast<int32*>(palloc(sizeof(int32) * 2 * kMaxM));
  uint64* walked = new_bits(count);
  uint32 head = 0, tail = 0;
  set_bit(walked, uint32(g->entry));
  queue[tail++] = uint32(g->entry);
  while (head < tail) {
    uint32 id = queue[head++];
    set_bit(linked, id);
    HnswRecordHeader h;
    if (!read_header(g, id, &h) || (h.flags & kFlagFree)) continue;  // a stale link: leads nowhere
    for (int l = h.level; l >= 1; --l) {
      int k = read_neighbors(g, id, l, nbrs);
      for (int i = 0; i < k; ++i)
        if (nbrs[i] >= 0 && uint32(nbrs[i]) < count) set_bit(linked, uint32(nbrs[i]));
    }
    int k = read_neighbors(g, id, 0, nbrs);
    for (int i = 0; i < k; ++i) {
      int32 c = nbrs[i];
      if (c < 0 || uint32(c) >= count || bit(walked, uint32(c))) continue;
      set_bit(walked, uint32(c));
      queue[tail++] = uint32(c);
    }
  }
  pfree(walked);
  pfree(nbrs);
  pfree(queue);
}

}  // namespace vx::pg::hnsw

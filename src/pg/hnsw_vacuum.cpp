// VACUUM for hnsw. ambulkdelete flags the elements whose heap TIDs are dead (they stay in the graph as
// traversable tombstones, so no search path is cut while concurrent scans run), then repairs the neighbour lists
// of live elements that point at dead ones: each such list is re-selected with the heuristic from its live
// neighbours plus the live neighbours of its dead neighbours, so recall holds after heavy deletes. A dead entry
// point is replaced by a live element of the highest level. Space: dead records are not reused (REINDEX
// compacts); see docs/hnsw.md.
#include "pg/hnsw.h"

extern "C" {
#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
}

#include <algorithm>
#include <cstring>

namespace vx::pg::hnsw {

namespace {

bool is_set(const uint64* bits, uint32 id) { return (bits[id >> 6] >> (id & 63)) & 1; }
void set_bit(uint64* bits, uint32 id) { bits[id >> 6] |= uint64(1) << (id & 63); }

bool record_on_disk(Graph* g, uint32 id, BlockNumber nblocks) {
  const Segment* seg = find_segment(g->segments, g->nsegments, id);
  if (seg == nullptr) return false;
  return locate(*seg, g->record_size, id, kHeaderBytes + 8 * g->m - 1).block < nblocks;
}

// Working memory of the repair passes (one allocation per VACUUM).
struct Repair {
  Graph* g;
  const uint64* dead;  // flagged deleted (this VACUUM or earlier): never a neighbour again
  int efc;
  Search s;
  float* vec;    // width floats: the element being repaired, as read_vector gives it
  float* mat;    // width x (efc + 6m): candidate elements for the heuristic
  Candidate* cands;
  int capcands;
  int32 *cur, *tmp, *next;
};

bool usable(const Repair& r, int32 c) { return c >= 0 && uint32(c) < r.g->count && !is_set(r.dead, uint32(c)); }

void add_candidate(Repair& r, int* nc, uint32 self, int32 c, float d) {
  if (!usable(r, c) || uint32(c) == self || *nc >= r.capcands) return;
  for (int k = 0; k < *nc; ++k)
    if (r.cands[k].id == c) return;
  r.cands[(*nc)++] = Candidate{d, c};
}

// Greedy descent from the entry point to `level` + 1 for r.vec, then a beam search (ef_construction) at `level`;
// dead elements are traversed (their lists are intact until recycled) but not returned. Leaves the result in r.s.
void search_from_entry(Repair& r, int32 entry, int max_level, int level) {
  Graph* g = r.g;
  Search* s = &r.s;
  search_reset(s);
  int32 cur = entry;
  float cur_dist = distance_to(g, uint32(cur), r.vec);
  for (int l = max_level; l > level; --l) greedy_layer(g, s, r.vec, l, &cur, &cur_dist);
  search_reset(s);
  visited_test_set(s, uint32(cur));
  Candidate c0{cur_dist, cur};
  heap_push_min(s->cand, &s->ncand, c0);
  if (usable(r, cur)) heap_push_max(s->res, &s->nres, c0);
  search_layer(g, s, r.vec, level, r.efc);
}

// Repairs id's list at `level` when it points at a dead element: its live entries stay, and the places of the dead
// ones go to replacements (core::hnsw::refill_neighbors) among the live neighbours of its dead ones and the nearest
// live elements a search from the entry point finds (dead ones are traversed). One hop through the dead ones is not
// enough: after heavy deletes whole regions of a list's neighbourhood are dead, and their live elements lost every
// in-link (issue 10: 885 of 1,000 live rows lost).
void repair_list(Repair& r, uint32 id, int level, int32 entry, int max_level) {
  Graph* g = r.g;
  const int cap = level == 0 ? int(2 * g->m) : int(g->m);
  for (int attempt = 0; attempt < 8; ++attempt) {
    int n = read_neighbors(g, id, level, r.cur);
    bool broken = false;
    for (int i = 0; i < n; ++i)
      if (r.cur[i] >= 0 && uint32(r.cur[i]) < g->count && is_set(r.dead, uint32(r.cur[i]))) broken = true;
    if (!broken) return;
    read_vector(g, id, r.vec);
    // The live entries stay (first, as they are); the dead ones' places go to the best of the rest.
    int nc = 0;
    for (int i = 0; i < n; ++i)
      if (usable(r, r.cur[i])) add_candidate(r, &nc, id, r.cur[i], distance_to(g, uint32(r.cur[i]), r.vec));
    const int nkeep = nc;
    for (int i = 0; i < n; ++i) {
      int32 c = r.cur[i];
      if (c < 0 || uint32(c) >= g->count || !is_set(r.dead, uint32(c))) continue;
      int k = read_neighbors(g, uint32(c), level, r.tmp);
      for (int j = 0; j < k; ++j)
        if (usable(r, r.tmp[j])) add_candidate(r, &nc, id, r.tmp[j], distance_to(g, uint32(r.tmp[j]), r.vec));
    }
    if (entry >= 0) {
      search_from_entry(r, entry, max_level, level);
      for (int i = 0; i < r.s.nres; ++i) add_candidate(r, &nc, id, r.s.res[i].id, r.s.res[i].dist);
    }
    sort_candidates(r.cands + nkeep, nc - nkeep);
    nc = std::min(nc, nkeep + r.efc + cap);  // the nearest replacements are enough for the heuristic
    for (int i = 0; i < nc; ++i) read_vector(g, uint32(r.cands[i].id), r.mat + size_t(i) * g->width);
    const uint32 width = g->width;
    auto is_copy = [&](int a) { return std::memcmp(r.mat + size_t(a) * width, r.vec, sizeof(float) * width) == 0; };
    int* idx = static_cast<int*>(palloc(sizeof(int) * (nc + 1)));
    // As many entries as the list had (its dead ones replaced), at least m at level 0.
    int target = std::min(cap, std::max(n, level == 0 ? int(g->m) : 0));
    int kept = core::hnsw::refill_neighbors(
        r.cands, nc, nkeep, target,
        [&](int a, int b) { return element_distance(g, r.mat + size_t(a) * width, r.mat + size_t(b) * width); },
        is_copy, idx);
    for (int i = 0; i < kept; ++i) r.next[i] = r.cands[idx[i]].id;
    pfree(idx);
    if (replace_neighbors(g, id, level, r.cur, n, r.next, kept)) return;
  }
}

// Makes every live element reachable at level 0 from the entry point over links between live elements (the dead
// ones are recycled next, so links through them do not count): a breadth-first walk marks what is reached; an
// element it missed is linked back from the nearest reached elements a search finds that have room in their lists,
// or, if none has, spliced into the list of the nearest one, whose last entry first moves into the missed element's
// list, so nothing reached before becomes unreached; the walk then goes on from it. Modifying an unreached element's
// list cannot unreach anything: no reached list links to it. Returns the number of elements linked back.
uint32 reconnect_unreached(Repair& r, int32 entry, int max_level, const bool* live) {
  Graph* g = r.g;
  const uint32 count = g->count;
  const int cap = int(2 * g->m);
  bool* reached = static_cast<bool*>(palloc0(count + 1));
  uint32* queue = static_cast<uint32*>(palloc(sizeof(uint32) * (count + 1)));
  uint16* indegree = static_cast<uint16*>(palloc0(sizeof(uint16) * (count + 1)));  // over links between live elements
  uint32 head = 0, tail = 0;
  auto walk = [&]() {
    while (head < tail) {
      uint32 id = queue[head++];
      int n = read_neighbors(g, id, 0, r.tmp);
      for (int i = 0; i < n; ++i) {
        int32 c = r.tmp[i];
        if (!usable(r, c) || !live[c]) continue;
        if (indegree[c] < UINT16_MAX) indegree[c]++;
        if (reached[c]) continue;
        reached[c] = true;
        queue[tail++] = uint32(c);
      }
    }
  };
  // Links x back from up to m of its nearest reached elements that have room in their level-0 lists, as an insert
  // links a new element (one in-link from far away makes it reachable but hardly findable by its own vector).
  // Expects r.s to hold a search for x's vector; *host: the nearest reached element found (unchanged if none).
  auto link_from_nearest = [&](uint32 x, int32* host) {
    sort_candidates(r.s.res, r.s.nres);
    bool found_host = false;
    int appended = 0;
    for (int i = 0; i < r.s.nres && appended < int(g->m); ++i) {
      int32 c = r.s.res[i].id;
      if (uint32(c) == x || !usable(r, c) || !reached[c]) continue;
      if (!found_host) *host = c;
      found_host = true;
      for (int attempt = 0; attempt < 8; ++attempt) {
        int n = read_neighbors(g, uint32(c), 0, r.cur);
        bool present = false;
        for (int k = 0; k < n; ++k) present |= r.cur[k] == int32(x);
        if (present || n >= cap) {
          appended += present;
          break;
        }
        std::memcpy(r.next, r.cur, sizeof(int32) * n);
        r.next[n] = int32(x);
        if (replace_neighbors(g, uint32(c), 0, r.cur, n, r.next, n + 1)) {
          ++appended;
          break;
        }
      }
    }
    return appended;
  };
  reached[entry] = true;
  queue[tail++] = uint32(entry);
  walk();
  uint32 splices = 0;
  for (uint32 x = 0; x < count; ++x) {
    if (!live[x] || reached[x]) continue;
    vacuum_delay_point();
    read_vector(g, x, r.vec);
    search_from_entry(r, entry, max_level, 0);
    int32 host = entry;  // reached by definition: the fallback when the search found no reached element
    int appended = link_from_nearest(x, &host);
    if (appended == 0) {
      // No reached neighbour has room: splice into the nearest one's list in place of its last entry, which first
      // moves into x's list (x is unreached: nothing reached depends on x's list).
      for (int attempt = 0; attempt < 8; ++attempt) {
        int n = read_neighbors(g, uint32(host), 0, r.cur);
        bool present = false;
        for (int i = 0; i < n; ++i) present |= r.cur[i] == int32(x);
        if (present) break;
        std::memcpy(r.next, r.cur, sizeof(int32) * n);
        int nn = n;
        if (n < cap) {
          r.next[nn++] = int32(x);
        } else {
          int32 victim = r.cur[n - 1];
          int xn = read_neighbors(g, x, 0, r.tmp);
          bool has = false;
          for (int i = 0; i < xn; ++i) has |= r.tmp[i] == victim;
          if (!has) {
            int32 xnext[2 * kMaxM];
            std::memcpy(xnext, r.tmp, sizeof(int32) * xn);
            int xnn = xn;
            if (xn < cap)
              xnext[xnn++] = victim;
            else
              xnext[xn - 1] = victim;
            if (!replace_neighbors(g, x, 0, r.tmp, xn, xnext, xnn)) continue;
          }
          r.next[n - 1] = int32(x);
        }
        if (replace_neighbors(g, uint32(host), 0, r.cur, n, r.next, nn)) break;
      }
    }
    ++splices;
    reached[x] = true;
    queue[tail++] = x;
    walk();
  }
  // Elements the repairs left with few in-links (their neighbours died and the refilled lists chose others): linked
  // back from their nearest neighbours like a new element. After deleting 90% of Fashion-MNIST, 54 of 6,106 rows were
  // reachable but not found by their own vector at ef_search 40 (a fresh build: 1).
  const int few = std::max(2, int(g->m) / 4);
  for (uint32 x = 0; x < count; ++x) {
    if (!live[x] || !reached[x] || indegree[x] >= few || int32(x) == entry) continue;
    vacuum_delay_point();
    read_vector(g, x, r.vec);
    search_from_entry(r, entry, max_level, 0);
    int32 host = entry;
    if (link_from_nearest(x, &host) > 0) ++splices;
  }
  pfree(indegree);
  pfree(queue);
  pfree(reached);
  return splices;
}

// Recycles the ids of dead elements (flagged and repaired around by ambulkdelete, this VACUUM or an earlier one):
// nothing live links to them any more. Scans that might still hold them in their queues hold the scan lock in
// share mode, so recycling happens only if that lock can be taken exclusively (never waits: a long-running cursor
// postpones recycling to a later VACUUM). Inserts pop recycled ids from the meta page's free list.
void recycle_dead(Relation index) {
  {
    // Nothing to do unless some dead elements are not on the free list yet (autovacuum runs this after
    // insert-only periods too).
    Buffer mb = ReadBufferExtended(index, MAIN_FORKNUM, kMetaBlock, RBM_NORMAL, nullptr);
    LockBuffer(mb, BUFFER_LOCK_SHARE);
    const Meta* m = page_meta(BufferGetPage(mb));
    bool pending = m->deleted > m->free_count;
    UnlockReleaseBuffer(mb);
    if (!pending) return;
  }
  MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "hnsw recycle", ALLOCSET_DEFAULT_SIZES);
  MemoryContext old = MemoryContextSwitchTo(tmp);
  Graph g;
  graph_load(&g, index);
  BlockNumber nblocks = RelationGetNumberOfBlocks(index);
  uint32 count = g.count;
  bool* recyclable = static_cast<bool*>(palloc0(count + 1));
  uint32 nrecyclable = 0;
  for (uint32 id = 0; id < count; ++id) {
    if (!record_on_disk(&g, id, nblocks)) continue;
    RecordHeader h;
    if (!read_header(&g, id, &h)) continue;
    if ((h.flags & kFlagDeleted) && !(h.flags & kFlagFree)) {
      recyclable[id] = true;
      ++nrecyclable;
    }
  }
  graph_release(&g);
  if (nrecyclable > 0 && ConditionalLockPage(index, kScanLockBlock, ExclusiveLock)) {
    UnlockPage(index, kScanLockBlock, ExclusiveLock);
    int32 chain_head = -1, chain_tail = -1;
    uint32 chained = 0;
    for (uint32 id = count; id-- > 0;) {
      if (!recyclable[id]) continue;
      // flags |= FREE and next = chain_head, in one generic WAL record on the header's page.
      const Segment* seg = find_segment(g.segments, g.nsegments, id);
      Location loc = locate(*seg, g.record_size, id, 0);
      Buffer rb = ReadBufferExtended(index, MAIN_FORKNUM, loc.block, RBM_NORMAL, nullptr);
      LockBuffer(rb, BUFFER_LOCK_EXCLUSIVE);
      GenericXLogState* state = GenericXLogStart(index);
      Page page = GenericXLogRegisterBuffer(state, rb, 0);
      char* hp = page_data(page) + loc.offset;  // header bytes never straddle (16 bytes, 4-aligned offsets)
      if (loc.offset + kHeaderBytes > kUsable) {
        GenericXLogAbort(state);
        UnlockReleaseBuffer(rb);
        continue;  // a header split over two pages (only possible with odd record sizes): leave it dead
      }
      hp[0] = char(hp[0] | kFlagFree);
      std::memcpy(hp + offsetof(RecordHeader, tid), &chain_head, sizeof(int32));
      GenericXLogFinish(state);
      UnlockReleaseBuffer(rb);
      if (chain_tail < 0) chain_tail = int32(id);
      chain_head = int32(id);
      ++chained;
    }
    if (chain_head >= 0) {
      // Splice: tail.next = meta.free_head; meta.free_head = chain_head (meta first, then the record page).
      Buffer mb = ReadBufferExtended(index, MAIN_FORKNUM, kMetaBlock, RBM_NORMAL, nullptr);
      LockBuffer(mb, BUFFER_LOCK_EXCLUSIVE);
      const Segment* seg = find_segment(g.segments, g.nsegments, uint32(chain_tail));
      Location loc = locate(*seg, g.record_size, uint32(chain_tail), 0);
      Buffer rb = ReadBufferExtended(index, MAIN_FORKNUM, loc.block, RBM_NORMAL, nullptr);
      LockBuffer(rb, BUFFER_LOCK_EXCLUSIVE);
      GenericXLogState* state = GenericXLogStart(index);
      Meta* w = page_meta(GenericXLogRegisterBuffer(state, mb, 0));
      char* hp = page_data(GenericXLogRegisterBuffer(state, rb, 0)) + loc.offset;
      std::memcpy(hp + offsetof(RecordHeader, tid), &w->free_head, sizeof(int32));
      w->free_head = chain_head;
      w->free_count += chained;
      GenericXLogFinish(state);
      UnlockReleaseBuffer(rb);
      UnlockReleaseBuffer(mb);
    }
  }
  MemoryContextSwitchTo(old);
  MemoryContextDelete(tmp);
}

}  // namespace

IndexBulkDeleteResult* bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                   IndexBulkDeleteCallback callback, void* callback_state) {
  Relation index = info->index;
  if (stats == nullptr) stats = static_cast<IndexBulkDeleteResult*>(palloc0(sizeof(IndexBulkDeleteResult)));
  MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "hnsw vacuum", ALLOCSET_DEFAULT_SIZES);
  MemoryContext old = MemoryContextSwitchTo(tmp);
  Graph g;
  graph_load(&g, index);
  BlockNumber nblocks = RelationGetNumberOfBlocks(index);
  uint32 count = g.count;
  uint64* dead = static_cast<uint64*>(palloc0(sizeof(uint64) * (count / 64 + 1)));
  uint8* levels = static_cast<uint8*>(palloc0(count + 1));
  bool* live = static_cast<bool*>(palloc0(count + 1));
  uint32 newly = 0, live_count = 0;
  uint32 pending = 0;  // flagged by an earlier VACUUM that did not finish (killed, cancelled): not repaired around yet

  // Pass 1: flag dead elements.
  for (uint32 id = 0; id < count; ++id) {
    vacuum_delay_point();
    if (!record_on_disk(&g, id, nblocks)) continue;
    RecordHeader h;
    if (!read_header(&g, id, &h)) continue;
    levels[id] = h.level;
    if (h.flags & kFlagDeleted) {
      set_bit(dead, id);
      if (!(h.flags & kFlagFree)) ++pending;
      continue;
    }
    if (callback(&h.tid, callback_state)) {
      set_record_flags(&g, id, kFlagDeleted);
      set_bit(dead, id);
      ++newly;
      continue;
    }
    live[id] = true;
    ++live_count;
  }
  stats->tuples_removed += newly;

  // A live entry point for the repairs' searches and the reachability walk: the current one, or a live element of
  // the highest level (written to the meta page at the end).
  int32 entry = g.entry;
  int max_level = g.max_level;
  if (entry >= 0 && uint32(entry) < count && !live[entry]) {
    entry = -1;
    max_level = -1;
    for (uint32 id = 0; id < count; ++id)
      if (live[id] && int(levels[id]) > max_level) {
        entry = int32(id);
        max_level = levels[id];
      }
  }

  // Pass 2: repair lists of live elements that point at dead ones; pass 3: reconnect what is still unreached. Also
  // when nothing died since the last VACUUM but that one stopped before recycling (its repairs may be half done).
  if ((newly > 0 || pending > 0) && entry >= 0) {
    Repair r;
    r.g = &g;
    r.dead = dead;
    r.efc = std::max(index_ef_construction(index), int(2 * g.m));
    search_init(&r.s, count, int(g.m), r.efc);
    r.s.skip_deleted = true;
    r.vec = static_cast<float*>(palloc(sizeof(float) * g.width));
    r.capcands = r.efc + 2 * int(g.m) * (2 * int(g.m) + 1);
    r.cands = static_cast<Candidate*>(palloc(sizeof(Candidate) * r.capcands));
    r.mat = static_cast<float*>(palloc(sizeof(float) * g.width * size_t(r.capcands)));
    r.cur = static_cast<int32*>(palloc(sizeof(int32) * 2 * kMaxM));
    r.tmp = static_cast<int32*>(palloc(sizeof(int32) * 2 * kMaxM));
    r.next = static_cast<int32*>(palloc(sizeof(int32) * 2 * kMaxM));
    // The entry point first, from the top: the other repairs' searches start there.
    for (int l = levels[entry]; l >= 0; --l) repair_list(r, uint32(entry), l, g.entry, g.max_level);
    for (uint32 id = 0; id < count; ++id) {
      if (!live[id]) continue;
      vacuum_delay_point();
      for (int l = levels[id]; l >= 0; --l) repair_list(r, id, l, entry, max_level);
    }
    uint32 splices = reconnect_unreached(r, entry, max_level, live);
    if (splices > 0)
      elog(DEBUG1, "hnsw vacuum of \"%s\": %u unreached live elements linked back", RelationGetRelationName(index),
           splices);
  }

  // Entry point: move it off a dead element.
  Buffer buf = ReadBufferExtended(index, MAIN_FORKNUM, kMetaBlock, RBM_NORMAL, nullptr);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  Meta* meta = page_meta(BufferGetPage(buf));
  bool move = meta->entry >= 0 && uint32(meta->entry) < count && is_set(dead, uint32(meta->entry));
  if (move || newly > 0 || pending > 0) {
    GenericXLogState* state = GenericXLogStart(index);
    Meta* w = page_meta(GenericXLogRegisterBuffer(state, buf, 0));
    if (move) {
      if (entry >= 0) {
        w->entry = entry;
        w->max_level = max_level;
      } else {
        // Nothing live in our snapshot: take the highest-level element inserted meanwhile, if any is written.
        int32 newest = -1;
        int newest_level = -1;
        // (the meta page is locked by us: take the segment directory from its copy, do not re-read it)
        g.nsegments = w->nsegments;
        std::memcpy(g.segments, w->segments, sizeof(Segment) * w->nsegments);
        g.count = w->count;
        for (uint32 id = count; id < w->count; ++id) {
          RecordHeader h;
          if (read_header(&g, id, &h) && !(h.flags & kFlagDeleted) && int(h.level) > newest_level) {
            newest = int32(id);
            newest_level = h.level;
          }
        }
        w->entry = newest;
        w->max_level = newest_level;
      }
    }
    // Flagged but not recycled: this run's and what an unfinished earlier one flagged without counting.
    w->deleted = std::max(w->deleted + newly, w->free_count + pending + newly);
    GenericXLogFinish(state);
  }
  UnlockReleaseBuffer(buf);
  graph_release(&g);
  stats->num_index_tuples = live_count;
  stats->num_pages = nblocks;
  MemoryContextSwitchTo(old);
  MemoryContextDelete(tmp);
  return stats;
}

IndexBulkDeleteResult* vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats) {
  if (info->analyze_only) return stats;
  recycle_dead(info->index);
  if (stats == nullptr) {
    stats = static_cast<IndexBulkDeleteResult*>(palloc0(sizeof(IndexBulkDeleteResult)));
    Graph g;
    graph_load(&g, info->index);
    Buffer buf = ReadBufferExtended(info->index, MAIN_FORKNUM, kMetaBlock, RBM_NORMAL, nullptr);
    LockBuffer(buf, BUFFER_LOCK_SHARE);
    graph_release(&g);
    uint32 deleted = page_meta(BufferGetPage(buf))->deleted;
    UnlockReleaseBuffer(buf);
    stats->num_index_tuples = double(g.count) - deleted;
  }
  stats->num_pages = RelationGetNumberOfBlocks(info->index);
  return stats;
}

}  // namespace vx::pg::hnsw

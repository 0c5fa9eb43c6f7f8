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

void repair_list(Graph* g, uint32 id, int level, const uint64* dead, float* vec, float* mat, Candidate* cands,
                 int32* cur, int32* tmp, int32* next) {
  int cap = level == 0 ? int(2 * g->m) : int(g->m);
  for (int attempt = 0; attempt < 8; ++attempt) {
    int n = read_neighbors(g, id, level, cur);
    bool broken = false;
    for (int i = 0; i < n; ++i)
      if (cur[i] >= 0 && uint32(cur[i]) < g->count && is_set(dead, uint32(cur[i]))) broken = true;
    if (!broken) return;
    read_vector(g, id, vec);
    int nc = 0;
    auto add = [&](int32 c) {
      if (c < 0 || uint32(c) >= g->count || uint32(c) == id || is_set(dead, uint32(c))) return;
      for (int k = 0; k < nc; ++k)
        if (cands[k].id == c) return;
      cands[nc++] = Candidate{distance_to(g, uint32(c), vec), c};
    };
    for (int i = 0; i < n; ++i) {
      if (cur[i] < 0 || uint32(cur[i]) >= g->count) continue;
      if (!is_set(dead, uint32(cur[i]))) {
        add(cur[i]);
      } else {
        int k = read_neighbors(g, uint32(cur[i]), level, tmp);
        for (int j = 0; j < k; ++j) add(tmp[j]);
      }
    }
    sort_candidates(cands, nc);
    nc = std::min(nc, 3 * cap);  // the nearest are enough for the heuristic
    for (int i = 0; i < nc; ++i) read_vector(g, uint32(cands[i].id), mat + size_t(i) * g->dims);
    int idx[6 * kMaxM + 1];
    int kept = core::hnsw::select_neighbors(
        cands, nc, cap,
        [&](int a, int b) {
          return core::hnsw::distance(g->metric, mat + size_t(a) * g->dims, mat + size_t(b) * g->dims, g->dims);
        },
        idx);
    // Topped up like an insert's re-prune (core::hnsw::keep_pruned): the heuristic alone may drop live neighbours
    // the list had, each losing an in-link.
    kept = core::hnsw::keep_pruned(cands, nc, cap, idx, kept);
    for (int i = 0; i < kept; ++i) next[i] = cands[idx[i]].id;
    if (replace_neighbors(g, id, level, cur, n, next, kept)) return;
  }
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

  // Pass 1: flag dead elements.
  for (uint32 id = 0; id < count; ++id) {
    vacuum_delay_point();
    if (!record_on_disk(&g, id, nblocks)) continue;
    RecordHeader h;
    if (!read_header(&g, id, &h)) continue;
    levels[id] = h.level;
    if (h.flags & kFlagDeleted) {
      set_bit(dead, id);
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

  // Pass 2: repair lists of live elements that point at dead ones.
  if (newly > 0) {
    int cap = int(2 * g.m);
    float* vec = static_cast<float*>(palloc(sizeof(float) * g.dims));
    float* mat = static_cast<float*>(palloc(sizeof(float) * g.dims * size_t(3 * cap)));
    Candidate* cands = static_cast<Candidate*>(palloc(sizeof(Candidate) * cap * (cap + 1)));
    int32* cur = static_cast<int32*>(palloc(sizeof(int32) * cap));
    int32* t = static_cast<int32*>(palloc(sizeof(int32) * cap));
    int32* next = static_cast<int32*>(palloc(sizeof(int32) * cap));
    for (uint32 id = 0; id < count; ++id) {
      if (!live[id]) continue;
      vacuum_delay_point();
      for (int l = levels[id]; l >= 0; --l) repair_list(&g, id, l, dead, vec, mat, cands, cur, t, next);
    }
  }

  // Entry point: move it off a dead element.
  Buffer buf = ReadBufferExtended(index, MAIN_FORKNUM, kMetaBlock, RBM_NORMAL, nullptr);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  Meta* meta = page_meta(BufferGetPage(buf));
  bool move = meta->entry >= 0 && uint32(meta->entry) < count && is_set(dead, uint32(meta->entry));
  if (move || newly > 0) {
    int32 best = -1;
    int best_level = -1;
    if (move) {
      for (uint32 id = 0; id < count; ++id)
        if (live[id] && int(levels[id]) > best_level) {
          best = int32(id);
          best_level = levels[id];
        }
    }
    GenericXLogState* state = GenericXLogStart(index);
    Meta* w = page_meta(GenericXLogRegisterBuffer(state, buf, 0));
    if (move) {
      if (best >= 0) {
        w->entry = best;
        w->max_level = best_level;
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
    w->deleted += newly;
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

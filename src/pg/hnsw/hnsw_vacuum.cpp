// VACUUM for hnsw. ambulkdelete flags the elements whose heap TIDs are dead (they stay in the graph as
// traversable tombstones, so no search path is cut while concurrent scans run), then repairs the graph around them
// (hnsw_repair.cpp: lists rid of dead entries and refilled, every live element kept reachable at every moment, a
// dead entry point replaced). amvacuumcleanup recycles the ids of dead elements nothing links to any more through a
// free list in the meta page, which inserts pop. See docs/hnsw.md, VACUUM.
#include "pg/hnsw/hnsw.h"
#include "pg/hnsw/hnsw_meta.h"
#include "pg/hnsw/hnsw_repair.h"
#include "pg/hnsw/hnsw_values.h"

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

bool record_on_disk(Graph* g, uint32 id, BlockNumber nblocks) {
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  if (seg == nullptr) return false;
  return locate(*seg, g->layout, id, kHeaderBytes + 8 * g->m - 1).block < nblocks;
}

// Whether the meta page counts dead elements not recycled yet.
bool dead_pending(Relation index) {
  MetaState m = meta_state(index);
  return m.deleted > m.free_count;
}

// Recycles the ids of dead elements nothing links to any more: not reachable at level 0 from the entry point through
// elements not recycled, and named by no upper-level list of those (VACUUM keeps a dead element linked while it still
// leads to live elements nothing else leads to; a later VACUUM recycles it). Scans that might still hold them in
// their queues hold the scan lock in share mode, so recycling happens only if that lock can be taken exclusively
// (never waits: a long-running cursor postpones recycling to a later VACUUM). Inserts pop recycled ids from the meta
// page's free list.
void recycle_dead(Relation index) {
  // Nothing to do unless some dead elements are not on the free list yet (autovacuum runs this after insert-only
  // periods too).
  if (!dead_pending(index)) return;
  MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "hnsw recycle", ALLOCSET_DEFAULT_SIZES);
  MemoryContext old = MemoryContextSwitchTo(tmp);
  Graph g;
  graph_load(&g, index);
  BlockNumber nblocks = RelationGetNumberOfBlocks(index);
  uint32 count = g.count;
  uint64* linked = static_cast<uint64*>(palloc0(sizeof(uint64) * (count / 64 + 1)));
  mark_linked(&g, linked);
  bool* recyclable = static_cast<bool*>(palloc0(count + 1));
  uint32 nrecyclable = 0;
  for (uint32 id = 0; id < count; ++id) {
    if (is_set(linked, id) || !record_on_disk(&g, id, nblocks)) continue;
    HnswRecordHeader h;
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
      release_element_values(index, &g, id);              // its value pages, if any, to the free list first
      if (!free_list_mark(&g, id, chain_head)) continue;  // left dead
      if (chain_tail < 0) chain_tail = int32(id);
      chain_head = int32(id);
      ++chained;
    }
    if (chain_head >= 0) free_list_push(&g, chain_head, chain_tail, chained);
  }
  MemoryContextSwitchTo(old);
  MemoryContextDelete(tmp);
}

}  // namespace

namespace {

// A dead entry point the repair could not move (nothing live in the first pass): the highest-level element inserted
// meanwhile, if any is written, else none (the next insert becomes the entry point). Runs under the meta page lock
// (meta_count_deleted), with g's segments and count taken from the locked page.
struct DeadEntry {
  const uint8* state;
  uint32 n;
  uint32 live_count;
};
bool replace_dead_entry(Graph* g, int32 entry, void* arg, int32* new_entry, int* new_level) {
  const DeadEntry* de = static_cast<const DeadEntry*>(arg);
  if (entry < 0 || uint32(entry) >= de->n || de->state[entry] != kStateDead || de->live_count != 0) return false;
  int32 newest = -1;
  int newest_level = -1;
  BlockNumber nblocks = RelationGetNumberOfBlocks(g->index);
  for (uint32 id = 0; id < g->count; ++id) {
    HnswRecordHeader h;
    if (record_on_disk(g, id, nblocks) && read_header(g, id, &h) && !(h.flags & (kFlagDeleted | kFlagFree)) &&
        int(h.level) > newest_level) {
      newest = int32(id);
      newest_level = h.level;
    }
  }
  *new_entry = newest;
  *new_level = newest_level;
  return true;
}

// Flags the elements whose heap rows are dead (callback; nullptr: none), then repairs the graph when anything is
// dead and not recycled yet: this VACUUM's, or what an earlier one flagged and did not finish (killed, cancelled) or
// had to keep linked.
void vacuum_graph(Relation index, IndexBulkDeleteResult* stats, IndexBulkDeleteCallback callback,
                  void* callback_state) {
  MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "hnsw vacuum", ALLOCSET_DEFAULT_SIZES);
  MemoryContext old = MemoryContextSwitchTo(tmp);
  Graph g;
  graph_load(&g, index);
  BlockNumber nblocks = RelationGetNumberOfBlocks(index);
  const uint32 count = g.count;
  uint8* state = static_cast<uint8*>(palloc0(count + 1));
  uint8* levels = static_cast<uint8*>(palloc0(count + 1));
  uint32 newly = 0, live_count = 0;
  uint32 pending = 0;  // flagged by an earlier VACUUM, not recycled yet

  // Pass 1: flag dead elements.
  for (uint32 id = 0; id < count; ++id) {
    vacuum_delay_point();
    if (!record_on_disk(&g, id, nblocks)) continue;
    HnswRecordHeader h;
    if (!read_header(&g, id, &h)) continue;  // an insert in progress (kStateUnwritten)
    levels[id] = h.level;
    if (h.flags & kFlagFree) {
      state[id] = kStateRecycled;
    } else if (h.flags & kFlagDeleted) {
      state[id] = kStateDead;
      ++pending;
    } else if (callback && callback(&h.tid, callback_state)) {
      set_record_flags(&g, id, kFlagDeleted);
      state[id] = kStateDead;
      ++newly;
    } else {
      state[id] = kStateLive;
      ++live_count;
    }
  }
  stats->tuples_removed += newly;
  stats->num_index_tuples = live_count;

  // Pass 2: the repair, over the ids allocated until now (inserts went on).
  if (newly > 0 || pending > 0) {
    graph_refresh(&g);
    uint32 n = std::max(g.count, count);
    state = static_cast<uint8*>(repalloc(state, n + 1));
    levels = static_cast<uint8*>(repalloc(levels, n + 1));
    std::memset(state + count, kStateUnwritten, n + 1 - count);
    std::memset(levels + count, 0, n + 1 - count);
    RepairCounts rc;
    repair_graph(&g, state, levels, n, std::max(index_ef_construction(index), int(2 * g.m)), &rc);
    if (rc.reconnected + rc.relinked + rc.kept_dead > 0 || rc.entry_moved)
      elog(DEBUG1,
           "hnsw vacuum of \"%s\": %u lists repaired, %u unreached live elements linked back, %u with few in-links "
           "relinked, %u dead elements kept linked%s",
           RelationGetRelationName(index), rc.repaired, rc.reconnected, rc.relinked, rc.kept_dead,
           rc.entry_moved ? ", entry point moved" : "");

    DeadEntry de{state, n, live_count};
    meta_count_deleted(&g, newly, pending, replace_dead_entry, &de);
  }
  graph_release(&g);
  MemoryContextSwitchTo(old);
  MemoryContextDelete(tmp);
}

}  // namespace

IndexBulkDeleteResult* bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                   IndexBulkDeleteCallback callback, void* callback_state) {
  if (stats == nullptr) stats = static_cast<IndexBulkDeleteResult*>(palloc0(sizeof(IndexBulkDeleteResult)));
  vacuum_graph(info->index, stats, callback, callback_state);
  stats->num_pages = RelationGetNumberOfBlocks(info->index);
  return stats;
}

IndexBulkDeleteResult* vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats) {
  if (info->analyze_only) return stats;
  if (stats == nullptr) {
    // No ambulkdelete in this VACUUM (no dead heap rows, or too few for index vacuuming): still finish what an earlier
    // one left (elements flagged but not repaired around, or kept linked), so they can be recycled.
    stats = static_cast<IndexBulkDeleteResult*>(palloc0(sizeof(IndexBulkDeleteResult)));
    if (dead_pending(info->index)) {
      vacuum_graph(info->index, stats, nullptr, nullptr);
    } else {
      MetaState m = meta_state(info->index);
      stats->num_index_tuples = double(m.count) - m.deleted;
    }
  }
  recycle_dead(info->index);
  stats->num_pages = RelationGetNumberOfBlocks(info->index);
  return stats;
}

}  // namespace vx::pg::hnsw

// VACUUM: list by list, walk the posting chain, remove postings of dead heap tuples page by page (GenericXLog, one
// buffer per record), and point the list's inserts back at the first page that has room again, so rows inserted
// later refill freed space before the index grows (pages stay in their list; see ivf_page.h).
#include "pg/ivf/ivf.h"

extern "C" {
#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "storage/bufmgr.h"
}

namespace vx::pg::ivf {

namespace {

// One list: deletes dead postings (with a callback) and counts the live ones. Returns the first page of the chain
// with room for a posting if it comes before the list's insert page, else InvalidBlockNumber.
BlockNumber walk_list(IndexVacuumInfo* info, const IvfMeta& meta, int list, IndexBulkDeleteResult* stats,
                      IndexBulkDeleteCallback callback, void* state) {
  Relation index = info->index;
  const ListSlot slot = read_slot(index, meta, list);
  const Size posting = MAXALIGN(kTupleHeader + meta.code_size);
  BlockNumber room = InvalidBlockNumber;
  bool before_insert = true;
  for (BlockNumber blk = slot.first; blk != InvalidBlockNumber;) {
    vacuum_delay_point();
    Buffer buf = ReadBufferExtended(index, MAIN_FORKNUM, blk, RBM_NORMAL, info->strategy);
    LockBuffer(buf, callback ? BUFFER_LOCK_EXCLUSIVE : BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buf);
    OffsetNumber dead[MaxOffsetNumber];
    int ndead = 0;
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
      auto* t = reinterpret_cast<IvfTuple*>(PageGetItem(page, PageGetItemId(page, off)));
      if (callback && callback(&t->tid, state))
        dead[ndead++] = off;
      else
        stats->num_index_tuples += 1;
    }
    if (ndead > 0) {
      GenericXLogState* xlog = GenericXLogStart(index);
      Page copy = GenericXLogRegisterBuffer(xlog, buf, 0);
      PageIndexMultiDelete(copy, dead, ndead);
      GenericXLogFinish(xlog);
      stats->tuples_removed += ndead;
    }
    if (blk == slot.insert) before_insert = false;
    if (before_insert && room == InvalidBlockNumber && PageGetFreeSpace(page) >= posting) room = blk;
    blk = page_opaque(page)->next;
    UnlockReleaseBuffer(buf);
  }
  return room;
}

void walk(IndexVacuumInfo* info, IndexBulkDeleteResult* stats, IndexBulkDeleteCallback callback, void* state) {
  Relation index = info->index;
  IvfMeta meta = read_meta(index);
  stats->num_index_tuples = 0;
  for (int list = 0; list < meta.lists; ++list) {
    // inserts only move the pointer forward (to later pages or a new tail), so a page with room before the one it
    // pointed at when the walk began is before wherever it points now
    BlockNumber room = walk_list(info, meta, list, stats, callback, state);
    if (callback && room != InvalidBlockNumber) move_insert_page(index, meta, list, InvalidBlockNumber, room);
  }
  stats->num_pages = RelationGetNumberOfBlocks(index);
}

}  // namespace

IndexBulkDeleteResult* bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                   IndexBulkDeleteCallback callback, void* callback_state) {
  if (!stats) stats = static_cast<IndexBulkDeleteResult*>(palloc0(sizeof(IndexBulkDeleteResult)));
  walk(info, stats, callback, callback_state);
  return stats;
}

IndexBulkDeleteResult* vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats) {
  if (info->analyze_only) return stats;
  if (!stats) {  // no bulk delete ran: count the postings for the statistics
    stats = static_cast<IndexBulkDeleteResult*>(palloc0(sizeof(IndexBulkDeleteResult)));
    walk(info, stats, nullptr, nullptr);
  }
  stats->num_pages = RelationGetNumberOfBlocks(info->index);
  return stats;
}

}  // namespace vx::pg::ivf

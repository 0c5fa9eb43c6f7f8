// VACUUM: remove postings of dead heap tuples page by page (GenericXLog, one buffer per record). Emptied pages stay
// in their list's chain and are refilled only if they are the head; see docs/ivf.md.
#include "pg/ivf.h"

extern "C" {
#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "storage/bufmgr.h"
}

namespace vx::pg::ivf {

namespace {
// Walks every posting page; with a callback deletes dead postings, and counts the live ones.
void walk(IndexVacuumInfo* info, IndexBulkDeleteResult* stats, IndexBulkDeleteCallback callback, void* state) {
  Relation index = info->index;
  IvfMeta meta = read_meta(index);
  BlockNumber nblocks = RelationGetNumberOfBlocks(index);
  stats->num_index_tuples = 0;
  for (BlockNumber blk = meta.first_posting; blk < nblocks; ++blk) {
    vacuum_delay_point();
    Buffer buf = ReadBufferExtended(index, MAIN_FORKNUM, blk, RBM_NORMAL, info->strategy);
    LockBuffer(buf, callback ? BUFFER_LOCK_EXCLUSIVE : BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buf);
    if (PageIsNew(page) || page_opaque(page)->kind != static_cast<uint16>(PageKind::Posting)) {
      UnlockReleaseBuffer(buf);
      continue;
    }
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
    UnlockReleaseBuffer(buf);
  }
  stats->num_pages = nblocks;
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

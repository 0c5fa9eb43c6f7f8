// Implementation of heap_prefetch.h.
#include "pg/heap_prefetch.h"

#include "pg/buffer_hints.h"

extern "C" {
#include "access/heapam.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "storage/buf_internals.h"
#include "storage/bufpage.h"
#include "utils/rel.h"
}

namespace vx::pg {

namespace {

BufferHints heap_hints = {"vectorext heap buffer hints"};

// The executor's heap fetch state when the table is heapam's (whose IndexFetchHeapData holds the buffer of the row
// fetched last, pinned); nullptr for any other table access method.
IndexFetchHeapData* heap_fetch_of(IndexScanDesc scan) {
  if (scan->heapRelation == nullptr || scan->xs_heapfetch == nullptr ||
      scan->heapRelation->rd_tableam != GetHeapamTableAmRoutine())
    return nullptr;
  return reinterpret_cast<IndexFetchHeapData*>(scan->xs_heapfetch);
}

}  // namespace

void heap_prefetch_learn(IndexScanDesc scan) {
  IndexFetchHeapData* f = heap_fetch_of(scan);
  if (f == nullptr || f->xs_cbuf <= 0) return;  // none, or a local buffer (temporary table)
  // The executor holds a pin on xs_cbuf: its tag (the block number) cannot change under us.
  Buffer* slot = buffer_hint_slot(&heap_hints, scan->heapRelation->rd_node, BufferGetBlockNumber(f->xs_cbuf));
  if (slot) *slot = f->xs_cbuf;
}

void heap_prefetch_row(IndexScanDesc scan, ItemPointer tid) {
  if (heap_fetch_of(scan) == nullptr || !ItemPointerIsValid(tid)) return;
  Buffer buf;
  const char* page = hinted_page_address(&heap_hints, scan->heapRelation->rd_node, ItemPointerGetBlockNumber(tid), &buf);
  if (page == nullptr) return;
  __builtin_prefetch(GetBufferDescriptor(buf - 1), 1);  // ReadBuffer pins it (an atomic on this line)
  __builtin_prefetch(page);                             // the page header (heap_page_prune_opt)
  const OffsetNumber off = ItemPointerGetOffsetNumber(tid);
  if (off >= FirstOffsetNumber && off <= MaxHeapTuplesPerPage)
    __builtin_prefetch(page + SizeOfPageHeaderData + sizeof(ItemIdData) * (off - 1));  // its line pointer
}

}  // namespace vx::pg

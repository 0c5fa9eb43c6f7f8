// Prefetching the heap rows an index scan is about to return. After an index scan returns a TID the executor fetches
// the row from the heap: a buffer-mapping lookup, a pin on the buffer's descriptor, the page header
// (heap_page_prune_opt), the line pointer and the tuple, each a cache miss on a page nobody touched since the last
// query: 14% of the backend's CPU of a k = 10 HNSW query at ef_search 10 on 256-d rows, more than the scan's
// distances. A scan that knows its next rows (a sorted batch) asks the CPU for the descriptor, the header and the line
// pointer of each ahead of time, so that those misses overlap each other and the executor's work. The page address
// comes from backend-local hints (pg/buffer_hints.h) learnt from the buffer the executor fetched the previous row
// from; a row whose block has no hint yet is not prefetched. Only prefetches: nothing is read through a hint, so a
// stale one (the page evicted and the buffer reused) costs a wasted prefetch, never a wrong result.
#pragma once

#include "pg/boundary.h"

extern "C" {
#include "access/genam.h"
#include "storage/itemptr.h"
}

namespace vx::pg {

// Remembers the heap buffer the executor fetched scan's last returned row from (heap tables only; no-op otherwise).
// Call it when the executor asks the scan for its next row.
void heap_prefetch_learn(IndexScanDesc scan);

// Asks the CPU for the lines the executor's fetch of `tid` will read first, when the hints know its block.
void heap_prefetch_row(IndexScanDesc scan, ItemPointer tid);

}  // namespace vx::pg

// Backend-local copies of the half copies a scan's greedy descent evaluates (the upper-level elements: every query
// walks through some of the same few thousand), so that the descent reads them from one dense block of backend memory
// instead of pinning a shared buffer and touching a page of its own for each (a TLB miss, the buffer descriptor's
// line, the record's header line: the descent was 15-18% of a query's CPU at ef_search 10 on 60,000 256-d rows).
//
// Why a copy cannot be stale: an element's half copy is immutable while its id is not recycled, and only live
// records are copied (VALID set, neither DELETED nor FREE). For a live id to get another vector, VACUUM must flag it
// DELETED, push it onto the free list (a write of the meta page) and an insert pop it (another); so the cache is
// emptied whenever a scan finds the meta page's LSN changed since the copies were made (any insert, any VACUUM that
// changed the meta page). Within one scan no id is recycled (the scan lock, hnsw_vacuum.cpp). A record is copied
// only once the descent reached it through a link, and links to a record are written after the record (VALID and its
// copy in one page write): the bytes copied are complete. The copies equal the page bytes, so the descent computes the
// same distances and takes the same walk.
// Not kept for indexes without WAL (unlogged or temporary: GenericXLog leaves their page LSNs alone), for elements
// stored as their own bytes (bit), records wider than a page, or a packed group's records that straddle two pages
// (read from the pages as every scan reads them). One index at a time (another index's scan empties
// it); at most kDescentCacheBytes of copies, the first ones met.
#pragma once

#include "pg/hnsw/hnsw.h"

namespace vx::pg::hnsw {

constexpr uint32 kDescentCacheBytes = 8u << 20;

// What is kept of an element beyond its half copy (element_bytes): where its upper-level lists are, so that the
// descent reads them without the record's header (immutable too: an element's upper lists never move).
struct DescentTail {
  uint8 level;
  uint8 pad;
  uint16 upper_off;
  BlockNumber upper_block;
};

// The copies for g's index as its meta page stands (g->meta_lsn), emptied if that changed; nullptr where none are
// kept. Valid until the next call (the scan that asked holds the scan lock meanwhile).
core::hnsw::CopyCache* descent_cache_attach(const Graph* g);

}  // namespace vx::pg::hnsw

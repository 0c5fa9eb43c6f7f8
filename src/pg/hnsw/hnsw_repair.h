// The graph repair of hnsw VACUUM (run by hnsw_vacuum.cpp after it flagged the dead elements): lists of live
// elements are rid of their dead entries and refilled, live elements that lost their in-links are linked back, and a
// dead entry point is replaced, while every live element stays reachable at level 0 from the meta page's entry
// point at every moment (a concurrent scan, or a crash at any point, finds them all). See docs/hnsw.md, VACUUM.
#pragma once

#include "pg/hnsw/hnsw.h"

namespace vx::pg::hnsw {

// What VACUUM's first pass found for an element id.
enum ElementState : uint8 {
  kStateUnwritten = 0,  // no published record (an insert in progress), or allocated since: re-read when it matters
  kStateLive,           // published, not deleted: stays live while this VACUUM runs (only VACUUM flags)
  kStateDead,           // flagged DELETED by this VACUUM or an earlier one, not recycled: cannot change meanwhile
  kStateRecycled,       // on the free list: an insert may reuse the id at any time: re-read when it matters
};

struct RepairCounts {
  uint32 reconnected = 0;  // live elements no live element linked to, linked back before any dead link was removed
  uint32 repaired = 0;     // lists rid of dead entries
  uint32 relinked = 0;     // live elements with few in-links linked back from their nearest neighbours
  uint32 kept_dead = 0;    // dead elements still linked (they lead to elements not reached otherwise): next VACUUM
  bool entry_moved = false;
};

// Repairs the graph around the dead elements. state and level (ids < n, n = g->count as refreshed after the first
// pass) come from the first pass; state is updated as elements are found live. efc: the search width.
void repair_graph(Graph* g, uint8* state, uint8* level, uint32 n, int efc, RepairCounts* out);

// Marks in `linked` (count bits) every element reachable at level 0 from the entry point through elements not
// recycled, and every element an upper-level list of one of those names: what VACUUM must not recycle.
void mark_linked(Graph* g, uint64* linked);

}  // namespace vx::pg::hnsw

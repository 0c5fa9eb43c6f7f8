// The contract between vectorext.index_check (src/pg/ann/index_check.cpp: the SQL entry point, locking, dispatch by
// access method) and each access method's checker (hnsw: src/pg/hnsw/hnsw_check.cpp, ivfflat/ivf: src/pg/ivf/ivf_check.cpp).
//
// A checker is read-only and runs under the locks the entry point took (AccessShareLock on heap and index, as
// contrib/amcheck's bt_index_check). It raises ERRCODE_INDEX_CORRUPTED (XX002) naming the index, block and item of
// the first inconsistency it finds, and otherwise fills the counts below for the report.
#pragma once

#include "pg/compat.h"

extern "C" {
#include "utils/rel.h"
}

namespace vx::pg {

struct IndexCheckCounts {
  int64 pages = 0;        // index pages read
  int64 entries = 0;      // hnsw elements / ivf postings seen
  int64 live = 0;         // entries not flagged deleted
  int64 heap_rows = 0;    // heapallindexed: live heap rows, each found exactly once in the index
  int64 unreachable = 0;  // hnsw: live elements not reachable from the entry point (a corruption: raised, so 0 here)
};

// heap is the index's table (opened by the caller); heapallindexed also verifies every live heap row is indexed
// exactly once (rows the index's predicate excludes, and NULLs for AMs that do not index them, are skipped).
void hnsw_check_index(Relation index, Relation heap, bool heapallindexed, IndexCheckCounts* out);
void ivf_check_index(Relation index, Relation heap, bool heapallindexed, IndexCheckCounts* out);

}  // namespace vx::pg

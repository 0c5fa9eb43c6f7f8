// The insert workload: single-row INSERTs (prepared, vector as text, one transaction each, synchronous_commit off
// so that the WAL flush of a commit does not hide the index's cost) of rows the index has not seen (later test
// images) into each system's indexed table, with 1 session (client and backend pinned to the benchmark CPU, as
// searches) and 2 concurrent sessions (unpinned), plus the same rows into a copy of the table without an index
// (the cost of the row itself). Each phase runs in chunks interleaved between the systems; rows/s = median chunk.
// Also WAL bytes per row and index growth.
#pragma once

#include <vector>

#include "sql_index.h"

namespace ab {

void run_inserts(const Context& ctx, const std::vector<SqlIndex*>& indexes);

}  // namespace ab

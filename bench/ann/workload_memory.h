// The memory workload: what an index costs when it does not fit in shared_buffers.
//  1. Working set: the cluster is restarted (empty shared_buffers; the OS page cache stays), each system runs the
//     queries once at the first --memory-ef, and pg_buffercache counts the index and table pages they touched.
//  2. The cluster is restarted with --small-shared-buffers; the queries are measured again (interleaved), with the
//     buffer misses per query from pg_statio (reads from the OS page cache, not from disk: the disk cache is left
//     alone because the machine is shared).
//  3. The cluster is restarted with its normal shared_buffers and the indexes prewarmed again.
// Needs --restart-cmd (bench/run.sh passes one); otherwise skipped with a message.
#pragma once

#include <vector>

#include "sql_index.h"

namespace ab {

void run_memory(const Context& ctx, Systems& systems, const std::vector<SqlIndex*>& indexes);

}  // namespace ab

// The filtered workload: `WHERE category = $2 ORDER BY embedding <op> $1 LIMIT k` (both parameters of one prepared
// statement) at 10%, 1% and 0.1% selectivity, for each iterative scan mode, on one index per system; then the same
// queries with a btree on category in both systems (custom plans), where the planner chooses between the ANN index
// and the btree + an exact sort. Recall is against the exact answers among the rows of that category; also rows
// returned (mean and minimum: a query must return k rows when k exist), QPS (median, interleaved between systems) and
// the plan the planner ran (node and index, from EXPLAIN EXECUTE).
#pragma once

#include <vector>

#include "sql_index.h"

namespace ab {

void run_filter(const Context& ctx, const std::vector<SqlIndex*>& indexes);

}  // namespace ab

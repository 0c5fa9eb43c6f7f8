// The search workload: recall@k and QPS per search setting for every index of a round, measured interleaved
// (sweep.h). A round is the set of indexes that can exist at the same time on one table without the planner
// choosing between them: one index per system (plus the raw library doing the same job in this process).
#pragma once

#include <vector>

#include "method.h"
#include "systems.h"

namespace ab {

// The SQL floor of each system: the prepared `SELECT $1::vector IS NULL` (round trip + parsing the vector).
void run_floor(const Context& ctx, Systems& systems);
// Exact search by sequential scan in each system (recall must come out 1: a check of the harness, --sql-exact).
void run_exact(const Context& ctx, Systems& systems, const std::string& table);

// Builds each method at every thread count (the last build is kept), prints the builds.
void build_round(const Context& ctx, const std::vector<Method*>& methods, const std::vector<int>& threads);
// Sweeps the settings over the built methods, interleaved; prints and records the points.
void sweep_round(const Context& ctx, const std::vector<Method*>& methods, const std::vector<int>& params);

// Pins the client and every method's backend to the benchmark CPU (and back).
void pin_all(const Context& ctx, const std::vector<Method*>& methods);
void unpin_all(const std::vector<Method*>& methods);

}  // namespace ab

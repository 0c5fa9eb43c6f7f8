// Timed passes over the queries, interleaved between the methods being compared: for every repeat each method runs
// one full pass over all queries, the order of the methods rotating from one repeat to the next, so that noise
// from other work on the machine hits every method alike. QPS of a method = median over its passes.
// The caller pins the client and the backends before calling.
#pragma once

#include <string>
#include <vector>

#include "method.h"

namespace ab {

struct Contender {
  std::string label;
  QueryFn fn;
};

struct Pass {
  bool ok = true;
  std::string err;
  std::vector<double> runs;                    // queries per second of each timed pass
  std::vector<std::vector<int64_t>> ids;       // results of the first timed pass, per query
};

std::vector<Pass> measure_interleaved(const std::vector<Contender>& cs, int nq, int repeats, int warmup);

// "recall 0.9512  QPS 1234 (runs: ...)" for the log
std::string describe_pass(const Pass& p, double recall);

}  // namespace ab

// Timed passes over the queries, interleaved between the methods being compared: for every repeat each method runs
// one full pass over all queries, the order of the methods rotating from one repeat to the next, so that noise
// from other work on the machine hits every method alike. QPS of a method = median over its passes.
// Budget rules (they keep `make bench` within its time): warm-up stops after `warmup` queries or kWarmupSeconds,
// whichever comes first; a method whose first timed pass took longer than `max_pass_seconds` (> 0) gets no further
// passes (a long pass already averages over the noise that several short ones would).
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
  int warmup_queries = 0;                 // untimed queries run before the passes
  std::vector<double> runs;               // queries per second of each timed pass
  std::vector<std::vector<int64_t>> ids;  // results of the first timed pass, per query
};

constexpr double kWarmupSeconds = 2.0;

std::vector<Pass> measure_interleaved(const std::vector<Contender>& cs, int nq, int repeats, int warmup,
                                      double max_pass_seconds);

// "recall 0.9512  QPS 1234 (runs: ...)" for the log
std::string describe_pass(const Pass& p, double recall);

}  // namespace ab

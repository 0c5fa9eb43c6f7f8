// Implementation of sweep.h.
#include "sweep.h"

#include <algorithm>
#include <cmath>

#include "common.h"

namespace ab {

std::vector<Pass> measure_interleaved(const std::vector<Contender>& cs, int nq, int repeats, int warmup,
                                      double max_pass_seconds) {
  std::vector<Pass> out(cs.size());
  std::vector<int64_t> scratch;
  for (size_t c = 0; c < cs.size(); ++c) {
    out[c].ids.resize(nq);
    auto t0 = Clock::now();
    for (int i = 0; i < std::min(warmup, nq) && out[c].ok && seconds_since(t0) < kWarmupSeconds; ++i) {
      scratch.clear();
      if (!cs[c].fn(i % nq, scratch, out[c].err)) out[c].ok = false;
      ++out[c].warmup_queries;
    }
  }
  for (int rep = 0; rep < repeats; ++rep)
    for (size_t step = 0; step < cs.size(); ++step) {
      size_t c = (step + rep) % cs.size();
      Pass& p = out[c];
      if (!p.ok) continue;
      if (rep > 0 && max_pass_seconds > 0 && !p.runs.empty() && nq / p.runs[0] > max_pass_seconds) continue;
      auto t0 = Clock::now();
      for (int qi = 0; qi < nq && p.ok; ++qi) {
        auto& dst = p.runs.empty() ? p.ids[qi] : scratch;
        dst.clear();
        if (!cs[c].fn(qi, dst, p.err)) p.ok = false;
      }
      if (p.ok) p.runs.push_back(nq / seconds_since(t0));
    }
  return out;
}

std::string describe_pass(const Pass& p, double recall) {
  if (!p.ok) return "error: " + p.err;
  std::string s =
      fmt("recall %-6s QPS %8.0f  (runs:", std::isnan(recall) ? "-" : fmt("%.4f", recall).c_str(), median(p.runs));
  for (double r : p.runs) s += fmt(" %.0f", r);
  return s + ")";
}

}  // namespace ab

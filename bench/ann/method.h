// One index as the search workload sees it: built (timed), given a search setting (ef_search / probes), queried one
// query at a time. Implemented by SQL indexes of each system (sql_index.h) and by the raw libraries (raw_*.h).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dataset.h"
#include "options.h"
#include "results.h"
#include "truth.h"

namespace ab {

// One query: fills ids; false with err set on failure.
using QueryFn = std::function<bool(int qi, std::vector<int64_t>& ids, std::string& err)>;

// What every part of one dataset's run shares.
struct Context {
  const Options& o;
  const Dataset& ds;
  const TruthSet& truth;
  const std::vector<std::string>& qtext;  // the queries as a client sends them
  Results& r;
};

class Method {
 public:
  Method(std::string label, std::string system, std::string family, std::string param_name)
      : label(std::move(label)),
        system(std::move(system)),
        family(std::move(family)),
        param_name(std::move(param_name)) {}
  virtual ~Method() = default;

  const std::string label, system, family, param_name;
  bool built = false;
  std::string note;  // carried into every search point (e.g. "planner did not pick the index")

  virtual BuildPoint build(int threads) = 0;  // (re)builds; sets `built`
  virtual void before_search() {}             // prewarm, plan check
  virtual bool set_param(int p, std::string& err) = 0;
  virtual QueryFn query() = 0;
  virtual void pin(int cpu) {}  // server backends: the client pins itself
  virtual void unpin() {}
  virtual void after_search(int middle_param) {}  // e.g. EXPLAIN (ANALYZE, BUFFERS) into the log
  virtual void drop() {}
};

// Largest divisor of dims that is <= dims / 8: the ivf access method's default pq_m.
int default_pq_m(int dims);
// sqrt(rows), at least 1: the lists used when --lists is not given
int default_lists(int rows);

}  // namespace ab

// Exact ground truth and recall@k. Candidates come from a blocked sgemm over all base rows (fast, float), then the
// best k + margin per query are re-scored exactly (integers for integer pixels, double otherwise), once for all rows
// and once per filter category (the answers a `WHERE category = c` query must return). Cached by a checksum of the
// vectors, the metric, the number of queries and k.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dataset.h"

namespace ab {

struct Truth {
  int k = 0;
  std::vector<int32_t> ids;    // nq * k, best first; -1 past the rows that exist
  std::vector<double> dists;   // nq * k, exact order values (smaller = nearer)
  std::vector<int32_t> count;  // per query: how many of the k exist (k, or fewer under a selective filter)
};

struct TruthSet {
  Truth all;
  std::map<int, Truth> by_category;  // category -> truth among the rows of that category
};

TruthSet load_or_compute_truth(const Dataset& ds, int k, const std::string& cache_dir);

// The exact order value of base row `id` for query `qi` (squared L2, 1 - cosine, or -inner product).
double exact_distance(const Dataset& ds, int qi, int64_t id);

// ann-benchmarks' recall@k with ties: a returned row counts when its exact distance is at most the true k-th one.
// Duplicate ids count once; ids past k are ignored. Over the first results.size() queries. With category >= 0 a
// returned row of another category is a miss (the filter was not applied).
double recall_at_k(const Dataset& ds, const Truth& t, const std::vector<std::vector<int64_t>>& results,
                   int category = -1);

}  // namespace ab

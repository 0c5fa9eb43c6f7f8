// Look-ups over the measured points (results.h).
#include "results.h"

namespace ab {

const SearchPoint* Results::find_search(const std::string& ds, const std::string& method, int param) const {
  for (auto& s : search)
    if (s.dataset == ds && s.method == method && s.param == param) return &s;
  return nullptr;
}

const BuildPoint* Results::find_build(const std::string& ds, const std::string& method, int threads) const {
  for (auto& b : build)
    if (b.dataset == ds && b.method == method && b.threads == threads) return &b;
  return nullptr;
}

double Results::qps_at_recall(const std::string& ds, const std::string& method, double target, int* param) const {
  const SearchPoint* first = nullptr;
  for (auto& s : search)
    if (s.dataset == ds && s.method == method && s.ok && s.recall >= target && (!first || s.param < first->param))
      first = &s;
  if (first && param) *param = first->param;
  return first ? first->qps : NAN;
}

}  // namespace ab

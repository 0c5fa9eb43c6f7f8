// core/ann_order.h: lazily sorted candidates come out in the order of a full sort, and settle_next hands out values
// that never decrease while settling candidates whose value grows (lower bounds replaced by exact values).
#include "core/ann_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace {

struct C {
  double value;
  int id;
  bool settled;
  double exact;
};
bool closer(const C& a, const C& b) { return a.value < b.value || (a.value == b.value && a.id < b.id); }

}  // namespace

TEST(AnnOrder, LazySortEqualsFullSort) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> u(0, 10);
  for (std::size_t n : {0u, 1u, 31u, 33u, 1000u}) {
    std::vector<C> c(n), full;
    for (std::size_t i = 0; i < n; ++i) c[i] = {std::floor(u(rng)), static_cast<int>(i), true, 0};
    full = c;
    std::sort(full.begin(), full.end(), closer);
    std::size_t sorted = 0;
    for (std::size_t pos = 0; pos < n; ++pos) {
      vx::core::ensure_sorted(c.data(), n, &sorted, pos + 1, closer);
      ASSERT_EQ(c[pos].id, full[pos].id);
    }
  }
}

TEST(AnnOrder, SettleNextKeepsValuesNondecreasing) {
  std::mt19937 rng(2);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 50; ++trial) {
    const std::size_t n = 200;
    std::vector<C> c(n);
    for (std::size_t i = 0; i < n; ++i) {
      double bound = u(rng);
      bool exact_copy = i % 3 == 0;
      c[i] = {bound, static_cast<int>(i), !exact_copy, bound + (exact_copy ? u(rng) * 0.2 : 0)};
    }
    std::size_t sorted = 0;
    auto ensure = [&](std::size_t upto) { vx::core::ensure_sorted(c.data(), n, &sorted, upto, closer); };
    auto settle = [](C& x) {
      if (x.settled) return false;
      x.value = x.exact;
      x.settled = true;
      return true;
    };
    double last = -1;
    std::vector<int> seen;
    for (std::size_t pos = 0; pos < n; ++pos) {
      vx::core::settle_next(c.data(), pos, n, closer, settle, ensure);
      ensure(pos + 1);
      ASSERT_TRUE(c[pos].settled);
      ASSERT_GE(c[pos].value, last);
      // nothing after pos may end nearer than what was handed out (it is a bound of itself)
      last = c[pos].value;
      seen.push_back(c[pos].id);
    }
    std::sort(seen.begin(), seen.end());
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(seen[i], static_cast<int>(i));
  }
}

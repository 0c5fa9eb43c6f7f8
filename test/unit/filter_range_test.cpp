// Filter conditions as ranges over packed filter areas (core/filter_range.h): the bounds of every strategy at the ends
// of int64, sign extension of each width, NULL bits, and a run over areas side by side against a plain loop.
#include "core/filter_range.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

using namespace vx::core::filter;

namespace {

bool admits(int strategy, int64_t v, int64_t x) {
  Range r = range_of(strategy, v);
  return !r.empty() && in_range(x, r);
}

bool plain(int strategy, int64_t v, int64_t x) {
  switch (strategy) {
    case kLess:
      return x < v;
    case kLessEqual:
      return x <= v;
    case kEqual:
      return x == v;
    case kGreaterEqual:
      return x >= v;
    default:
      return x > v;
  }
}

}  // namespace

TEST(FilterRange, EveryStrategyMatchesItsComparison) {
  const int64_t probes[] = {INT64_MIN, INT64_MIN + 1, -70000,     -32768,        -1,       0, 1,
                            7,         32767,         2147483647, INT64_MAX - 1, INT64_MAX};
  for (int s = kLess; s <= kGreater; ++s)
    for (int64_t v : probes)
      for (int64_t x : probes) EXPECT_EQ(admits(s, v, x), plain(s, v, x)) << s << " " << v << " " << x;
}

TEST(FilterRange, NothingBelowTheLeastOrAboveTheGreatest) {
  EXPECT_TRUE(range_of(kLess, INT64_MIN).empty());
  EXPECT_TRUE(range_of(kGreater, INT64_MAX).empty());
  EXPECT_FALSE(range_of(kLessEqual, INT64_MIN).empty());
  EXPECT_FALSE(range_of(kGreaterEqual, INT64_MAX).empty());
  EXPECT_TRUE(in_range(INT64_MIN, Range{INT64_MIN, INT64_MAX}));  // the whole range: span 2^64 - 1
  EXPECT_TRUE(in_range(INT64_MAX, Range{INT64_MIN, INT64_MAX}));
}

TEST(FilterRange, ValuesAreSignExtendedFromTheirWidth) {
  char buf[8];
  const int16_t a = -5;
  std::memcpy(buf, &a, 2);
  EXPECT_EQ(load_value(buf, 2), -5);
  const int32_t b = INT32_MIN;
  std::memcpy(buf, &b, 4);
  EXPECT_EQ(load_value(buf, 4), int64_t(INT32_MIN));
  const int64_t c = INT64_MIN + 3;
  std::memcpy(buf, &c, 8);
  EXPECT_EQ(load_value(buf, 8), INT64_MIN + 3);
}

// Areas of a layout with two columns (int2 at 4, int8 at 8; 16 bytes an area), random values and NULLs: the run's
// matches are exactly those of a plain loop, in order, for each column, strategy and bound.
TEST(FilterRange, RunOverAreasEqualsAPlainLoop) {
  const uint32_t n = 3000, stride = 16;
  std::vector<char> areas(size_t(n) * stride, 0);
  std::vector<int64_t> c0(n), c1(n);
  std::vector<uint32_t> nulls(n);
  std::mt19937_64 rng(7);
  for (uint32_t i = 0; i < n; ++i) {
    char* a = &areas[size_t(i) * stride];
    nulls[i] = uint32_t(rng() % 5 == 0) | (uint32_t(rng() % 7 == 0) << 1);
    c0[i] = int64_t(int16_t(rng() % 21) - 10);
    c1[i] = (nulls[i] & 2) ? 0 : int64_t(rng() % 41) - 20 + ((rng() & 1) ? INT64_MIN / 2 : 0);
    if (nulls[i] & 1) c0[i] = 0;  // a NULL's bytes are zero
    const int16_t v0 = int16_t(c0[i]);
    std::memcpy(a, &nulls[i], 4);
    std::memcpy(a + 4, &v0, 2);
    std::memcpy(a + 8, &c1[i], 8);
  }
  std::vector<uint32_t> out(n), want;
  for (int col = 0; col < 2; ++col)
    for (int s = kLess; s <= kGreater; ++s)
      for (int64_t v : {int64_t(-10), int64_t(0), int64_t(3), INT64_MIN / 2 - 5, int64_t(20)}) {
        want.clear();
        for (uint32_t i = 0; i < n; ++i)
          if (!(nulls[i] & (1u << col)) && plain(s, v, col ? c1[i] : c0[i])) want.push_back(i);
        const uint32_t k =
            match_range_run(areas.data(), n, stride, 1u << col, col ? 8 : 4, col ? 8 : 2, range_of(s, v), out.data());
        EXPECT_EQ(std::vector<uint32_t>(out.begin(), out.begin() + k), want) << col << " " << s << " " << v;
      }
  EXPECT_EQ(match_range_run(areas.data(), n, stride, 1, 4, 2, range_of(kLess, INT64_MIN), out.data()), 0u);
}

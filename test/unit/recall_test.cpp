#include "core/recall.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace r = vx::core::recall;

TEST(Recall, TopKKeepsTheKSmallestWithNaNLast) {
  std::mt19937 rng(7);
  std::vector<double> all;
  double h[5];
  int n = 0;
  for (int i = 0; i < 200; ++i) {
    double v = (i % 37 == 0) ? std::nan("") : std::uniform_real_distribution<double>(0, 100)(rng);
    all.push_back(v);
    r::topk_push(h, &n, 5, v);
  }
  ASSERT_EQ(n, 5);
  std::sort(all.begin(), all.end(), r::dist_less);
  EXPECT_EQ(h[0], all[4]);  // the heap's top is the 5th smallest: the tie threshold
  std::vector<double> kept(h, h + 5);
  std::sort(kept.begin(), kept.end());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(kept[i], all[i]);
}

TEST(Recall, TopKWithFewerRowsThanK) {
  double h[10];
  int n = 0;
  r::topk_push(h, &n, 10, 3.0);
  r::topk_push(h, &n, 10, 1.0);
  EXPECT_EQ(n, 2);
  EXPECT_EQ(h[0], 3.0);
}

TEST(Recall, HitsCountTiesAndCapAtM) {
  double ann[] = {0.5, 1.0, 1.0, 2.0, 1.5};
  EXPECT_EQ(r::count_hits(ann, 5, 1.0, 3), 3);  // three rows at or below the 3rd exact distance
  EXPECT_EQ(r::count_hits(ann, 5, 1.0, 2), 2);  // capped at m
  EXPECT_EQ(r::count_hits(ann, 5, 0.1, 3), 0);
  double nan_row[] = {std::nan("")};
  EXPECT_EQ(r::count_hits(nan_row, 1, 5.0, 1), 0);
}

TEST(Recall, PendingQueueOrdersByValueNullsLast) {
  r::Pending h[8];
  int n = 0;
  double vals[] = {5, 1, 4, 2, 3};
  for (double v : vals) r::pending_push(h, &n, {v, false, v});
  r::pending_push(h, &n, {0, true, 0});
  double prev = -1;
  for (int i = 0; i < 5; ++i) {
    r::Pending p = r::pending_pop(h, &n);
    EXPECT_FALSE(p.null);
    EXPECT_GT(p.order, prev);
    prev = p.order;
  }
  EXPECT_TRUE(r::pending_pop(h, &n).null);
  EXPECT_EQ(n, 0);
}

TEST(Recall, EmitRuleFollowsTheLastBound) {
  r::Pending top{2.0, false, 2.0};
  EXPECT_TRUE(r::may_emit(top, false, 2.0, false));   // equal to the bound: the executor emits it
  EXPECT_FALSE(r::may_emit(top, false, 1.5, false));  // a later row may be closer
  EXPECT_TRUE(r::may_emit(top, true, 1.5, false));    // the scan ran out
  EXPECT_TRUE(r::may_emit(top, false, 0, true));      // NULL bounds sort last
  r::Pending null_top{0, true, 0};
  EXPECT_FALSE(r::may_emit(null_top, false, 1e300, false));
}

TEST(Recall, SweepLadder) {
  int out[64];
  int n = r::sweep_ladder(10, 1000, out, 64);
  std::vector<int> got(out, out + n);
  std::vector<int> want = {10,  12,  15,  20,  25,  30,  40,  50,  60,  80,  100,
                           120, 150, 200, 250, 300, 400, 500, 600, 800, 1000};
  EXPECT_EQ(got, want);
  n = r::sweep_ladder(1, 7, out, 64);
  EXPECT_EQ(std::vector<int>(out, out + n), (std::vector<int>{1, 2, 3, 4, 5, 6, 7}));
  n = r::sweep_ladder(7, 245, out, 64);
  EXPECT_EQ(std::vector<int>(out, out + n),
            (std::vector<int>{7, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 200, 245}));
  n = r::sweep_ladder(5, 5, out, 64);
  EXPECT_EQ(std::vector<int>(out, out + n), (std::vector<int>{5}));
  EXPECT_EQ(r::sweep_ladder(6, 5, out, 64), 0);
}

TEST(Recall, CurveRoundTrip) {
  r::CurvePoint p[] = {{10, 0.91234}, {15, 0.95}, {20, 1.0}};
  char buf[128];
  int len = r::format_curve(p, 3, buf, sizeof buf);
  ASSERT_GT(len, 0);
  EXPECT_STREQ(buf, "10:0.9123,15:0.9500,20:1.0000");
  r::CurvePoint q[8];
  int n;
  ASSERT_TRUE(r::parse_curve(buf, 1000, q, 8, &n));
  ASSERT_EQ(n, 3);
  EXPECT_EQ(q[1].value, 15);
  EXPECT_DOUBLE_EQ(q[1].recall, 0.95);
  EXPECT_EQ(r::format_curve(p, 3, buf, 10), -1);
}

TEST(Recall, CurveRejectsMalformedText) {
  r::CurvePoint q[4];
  int n;
  for (const char* bad : {"", "10", "10:", ":0.5", "10:1.5", "10:-0.1", "10:nan", "10: 0.5", "10:0.5,", "10:0.5,10:0.6",
                          "20:0.5,10:0.6", "0:0.5", "2000:0.5", "10:0.5;20:0.6", "1:0,2:0,3:0,4:0,5:0"})
    EXPECT_FALSE(r::parse_curve(bad, 1000, q, 4, &n)) << bad;
}

TEST(Recall, PickForTarget) {
  r::CurvePoint p[] = {{10, 0.90}, {15, 0.95}, {20, 0.97}, {30, 0.96}};
  EXPECT_EQ(r::cheapest_meeting(p, 4, 0.95), 1);
  EXPECT_EQ(r::cheapest_meeting(p, 4, 0.99), -1);
  EXPECT_EQ(r::pick_for_target(p, 4, 0.99), 2);  // best recall when nothing meets the target
  EXPECT_EQ(r::pick_for_target(p, 4, 0.5), 0);
  EXPECT_EQ(r::pick_for_target(p, 0, 0.5), -1);
}

TEST(Recall, SampleKeyIsDeterministicAndSeeded) {
  float a[] = {1, 2, 3}, b[] = {1, 2, 3.0001f};
  EXPECT_EQ(r::sample_key(a, sizeof a, 1), r::sample_key(a, sizeof a, 1));
  EXPECT_NE(r::sample_key(a, sizeof a, 1), r::sample_key(b, sizeof b, 1));
  EXPECT_NE(r::sample_key(a, sizeof a, 1), r::sample_key(a, sizeof a, 2));
}

TEST(Recall, PerturbationHasTheRequestedScale) {
  const int d = 1000;
  std::vector<float> x(d, 0.f), y;
  for (int i = 0; i < d; ++i) x[i] = float(i % 7) - 3.f;
  y = x;
  r::perturb(y.data(), d, 0.1, 42);
  double n2 = 0, e2 = 0;
  for (int i = 0; i < d; ++i) n2 += double(x[i]) * x[i], e2 += double(y[i] - x[i]) * (y[i] - x[i]);
  EXPECT_NEAR(std::sqrt(e2 / n2), 0.1, 0.01);
  std::vector<float> z = x;
  r::perturb(z.data(), d, 0.1, 42);
  EXPECT_EQ(std::memcmp(y.data(), z.data(), d * sizeof(float)), 0);  // same seed, same noise
  z = x;
  r::perturb(z.data(), d, 0.0, 42);
  EXPECT_EQ(std::memcmp(x.data(), z.data(), d * sizeof(float)), 0);
}

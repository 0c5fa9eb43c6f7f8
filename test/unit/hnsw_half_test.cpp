// Unit tests for the HNSW index's use of half copies (core/half_copy.h, the one implementation hnsw and ivf use): the walk's ranking key equals the
// float kernel on the decoded copy; the scan's ORDER BY value (half_lower_bound) never exceeds what the SQL
// operators (<->, <#>, <=>, <+>: core/kernels/distance.h) compute for the original vector, for vectors as the index stores
// them (normalised for cosine), for values a half cannot hold, tiny values, and 16,000 dimensions; and an exact copy
// gives the operator's value bit for bit (what lets a scan skip the executor's re-check for it).
#include "core/half_copy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/kernels/distance.h"

namespace vx::core {
namespace {

// The SQL operator's value between original x and the query.
double sql_distance(Metric m, const std::vector<float>& x, const std::vector<float>& q) {
  switch (m) {
    case Metric::L2:
      return l2_distance(x.data(), q.data(), x.size());
    case Metric::InnerProduct:
      return negative_inner_product(x.data(), q.data(), x.size());
    case Metric::Cosine:
      return cosine_distance(x.data(), q.data(), x.size());
    case Metric::L1:
      return l1_distance(x.data(), q.data(), x.size());
  }
  return 0;
}

double norm(const std::vector<float>& v) {
  double s = 0;
  for (float f : v) s += double(f) * f;
  return std::sqrt(s);
}

TEST(HnswHalf, RankingKeyIsTheFloatKernelOnTheDecodedCopy) {
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0, 3);
  const std::size_t n = 784;
  std::vector<float> x(n), q(n), dec(n);
  std::vector<uint16_t> h(n);
  for (auto& v : x) v = g(rng);
  for (auto& v : q) v = g(rng);
  half::encode(x.data(), n, h.data());
  half::decode(h.data(), n, dec.data());
  for (Metric m : {Metric::L2, Metric::InnerProduct, Metric::Cosine, Metric::L1}) {
    double want = rank_distance(m, dec.data(), q.data(), n);
    EXPECT_NEAR(half_rank(m, q.data(), h.data(), n), want, 1e-4 * (std::fabs(want) + 1));
  }
}

TEST(HnswHalf, LowerBoundNeverAboveTheSqlOperator) {
  std::mt19937 rng(7);
  std::normal_distribution<float> g(0, 1);
  for (std::size_t n : {3, 16, 784, 16000}) {
    for (double scale : {1e-9, 1e-3, 1.0, 255.0, 1e6}) {
      for (int t = 0; t < (n > 1000 ? 4 : 30); ++t) {
        std::vector<float> x(n), q(n);
        for (std::size_t i = 0; i < n; ++i) {
          x[i] = float(g(rng) * scale);
          // some queries are close to x (small distances are where a loose bound would show), some far
          q[i] = t % 3 == 0 ? x[i] + float(g(rng) * scale * 1e-3) : float(g(rng) * scale);
        }
        if (t == 1) q = x;  // distance 0
        for (Metric m : {Metric::L2, Metric::InnerProduct, Metric::Cosine, Metric::L1}) {
          std::vector<float> indexed = x;
          if (m == Metric::Cosine && !normalize(indexed.data(), n)) continue;
          std::vector<uint16_t> h(n);
          half::EncodeError err = half::encode(indexed.data(), n, h.data());
          double bound = half_lower_bound(m, q.data(), norm(q), h.data(), n, err);
          double exact = sql_distance(m, x, q);
          ASSERT_LE(bound, exact) << "metric " << int(m) << " n=" << n << " scale=" << scale << " t=" << t;
          // and useful where the copy is exact-ish: within 1% of a unit-scale distance
          if (m == Metric::L2 && scale >= 1e-3 && scale <= 255.0) {
            ASSERT_GE(bound, exact * 0.99 - 2.0 * err.l2) << "n=" << n << " scale=" << scale;
          }
        }
      }
    }
  }
}

TEST(HnswHalf, BoundFromRankEqualsBoundFromCopy) {
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0, 100);
  const std::size_t n = 784;
  std::vector<float> x(n), q(n);
  for (auto& v : x) v = g(rng);
  for (auto& v : q) v = g(rng);
  std::vector<uint16_t> h(n);
  half::EncodeError err = half::encode(x.data(), n, h.data());
  for (Metric m : {Metric::L2, Metric::L1}) {
    ASSERT_TRUE(rank_bound_available(m));
    EXPECT_EQ(half_lower_bound_from_rank(m, half_rank(m, q.data(), h.data(), n), err, n),
              half_lower_bound(m, q.data(), norm(q), h.data(), n, err));
  }
}

TEST(HnswHalf, ExactCopiesGiveTheSqlValueBitForBit) {
  // Integers, halves, negative zero: representable, so the copy is exact and decodes to the same bits.
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> px(-2048, 2048);
  const std::size_t n = 301;
  std::vector<float> x(n), q(n), dec(n);
  for (auto& v : x) v = float(px(rng)) * 0.5f;
  x[0] = -0.0f;
  for (auto& v : q) v = float(px(rng)) * 0.37f;
  std::vector<uint16_t> h(n);
  half::EncodeError err = half::encode(x.data(), n, h.data());
  half::decode(h.data(), n, dec.data());
  ASSERT_EQ(std::memcmp(dec.data(), x.data(), sizeof(float) * n), 0);
  for (Metric m : {Metric::L2, Metric::InnerProduct, Metric::L1}) {
    ASSERT_TRUE(copy_is_exact(m, err));
    EXPECT_EQ(sql_distance(m, dec.data(), q.data(), n), sql_distance(m, x.data(), q.data(), n));
  }
  EXPECT_FALSE(copy_is_exact(Metric::Cosine, err));  // the cosine copy is of x / |x|, not of x
  // One value a half cannot hold: not exact any more.
  x[5] = 0.1f;
  EXPECT_FALSE(copy_is_exact(Metric::L2, half::encode(x.data(), n, h.data())));
  x[5] = 1e6f;
  EXPECT_FALSE(copy_is_exact(Metric::L2, half::encode(x.data(), n, h.data())));
}

TEST(HnswHalf, IntegerPixelsGiveTightBounds) {
  // Fashion-MNIST-like data: small integers are exact in half, so the bound is within float rounding of the value.
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> px(0, 255);
  const std::size_t n = 784;
  std::vector<float> x(n), q(n);
  for (auto& v : x) v = float(px(rng));
  for (auto& v : q) v = float(px(rng));
  std::vector<uint16_t> h(n);
  half::EncodeError err = half::encode(x.data(), n, h.data());
  EXPECT_EQ(err.l2, 0.0f);
  double exact = sql_distance(Metric::L2, x, q);
  double bound = half_lower_bound(Metric::L2, q.data(), norm(q), h.data(), n, err);
  EXPECT_LE(bound, exact);
  EXPECT_GT(bound, exact * (1 - 1e-3));
}

}  // namespace
}  // namespace vx::core

// Unit tests for half copies (src/core/half_copy.*), as ivf flat postings hold them: the layout, and the contract the
// ivf scan hands to the executor: HalfCopyQuery::lower_bound never exceeds the exact SQL operator value (computed by distance.h on the
// original, unnormalised row and query), for every metric and for data a half cannot hold (1e6, 1e-9).
#include "core/half_copy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/kernels/distance.h"

namespace vx::core {
namespace {

// The exact value the SQL operator of `metric` returns for row x and query q.
double exact(Metric metric, const std::vector<float>& x, const std::vector<float>& q) {
  switch (metric) {
    case Metric::L2:
      return l2_distance(x.data(), q.data(), x.size());
    case Metric::InnerProduct:
      return negative_inner_product(x.data(), q.data(), x.size());
    case Metric::Cosine:
      return cosine_distance(x.data(), q.data(), x.size());
    default:
      break;
  }
  return 0;
}

// What the index does with a row: normalise for cosine, then encode.
std::vector<uint8_t> index_code(Metric metric, std::vector<float> x) {
  if (metric == Metric::Cosine) normalize(x.data(), x.size());
  std::vector<uint8_t> code(half_copy_size(x.size()));
  encode_half_copy(x.data(), x.size(), code.data());
  return code;
}

enum class Data { Gaussian, Pixels, Huge, Tiny, Mixed };

std::vector<float> make(Data kind, std::size_t dim, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_int_distribution<int> pixel(0, 255);
  std::vector<float> v(dim);
  for (std::size_t i = 0; i < dim; ++i) {
    switch (kind) {
      case Data::Gaussian:
        v[i] = normal(rng);
        break;
      case Data::Pixels:
        v[i] = static_cast<float>(pixel(rng));
        break;
      case Data::Huge:
        v[i] = 1e6f * normal(rng);
        break;
      case Data::Tiny:
        v[i] = 1e-9f * normal(rng);
        break;
      case Data::Mixed:
        v[i] = (i % 3 == 0 ? 1e6f : i % 3 == 1 ? 1e-9f : 1.f) * normal(rng);
        break;
    }
  }
  return v;
}

TEST(IvfHalfCode, LayoutIsHeaderThenHalves) {
  EXPECT_EQ(half_copy_size(0), 8u);
  EXPECT_EQ(half_copy_size(784), 8u + 2 * 784);
  std::vector<float> x = {1.f, 2.f, 65504.f * 2, 0.5f};
  std::vector<uint8_t> code(half_copy_size(x.size()));
  encode_half_copy(x.data(), x.size(), code.data());
  float err[2];
  std::memcpy(err, code.data(), sizeof(err));
  EXPECT_GE(err[0], 65504.f);  // the clamped component's error is in the header
  EXPECT_GE(err[1], 65504.f);
  uint16_t h[4];
  std::memcpy(h, code.data() + kHalfCopyHeader, sizeof(h));
  EXPECT_EQ(half::to_float(h[0]), 1.f);
  EXPECT_EQ(half::to_float(h[2]), half::kMaxHalf);
}

TEST(IvfHalfCode, FloatAtMostRoundsDown) {
  for (double v : {0.0, 1.0, 0.1, -0.1, 1e30, -1e-30, 3.0000001}) {
    float f = float_at_most(v);
    EXPECT_LE(static_cast<double>(f), v);
    EXPECT_GT(static_cast<double>(std::nextafter(f, INFINITY)), v);
  }
}

TEST(IvfHalfCode, LowerBoundNeverAboveExactOperatorValue) {
  std::mt19937 rng(42);
  for (Metric metric : {Metric::L2, Metric::InnerProduct, Metric::Cosine}) {
    for (Data kind : {Data::Gaussian, Data::Pixels, Data::Huge, Data::Tiny, Data::Mixed}) {
      for (std::size_t dim : {1u, 3u, 16u, 97u, 784u}) {
        for (int trial = 0; trial < 20; ++trial) {
          std::vector<float> q = make(kind, dim, rng), x = make(trial % 2 ? kind : Data::Gaussian, dim, rng);
          if (trial == 0) x = q;  // distance 0 (l2) / 1 - 1 (cosine): the tightest case
          std::vector<float> qs = q;
          if (metric == Metric::Cosine) normalize(qs.data(), dim);
          HalfCopyQuery hq;
          hq.prepare(metric, qs.data(), dim);
          std::vector<uint8_t> code = index_code(metric, x);
          double e = exact(metric, x, q);
          float lb = hq.lower_bound(code.data());
          ASSERT_LE(static_cast<double>(lb), e)
              << "metric " << int(metric) << " data " << int(kind) << " dim " << dim << " trial " << trial;
        }
      }
    }
  }
}

TEST(IvfHalfCode, ExactCopiesGiveTightBounds) {
  // Pixels are exact in half: the bound only loses the float-rounding allowance of half.cpp (about 2 n 2^-24
  // relative on a sum of n terms), so ranking by it is ranking by the row up to near-ties.
  std::mt19937 rng(5);
  for (Metric metric : {Metric::L2, Metric::InnerProduct, Metric::Cosine}) {
    std::vector<float> q = make(Data::Pixels, 784, rng), x = make(Data::Pixels, 784, rng);
    std::vector<float> qs = q;
    if (metric == Metric::Cosine) normalize(qs.data(), qs.size());
    HalfCopyQuery hq;
    hq.prepare(metric, qs.data(), qs.size());
    double e = exact(metric, x, q);
    double lb = hq.lower_bound(index_code(metric, x).data());
    // cosine copies are of x/|x|, which half does not hold exactly: allow that encoding error
    double slack = metric == Metric::Cosine ? 1e-2 : 1e-3 * std::max(1.0, std::fabs(e));
    EXPECT_NEAR(lb, e, slack) << "metric " << int(metric);
  }
}

TEST(IvfHalfCode, ExactCopiesGiveTheOperatorValueBitForBit) {
  // The scan returns exact_value without recheck: it must equal, bit for bit, what the executor computes from the
  // table row (not merely be close), and never be below the bound it replaces. Gaussian queries: the query need
  // not be exact, only the row.
  std::mt19937 rng(11);
  std::vector<float> buf(784);
  for (Metric metric : {Metric::L2, Metric::InnerProduct}) {
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<float> q = make(trial % 2 ? Data::Gaussian : Data::Pixels, 784, rng);
      std::vector<float> x = make(Data::Pixels, 784, rng);
      HalfCopyQuery hq;
      hq.prepare(metric, q.data(), q.size());
      std::vector<uint8_t> code = index_code(metric, x);
      ASSERT_TRUE(hq.exact_copy(code.data()));
      double v = hq.exact_value(code.data(), buf.data());
      EXPECT_EQ(v, exact(metric, x, q)) << "metric " << int(metric);
      EXPECT_LE(static_cast<double>(hq.lower_bound(code.data())), v);
    }
  }
}

TEST(IvfHalfCode, OnlyZeroErrorCopiesOutsideCosineAreExact) {
  std::mt19937 rng(12);
  std::vector<float> q = make(Data::Gaussian, 64, rng);
  for (Data kind : {Data::Gaussian, Data::Huge, Data::Tiny, Data::Mixed}) {
    HalfCopyQuery hq;
    hq.prepare(Metric::L2, q.data(), q.size());
    EXPECT_FALSE(hq.exact_copy(index_code(Metric::L2, make(kind, 64, rng)).data())) << int(kind);
  }
  // integer rows are exact under l2 and ip, never under cosine (the copy is of x / |x|)
  std::vector<float> pixels = make(Data::Pixels, 64, rng);
  for (Metric metric : {Metric::L2, Metric::InnerProduct, Metric::Cosine}) {
    HalfCopyQuery hq;
    hq.prepare(metric, q.data(), q.size());
    EXPECT_EQ(hq.exact_copy(index_code(metric, pixels).data()), metric != Metric::Cosine) << int(metric);
  }
  // a unit vector half holds exactly is still not exact under cosine
  std::vector<float> unit(64, 0.f);
  unit[3] = 1.f;
  HalfCopyQuery hq;
  hq.prepare(Metric::Cosine, q.data(), q.size());
  EXPECT_FALSE(hq.exact_copy(index_code(Metric::Cosine, unit).data()));
}

TEST(IvfHalfCode, ZeroQueryUnderCosineIsOrderable) {
  std::vector<float> q(8, 0.f), x(8, 1.f);
  HalfCopyQuery hq;
  hq.prepare(Metric::Cosine, q.data(), q.size());
  float lb = hq.lower_bound(index_code(Metric::Cosine, x).data());
  EXPECT_FALSE(std::isnan(lb));  // the exact value is NaN, which Postgres orders after any number
}

}  // namespace
}  // namespace vx::core

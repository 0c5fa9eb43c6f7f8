// Unit tests for the halfvec type's core (src/core/types/halfvec.*, half::from_float_ieee, the pair cosine kernel): IEEE
// conversion against F16C including overflow to infinity, every kernel level against a double reference over the
// same half elements, and pgvector's semantics for cosine, norms and normalisation.
#include "core/types/halfvec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace vx::core {
namespace {

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("f16c"))) uint16_t hardware_from_float(float x) {
  return static_cast<uint16_t>(_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT));
}
#endif

TEST(HalfIeee, MatchesF16cEverywhereIncludingOverflow) {
#if defined(__x86_64__) || defined(__i386__)
  if (!half::detail::f16c_supported()) GTEST_SKIP() << "no F16C on this CPU";
  std::mt19937 rng(17);
  std::uniform_int_distribution<uint32_t> bits;
  for (int i = 0; i < 2000000; i++) {
    uint32_t u = bits(rng);
    float x;
    std::memcpy(&x, &u, sizeof x);
    if (std::isnan(x)) continue;  // payload bits may differ; is_nan is checked below
    ASSERT_EQ(half::from_float_ieee(x), hardware_from_float(x)) << x;
  }
  for (float x : {65504.0f, 65519.99f, 65520.0f, 65536.0f, 1e30f, INFINITY, 0x1p-25f, 0x1.8p-25f, 0.0f, -0.0f})
    for (float s : {1.0f, -1.0f}) ASSERT_EQ(half::from_float_ieee(s * x), hardware_from_float(s * x)) << s * x;
#else
  GTEST_SKIP() << "not x86";
#endif
}

TEST(HalfIeee, OverflowThresholdAndClassification) {
  EXPECT_EQ(half::to_float(half::from_float_ieee(65519.0f)), half::kMaxHalf);
  EXPECT_TRUE(half::is_inf(half::from_float_ieee(65520.0f)));
  EXPECT_TRUE(half::is_inf(half::from_float_ieee(-1e10f)));
  EXPECT_TRUE(half::is_inf(half::from_float_ieee(INFINITY)));
  EXPECT_TRUE(half::is_nan(half::from_float_ieee(NAN)));
  EXPECT_FALSE(half::is_inf(half::from_float_ieee(NAN)));
  EXPECT_TRUE(half::is_zero(half::from_float_ieee(-0.0f)));
  EXPECT_TRUE(half::is_zero(half::from_float_ieee(1e-9f)));  // underflow to zero is not an error
  EXPECT_FALSE(half::is_zero(half::from_float_ieee(0x1p-24f)));
  // The clamping encoder of the index copies is unchanged below the threshold.
  for (uint32_t h = 0; h < 0x7c00; h++) {
    float f = half::to_float(static_cast<uint16_t>(h));
    ASSERT_EQ(half::from_float_ieee(f), half::from_float(f));
  }
}

struct Ref {
  double l2sq = 0, ip = 0, l1 = 0, na = 0, nb = 0, mag = 0;
};

Ref reference(const std::vector<uint16_t>& a, const std::vector<uint16_t>& b) {
  Ref r;
  for (std::size_t i = 0; i < a.size(); i++) {
    double x = half::to_float(a[i]), y = half::to_float(b[i]), d = x - y;
    r.l2sq += d * d;
    r.ip += x * y;
    r.l1 += std::fabs(d);
    r.na += x * x;
    r.nb += y * y;
    r.mag += std::fabs(x * y);
  }
  return r;
}

std::vector<uint16_t> random_halves(std::size_t n, std::mt19937& rng) {
  std::normal_distribution<float> g(0, 1);
  std::vector<uint16_t> h(n);
  for (auto& v : h) v = half::from_float_ieee(g(rng));
  return h;
}

std::vector<SimdLevel> levels() {
  std::vector<SimdLevel> v = {SimdLevel::Scalar};
  if (half::pair_kernels_for(SimdLevel::Avx2).level == SimdLevel::Avx2) v.push_back(SimdLevel::Avx2);
  if (half::pair_kernels_for(SimdLevel::Avx512).level == SimdLevel::Avx512) v.push_back(SimdLevel::Avx512);
  return v;
}

TEST(HalfPairKernels, DotAndNormsMatchReferenceAtEveryLevel) {
  std::mt19937 rng(23);
  for (SimdLevel level : levels()) {
    const half::PairKernels& k = half::pair_kernels_for(level);
    ASSERT_EQ(k.level, level);
    for (std::size_t n : {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 100, 784, 3072, 16000}) {
      auto a = random_halves(n, rng), b = random_halves(n, rng);
      Ref r = reference(a, b);
      float dot, na, nb;
      k.dot_and_norms(a.data(), b.data(), n, &dot, &na, &nb);
      EXPECT_NEAR(dot, r.ip, 2e-6 * r.mag * (1 + n / 64.0) + 1e-6) << n;
      EXPECT_NEAR(na, r.na, 2e-6 * r.na * (1 + n / 64.0) + 1e-6) << n;
      EXPECT_NEAR(nb, r.nb, 2e-6 * r.nb * (1 + n / 64.0) + 1e-6) << n;
      EXPECT_NEAR(k.l2_squared(a.data(), b.data(), n), r.l2sq, 2e-6 * r.l2sq * (1 + n / 64.0) + 1e-6) << n;
      EXPECT_NEAR(k.l1(a.data(), b.data(), n), r.l1, 2e-6 * r.l1 * (1 + n / 64.0) + 1e-6) << n;
    }
  }
}

TEST(HalfPairKernels, SmallIntegersAreExactAtEveryLevel) {
  // Sums of small integers are exact in float, so any dropped or doubled element is an exact mismatch.
  std::mt19937 rng(29);
  std::uniform_int_distribution<int> d(-4, 4);
  for (SimdLevel level : levels()) {
    const half::PairKernels& k = half::pair_kernels_for(level);
    for (std::size_t n = 0; n < 70; n++) {
      std::vector<uint16_t> a(n), b(n);
      for (std::size_t i = 0; i < n; i++) a[i] = half::from_float_ieee(d(rng)), b[i] = half::from_float_ieee(d(rng));
      Ref r = reference(a, b);
      float dot, na, nb;
      k.dot_and_norms(a.data(), b.data(), n, &dot, &na, &nb);
      ASSERT_EQ(dot, r.ip) << n;
      ASSERT_EQ(na, r.na) << n;
      ASSERT_EQ(nb, r.nb) << n;
      ASSERT_EQ(k.l2_squared(a.data(), b.data(), n), r.l2sq) << n;
      ASSERT_EQ(k.inner_product(a.data(), b.data(), n), r.ip) << n;
      ASSERT_EQ(k.l1(a.data(), b.data(), n), r.l1) << n;
    }
  }
}

std::vector<uint16_t> halves(std::initializer_list<float> v) {
  std::vector<uint16_t> h;
  for (float x : v) h.push_back(half::from_float_ieee(x));
  return h;
}

TEST(HalfvecOps, PgvectorSemantics) {
  auto a = halves({1, 2, 3}), b = halves({4, 5, 6}), z = halves({0, 0, 0});
  EXPECT_DOUBLE_EQ(halfvec::l2_distance(a.data(), b.data(), 3), std::sqrt(27.0));
  EXPECT_DOUBLE_EQ(halfvec::l2_squared_distance(a.data(), b.data(), 3), 27.0);
  EXPECT_DOUBLE_EQ(halfvec::inner_product(a.data(), b.data(), 3), 32.0);
  EXPECT_DOUBLE_EQ(halfvec::negative_inner_product(a.data(), b.data(), 3), -32.0);
  EXPECT_DOUBLE_EQ(halfvec::l1_distance(a.data(), b.data(), 3), 9.0);
  EXPECT_NEAR(halfvec::cosine_distance(a.data(), b.data(), 3), 1 - 32 / std::sqrt(14.0 * 77.0), 1e-7);
  EXPECT_TRUE(std::isnan(halfvec::cosine_distance(a.data(), z.data(), 3)));
  EXPECT_EQ(halfvec::cosine_distance(a.data(), a.data(), 3), 0.0);  // clamped, never slightly negative
  EXPECT_DOUBLE_EQ(halfvec::norm(a.data(), 3), std::sqrt(14.0));
  auto e1 = halves({1, 0}), e2 = halves({0, 1}), m = halves({-1, 0});
  EXPECT_EQ(halfvec::spherical_distance(e1.data(), e1.data(), 2), 0.0);
  EXPECT_DOUBLE_EQ(halfvec::spherical_distance(e1.data(), e2.data(), 2), 0.5);
  EXPECT_DOUBLE_EQ(halfvec::spherical_distance(e1.data(), m.data(), 2), 1.0);
}

TEST(HalfvecOps, NormalizeRoundsLikePgvectorAndKeepsZero) {
  auto a = halves({3, 4});
  std::vector<uint16_t> out(2);
  ASSERT_TRUE(halfvec::normalize(a.data(), 2, out.data()));
  EXPECT_EQ(half::to_float(out[0]), half::to_float(half::from_float_ieee(0.6f)));
  EXPECT_EQ(half::to_float(out[1]), half::to_float(half::from_float_ieee(0.8f)));
  auto z = halves({0, -0.0f});
  ASSERT_TRUE(halfvec::normalize(z.data(), 2, out.data()));
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[1], 0);
  // In place.
  ASSERT_TRUE(halfvec::normalize(a.data(), 2, a.data()));
  EXPECT_EQ(a[1], half::from_float_ieee(0.8f));
}

}  // namespace
}  // namespace vx::core

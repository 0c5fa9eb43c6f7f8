// Unit tests for the distance kernels (src/core/kernels/distance.*, cpu_features.*): every SIMD level this CPU supports
// against a double-precision scalar reference, tail and alignment handling, pgvector cosine semantics, dispatch.
// Levels the CPU lacks are reported as SKIPPED rather than silently passing.
#include "core/kernels/distance.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace vx::core {

// Found by ADL so parameterised test names and failure messages show "avx2" instead of raw bytes.
void PrintTo(SimdLevel level, std::ostream* os) { *os << simd_level_name(level); }

namespace {

struct Ref {
  double l2sq = 0, ip = 0, l1 = 0, na = 0, nb = 0;
  double ip_mag = 0;  // sum |a*b|: the scale the float rounding error of ip is proportional to
};

Ref reference(const float* a, const float* b, std::size_t n) {
  Ref r;
  for (std::size_t i = 0; i < n; ++i) {
    double x = a[i], y = b[i], d = x - y;
    r.l2sq += d * d;
    r.ip += x * y;
    r.ip_mag += std::fabs(x * y);
    r.l1 += std::fabs(d);
    r.na += x * x;
    r.nb += y * y;
  }
  return r;
}

// Float accumulation error grows with n and with cancellation, so the bound is relative to the sum of magnitudes.
double tol(double magnitude) { return 2e-5 * magnitude + 1e-6; }

std::vector<float> random_floats(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Small integers make every float sum exact (all partial sums stay far below 2^24), so any dropped, duplicated or
// over-read element shows up as an exact mismatch rather than hiding inside a tolerance.
std::vector<float> small_int_floats(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(-4, 4);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(dist(rng));
  return v;
}

const std::size_t kSizes[] = {1, 3, 15, 16, 17, 31, 33, 784, 1536, 16000};

class DistanceLevelTest : public ::testing::TestWithParam<SimdLevel> {
 protected:
  void SetUp() override {
    if (!simd_level_supported(GetParam())) GTEST_SKIP() << simd_level_name(GetParam()) << " not supported by this CPU";
    k_ = &kernels_for(GetParam());
    ASSERT_EQ(k_->level, GetParam());
  }
  const DistanceKernels* k_ = nullptr;
};

TEST_P(DistanceLevelTest, MatchesDoubleReferenceOnRandomDataAlignedAndUnaligned) {
  for (std::size_t n : kSizes) {
    for (std::size_t offset : {0, 1, 3}) {
      std::vector<float> va = random_floats(n + offset, 1000 + n), vb = random_floats(n + offset, 2000 + n);
      const float* a = va.data() + offset;
      const float* b = vb.data() + offset;
      SCOPED_TRACE("n=" + std::to_string(n) + " offset=" + std::to_string(offset));
      Ref r = reference(a, b, n);
      EXPECT_NEAR(k_->l2_squared(a, b, n), r.l2sq, tol(r.l2sq));
      EXPECT_NEAR(k_->inner_product(a, b, n), r.ip, tol(r.ip_mag));
      EXPECT_NEAR(k_->l1(a, b, n), r.l1, tol(r.l1));
      float dot = -1, na = -1, nb = -1;
      k_->dot_and_norms(a, b, n, &dot, &na, &nb);
      EXPECT_NEAR(dot, r.ip, tol(r.ip_mag));
      EXPECT_NEAR(na, r.na, tol(r.na));
      EXPECT_NEAR(nb, r.nb, tol(r.nb));
    }
  }
}

// The four-row kernels must give the one-row kernels' floats bit for bit (IVF assignment relies on it: a row lands in
// the same list whichever path assigns it), on random data where the order of additions shows in the last bits.
TEST_P(DistanceLevelTest, FourRowKernelsEqualTheOneRowKernelsBitForBit) {
  std::vector<std::size_t> sizes;
  for (std::size_t n = 0; n <= 70; ++n) sizes.push_back(n);
  for (std::size_t n : kSizes) sizes.push_back(n);
  for (std::size_t n : sizes) {
    std::vector<float> rows = random_floats(4 * n + 4, 3000 + n), vb = random_floats(n + 1, 4000 + n);
    const float* b = vb.data() + 1;  // unaligned
    const float* a[4] = {rows.data() + 1, rows.data() + n + 2, rows.data() + 2 * n + 3, rows.data() + 3 * n + 4};
    SCOPED_TRACE("n=" + std::to_string(n));
    float l2[4] = {-1, -1, -1, -1}, ip[4] = {-1, -1, -1, -1};
    k_->l2_squared_x4(a, b, n, l2);
    k_->inner_product_x4(a, b, n, ip);
    for (int r = 0; r < 4; ++r) {
      EXPECT_EQ(l2[r], k_->l2_squared(a[r], b, n)) << "row " << r;
      EXPECT_EQ(ip[r], k_->inner_product(a[r], b, n)) << "row " << r;
    }
  }
}

TEST_P(DistanceLevelTest, ExactOnIntegerDataForEveryLengthUpTo200AndLarge) {
  std::vector<std::size_t> sizes;
  for (std::size_t n = 0; n <= 200; ++n) sizes.push_back(n);
  for (std::size_t n : kSizes) sizes.push_back(n);
  for (std::size_t n : sizes) {
    std::vector<float> va = small_int_floats(n + 1, 7 * n + 1), vb = small_int_floats(n + 1, 11 * n + 2);
    const float* a = va.data() + 1;  // unaligned
    const float* b = vb.data() + 1;
    SCOPED_TRACE("n=" + std::to_string(n));
    Ref r = reference(a, b, n);
    EXPECT_EQ(k_->l2_squared(a, b, n), r.l2sq);
    EXPECT_EQ(k_->inner_product(a, b, n), r.ip);
    EXPECT_EQ(k_->l1(a, b, n), r.l1);
    float dot, na, nb;
    k_->dot_and_norms(a, b, n, &dot, &na, &nb);
    EXPECT_EQ(dot, r.ip);
    EXPECT_EQ(na, r.na);
    EXPECT_EQ(nb, r.nb);
  }
}

TEST_P(DistanceLevelTest, ZeroLengthGivesZero) {
  const float x = 1.f;
  EXPECT_EQ(k_->l2_squared(&x, &x, 0), 0.f);
  EXPECT_EQ(k_->inner_product(&x, &x, 0), 0.f);
  EXPECT_EQ(k_->l1(&x, &x, 0), 0.f);
  float dot = -1, na = -1, nb = -1;
  k_->dot_and_norms(&x, &x, 0, &dot, &na, &nb);
  EXPECT_EQ(dot, 0.f);
  EXPECT_EQ(na, 0.f);
  EXPECT_EQ(nb, 0.f);
  // Null pointers with n = 0 must not be dereferenced either.
  EXPECT_EQ(k_->l2_squared(nullptr, nullptr, 0), 0.f);
}

// A NaN just past the end must not leak in (tail reads are masked/bounded); one in the last element must count.
TEST_P(DistanceLevelTest, TailBoundaryElements) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t n = 1; n <= 80; ++n) {
    SCOPED_TRACE("n=" + std::to_string(n));
    std::vector<float> a(n + 1, 0.5f), b(n + 1, 0.25f);
    a[n] = nan;
    b[n] = nan;
    float dot, na, nb;
    EXPECT_FALSE(std::isnan(k_->l2_squared(a.data(), b.data(), n)));
    EXPECT_FALSE(std::isnan(k_->inner_product(a.data(), b.data(), n)));
    EXPECT_FALSE(std::isnan(k_->l1(a.data(), b.data(), n)));
    k_->dot_and_norms(a.data(), b.data(), n, &dot, &na, &nb);
    EXPECT_FALSE(std::isnan(dot) || std::isnan(na) || std::isnan(nb));
    a[n - 1] = nan;
    EXPECT_TRUE(std::isnan(k_->l2_squared(a.data(), b.data(), n)));
    EXPECT_TRUE(std::isnan(k_->inner_product(a.data(), b.data(), n)));
    EXPECT_TRUE(std::isnan(k_->l1(a.data(), b.data(), n)));
    k_->dot_and_norms(a.data(), b.data(), n, &dot, &na, &nb);
    EXPECT_TRUE(std::isnan(dot) && std::isnan(na));
    EXPECT_FALSE(std::isnan(nb));
  }
}

// Vectors that end exactly at an unmapped page: any read past the end crashes the test instead of passing by luck.
TEST_P(DistanceLevelTest, NeverReadsPastTheEnd) {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  auto guarded = [&]() {
    void* p = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(p, MAP_FAILED);
    EXPECT_EQ(mprotect(static_cast<char*>(p) + page, page, PROT_NONE), 0);
    return static_cast<char*>(p);
  };
  char* pa = guarded();
  char* pb = guarded();
  float* end_a = reinterpret_cast<float*>(pa + page);
  float* end_b = reinterpret_cast<float*>(pb + page);
  for (std::size_t n = 1; n <= 100; ++n) {
    float* a = end_a - n;
    float* b = end_b - n;
    for (std::size_t i = 0; i < n; ++i) {
      a[i] = 1.f;
      b[i] = 2.f;
    }
    const float fn = static_cast<float>(n);
    EXPECT_EQ(k_->l2_squared(a, b, n), fn);
    EXPECT_EQ(k_->inner_product(a, b, n), 2 * fn);
    EXPECT_EQ(k_->l1(a, b, n), fn);
    float dot, na, nb;
    k_->dot_and_norms(a, b, n, &dot, &na, &nb);
    EXPECT_EQ(dot, 2 * fn);
    EXPECT_EQ(na, fn);
    EXPECT_EQ(nb, 4 * fn);
  }
  munmap(pa, 2 * page);
  munmap(pb, 2 * page);
}

TEST_P(DistanceLevelTest, CosineEdgeCases) {
  const std::size_t n = 37;
  std::vector<float> a = random_floats(n, 42), neg(n), zero(n, 0.f);
  for (std::size_t i = 0; i < n; ++i) neg[i] = -a[i];
  auto cos = [&](const float* x, const float* y) {
    float dot, nx, ny;
    k_->dot_and_norms(x, y, n, &dot, &nx, &ny);
    return cosine_distance_from_parts(dot, nx, ny);
  };
  EXPECT_TRUE(std::isnan(cos(a.data(), zero.data())));
  EXPECT_TRUE(std::isnan(cos(zero.data(), a.data())));
  EXPECT_TRUE(std::isnan(cos(zero.data(), zero.data())));
  double same = cos(a.data(), a.data());
  EXPECT_GE(same, 0.0);
  EXPECT_NEAR(same, 0.0, 1e-6);
  double opposite = cos(a.data(), neg.data());
  EXPECT_LE(opposite, 2.0);
  EXPECT_NEAR(opposite, 2.0, 1e-6);
}

std::string level_param_name(const ::testing::TestParamInfo<SimdLevel>& info) { return simd_level_name(info.param); }

INSTANTIATE_TEST_SUITE_P(AllLevels, DistanceLevelTest,
                         ::testing::Values(SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512), level_param_name);

TEST(DistanceScalar, ScalarPathIsAlwaysAvailable) {
  EXPECT_TRUE(simd_level_supported(SimdLevel::Scalar));
  const DistanceKernels& k = kernels_for(SimdLevel::Scalar);
  EXPECT_EQ(k.level, SimdLevel::Scalar);
  const float a[] = {1, 2, 3}, b[] = {4, 6, 8};
  EXPECT_EQ(k.l2_squared(a, b, 3), 9.f + 16.f + 25.f);
  EXPECT_EQ(k.inner_product(a, b, 3), 4.f + 12.f + 24.f);
  EXPECT_EQ(k.l1(a, b, 3), 3.f + 4.f + 5.f);
}

TEST(DistanceCosine, ClampsToPgvectorRange) {
  // Rounding can push |similarity| past 1; pgvector clamps so the distance stays within [0, 2].
  EXPECT_EQ(cosine_distance_from_parts(1.0001f, 1.f, 1.f), 0.0);
  EXPECT_EQ(cosine_distance_from_parts(-1.0001f, 1.f, 1.f), 2.0);
  EXPECT_DOUBLE_EQ(cosine_distance_from_parts(0.f, 1.f, 4.f), 1.0);
  EXPECT_TRUE(std::isnan(cosine_distance_from_parts(0.f, 0.f, 1.f)));
}

TEST(DistanceWrappers, PgvectorSemanticsThroughDispatchedKernels) {
  const std::size_t n = 784;
  std::vector<float> a = random_floats(n, 5), b = random_floats(n, 6), zero(n, 0.f);
  Ref r = reference(a.data(), b.data(), n);
  EXPECT_NEAR(l2_distance(a.data(), b.data(), n), std::sqrt(r.l2sq), tol(std::sqrt(r.l2sq)));
  EXPECT_NEAR(negative_inner_product(a.data(), b.data(), n), -r.ip, tol(r.ip_mag));
  EXPECT_NEAR(l1_distance(a.data(), b.data(), n), r.l1, tol(r.l1));
  double cos_ref = 1.0 - r.ip / std::sqrt(r.na * r.nb);
  EXPECT_NEAR(cosine_distance(a.data(), b.data(), n), cos_ref, 1e-5);
  EXPECT_TRUE(std::isnan(cosine_distance(a.data(), zero.data(), n)));
  EXPECT_NEAR(cosine_distance(a.data(), a.data(), n), 0.0, 1e-6);
  EXPECT_TRUE(std::isnan(cosine_distance(a.data(), b.data(), 0)));
  EXPECT_EQ(l2_distance(a.data(), b.data(), 0), 0.0);
}

TEST(DistanceDispatch, DispatchedKernelsAreSupportedAndFollowTheEnvironment) {
  const DistanceKernels& k = kernels();
  EXPECT_TRUE(simd_level_supported(k.level));
  EXPECT_EQ(k.level, resolve_simd_level(std::getenv("VECTOREXT_SIMD"), detect_simd_level()));
  EXPECT_EQ(&kernels(), &k);  // chosen once
  EXPECT_EQ(detect_simd_level(), detect_simd_level());
}

TEST(DistanceDispatch, KernelsForUnsupportedLevelFallsBackInsteadOfCrashing) {
  for (SimdLevel l : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512}) {
    const DistanceKernels& k = kernels_for(l);
    EXPECT_TRUE(simd_level_supported(k.level));
    EXPECT_EQ(k.level, simd_level_supported(l) ? l : detect_simd_level());
  }
}

TEST(DistanceDispatch, LevelNames) {
  EXPECT_STREQ(simd_level_name(SimdLevel::Scalar), "scalar");
  EXPECT_STREQ(simd_level_name(SimdLevel::Avx2), "avx2");
  EXPECT_STREQ(simd_level_name(SimdLevel::Avx512), "avx512");
  SimdLevel l;
  EXPECT_TRUE(parse_simd_level("AVX2", &l));
  EXPECT_EQ(l, SimdLevel::Avx2);
  EXPECT_FALSE(parse_simd_level("sse", &l));
  EXPECT_FALSE(parse_simd_level("", &l));
  EXPECT_FALSE(parse_simd_level(nullptr, &l));
  EXPECT_FALSE(parse_simd_level("avx512-and-then-some-long-text", &l));
}

TEST(DistanceDispatch, EnvironmentCanOnlyLowerTheLevel) {
  using S = SimdLevel;
  EXPECT_EQ(resolve_simd_level(nullptr, S::Avx512), S::Avx512);
  EXPECT_EQ(resolve_simd_level("", S::Avx2), S::Avx2);
  EXPECT_EQ(resolve_simd_level("scalar", S::Avx512), S::Scalar);
  EXPECT_EQ(resolve_simd_level("avx2", S::Avx512), S::Avx2);
  EXPECT_EQ(resolve_simd_level("Scalar", S::Avx2), S::Scalar);
  EXPECT_EQ(resolve_simd_level("avx512", S::Avx512), S::Avx512);
  EXPECT_EQ(resolve_simd_level("avx512", S::Avx2), S::Avx2);  // unsupported: ignored
  EXPECT_EQ(resolve_simd_level("avx2", S::Scalar), S::Scalar);
  EXPECT_EQ(resolve_simd_level("garbage", S::Avx2), S::Avx2);
}

TEST(DistanceDispatch, SelectKernelsFromEnvValue) {
  EXPECT_EQ(select_kernels_from_env("scalar").level, SimdLevel::Scalar);
  EXPECT_EQ(select_kernels_from_env(nullptr).level, detect_simd_level());
  EXPECT_EQ(select_kernels_from_env("nonsense").level, detect_simd_level());
  EXPECT_EQ(select_kernels_from_env("avx512").level, detect_simd_level());
  if (simd_level_supported(SimdLevel::Avx2)) {
    EXPECT_EQ(select_kernels_from_env("avx2").level, SimdLevel::Avx2);
  }
}

}  // namespace
}  // namespace vx::core

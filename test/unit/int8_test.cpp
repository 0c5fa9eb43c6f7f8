// Unit tests for the 8-bit build codes (src/core/kernels/int8.*): the scale, encoding (rounding, clamping, symmetry)
// and the kernels of every SIMD level against a plain integer loop, for lengths around every vector width and at the
// extremes (+-127), where a saturating or truncating instruction would show; the VNNI table too where the CPU has it.
#include "core/kernels/int8.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace vx::core::int8 {
namespace {

int64_t ref_l2(const std::vector<int8_t>& a, const std::vector<int8_t>& b, std::size_t n) {
  int64_t s = 0;
  for (std::size_t i = 0; i < n; i++) s += int64_t(a[i] - b[i]) * (a[i] - b[i]);
  return s;
}
int64_t ref_dot(const std::vector<int8_t>& a, const std::vector<int8_t>& b, std::size_t n) {
  int64_t s = 0;
  for (std::size_t i = 0; i < n; i++) s += int64_t(a[i]) * b[i];
  return s;
}

TEST(Int8Codes, ScaleMapsTheLargestMagnitudeTo127AndSkipsNonFinite) {
  std::vector<float> v = {0.5f, -2.54f, 1.0f, std::numeric_limits<float>::infinity(), std::nanf("")};
  EXPECT_FLOAT_EQ(scale_for(v.data(), v.size()), 2.54f / 127.0f);
  std::vector<float> zeros(8, 0.0f);
  EXPECT_EQ(scale_for(zeros.data(), zeros.size()), 0.0f);
  EXPECT_EQ(scale_for(nullptr, 0), 0.0f);
}

TEST(Int8Codes, ScaleOverManyValuesFindsTheMaximumInEveryLaneAndTheTail) {
  // scale_for runs eight lanes at a time and the rest one by one: the largest magnitude in any lane position or in
  // the tail is found, non-finite values in a lane are skipped.
  for (std::size_t count : {8u, 16u, 37u, 1003u})
    for (std::size_t at = 0; at < count; at += 3) {
      std::vector<float> v(count);
      for (std::size_t i = 0; i < count; i++) v[i] = std::sin(float(i)) * 0.9f;
      v[at] = (at % 2) ? -3.5f : 3.5f;
      v[(at + 1) % count] = std::numeric_limits<float>::infinity();
      v[(at + 2) % count] = -std::numeric_limits<float>::quiet_NaN();
      if ((at + 1) % count == at || (at + 2) % count == at) continue;
      EXPECT_FLOAT_EQ(scale_for(v.data(), v.size()), 3.5f / 127.0f) << count << " " << at;
    }
}

TEST(Int8Codes, EncodeGivesNearbyintsIntegerForEveryHalfStepAndInBetween) {
  // encode rounds by adding 1.5 * 2^23: the same integer as std::nearbyint (ties to even), then clamped
  std::vector<float> x;
  for (int k = -600; k <= 600; k++) x.push_back(float(k) * 0.25f);
  for (float v : {126.49f, 126.5f, 126.51f, 127.49f, 127.5f, -127.5f, 1e9f, -1e9f, 0.4999999f, -0.5f, 2.5f, -2.5f})
    x.push_back(v);
  std::vector<int8_t> c(x.size());
  encode(x.data(), x.size(), 1.0f, c.data());
  for (std::size_t i = 0; i < x.size(); i++) {
    const float want = std::min(127.0f, std::max(-127.0f, std::nearbyint(x[i])));
    EXPECT_EQ(int(c[i]), int(want)) << x[i];
  }
}

TEST(Int8Codes, EncodeRoundsToNearestSymmetricallyAndClamps) {
  const float s = 0.1f;
  std::vector<float> x = {0.0f, 0.04f, 0.06f, -0.06f, 12.7f, -12.7f, 100.0f, -100.0f, 1.26f, -1.26f};
  std::vector<int8_t> c(x.size());
  encode(x.data(), x.size(), s, c.data());
  EXPECT_EQ(c, (std::vector<int8_t>{0, 0, 1, -1, 127, -127, 127, -127, 13, -13}));
  // a value scale_for covers is never clamped: decoding is within half a step
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0, 0.03f);
  std::vector<float> y(1000);
  for (auto& v : y) v = g(rng);
  const float scale = scale_for(y.data(), y.size());
  std::vector<int8_t> cy(y.size());
  encode(y.data(), y.size(), scale, cy.data());
  for (std::size_t i = 0; i < y.size(); i++) EXPECT_LE(std::fabs(float(cy[i]) * scale - y[i]), 0.5001f * scale) << i;
}

TEST(Int8Codes, EveryLevelGivesTheExactIntegerSums) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> code(-127, 127);
  std::vector<const Kernels*> tables = {&kernels_for(SimdLevel::Scalar), &kernels_for(SimdLevel::Avx2)};
  // both AVX-512 tables where the CPU runs them (kernels_for gives only the best one)
  if (simd_level_supported(SimdLevel::Avx512) && kernels_for(SimdLevel::Avx512).level == SimdLevel::Avx512)
    tables.push_back(&detail::kAvx512Kernels);
  if (vnni_supported()) tables.push_back(&detail::kAvx512VnniKernels);
  for (const Kernels* table : tables) {
    const Kernels& k = *table;
    for (std::size_t n : {0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 256, 768, 1536, 2001}) {
      std::vector<int8_t> a(n), b(n);
      for (std::size_t i = 0; i < n; i++) a[i] = int8_t(code(rng)), b[i] = int8_t(code(rng));
      EXPECT_EQ(k.l2_squared(a.data(), b.data(), n), ref_l2(a, b, n)) << simd_level_name(k.level) << " n " << n;
      EXPECT_EQ(k.dot(a.data(), b.data(), n), ref_dot(a, b, n)) << simd_level_name(k.level) << " n " << n;
      // the extremes: every product 127 * -127, every difference 254
      std::vector<int8_t> hi(n, 127), lo(n, -127);
      EXPECT_EQ(k.l2_squared(hi.data(), lo.data(), n), int64_t(n) * 254 * 254) << simd_level_name(k.level);
      EXPECT_EQ(k.dot(hi.data(), lo.data(), n), -int64_t(n) * 127 * 127) << simd_level_name(k.level);
      EXPECT_EQ(k.dot(lo.data(), lo.data(), n), int64_t(n) * 127 * 127) << simd_level_name(k.level);
    }
  }
}

TEST(Int8Codes, UnsupportedLevelsFallBackToTheBestAvailable) {
  EXPECT_LE(int(kernels().level), int(detect_simd_level()));
  EXPECT_LE(int(kernels_for(SimdLevel::Avx512).level), int(detect_simd_level()));
  EXPECT_EQ(kernels_for(SimdLevel::Scalar).level, SimdLevel::Scalar);
  if (vnni_supported()) {
    EXPECT_EQ(&kernels_for(SimdLevel::Avx512), &detail::kAvx512VnniKernels);
  }
}

}  // namespace
}  // namespace vx::core::int8

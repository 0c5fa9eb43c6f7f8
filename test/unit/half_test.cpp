// Unit tests for half-precision copies (src/core/kernels/half.*): conversion against the CPU's F16C instructions and exact
// identities, clamping, encoding errors, the kernels of every level against float kernels on the decoded copy, and
// the contract the index scans rely on: a lower bound never exceeds the exact distance vectorext's operators compute.
#include "core/kernels/half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "core/kernels/distance.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace vx::core::half {
namespace {

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("f16c"))) uint16_t hardware_from_float(float x) {
  return static_cast<uint16_t>(_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT));
}
#endif

TEST(HalfConversion, EveryFiniteHalfRoundTrips) {
  for (uint32_t h = 0; h < 65536; h++) {
    if (((h >> 10) & 0x1f) == 0x1f) continue;  // inf / NaN: never produced by encode
    float f = to_float(static_cast<uint16_t>(h));
    EXPECT_EQ(from_float(f), h) << "half 0x" << std::hex << h;
  }
}

TEST(HalfConversion, DecodeEqualsToFloatForEveryNonNanHalf) {
  // decode() takes the F16C path where the CPU has it; it must give to_float's bits (incl. -0, subnormals, inf).
  std::vector<uint16_t> all;
  for (uint32_t h = 0; h < 65536; h++)
    if (!(((h >> 10) & 0x1f) == 0x1f && (h & 0x3ff) != 0)) all.push_back(static_cast<uint16_t>(h));
  for (std::size_t start : {std::size_t(0), std::size_t(3)}) {  // unaligned start and a scalar tail
    std::vector<float> out(all.size() - start);
    decode(all.data() + start, out.size(), out.data());
    for (std::size_t i = 0; i < out.size(); i++) {
      float want = to_float(all[start + i]);
      ASSERT_EQ(std::memcmp(&out[i], &want, sizeof(float)), 0) << "half 0x" << std::hex << all[start + i];
    }
  }
}

TEST(HalfConversion, MatchesF16cRoundToNearestEven) {
#if defined(__x86_64__) || defined(__i386__)
  if (!detail::f16c_supported()) GTEST_SKIP() << "no F16C on this CPU";
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> bits;
  int checked = 0;
  for (int i = 0; i < 2000000; i++) {
    uint32_t u = bits(rng);
    float x;
    std::memcpy(&x, &u, sizeof x);
    if (std::isnan(x) || std::fabs(x) >= kMaxHalf) continue;  // we clamp where F16C gives inf
    ASSERT_EQ(from_float(x), hardware_from_float(x)) << x;
    checked++;
  }
  // Ties and subnormal boundaries, which random bits rarely hit.
  for (uint32_t h = 0; h < 0x7bff; h++) {
    float lo = to_float(static_cast<uint16_t>(h)), hi = to_float(static_cast<uint16_t>(h + 1));
    float mid = (lo + hi) / 2;  // exact: halves have 11 significant bits
    ASSERT_EQ(from_float(mid), hardware_from_float(mid)) << mid;
    ASSERT_EQ(from_float(-mid), hardware_from_float(-mid)) << -mid;
  }
  EXPECT_GT(checked, 100000);
#else
  GTEST_SKIP() << "not x86";
#endif
}

TEST(HalfConversion, ClampsInsteadOfInfinity) {
  EXPECT_EQ(to_float(from_float(1e6f)), kMaxHalf);
  EXPECT_EQ(to_float(from_float(-1e30f)), -kMaxHalf);
  EXPECT_EQ(to_float(from_float(65519.0f)), kMaxHalf);
  EXPECT_EQ(to_float(from_float(65520.0f)), kMaxHalf);
  EXPECT_EQ(to_float(from_float(1e-9f)), 0.0f);
  EXPECT_EQ(to_float(from_float(0x1p-24f)), 0x1p-24f);
}

// encode() takes the F16C path where the CPU has it: the same halves and the same error bits as the scalar path, for
// values of every magnitude (subnormal halves, beyond kMaxHalf, float subnormals, -0), lengths with tails, and a
// block holding a NaN (converted value by value).
TEST(HalfEncode, F16cPathGivesTheScalarPathsHalvesAndErrors) {
#if defined(__x86_64__) || defined(__i386__)
  if (!detail::f16c_supported()) GTEST_SKIP() << "no F16C on this CPU";
  std::mt19937 rng(11);
  std::uniform_int_distribution<uint32_t> bits;
  std::uniform_real_distribution<float> unit(-1.f, 1.f);
  auto same = [](float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b)); };
  for (int round = 0; round < 400; round++) {
    const std::size_t n = round < 40 ? std::size_t(round + 1) : 768;
    std::vector<float> x(n);
    for (auto& v : x) {
      switch (bits(rng) % 4) {
        case 0: {  // any bit pattern but NaN and inf
          uint32_t u = bits(rng);
          std::memcpy(&v, &u, sizeof v);
          if (!std::isfinite(v)) v = 70000.f;
          break;
        }
        case 1:
          v = unit(rng) * 1e-6f;  // half subnormals
          break;
        case 2:
          v = unit(rng) * 70000.f;  // up to beyond kMaxHalf
          break;
        default:
          v = unit(rng);
      }
    }
    if (round % 7 == 0) x[0] = -0.f;
    if (round == 399) x[9] = std::nanf("");
    std::vector<uint16_t> a(n), b(n);
    const EncodeError ea = detail::encode_scalar(x.data(), n, a.data());
    const EncodeError eb = detail::encode_f16c(x.data(), n, b.data());
    for (std::size_t i = 0; i < n; i++) {
      if (is_nan(a[i])) {
        ASSERT_TRUE(is_nan(b[i]));
        continue;
      }
      ASSERT_EQ(a[i], b[i]) << "value " << x[i] << " at " << i << " of " << n;
    }
    EXPECT_TRUE(same(ea.l2, eb.l2)) << ea.l2 << " vs " << eb.l2 << " (n " << n << ")";
    EXPECT_TRUE(same(ea.l1, eb.l1)) << ea.l1 << " vs " << eb.l1 << " (n " << n << ")";
  }
#else
  GTEST_SKIP() << "F16C is x86 only";
#endif
}

TEST(HalfEncode, SmallIntegersAreExact) {
  std::vector<float> x = {0, 1, 2, 255, 2048, -17, 1023.5f};
  std::vector<uint16_t> h(x.size());
  EncodeError e = encode(x.data(), x.size(), h.data());
  EXPECT_EQ(e.l2, 0.0f);
  EXPECT_EQ(e.l1, 0.0f);
  std::vector<float> back(x.size());
  decode(h.data(), h.size(), back.data());
  EXPECT_EQ(back, x);
}

TEST(HalfEncode, ErrorIsNeverUnderstated) {
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0, 1);
  for (int t = 0; t < 200; t++) {
    std::size_t n = 1 + t * 7;
    std::vector<float> x(n);
    for (auto& v : x) v = g(rng) * (t % 3 == 0 ? 1e5f : t % 3 == 1 ? 1e-6f : 1.0f);
    std::vector<uint16_t> h(n);
    EncodeError e = encode(x.data(), n, h.data());
    double l2 = 0, l1 = 0;
    for (std::size_t i = 0; i < n; i++) {
      double d = static_cast<double>(x[i]) - to_float(h[i]);
      l2 += d * d;
      l1 += std::fabs(d);
    }
    EXPECT_GE(e.l2, std::sqrt(l2));
    EXPECT_GE(e.l1, l1);
    EXPECT_LE(e.l2, std::sqrt(l2) * 1.0001 + 1e-30);
  }
}

std::vector<SimdLevel> supported_levels() {
  std::vector<SimdLevel> v = {SimdLevel::Scalar};
  if (half::kernels_for(SimdLevel::Avx2).level == SimdLevel::Avx2) v.push_back(SimdLevel::Avx2);
  if (half::kernels_for(SimdLevel::Avx512).level == SimdLevel::Avx512)
    v.push_back(SimdLevel::Avx512);
  else
    std::printf("note: AVX-512 half kernels not available on this CPU, not tested here\n");
  return v;
}

TEST(HalfKernels, AgreeWithFloatKernelsOnDecodedCopy) {
  if (supported_levels().size() < 2) std::printf("note: AVX2+F16C half kernels not available, scalar only\n");
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0, 1);
  for (SimdLevel level : supported_levels()) {
    const Kernels& k = half::kernels_for(level);
    ASSERT_EQ(k.level, level);
    for (std::size_t n : {0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 100, 784, 3072}) {
      std::vector<float> q(n), x(n), xd(n);
      for (std::size_t i = 0; i < n; i++) q[i] = g(rng), x[i] = g(rng);
      std::vector<uint16_t> h(n);
      encode(x.data(), n, h.data());
      decode(h.data(), n, xd.data());
      const DistanceKernels& f = core::kernels_for(SimdLevel::Scalar);
      double tol = 1e-4 * (n + 1);
      EXPECT_NEAR(k.l2_squared(q.data(), h.data(), n), f.l2_squared(q.data(), xd.data(), n), tol) << n;
      EXPECT_NEAR(k.inner_product(q.data(), h.data(), n), f.inner_product(q.data(), xd.data(), n), tol) << n;
      EXPECT_NEAR(k.l1(q.data(), h.data(), n), f.l1(q.data(), xd.data(), n), tol) << n;
      float dot, nh, fd, fa, fb;
      k.dot_and_norm(q.data(), h.data(), n, &dot, &nh);
      f.dot_and_norms(q.data(), xd.data(), n, &fd, &fa, &fb);
      EXPECT_NEAR(dot, fd, tol) << n;
      EXPECT_NEAR(nh, fb, tol) << n;
    }
  }
}

TEST(HalfKernels, PairKernelsAgreeWithQueryKernelsOnDecodedSide) {
  std::mt19937 rng(9);
  std::normal_distribution<float> g(0, 1);
  for (SimdLevel level : supported_levels()) {
    const PairKernels& p = half::pair_kernels_for(level);
    const Kernels& k = half::kernels_for(SimdLevel::Scalar);
    ASSERT_EQ(p.level, level);
    for (std::size_t n : {0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 100, 784, 3072}) {
      std::vector<float> a(n), b(n), ad(n);
      for (std::size_t i = 0; i < n; i++) a[i] = g(rng), b[i] = g(rng);
      std::vector<uint16_t> ha(n), hb(n);
      encode(a.data(), n, ha.data());
      encode(b.data(), n, hb.data());
      decode(ha.data(), n, ad.data());
      double tol = 1e-4 * (n + 1);
      EXPECT_NEAR(p.l2_squared(ha.data(), hb.data(), n), k.l2_squared(ad.data(), hb.data(), n), tol) << n;
      EXPECT_NEAR(p.inner_product(ha.data(), hb.data(), n), k.inner_product(ad.data(), hb.data(), n), tol) << n;
      EXPECT_NEAR(p.l1(ha.data(), hb.data(), n), k.l1(ad.data(), hb.data(), n), tol) << n;
    }
  }
}

TEST(HalfKernels, OddLengthTails) {
  // Every length through two full 16-wide blocks, so each tail path runs.
  for (std::size_t n = 1; n < 40; n++) {
    std::vector<float> q(n, 1.5f);
    std::vector<uint16_t> h(n, from_float(0.5f));
    for (SimdLevel level : supported_levels())
      EXPECT_FLOAT_EQ(half::kernels_for(level).l2_squared(q.data(), h.data(), n), static_cast<float>(n)) << n;
  }
}

// Clustered data with values half cannot hold exactly (and some it cannot hold at all): every bound must stay at or
// below the exact distance computed by each float kernel level, and be tight where the copy is exact.
TEST(HalfLowerBounds, NeverAboveExactDistance) {
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0, 1);
  std::vector<SimdLevel> float_levels = {SimdLevel::Scalar};
  if (simd_level_supported(SimdLevel::Avx2)) float_levels.push_back(SimdLevel::Avx2);
  if (simd_level_supported(SimdLevel::Avx512)) float_levels.push_back(SimdLevel::Avx512);
  for (std::size_t n : {3, 64, 784, 4096}) {
    for (double scale : {1e-7, 1e-3, 1.0, 300.0, 1e5}) {
      std::vector<float> center(n);
      for (auto& v : center) v = g(rng) * scale;
      for (int t = 0; t < 40; t++) {
        std::vector<float> x(n), q(n);
        for (std::size_t i = 0; i < n; i++) {
          x[i] = center[i] + g(rng) * scale * 0.05f;
          q[i] = center[i] + g(rng) * scale * 0.05f;
        }
        if (t == 0) q = x;  // distance 0: the bound must be 0 too
        std::vector<uint16_t> h(n), hu(n);
        EncodeError e = encode(x.data(), n, h.data());
        std::vector<float> u = x;
        double xnorm = std::sqrt(core::kernels_for(SimdLevel::Scalar).inner_product(x.data(), x.data(), n));
        const bool unit = xnorm > 0;
        for (auto& v : u) v = static_cast<float>(v / xnorm);
        EncodeError eu = encode(u.data(), n, hu.data());
        double qnorm = std::sqrt(static_cast<double>(core::kernels().inner_product(q.data(), q.data(), n)));
        for (SimdLevel hl : supported_levels()) {
          const Kernels& k = half::kernels_for(hl);
          double l2 = l2_lower_bound(std::sqrt(static_cast<double>(k.l2_squared(q.data(), h.data(), n))), e, n);
          double l1 = l1_lower_bound(k.l1(q.data(), h.data(), n), e, n);
          float dot, nh;
          k.dot_and_norm(q.data(), h.data(), n, &dot, &nh);
          double ip = negative_inner_product_lower_bound(-static_cast<double>(dot), e, qnorm, std::sqrt(nh), n);
          double cs = cosine_lower_bound(1.0 - k.inner_product(q.data(), hu.data(), n) / qnorm, eu, n);
          for (SimdLevel fl : float_levels) {
            const DistanceKernels& f = core::kernels_for(fl);
            double exact_l2 = std::sqrt(static_cast<double>(f.l2_squared(x.data(), q.data(), n)));
            double exact_l1 = f.l1(x.data(), q.data(), n);
            double exact_ip = -static_cast<double>(f.inner_product(x.data(), q.data(), n));
            float d, na, nb;
            f.dot_and_norms(x.data(), q.data(), n, &d, &na, &nb);
            double exact_cos = cosine_distance_from_parts(d, na, nb);
            ASSERT_LE(l2, exact_l2) << "n=" << n << " scale=" << scale;
            ASSERT_LE(l1, exact_l1) << "n=" << n << " scale=" << scale;
            ASSERT_LE(ip, exact_ip) << "n=" << n << " scale=" << scale;
            if (unit) {
              ASSERT_LE(cs, exact_cos) << "n=" << n << " scale=" << scale;
            }
            // Useful, not just safe: within 1% (plus the encoding error) of the exact value.
            ASSERT_GE(l2, exact_l2 * 0.99 - 2.0 * e.l2) << "n=" << n << " scale=" << scale;
          }
        }
      }
    }
  }
}

TEST(HalfLowerBounds, ExactCopiesGiveTightBounds) {
  std::vector<float> x = {1, 2, 3, 4, 250, 0, 7, 9}, q = {0, 2, 5, 4, 251, 1, 7, 8};
  std::vector<uint16_t> h(x.size());
  EncodeError e = encode(x.data(), x.size(), h.data());
  ASSERT_EQ(e.l2, 0.0f);
  double exact = std::sqrt(8.0);
  double lb = l2_lower_bound(std::sqrt(static_cast<double>(kernels().l2_squared(q.data(), h.data(), 8))), e, 8);
  EXPECT_LE(lb, exact);
  EXPECT_GT(lb, exact * (1 - 1e-5));
}

}  // namespace
}  // namespace vx::core::half

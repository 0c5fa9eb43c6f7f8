// Unit tests for the popcount kernels (src/core/kernels/bit_distance.*): every level this CPU supports against a bit-by-bit
// reference at every length through several 64-byte blocks and at 64,000 bits, unaligned inputs, and pgvector's
// Jaccard conventions. Levels the CPU lacks are reported rather than silently passing.
#include "core/kernels/bit_distance.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <vector>

namespace vx::core::bits {
namespace {

struct Ref {
  uint64_t diff = 0, ab = 0, aa = 0, bb = 0;
};

Ref reference(const uint8_t* a, const uint8_t* b, std::size_t bytes) {
  Ref r;
  for (std::size_t i = 0; i < bytes * 8; i++) {
    const bool x = (a[i / 8] >> (7 - i % 8)) & 1, y = (b[i / 8] >> (7 - i % 8)) & 1;
    r.diff += x != y;
    r.ab += x && y;
    r.aa += x;
    r.bb += y;
  }
  return r;
}

std::vector<SimdLevel> levels() {
  std::vector<SimdLevel> v = {SimdLevel::Scalar};
  if (kernels_for(SimdLevel::Avx2).level == SimdLevel::Avx2) {
    v.push_back(SimdLevel::Avx2);
  } else {
    std::printf("note: POPCNT kernels not available on this CPU, not tested here\n");
  }
  if (kernels_for(SimdLevel::Avx512).level == SimdLevel::Avx512) {
    v.push_back(SimdLevel::Avx512);
  } else {
    std::printf("note: AVX-512 VPOPCNTDQ kernels not available on this CPU, not tested here\n");
  }
  return v;
}

TEST(BitKernels, EveryLevelMatchesBitByBitReference) {
  std::mt19937 rng(41);
  std::uniform_int_distribution<int> byte(0, 255);
  for (SimdLevel level : levels()) {
    const Kernels& k = kernels_for(level);
    ASSERT_EQ(k.level, level);
    for (std::size_t bytes = 0; bytes <= 200; bytes++) {
      // one spare byte in front: every input is also read from an odd address
      std::vector<uint8_t> a(bytes + 1), b(bytes + 1);
      for (auto& x : a) x = static_cast<uint8_t>(byte(rng));
      for (auto& x : b) x = static_cast<uint8_t>(byte(rng));
      Ref r = reference(a.data() + 1, b.data() + 1, bytes);
      ASSERT_EQ(k.hamming(a.data() + 1, b.data() + 1, bytes), r.diff) << bytes;
      uint64_t ab, aa, bb;
      k.jaccard_counts(a.data() + 1, b.data() + 1, bytes, &ab, &aa, &bb);
      ASSERT_EQ(ab, r.ab) << bytes;
      ASSERT_EQ(aa, r.aa) << bytes;
      ASSERT_EQ(bb, r.bb) << bytes;
    }
  }
}

TEST(BitKernels, SixtyFourThousandBits) {
  std::mt19937 rng(43);
  std::uniform_int_distribution<int> byte(0, 255);
  const std::size_t bytes = kMaxIndexBits / 8;
  std::vector<uint8_t> a(bytes), b(bytes), ones(bytes, 0xff), zeros(bytes, 0);
  for (auto& x : a) x = static_cast<uint8_t>(byte(rng));
  for (auto& x : b) x = static_cast<uint8_t>(byte(rng));
  Ref r = reference(a.data(), b.data(), bytes);
  for (SimdLevel level : levels()) {
    const Kernels& k = kernels_for(level);
    EXPECT_EQ(k.hamming(a.data(), b.data(), bytes), r.diff);
    EXPECT_EQ(k.hamming(ones.data(), zeros.data(), bytes), 64000u);
    uint64_t ab, aa, bb;
    k.jaccard_counts(a.data(), b.data(), bytes, &ab, &aa, &bb);
    EXPECT_EQ(ab, r.ab);
    EXPECT_EQ(aa, r.aa);
    EXPECT_EQ(bb, r.bb);
  }
}

TEST(BitDistance, PgvectorSemantics) {
  const uint8_t a[] = {0xf0}, b[] = {0xcc}, z[] = {0x00};
  EXPECT_EQ(hamming_distance(a, b, 1), 4.0);
  EXPECT_EQ(hamming_distance(a, a, 1), 0.0);
  // |a & b| = 2, |a | b| = 6
  EXPECT_DOUBLE_EQ(jaccard_distance(a, b, 1), 1.0 - 2.0 / 6.0);
  EXPECT_EQ(jaccard_distance(a, a, 1), 0.0);
  EXPECT_EQ(jaccard_distance(a, z, 1), 1.0);
  EXPECT_EQ(jaccard_distance(z, z, 1), 1.0);  // no common bit: 1, even for two empty strings
  EXPECT_EQ(hamming_distance(a, b, 0), 0.0);
  EXPECT_EQ(jaccard_distance(a, b, 0), 1.0);
}

TEST(BitDistance, DispatchNeverExceedsTheCpu) {
  EXPECT_EQ(kernels_for(SimdLevel::Scalar).level, SimdLevel::Scalar);
  if (!simd_level_supported(SimdLevel::Avx512) || !detail::avx512_vpopcntdq_supported()) {
    EXPECT_NE(kernels_for(SimdLevel::Avx512).level, SimdLevel::Avx512);
  }
  if (!detail::popcnt_supported()) {
    EXPECT_EQ(kernels_for(SimdLevel::Avx2).level, SimdLevel::Scalar);
  }
  EXPECT_LE(static_cast<int>(kernels().level), static_cast<int>(detect_simd_level()));
}

}  // namespace
}  // namespace vx::core::bits

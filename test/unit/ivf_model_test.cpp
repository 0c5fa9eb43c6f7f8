// The IVF coarse quantizer in the column type's compact form (src/core/ivf/ivf_model.cpp) and the bits codec
// (src/core/ivf/ivf_codec_bits.cpp): centroids survive their page form (halves, packed bits), ranking and list
// assignment agree with a scalar reference, and bit postings are scored with their exact Hamming distance.
#include "core/ivf/ivf_codec.h"
#include "core/ivf/ivf_model.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <vector>

using namespace vx::core;
using namespace vx::core::ivf;

namespace {

std::vector<float> random_bits(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng() & 1u);
  return v;
}

std::size_t hamming_reference(const float* a, const float* b, std::size_t n) {
  std::size_t d = 0;
  for (std::size_t i = 0; i < n; ++i) d += (a[i] >= 0.5f) != (b[i] >= 0.5f);
  return d;
}

// A model of `lists` centroids of `dims` dimensions in `form`, trained on nothing: the given float centroids.
Model make_model(CentroidForm form, std::size_t dims, const std::vector<float>& centroids) {
  Model m;
  m.form = form;
  m.dims = dims;
  m.lists = centroids.size() / dims;
  m.centroids = centroids;
  m.settle_centroids();
  return m;
}

}  // namespace

TEST(IvfModel, SphericalTrainingForCosineAndInnerProductWithoutResiduals) {
  for (Quantizer q : {Quantizer::Flat, Quantizer::Sq8, Quantizer::Pq}) {
    EXPECT_TRUE(spherical_training(Metric::Cosine, q));
    EXPECT_FALSE(spherical_training(Metric::L2, q));
  }
  EXPECT_TRUE(spherical_training(Metric::InnerProduct, Quantizer::Flat));
  EXPECT_TRUE(spherical_training(Metric::InnerProduct, Quantizer::Sq8));
  EXPECT_FALSE(spherical_training(Metric::InnerProduct, Quantizer::Pq));  // residuals against the centroid
}

TEST(IvfModel, CentroidBytesPerForm) {
  EXPECT_EQ(centroid_bytes(CentroidForm::Float32, 2000), 8000u);
  EXPECT_EQ(centroid_bytes(CentroidForm::Half, 4000), 8000u);
  EXPECT_EQ(centroid_bytes(CentroidForm::Bits, 64000), 8000u);
  EXPECT_EQ(centroid_bytes(CentroidForm::Bits, 3), 1u);
  EXPECT_EQ(packed_bytes(9), 2u);
}

TEST(IvfModel, PackBitsIsVarbitOrderWithZeroPadding) {
  const float x[10] = {1, 0, 0, 0, 0, 0, 0, 1, 1, 1};
  uint8_t out[2] = {0xff, 0xff};
  pack_bits(x, 10, out);
  EXPECT_EQ(out[0], 0x81);
  EXPECT_EQ(out[1], 0xc0);                       // bits 9 and 10, the padding zero
  const float centroid[3] = {0.4f, 0.5f, 0.9f};  // a centroid's majority bits
  pack_bits(centroid, 3, out);
  EXPECT_EQ(out[0], 0x60);
}

TEST(IvfModel, HalfCentroidsRoundTripThroughTheirPages) {
  std::mt19937 rng(7);
  std::normal_distribution<float> d(0.f, 3.f);
  const std::size_t dims = 4000, lists = 3;
  std::vector<float> c(dims * lists);
  for (auto& x : c) x = d(rng);
  Model m = make_model(CentroidForm::Half, dims, c);
  std::vector<uint8_t> page(centroid_bytes(CentroidForm::Half, dims) * lists);
  m.write_centroids(0, lists, page.data());
  Model back;
  back.form = CentroidForm::Half;
  back.dims = dims;
  back.lists = lists;
  back.centroids.assign(dims * lists, 0.f);
  back.read_centroids(0, lists, page.data());
  EXPECT_EQ(back.centroids, m.centroids);  // settled centroids are halves: the page keeps them exactly
  for (std::size_t i = 0; i < c.size(); ++i) EXPECT_NEAR(m.centroids[i], c[i], std::abs(c[i]) * 1e-3f + 1e-4f);
  const std::vector<float> x(c.begin() + dims, c.begin() + 2 * dims);
  EXPECT_EQ(back.nearest_list(x.data()), 1u);
}

TEST(IvfModel, BitCentroidsRankByHamming) {
  const std::size_t dims = 64000, lists = 5;
  std::vector<float> c;
  for (std::size_t l = 0; l < lists; ++l) {
    auto b = random_bits(dims, 100 + static_cast<unsigned>(l));
    c.insert(c.end(), b.begin(), b.end());
  }
  Model m = make_model(CentroidForm::Bits, dims, c);
  EXPECT_TRUE(m.centroids.empty());
  ASSERT_EQ(m.bit_centroids.size(), lists * 8000);
  std::vector<uint8_t> page(8000 * lists);
  m.write_centroids(0, lists, page.data());
  Model back;
  back.form = CentroidForm::Bits;
  back.dims = dims;
  back.lists = lists;
  back.bit_centroids.assign(page.size(), 0);
  back.read_centroids(0, lists, page.data());
  EXPECT_EQ(back.bit_centroids, m.bit_centroids);
  for (unsigned q = 0; q < 4; ++q) {
    const auto x = random_bits(dims, 900 + q);
    std::size_t best = 0, best_d = std::numeric_limits<std::size_t>::max();
    for (std::size_t l = 0; l < lists; ++l) {
      const std::size_t d = hamming_reference(x.data(), c.data() + l * dims, dims);
      EXPECT_EQ(back.rank(x.data(), nullptr, l), static_cast<float>(d));
      if (d < best_d) best_d = d, best = l;
    }
    EXPECT_EQ(back.nearest_list(x.data()), best);
  }
  // a row of list 3 with a few bits flipped goes to list 3
  std::vector<float> near(c.begin() + 3 * dims, c.begin() + 4 * dims);
  for (std::size_t i = 0; i < dims; i += 97) near[i] = 1.f - near[i];
  EXPECT_EQ(back.nearest_list(near.data()), 3u);
}

TEST(IvfModel, BitsCodecScoresExactHamming) {
  const CodecInfo* info = codec_info(Quantizer::Bits);
  ASSERT_NE(info, nullptr);
  EXPECT_FALSE(info->option);
  EXPECT_EQ(codec_info_by_name("bits"), nullptr);  // not a value of the quantizer option
  EXPECT_FALSE(info->lossy);
  const std::size_t dims = 1003;
  EXPECT_EQ(info->code_size(dims, 0), 126u);
  auto codec = info->create(dims, 0);
  const auto query = random_bits(dims, 1);
  std::vector<std::vector<float>> rows;
  std::vector<std::vector<uint8_t>> codes;
  for (unsigned r = 0; r < 6; ++r) {
    rows.push_back(random_bits(dims, 10 + r));
    codes.emplace_back(codec->code_size());
    codec->encode(rows.back().data(), nullptr, codes.back().data(), nullptr);
  }
  auto scanner = codec->scanner(Metric::L2, query.data(), nullptr);
  EXPECT_TRUE(scanner->scores_exact());
  std::vector<const uint8_t*> ptrs;
  for (auto& c : codes) ptrs.push_back(c.data());
  std::vector<double> dist(ptrs.size());
  std::vector<uint8_t> exact(ptrs.size());
  PagePrefetch prefetch(nullptr, 8192, ptrs.size());
  scanner->scan_page(ptrs.data(), ptrs.size(), dist.data(), exact.data(), prefetch);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const double want = static_cast<double>(hamming_reference(rows[r].data(), query.data(), dims));
    EXPECT_EQ(dist[r], want);
    EXPECT_EQ(exact[r], 1);
    EXPECT_EQ(scanner->exact_value(ptrs[r], nullptr), want);
  }
}

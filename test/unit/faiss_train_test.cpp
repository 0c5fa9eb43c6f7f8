// The Faiss k-means wrapper behind vectorext_faiss.so's C ABI.
#include "faiss/faiss_train.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace {
// Four well separated Gaussian blobs in 8 dimensions.
std::vector<float> blobs(std::size_t per_blob, std::vector<float>* centers) {
  const int dim = 8;
  std::mt19937 rng(11);
  std::normal_distribution<float> noise(0, 0.05f);
  centers->clear();
  for (int b = 0; b < 4; ++b)
    for (int i = 0; i < dim; ++i) centers->push_back(i == b ? 5.f : 0.f);
  std::vector<float> data;
  for (std::size_t r = 0; r < per_blob * 4; ++r)
    for (int i = 0; i < dim; ++i) data.push_back((*centers)[(r % 4) * dim + i] + noise(rng));
  return data;
}

VxKmeansRequest request(const std::vector<float>& data, float* out, int k, int iterations) {
  VxKmeansRequest r{};
  r.data = data.data();
  r.n = static_cast<int64_t>(data.size() / 8);
  r.dim = 8;
  r.k = k;
  r.iterations = iterations;
  r.seed = 1234;
  r.threads = 1;
  r.centroids = out;
  return r;
}
}  // namespace

TEST(FaissKmeans, AbiVersion) { EXPECT_EQ(vx_faiss_abi_version(), VX_FAISS_ABI_VERSION); }

TEST(FaissKmeans, RecoversSeparatedClusters) {
  std::vector<float> centers;
  auto data = blobs(100, &centers);
  std::vector<float> out(4 * 8);
  // Seeded with one point of each blob (rows 0..3), k-means must move the centroids onto the blob centres.
  std::copy(data.begin(), data.begin() + 4 * 8, out.begin());
  auto r = request(data, out.data(), 4, 10);
  r.resume = 1;
  char err[256];
  ASSERT_EQ(vx_faiss_kmeans(&r, err, sizeof err), 0) << err;
  for (int b = 0; b < 4; ++b) {
    double best = 1e30;
    for (int c = 0; c < 4; ++c) {
      double d = 0;
      for (int i = 0; i < 8; ++i) d += std::pow(out[c * 8 + i] - centers[b * 8 + i], 2);
      best = std::min(best, d);
    }
    EXPECT_LT(best, 0.01) << "blob " << b;
  }
}

TEST(FaissKmeans, ResumedOneIterationCallsConverge) {
  std::vector<float> centers;
  auto data = blobs(100, &centers);
  std::vector<float> out(4 * 8);
  std::copy(data.begin(), data.begin() + 4 * 8, out.begin());
  auto r = request(data, out.data(), 4, 1);
  char err[256];
  for (int it = 0; it < 10; ++it) {
    r.resume = 1;  // each call continues from the previous centroids
    ASSERT_EQ(vx_faiss_kmeans(&r, err, sizeof err), 0) << err;
  }
  int matched = 0;
  for (int b = 0; b < 4; ++b)
    for (int c = 0; c < 4; ++c) {
      double d = 0;
      for (int i = 0; i < 8; ++i) d += std::pow(out[c * 8 + i] - centers[b * 8 + i], 2);
      if (d < 0.01) ++matched;
    }
  EXPECT_EQ(matched, 4);
}

TEST(FaissKmeans, Deterministic) {
  std::vector<float> centers;
  auto data = blobs(50, &centers);
  std::vector<float> a(4 * 8), b(4 * 8);
  auto ra = request(data, a.data(), 4, 5), rb = request(data, b.data(), 4, 5);
  char err[256];
  ASSERT_EQ(vx_faiss_kmeans(&ra, err, sizeof err), 0);
  ASSERT_EQ(vx_faiss_kmeans(&rb, err, sizeof err), 0);
  EXPECT_EQ(a, b);
}

TEST(FaissKmeans, ErrorsAreReturnedNotThrown) {
  std::vector<float> data(3 * 8, 1.f), out(4 * 8);
  auto r = request(data, out.data(), 4, 5);  // fewer points than centroids
  char err[256] = {0};
  EXPECT_EQ(vx_faiss_kmeans(&r, err, sizeof err), -1);
  EXPECT_STRNE(err, "");
  EXPECT_EQ(vx_faiss_kmeans(nullptr, err, sizeof err), -1);
}

// SQ8 and PQ kernels of the IVF index against plain decode-then-compute references.
#include "core/ivf/ivf_quant.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using namespace vx::core::ivf;

namespace {
std::vector<float> random_matrix(std::size_t rows, std::size_t dim, unsigned seed, float lo = -1, float hi = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> m(rows * dim);
  for (auto& v : m) v = u(rng);
  return m;
}
double ref_l2(const float* a, const float* b, std::size_t n) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return s;
}
double ref_dot(const float* a, const float* b, std::size_t n) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += double(a[i]) * b[i];
  return s;
}
}  // namespace

TEST(Sq8, EncodeDecodeWithinHalfStep) {
  for (std::size_t dim : {1u, 7u, 16u, 33u, 784u}) {
    auto data = random_matrix(200, dim, 1);
    Sq8 sq;
    sq.train(data.data(), 200, dim);
    std::vector<uint8_t> code(dim);
    std::vector<float> back(dim);
    for (std::size_t r = 0; r < 200; ++r) {
      sq.encode(&data[r * dim], code.data());
      sq.decode(code.data(), back.data());
      for (std::size_t i = 0; i < dim; ++i)
        EXPECT_LE(std::fabs(back[i] - data[r * dim + i]), sq.step[i] * 0.5f + 1e-5f);
    }
  }
}

TEST(Sq8, ConstantDimensionDecodesExactly) {
  std::vector<float> data = {2, 1, 2, 3, 2, 5};  // dim 2: first dimension constant
  Sq8 sq;
  sq.train(data.data(), 3, 2);
  uint8_t code[2];
  float back[2];
  sq.encode(&data[2], code);
  sq.decode(code, back);
  EXPECT_NEAR(back[0], 2.f, 1e-6);
}

TEST(Sq8, QueryDistanceMatchesDecodedReference) {
  for (Metric metric : {Metric::L2, Metric::InnerProduct}) {
    for (std::size_t dim : {3u, 8u, 17u, 64u, 784u}) {
      auto data = random_matrix(50, dim, 2);
      auto q = random_matrix(1, dim, 3);
      Sq8 sq;
      sq.train(data.data(), 50, dim);
      Sq8Query query;
      query.prepare(metric, sq, q.data());
      std::vector<uint8_t> code(dim);
      std::vector<float> back(dim);
      for (std::size_t r = 0; r < 50; ++r) {
        sq.encode(&data[r * dim], code.data());
        sq.decode(code.data(), back.data());
        double expected =
            metric == Metric::L2 ? ref_l2(q.data(), back.data(), dim) : -ref_dot(q.data(), back.data(), dim);
        EXPECT_NEAR(query.distance(code.data()), expected, 1e-3 * (1 + std::fabs(expected))) << dim;
      }
    }
  }
}

TEST(Pq, EncodePicksNearestSubCentroid) {
  Pq pq;
  pq.init(8, 2);
  auto book = random_matrix(2 * 256, 4, 4);
  pq.codebook = book;
  pq.finalize();
  auto x = random_matrix(1, 8, 5);
  uint8_t code[2];
  pq.encode(x.data(), code);
  for (std::size_t s = 0; s < 2; ++s) {
    double best = ref_l2(&x[s * 4], pq.sub_centroid(s, code[s]), 4);
    for (std::size_t j = 0; j < 256; ++j) EXPECT_LE(best, ref_l2(&x[s * 4], pq.sub_centroid(s, j), 4) + 1e-9);
  }
}

TEST(Pq, TableDistanceMatchesDecodedReference) {
  const std::size_t dim = 32, m = 8;
  Pq pq;
  pq.init(dim, m);
  pq.codebook = random_matrix(m * 256, dim / m, 6, -0.2f, 0.2f);
  pq.finalize();
  auto centroid = random_matrix(1, dim, 7);
  auto q = random_matrix(1, dim, 8);
  auto xs = random_matrix(20, dim, 9);
  for (Metric metric : {Metric::L2, Metric::InnerProduct, Metric::Cosine}) {
    PqQuery query;
    query.prepare(metric, pq, q.data());
    query.set_list(centroid.data(), dim);
    std::vector<float> residual(dim), recon(dim);
    std::vector<uint8_t> code(m);
    for (std::size_t r = 0; r < 20; ++r) {
      for (std::size_t i = 0; i < dim; ++i) residual[i] = xs[r * dim + i] - centroid[i];
      pq.encode(residual.data(), code.data());
      pq.decode(code.data(), recon.data());
      for (std::size_t i = 0; i < dim; ++i) recon[i] += centroid[i];
      double expected =
          metric == Metric::L2 ? ref_l2(q.data(), recon.data(), dim) : -ref_dot(q.data(), recon.data(), dim);
      EXPECT_NEAR(query.distance(code.data()), expected, 1e-3 * (1 + std::fabs(expected)));
    }
  }
}

// nearest_centroids (four rows at a time) gives nearest_centroid's list for every row: every row count around the
// blocks of four, both metrics, and rows tied between two centroids (the first of equals wins in both).
TEST(Ivf, NearestCentroidsEqualsNearestCentroidRowByRow) {
  const std::size_t dim = 37, k = 23;
  std::vector<float> c = random_matrix(k, dim, 7);
  std::copy(c.begin(), c.begin() + dim, c.begin() + 5 * dim);  // centroids 0 and 5 equal: ties
  for (Metric metric : {Metric::L2, Metric::InnerProduct}) {
    for (std::size_t rows : {0, 1, 3, 4, 5, 8, 11}) {
      std::vector<float> x = random_matrix(rows, dim, 100 + unsigned(rows));
      if (rows > 2) std::copy(c.begin(), c.begin() + dim, x.begin() + 2 * dim);  // row 2 on the tied centroids
      std::vector<std::size_t> out(rows, 999);
      nearest_centroids(metric, x.data(), rows, c.data(), k, dim, out.data());
      for (std::size_t r = 0; r < rows; ++r)
        EXPECT_EQ(out[r], nearest_centroid(metric, x.data() + r * dim, c.data(), k, dim))
            << "metric " << int(metric) << " rows " << rows << " row " << r;
    }
  }
}

TEST(Ivf, NearestCentroidAndDefaults) {
  std::vector<float> c = {0, 0, 10, 10, -5, 5};
  float x[2] = {9, 8};
  float d;
  EXPECT_EQ(nearest_centroid(Metric::L2, x, c.data(), 3, 2, &d), 1u);
  EXPECT_NEAR(d, 5.f, 1e-5);
  float y[2] = {-1, 0.5f};
  EXPECT_EQ(nearest_centroid(Metric::InnerProduct, y, c.data(), 3, 2), 2u);
  EXPECT_EQ(default_pq_m(784), 98u);
  EXPECT_EQ(default_pq_m(64), 8u);
  EXPECT_EQ(default_pq_m(3), 1u);
  float z[3] = {0, 0, 0};
  EXPECT_FALSE(normalize(z, 3));
  float w[2] = {3, 4};
  EXPECT_TRUE(normalize(w, 2));
  EXPECT_NEAR(w[0], 0.6f, 1e-6);
}

// Every SIMD level computes the same PQ tables and argmin as AVX2 (each output accumulates over the sub-vector in
// order, with FMA), and SQ8 distances close to the portable ones: the level only changes speed.
TEST(QuantKernels, LevelsAgree) {
  using vx::core::SimdLevel;
  const QuantKernels& ref = quant_kernels_for(SimdLevel::Avx2);
  for (SimdLevel level : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512}) {
    const QuantKernels& k = quant_kernels_for(level);
    for (std::size_t dsub : {1u, 2u, 3u, 8u, 16u}) {
      auto book = random_matrix(256, dsub, 11);
      auto x = random_matrix(1, dsub, 12);
      float a[256], b[256];
      for (bool l2 : {true, false}) {
        (l2 ? k.pq_sub_l2 : k.pq_sub_dot)(x.data(), book.data(), dsub, a);
        (l2 ? ref.pq_sub_l2 : ref.pq_sub_dot)(x.data(), book.data(), dsub, b);
        for (int j = 0; j < 256; ++j) {
          if (k.level == SimdLevel::Scalar)
            EXPECT_NEAR(a[j], b[j], 1e-5f * (1 + std::fabs(b[j])));
          else
            EXPECT_EQ(a[j], b[j]) << "level " << int(k.level) << " dsub " << dsub << " j " << j;
        }
        EXPECT_EQ(k.argmin256(b), ref.argmin256(b));
      }
    }
    for (std::size_t n : {1u, 7u, 16u, 33u, 784u}) {
      auto av = random_matrix(1, n, 13), bv = random_matrix(1, n, 14);
      std::vector<uint8_t> c(n);
      for (std::size_t i = 0; i < n; ++i) c[i] = static_cast<uint8_t>((i * 37) & 0xff);
      const QuantKernels& s = quant_kernels_for(SimdLevel::Scalar);
      float l2 = s.sq8_l2(av.data(), bv.data(), c.data(), n), dot = s.sq8_dot(bv.data(), c.data(), n);
      EXPECT_NEAR(k.sq8_l2(av.data(), bv.data(), c.data(), n), l2, 1e-4f * (1 + std::fabs(l2)));
      EXPECT_NEAR(k.sq8_dot(bv.data(), c.data(), n), dot, 1e-4f * (1 + std::fabs(dot)));
    }
  }
}

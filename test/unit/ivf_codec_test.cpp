// The IVF codec interface (src/core/ivf/ivf_codec*.cpp): the registry, code sizes and codebook bytes as the meta page and
// index_check expect them, codebooks that survive their byte stream, scanners that score a page exactly as the
// quantizers' own query objects do, and the flat scanner's bounds and exact values.
#include "core/ivf/ivf_codec.h"
#include "core/half_copy.h"
#include "core/ivf/ivf_model.h"
#include "core/ivf/ivf_quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

using namespace vx::core;
using namespace vx::core::ivf;

namespace {

std::vector<float> random_floats(std::size_t n, unsigned seed, float scale = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Runs work items on the calling thread; k-means as "first k rows" (enough for the codec's plumbing).
class InlineServices final : public TrainingServices {
 public:
  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn, bool) override {
    for (std::size_t i = 0; i < n; ++i) fn(i);
  }
  void kmeans(const float* data, std::size_t rows, std::size_t dims, std::size_t k, int, int64_t,
              float* centroids) override {
    for (std::size_t c = 0; c < k; ++c)
      for (std::size_t i = 0; i < dims; ++i) centroids[c * dims + i] = data[(c % rows) * dims + i];
  }
};

}  // namespace

TEST(IvfCodec, RegistryByIdAndName) {
  ASSERT_EQ(codec_count(), 3u);
  EXPECT_STREQ(codec_info(Quantizer::Flat)->name, "flat");
  EXPECT_STREQ(codec_info(Quantizer::Sq8)->name, "sq8");
  EXPECT_STREQ(codec_info(Quantizer::Pq)->name, "pq");
  EXPECT_EQ(codec_info_by_name("PQ")->id, Quantizer::Pq);
  EXPECT_EQ(codec_info_by_name("nope"), nullptr);
  EXPECT_EQ(codec_info(7u), nullptr);
  for (std::size_t i = 0; i < codec_count(); ++i) EXPECT_EQ(static_cast<std::size_t>(codec_at(i).id), i);
  EXPECT_FALSE(codec_info(Quantizer::Flat)->lossy);
  EXPECT_TRUE(codec_info(Quantizer::Sq8)->lossy);
  EXPECT_EQ(codec_info(Quantizer::Pq)->min_train_rows, Pq::ksub);
}

// Heap postings (columns whose codes would not fit a page): no code, not an option value, every score 0 and never
// exact, so a scan re-ranks every candidate from the table.
TEST(IvfCodec, HeapCodecKeepsNoCode) {
  const CodecInfo* info = codec_info(Quantizer::Heap);
  ASSERT_NE(info, nullptr);
  EXPECT_STREQ(info->name, "heap");
  EXPECT_FALSE(info->option);
  EXPECT_EQ(codec_info_by_name("heap"), nullptr);
  EXPECT_TRUE(info->lossy);
  EXPECT_EQ(info->code_size(16000, 0), 0u);
  EXPECT_EQ(info->codebook_bytes(16000, 0), 0u);
  auto codec = info->create(16000, 0);
  EXPECT_EQ(codec->id(), Quantizer::Heap);
  EXPECT_TRUE(codec->rerank_all());
  EXPECT_FALSE(codec_info(Quantizer::Sq8)->create(8, 0)->rerank_all());
  const std::vector<float> q = random_floats(16000, 3);
  auto scanner = codec->scanner(Metric::L2, q.data(), nullptr);
  const uint8_t byte = 0;
  const uint8_t* codes[2] = {&byte, &byte};
  double d[2] = {-1, -1};
  uint8_t exact[2] = {1, 1};
  PagePrefetch prefetch(nullptr, 8192, 2);
  scanner->scan_page(codes, 2, d, exact, prefetch);
  EXPECT_EQ(d[0], 0.0);
  EXPECT_EQ(d[1], 0.0);
  EXPECT_EQ(exact[0] | exact[1], 0);
}

TEST(IvfCodec, SizesMatchTheCodecs) {
  for (std::size_t i = 0; i < codec_count(); ++i) {
    const CodecInfo& info = codec_at(i);
    for (std::size_t dims : {8u, 64u, 784u}) {
      const std::size_t m = default_pq_m(dims);
      auto codec = info.create(dims, m);
      EXPECT_EQ(codec->id(), info.id);
      EXPECT_EQ(codec->lossy(), info.lossy);
      EXPECT_EQ(codec->code_size(), info.code_size(dims, m)) << info.name;
      EXPECT_EQ(codec->codebook_bytes(), info.codebook_bytes(dims, m)) << info.name;
    }
  }
  // what the meta page and index_check have always said
  EXPECT_EQ(codec_info(Quantizer::Flat)->code_size(784, 0), 8u + 2 * 784);
  EXPECT_EQ(codec_info(Quantizer::Sq8)->codebook_bytes(784, 0), 2u * 784 * 4);
  EXPECT_EQ(codec_info(Quantizer::Pq)->codebook_bytes(784, 98), 256u * 784 * 4);
}

TEST(IvfCodec, LossyScannersScoreAsTheQuantizers) {
  const std::size_t dims = 32, rows = 300, lists = 3;
  auto data = random_floats(rows * dims, 1);
  auto query = random_floats(dims, 2);
  auto centroids = random_floats(lists * dims, 3, 0.1f);
  InlineServices services;
  for (Quantizer q : {Quantizer::Sq8, Quantizer::Pq}) {
    for (Metric metric : {Metric::L2, Metric::InnerProduct}) {
      auto codec = codec_info(q)->create(dims, 4);
      codec->train(TrainingSet{data.data(), rows, dims, metric, centroids.data(), lists}, services);
      // the codebook survives its byte stream
      std::vector<uint8_t> book(codec->codebook_bytes());
      codec->write_codebook(book.data());
      auto copy = codec_info(q)->create(dims, 4);
      copy->read_codebook(book.data());
      std::vector<uint8_t> book2(copy->codebook_bytes());
      copy->write_codebook(book2.data());
      EXPECT_EQ(book, book2);

      const std::size_t n = 20, list = 1;
      std::vector<uint8_t> codes(n * codec->code_size());
      std::vector<float> scratch(dims);
      std::vector<const uint8_t*> ptrs(n);
      for (std::size_t r = 0; r < n; ++r) {
        copy->encode(&data[r * dims], &centroids[list * dims], &codes[r * codec->code_size()], scratch.data());
        ptrs[r] = &codes[r * codec->code_size()];
      }
      auto scanner = copy->scanner(metric, query.data(), nullptr);
      scanner->set_list(&centroids[list * dims]);
      std::vector<double> dist(n);
      std::vector<uint8_t> exact(n);
      PagePrefetch none(nullptr, 8192, n);
      scanner->scan_page(ptrs.data(), n, dist.data(), exact.data(), none);
      for (std::size_t r = 0; r < n; ++r) {
        EXPECT_EQ(exact[r], 0);
        float expected;
        if (q == Quantizer::Sq8) {
          Sq8 sq;
          sq.vmin.resize(dims);
          sq.step.resize(dims);
          std::memcpy(sq.vmin.data(), book.data(), dims * sizeof(float));
          std::memcpy(sq.step.data(), book.data() + dims * sizeof(float), dims * sizeof(float));
          Sq8Query sq8;
          sq8.prepare(metric, sq, query.data());
          expected = sq8.distance(ptrs[r]);
        } else {
          Pq pq;
          pq.init(dims, 4);
          std::memcpy(pq.codebook.data(), book.data(), pq.codebook.size() * sizeof(float));
          pq.finalize();
          PqQuery pqq;
          pqq.prepare(metric, pq, query.data());
          pqq.set_list(&centroids[list * dims], dims);
          expected = pqq.distance(ptrs[r]);
        }
        EXPECT_EQ(dist[r], static_cast<double>(expected)) << codec_info(q)->name << " metric " << int(metric);
      }
    }
  }
}

TEST(IvfCodec, FlatScannerBoundsAndExactValues) {
  const std::size_t dims = 16, n = 6;
  auto codec = codec_info(Quantizer::Flat)->create(dims, 0);
  std::vector<float> rows(n * dims);
  std::mt19937 rng(4);
  std::uniform_int_distribution<int> pixel(0, 255);
  for (std::size_t i = 0; i < rows.size(); ++i)
    rows[i] = i < rows.size() / 2 ? static_cast<float>(pixel(rng)) : 0.1f * i;
  auto query = random_floats(dims, 5);
  std::vector<uint8_t> codes(n * codec->code_size());
  std::vector<const uint8_t*> ptrs(n);
  for (std::size_t r = 0; r < n; ++r) {
    codec->encode(&rows[r * dims], nullptr, &codes[r * codec->code_size()], nullptr);
    ptrs[r] = &codes[r * codec->code_size()];
  }
  for (Metric metric : {Metric::L2, Metric::InnerProduct}) {
    auto scanner = codec->scanner(metric, query.data(), nullptr);
    std::vector<double> dist(n);
    std::vector<uint8_t> exact(n);
    PagePrefetch none(nullptr, 8192, n);
    scanner->scan_page(ptrs.data(), n, dist.data(), exact.data(), none);
    std::vector<float> buf(dims);
    for (std::size_t r = 0; r < n; ++r) {
      const double op = sql_distance(metric, &rows[r * dims], query.data(), dims);
      EXPECT_LE(dist[r], op);
      EXPECT_EQ(exact[r] != 0, r < n / 2) << r;  // integer rows are exact copies, 0.1 * i are not
      if (exact[r]) {
        EXPECT_EQ(scanner->exact_value(ptrs[r], buf.data()), op);
      }
      EXPECT_EQ(scanner->exact_copy(ptrs[r]), exact[r] != 0);
    }
  }
}

TEST(IvfModel, NearestListAndCentroids) {
  Model m;
  m.metric = Metric::L2;
  m.dims = 2;
  m.lists = 3;
  m.centroids = {0, 0, 10, 10, -5, 5};
  float x[2] = {9, 8};
  EXPECT_EQ(m.nearest_list(x), 1u);
  EXPECT_EQ(m.centroid(2)[0], -5.f);
}

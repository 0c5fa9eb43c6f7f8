// The pq codec: product quantization of the residual (vector - list centroid), pq_m sub-quantizers of 256 centroids
// (core/ivf/ivf_quant.h Pq), scored by table lookup. Trained by one k-means per sub-quantizer on the residuals of at most
// kTrainRows sample rows. Approximate: the scan re-ranks with exact vectors.
#include "core/ivf/ivf_codec.h"
#include "core/ivf/ivf_quant.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace vx::core::ivf {

namespace {

constexpr std::size_t kTrainRows = 256 * 24;   // an evenly strided part of the sample is enough for 256 centroids
constexpr std::size_t kSampleRows = 256 * 40;  // rows the build samples at least (more than the coarse k-means)
constexpr int kIterations = 8;
constexpr int64_t kSeed = 4321;  // + the sub-quantizer: reproducible builds

// l2 tables depend on the list (codes are residuals): built per list; ip and cosine add a per-list term.
class PqScanner final : public ApproximateScanner<PqQuery> {
 public:
  PqScanner(Metric metric, const Pq& pq, const float* query) { query_.prepare(metric, pq, query); }
  void set_list(const float* centroid) override { query_.set_list(centroid, query_.pq->dim); }
};

class PqCodec final : public Codec {
 public:
  PqCodec(std::size_t dims, std::size_t m) { pq_.init(dims, m > 0 ? m : 1); }  // m > 0: checked by the build
  Quantizer id() const override { return Quantizer::Pq; }
  bool lossy() const override { return true; }
  std::size_t code_size() const override { return pq_.m; }

  void train(const TrainingSet& in, TrainingServices& services) override {
    const std::size_t dim = in.dims, dsub = pq_.dsub, m = pq_.m;
    const std::size_t rows = std::min(in.rows, kTrainRows);
    const std::size_t stride = in.rows / rows;
    std::vector<float> residuals(rows * dim);
    services.parallel_for(
        rows,
        [&](std::size_t r) {
          const float* x = in.data + r * stride * dim;
          std::size_t c = nearest_centroid(in.metric, x, in.centroids, in.lists, dim);
          for (std::size_t i = 0; i < dim; ++i) residuals[r * dim + i] = x[i] - in.centroids[c * dim + i];
        },
        false);
    services.parallel_for(
        m,
        [&](std::size_t s) {
          std::vector<float> sub(rows * dsub), book(Pq::ksub * dsub);
          for (std::size_t r = 0; r < rows; ++r)
            std::memcpy(&sub[r * dsub], &residuals[r * dim + s * dsub], dsub * sizeof(float));
          services.kmeans(sub.data(), rows, dsub, Pq::ksub, kIterations, kSeed + static_cast<int64_t>(s), book.data());
          std::memcpy(&pq_.codebook[s * Pq::ksub * dsub], book.data(), book.size() * sizeof(float));
        },
        true);
    pq_.finalize();
  }
  // m x 256 x dsub floats
  std::size_t codebook_bytes() const override { return pq_.codebook.size() * sizeof(float); }
  void write_codebook(uint8_t* out) const override { std::memcpy(out, pq_.codebook.data(), codebook_bytes()); }
  void read_codebook(const uint8_t* in) override {
    std::memcpy(pq_.codebook.data(), in, codebook_bytes());
    pq_.finalize();
  }
  void encode(const float* x, const float* centroid, uint8_t* code, float* scratch) const override {
    for (std::size_t i = 0; i < pq_.dim; ++i) scratch[i] = x[i] - centroid[i];
    pq_.encode(scratch, code);
  }
  std::unique_ptr<ListScanner> scanner(Metric metric, const float* query, ExactFn) const override {
    return std::make_unique<PqScanner>(metric, pq_, query);
  }

 private:
  Pq pq_;
};

}  // namespace

extern const CodecInfo kPqCodecInfo = {
    Quantizer::Pq,
    "pq",
    true,
    kSampleRows,
    Pq::ksub,
    [](std::size_t, std::size_t m) { return m; },
    [](std::size_t dims, std::size_t) { return Pq::ksub * dims * sizeof(float); },
    [](std::size_t dims, std::size_t m) -> std::unique_ptr<Codec> { return std::make_unique<PqCodec>(dims, m); },
};

}  // namespace vx::core::ivf

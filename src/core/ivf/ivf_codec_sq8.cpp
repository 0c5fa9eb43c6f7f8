// The sq8 codec: one byte per dimension (core/ivf/ivf_quant.h Sq8: per-dimension min and step trained on the sample),
// scored without decoding by the SQ8 kernels. Approximate: the scan re-ranks with exact vectors.
#include "core/ivf/ivf_codec.h"
#include "core/ivf/ivf_quant.h"

#include <cstring>

namespace vx::core::ivf {

namespace {

class Sq8Scanner final : public ApproximateScanner<Sq8Query> {
 public:
  Sq8Scanner(Metric metric, const Sq8& sq, const float* query) { query_.prepare(metric, sq, query); }
};

class Sq8Codec final : public Codec {
 public:
  explicit Sq8Codec(std::size_t dims) : dims_(dims) {
    sq_.vmin.assign(dims, 0.f);
    sq_.step.assign(dims, 0.f);
  }
  Quantizer id() const override { return Quantizer::Sq8; }
  bool lossy() const override { return true; }
  std::size_t code_size() const override { return dims_; }
  void train(const TrainingSet& sample, TrainingServices&) override {
    sq_.train(sample.data, sample.rows, sample.dims);
  }
  // vmin[dims] then step[dims]
  std::size_t codebook_bytes() const override { return 2 * dims_ * sizeof(float); }
  void write_codebook(uint8_t* out) const override {
    std::memcpy(out, sq_.vmin.data(), dims_ * sizeof(float));
    std::memcpy(out + dims_ * sizeof(float), sq_.step.data(), dims_ * sizeof(float));
  }
  void read_codebook(const uint8_t* in) override {
    std::memcpy(sq_.vmin.data(), in, dims_ * sizeof(float));
    std::memcpy(sq_.step.data(), in + dims_ * sizeof(float), dims_ * sizeof(float));
  }
  void encode(const float* x, const float*, uint8_t* code, float*) const override { sq_.encode(x, code); }
  std::unique_ptr<ListScanner> scanner(Metric metric, const float* query, ExactFn) const override {
    return std::make_unique<Sq8Scanner>(metric, sq_, query);
  }

 private:
  std::size_t dims_;
  Sq8 sq_;
};

}  // namespace

extern const CodecInfo kSq8CodecInfo = {
    Quantizer::Sq8,
    "sq8",
    true,
    0,
    0,
    [](std::size_t dims, std::size_t) { return dims; },
    [](std::size_t dims, std::size_t) { return 2 * dims * sizeof(float); },
    [](std::size_t dims, std::size_t) -> std::unique_ptr<Codec> { return std::make_unique<Sq8Codec>(dims); },
};

}  // namespace vx::core::ivf

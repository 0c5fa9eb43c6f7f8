// The bits codec: the postings of a bit column (bit_hamming_ops) as the value's own packed bits, one bit per
// dimension, scored by Hamming distance with the popcount kernels (core/kernels/bit_distance.h). A bit string's 0/1 float
// form is what IVF trains and assigns with (squared L2 = Hamming), but a half copy of it costs 16 bits per bit; packed,
// a posting of 64,000 bits fits a page. Scores are the operator's exact values (<~>), so scans return them as they are.
#include "core/kernels/bit_distance.h"
#include "core/ivf/ivf_codec.h"
#include "core/ivf/ivf_model.h"

#include <vector>

namespace vx::core::ivf {

namespace {

class BitsScanner final : public ListScanner {
 public:
  BitsScanner(const float* query, std::size_t dims) : bytes_(packed_bytes(dims)), query_(bytes_) {
    pack_bits(query, dims, query_.data());
  }
  void scan_page(const uint8_t* const* codes, std::size_t n, double* distances, uint8_t* exact,
                 PagePrefetch& prefetch) const override {
    const bits::Kernels& k = bits::kernels();
    score_page(
        codes, n, distances, exact, prefetch,
        [&](const uint8_t* c) { return static_cast<double>(k.hamming(query_.data(), c, bytes_)); },
        [](const uint8_t*) { return true; });
  }
  bool scores_exact() const override { return true; }
  bool exact_copy(const uint8_t*) const override { return true; }
  double exact_value(const uint8_t* code, float*) const override {
    return static_cast<double>(bits::kernels().hamming(query_.data(), code, bytes_));
  }

 private:
  std::size_t bytes_;
  std::vector<uint8_t> query_;
};

class BitsCodec final : public Codec {
 public:
  explicit BitsCodec(std::size_t dims) : dims_(dims) {}
  Quantizer id() const override { return Quantizer::Bits; }
  bool lossy() const override { return false; }
  std::size_t code_size() const override { return packed_bytes(dims_); }
  void encode(const float* x, const float*, uint8_t* code, float*) const override { pack_bits(x, dims_, code); }
  std::unique_ptr<ListScanner> scanner(Metric, const float* query, ExactFn) const override {
    return std::make_unique<BitsScanner>(query, dims_);
  }

 private:
  std::size_t dims_;
};

}  // namespace

extern const CodecInfo kBitsCodecInfo = {
    Quantizer::Bits,
    "bits",
    false,
    0,
    0,
    [](std::size_t dims, std::size_t) { return packed_bytes(dims); },
    [](std::size_t, std::size_t) { return std::size_t{0}; },
    [](std::size_t dims, std::size_t) -> std::unique_ptr<Codec> { return std::make_unique<BitsCodec>(dims); },
    false,
};

}  // namespace vx::core::ivf

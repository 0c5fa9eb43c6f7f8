// The flat codec: a half copy of the vector with its encoding error (core/half_copy.h). Scores are lower bounds of
// the SQL operator's value, in its units; a copy with zero error (not under cosine) gives that value itself, so
// ivfflat and ivf 'flat' return exact results (docs/ivf.md "Exactness").
#include "core/ivf/ivf_codec.h"

#include "core/kernels/half.h"
#include "core/half_copy.h"

namespace vx::core::ivf {

namespace {

class FlatScanner final : public ListScanner {
 public:
  FlatScanner(Metric metric, const float* query, std::size_t dims, ExactFn exact)
      : query_(query), dims_(dims), exact_(exact) {
    half_.prepare(metric, query, dims);
  }
  void scan_page(const uint8_t* const* codes, std::size_t n, double* distances, uint8_t* exact,
                 PagePrefetch& prefetch) const override {
    score_page(
        codes, n, distances, exact, prefetch, [this](const uint8_t* c) { return half_.lower_bound(c); },
        [this](const uint8_t* c) { return half_.exact_copy(c); });
  }
  bool exact_copy(const uint8_t* code) const override { return half_.exact_copy(code); }
  double exact_value(const uint8_t* code, float* buf) const override {
    if (exact_ == nullptr) return half_.exact_value(code, buf);  // a `vector` column
    half::decode(half_copy_halves(code), dims_, buf);
    return exact_(buf, query_, dims_);  // operands in the operator's order: indexed column, query
  }

 private:
  HalfCopyQuery half_;
  const float* query_;
  std::size_t dims_;
  ExactFn exact_;
};

class FlatCodec final : public Codec {
 public:
  explicit FlatCodec(std::size_t dims) : dims_(dims) {}
  Quantizer id() const override { return Quantizer::Flat; }
  bool lossy() const override { return false; }
  std::size_t code_size() const override { return half_copy_size(dims_); }
  void encode(const float* x, const float*, uint8_t* code, float*) const override { encode_half_copy(x, dims_, code); }
  std::unique_ptr<ListScanner> scanner(Metric metric, const float* query, ExactFn exact) const override {
    return std::make_unique<FlatScanner>(metric, query, dims_, exact);
  }

 private:
  std::size_t dims_;
};

}  // namespace

extern const CodecInfo kFlatCodecInfo = {
    Quantizer::Flat,
    "flat",
    false,
    0,
    0,
    [](std::size_t dims, std::size_t) { return half_copy_size(dims); },
    [](std::size_t, std::size_t) { return std::size_t{0}; },
    [](std::size_t dims, std::size_t) -> std::unique_ptr<Codec> { return std::make_unique<FlatCodec>(dims); },
};

}  // namespace vx::core::ivf

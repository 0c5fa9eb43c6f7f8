// The heap codec: postings of vectors whose flat (or sq8) code would not fit a posting page (halfvec over 4,068
// dimensions, up to the type's 16,000) keep the heap TID alone, and a scan re-ranks every candidate of the lists it
// probes with the exact vector read from the table (ListScanner scores are all 0; Codec::rerank_all). The result is
// exact over the probed lists, as flat's. Why not a half copy spread over pages: docs/ivf-internals.md
// "Dimension limits and the centroid form".
#include "core/ivf/ivf_codec.h"

namespace vx::core::ivf {

namespace {

class HeapScanner final : public ListScanner {
 public:
  void scan_page(const uint8_t* const* codes, std::size_t n, double* distances, uint8_t* exact,
                 PagePrefetch& prefetch) const override {
    score_page(
        codes, n, distances, exact, prefetch, [](const uint8_t*) { return 0.0; }, [](const uint8_t*) { return false; });
  }
};

class HeapCodec final : public Codec {
 public:
  Quantizer id() const override { return Quantizer::Heap; }
  bool lossy() const override { return true; }
  bool rerank_all() const override { return true; }
  std::size_t code_size() const override { return 0; }
  void encode(const float*, const float*, uint8_t*, float*) const override {}
  std::unique_ptr<ListScanner> scanner(Metric, const float*, ExactFn) const override {
    return std::make_unique<HeapScanner>();
  }
};

}  // namespace

extern const CodecInfo kHeapCodecInfo = {
    Quantizer::Heap,
    "heap",
    true,
    0,
    0,
    [](std::size_t, std::size_t) { return std::size_t{0}; },
    [](std::size_t, std::size_t) { return std::size_t{0}; },
    [](std::size_t, std::size_t) -> std::unique_ptr<Codec> { return std::make_unique<HeapCodec>(); },
    false,
};

}  // namespace vx::core::ivf

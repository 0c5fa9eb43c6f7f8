// The code an IVF index stores per row, as one interface (pure C++17, no Postgres, no Faiss). A quantizer is one
// Codec class (what a code is: its size, how a vector becomes one, the trained parameters and their byte stream)
// with its ListScanner (how one query scores codes, a list and a page at a time, as Faiss' InvertedListScanner),
// plus one row of the registry in ivf_codec.cpp (its on-disk id and option name). The access methods never switch
// on the quantizer: they ask the registry for sizes, create a codec and call it.
//   flat  a half copy with its encoding error (core/half_copy.h): scores are lower bounds of the SQL operator's
//         value, exact copies give that value itself (docs/ivf.md "Exactness")
//   sq8   one byte per dimension (core/ivf/ivf_quant.h Sq8): approximate, re-ranked with exact vectors
//   pq    pq_m bytes, product quantization of the residual (vector - list centroid): approximate, re-ranked
//   bits  packed bits (bit columns, whatever quantizer was asked for is 'flat'): scores are exact Hamming distances
//   heap  no code (columns whose flat or sq8 code would not fit a posting page): every candidate of the probed lists
//         is re-ranked with the exact vector read from the table
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "core/metric.h"

namespace vx::core::ivf {

// On-disk ids (the meta page's quantizer byte): never change one.
enum class Quantizer : uint8_t { Flat = 0, Sq8 = 1, Pq = 2, Bits = 3, Heap = 4 };

// Spreads cache-line prefetches of the next page of a list over the codes of this one: a posting page is a random
// place in shared buffers, and the hardware prefetcher stops at 4 kB boundaries; issued as one burst of 128 lines
// they stalled on full miss buffers (perf: ~11 % of an ivfflat query), spread they made the walk ~20 % faster.
class PagePrefetch {
 public:
  // `next` may be null (last page of the list): then step() does nothing.
  PagePrefetch(const void* next, std::size_t page_bytes, std::size_t codes)
      : next_(static_cast<const char*>(next)),
        end_(page_bytes),
        step_(codes > 0 ? (page_bytes / codes + 63) / 64 * 64 : page_bytes) {}
  // Before each code of this page.
  void step() {
    if (next_ == nullptr) return;
    for (std::size_t stop = off_ + step_ < end_ ? off_ + step_ : end_; off_ < stop; off_ += 64)
      __builtin_prefetch(next_ + off_);
  }

 private:
  const char* next_;
  std::size_t end_, step_, off_ = 0;
};

// The loop of ListScanner::scan_page: score(code) and is_exact(code) for each code, the prefetch spread over them.
template <class Score, class IsExact>
void score_page(const uint8_t* const* codes, std::size_t n, double* distances, uint8_t* exact, PagePrefetch& prefetch,
                Score score, IsExact is_exact) {
  for (std::size_t i = 0; i < n; ++i) {
    prefetch.step();
    distances[i] = score(codes[i]);
    exact[i] = is_exact(codes[i]);
  }
}

// The SQL operator's exact value between an indexed vector (the floats an exact copy decodes to) and the query (as
// the executor sees it): the type's own (ann_contract.h). nullptr: core::sql_distance, the `vector` operators.
using ExactFn = double (*)(const float* x, const float* query, std::size_t n);

// One query against the codes of the lists a scan probes. Not thread-safe; lives as long as the scan.
class ListScanner {
 public:
  virtual ~ListScanner() = default;
  // Before the codes of a list: its centroid (dims floats).
  virtual void set_list(const float* centroid) { (void)centroid; }
  // Scores the n codes of one page: distances[i] and exact[i] (1: an exact copy, see exact_value).
  virtual void scan_page(const uint8_t* const* codes, std::size_t n, double* distances, uint8_t* exact,
                         PagePrefetch& prefetch) const = 0;
  // For a code scan_page flagged exact: the SQL operator's value (never below its score). `buf` holds dims floats.
  virtual double exact_value(const uint8_t* code, float* buf) const {
    (void)code;
    (void)buf;
    return 0;
  }
  // Whether scan_page's scores are the SQL operator's exact values already (bits: Hamming counts), so a scan
  // returns them without reading the posting again.
  virtual bool scores_exact() const { return false; }
  // Re-checks, from the code alone, that it is still an exact copy (a posting read again, see ivf_scan.cpp).
  virtual bool exact_copy(const uint8_t* code) const {
    (void)code;
    return false;
  }
};

// The scanner of a lossy codec whose per-query object scores a code with distance(code): approximate scores in
// ranking units, no exact copies (sq8, pq).
template <class Query>
class ApproximateScanner : public ListScanner {
 public:
  void scan_page(const uint8_t* const* codes, std::size_t n, double* distances, uint8_t* exact,
                 PagePrefetch& prefetch) const override {
    score_page(
        codes, n, distances, exact, prefetch, [this](const uint8_t* c) { return query_.distance(c); },
        [](const uint8_t*) { return false; });
  }

 protected:
  Query query_;
};

// What a codec's training may use besides its sample; the Postgres layer provides it (k-means through the
// separately loaded Faiss module, worker threads that the backend can cancel: src/pg/ivf/ivf_train.cpp).
class TrainingServices {
 public:
  virtual ~TrainingServices() = default;
  // fn(i) for every i in [0, n), on worker threads; `report` counts finished items in the index build's progress.
  virtual void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn, bool report) = 0;
  // k-means of rows x dims points into k centroids (k x dims, L2), `iterations`, `seed`, on the calling thread.
  virtual void kmeans(const float* data, std::size_t rows, std::size_t dims, std::size_t k, int iterations,
                      int64_t seed, float* centroids) = 0;
};

// A training sample: rows x dims vectors (normalised for cosine) and the trained coarse centroids (lists x dims).
struct TrainingSet {
  const float* data;
  std::size_t rows, dims;
  Metric metric;
  const float* centroids;
  std::size_t lists;
};

class Codec {
 public:
  virtual ~Codec() = default;
  virtual Quantizer id() const = 0;
  // Approximate scores, re-ranked with exact vectors from the table (sq8, pq); false: lower bounds (flat).
  virtual bool lossy() const = 0;
  // The scores carry no order (heap): a scan re-ranks every candidate at once, whatever the rerank option says.
  virtual bool rerank_all() const { return false; }
  virtual std::size_t code_size() const = 0;
  // Trained parameters: fits `sample`; written to / read from the codebook pages as codebook_bytes() bytes.
  virtual void train(const TrainingSet& sample, TrainingServices& services) {
    (void)sample;
    (void)services;
  }
  virtual std::size_t codebook_bytes() const { return 0; }
  virtual void write_codebook(uint8_t* out) const { (void)out; }
  virtual void read_codebook(const uint8_t* in) { (void)in; }
  // Encodes x (dims floats, normalised for cosine) of the list with `centroid`; scratch holds dims floats.
  virtual void encode(const float* x, const float* centroid, uint8_t* code, float* scratch) const = 0;
  // A scanner for `query` (dims floats, normalised for cosine; must outlive the scanner).
  virtual std::unique_ptr<ListScanner> scanner(Metric metric, const float* query, ExactFn exact) const = 0;
};

// The registry row of a quantizer: what a build, a check and the page layout need before a codec exists.
struct CodecInfo {
  Quantizer id;
  const char* name;  // the ivf `quantizer` option's value
  bool lossy;
  std::size_t min_sample_rows;  // the build samples at least this many rows when the table has them
  std::size_t min_train_rows;   // fewer sampled rows: the build falls back (pq to sq8, see ivf_build.cpp)
  std::size_t (*code_size)(std::size_t dims, std::size_t pq_m);
  std::size_t (*codebook_bytes)(std::size_t dims, std::size_t pq_m);
  std::unique_ptr<Codec> (*create)(std::size_t dims, std::size_t pq_m);
  // A value of the ivf `quantizer` option; false: chosen by the column's type (bits, for bit columns).
  bool option = true;
};

// nullptr for an id or name no quantizer has (names compare case-insensitively).
const CodecInfo* codec_info(Quantizer id);
const CodecInfo* codec_info(uint32_t stored_id);
const CodecInfo* codec_info_by_name(const char* name);
// The quantizers a `quantizer` option can name, in id order (option validation lists their names).
std::size_t codec_count();
const CodecInfo& codec_at(std::size_t i);

}  // namespace vx::core::ivf

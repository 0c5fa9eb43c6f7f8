// A trained IVF model (pure C++17): the coarse quantizer (one centroid per list) and the codec of the postings. What
// the index's model pages hold (src/pg/ivf/ivf_model.cpp writes and reads them); immutable once built.
//
// Centroids are kept in the indexed type's own compact form (CentroidForm), on the pages and for ranking, so one
// centroid fits a page up to the type's IVF limit and the model a backend caches stays small:
//   Float32  vector: floats (2,000 dims: 8,000 bytes)
//   Half     halfvec: halves on the pages (4,000 dims: 8,000 bytes; 16,000: a run of 4 pages), ranked as the floats
//            they decode to exactly
//   Bits     bit: packed bits (64,000 bits: 8,000 bytes), the majority bit of each dimension of the list, ranked by
//            Hamming distance with the popcount kernels (the squared L2 distance of 0/1 vectors)
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/ivf/ivf_codec.h"
#include "core/ivf/ivf_quant.h"

namespace vx::core::ivf {

// On-disk ids (the meta page's element byte): never change one.
enum class CentroidForm : uint8_t { Float32 = 0, Half = 1, Bits = 2 };

// Bytes of one centroid of `dims` dimensions on a centroid page.
std::size_t centroid_bytes(CentroidForm form, std::size_t dims);
// Bytes of a packed bit string of `dims` bits (first bit = most significant bit of the first byte, as varbit).
inline std::size_t packed_bytes(std::size_t dims) { return (dims + 7) / 8; }
// x (dims floats, each 0 or 1) as packed bits: a bit is set where x[i] >= 0.5 (a centroid's majority); padding zero.
void pack_bits(const float* x, std::size_t dims, uint8_t* out);

// Whether the coarse k-means is spherical (unit centroids, rows assigned by inner product) for an index of `metric`
// whose postings use `quantizer`: always for cosine; for inner product unless the codec encodes residuals against
// the centroid (pq), where a unit centroid far from un-normalised rows would leave the norm in every residual (the
// list assignment by inner product then disagrees with L2 training, which is what pq trades for small residuals).
// docs/ivf.md, "Build and training".
bool spherical_training(Metric metric, Quantizer quantizer);

struct Model {
  Metric metric = Metric::L2;
  std::size_t dims = 0, lists = 0;
  CentroidForm form = CentroidForm::Float32;
  // lists x dims floats: training output; the ranking form of Float32 and Half centroids (Half: values a half holds
  // exactly). Empty for a loaded Bits model.
  std::vector<float> centroids;
  std::vector<uint8_t> bit_centroids;  // Bits: lists x packed_bytes(dims)
  std::unique_ptr<Codec> codec;

  // The float centroid of a list (what a codec encodes residuals against); nullptr for Bits centroids.
  const float* centroid(std::size_t list) const { return centroids.empty() ? nullptr : centroids.data() + list * dims; }
  // Ranking key between x (normalised for cosine) and a list's centroid: core::rank_distance's, the Hamming
  // distance for Bits (x is 0/1; packed: x packed by pack_bits, or nullptr to pack it here).
  float rank(const float* x, const uint8_t* packed, std::size_t list) const;
  // The list a vector (normalised for cosine) belongs to. No allocation.
  std::size_t nearest_list(const float* x) const;
  // nearest_list for `rows` vectors (rows x dims, row-major) into out[0..rows): the same lists, four rows at a time
  // (core::ivf::nearest_centroids) for float and half centroids.
  void nearest_lists(const float* x, std::size_t rows, std::size_t* out) const;

  // After training the float centroids: rounds them to the form's values (Half: to halves; Bits: packed majority
  // bits, and the floats are freed), so the build assigns rows by the centroids scans and inserts will read.
  void settle_centroids();
  // The centroids of lists [first, first + count) in their page form (centroid_bytes each), and back.
  void write_centroids(std::size_t first, std::size_t count, uint8_t* out) const;
  void read_centroids(std::size_t first, std::size_t count, const uint8_t* in);
};

}  // namespace vx::core::ivf

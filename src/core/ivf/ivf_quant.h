// IVF quantizers and their query-time kernels (pure C++17, no Postgres, no Faiss):
//   SQ8  one byte per dimension, per-dimension min/step trained on a sample; SIMD distances without decoding.
//   PQ   m sub-quantizers of 256 centroids each over dim/m sub-vectors of the residual (vector - list centroid);
//        distances by table lookup (one table per query, plus a per-list term).
// Internal distances are "smaller is nearer": squared L2 for l2, negative inner product for ip and cosine (cosine
// data and queries are normalised first).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/kernels/cpu_features.h"
#include "core/metric.h"

namespace vx::core::ivf {

// The one metric enum and normalisation of every access method (core/metric.h); IVF supports L2, InnerProduct and
// Cosine.
using core::Metric;
using core::normalize;

// Index of the nearest of `k` centroids (k x n, row-major) to x, with its distance.
std::size_t nearest_centroid(Metric metric, const float* x, const float* centroids, std::size_t k, std::size_t n,
                             float* best_distance = nullptr);
// nearest_centroid for `rows` vectors (rows x n, row-major) into out[0..rows): the same answers, four rows at a time
// through the _x4 kernels (each centroid read once per four rows instead of once per row).
void nearest_centroids(Metric metric, const float* x, std::size_t rows, const float* centroids, std::size_t k,
                       std::size_t n, std::size_t* out);

// ---- SQ8 ----
struct Sq8 {
  std::vector<float> vmin, step;  // code c decodes to vmin + (c + 0.5) * step... see encode()

  void train(const float* data, std::size_t rows, std::size_t dim);
  void encode(const float* x, uint8_t* code) const;
  void decode(const uint8_t* code, float* x) const;
  std::size_t dim() const { return vmin.size(); }
};

// Per-query precomputation so a code's distance is one fused pass over its bytes.
struct Sq8Query {
  Metric metric;
  std::vector<float> a, b;  // l2: sum (a_i - b_i * c_i)^2 ; ip: bias - sum b_i * c_i
  float bias = 0;
  void prepare(Metric metric, const Sq8& sq, const float* q);
  float distance(const uint8_t* code) const;
};

// ---- PQ ----
struct Pq {
  std::size_t dim = 0, m = 0, dsub = 0;
  static constexpr std::size_t ksub = 256;
  std::vector<float> codebook;    // m x 256 x dsub
  std::vector<float> codebook_t;  // m x dsub x 256 (transposed per sub-quantizer), built by finalize()

  void finalize();  // call after filling `codebook`, before encode() or PqQuery

  void init(std::size_t dim, std::size_t m);
  const float* sub_centroid(std::size_t sub, std::size_t j) const { return &codebook[(sub * ksub + j) * dsub]; }
  void encode(const float* residual, uint8_t* code) const;  // nearest sub-centroid per sub-vector (L2)
  void decode(const uint8_t* code, float* residual) const;
};

// Lookup tables for one query. For l2 the table depends on the list (it is built from q - centroid); for ip and
// cosine one table serves every list and the list adds -<q, centroid>.
struct PqQuery {
  Metric metric;
  const Pq* pq = nullptr;
  std::vector<float> query, table;  // table: m x 256
  float list_bias = 0;
  void prepare(Metric metric, const Pq& pq, const float* q);
  void set_list(const float* centroid, std::size_t dim);  // call before scanning a list's codes
  float distance(const uint8_t* code) const;
};

// The query-time kernels (quant_kernels_impl.h; scalar ones in ivf_quant.cpp), chosen at run time at the level of the
// float kernels (distance.h: AVX-512 / AVX2+FMA / scalar, lowered by VECTOREXT_SIMD).
struct QuantKernels {
  SimdLevel level;
  float (*sq8_l2)(const float* a, const float* b, const uint8_t* c, std::size_t n);  // sum (a_i - b_i c_i)^2
  float (*sq8_dot)(const float* b, const uint8_t* c, std::size_t n);                 // sum b_i c_i
  // The 256 squared distances / dot products from x (dsub floats) to the sub-centroids of a transposed codebook.
  void (*pq_sub_l2)(const float* x, const float* book_t, std::size_t dsub, float* out);
  void (*pq_sub_dot)(const float* x, const float* book_t, std::size_t dsub, float* out);
  std::size_t (*argmin256)(const float* d);  // first index of the smallest of 256 values
};
const QuantKernels& quant_kernels();
const QuantKernels& quant_kernels_for(SimdLevel level);  // an unsupported level gives the best supported one

namespace detail {
extern const QuantKernels kScalarQuantKernels;
extern const QuantKernels kAvx2QuantKernels;    // only valid where AVX2+FMA is supported
extern const QuantKernels kAvx512QuantKernels;  // only valid where AVX-512F is supported
}  // namespace detail

// Default number of sub-quantizers for a dimension: the largest divisor of dim that is <= dim / 8 (>= 1).
std::size_t default_pq_m(std::size_t dim);

}  // namespace vx::core::ivf

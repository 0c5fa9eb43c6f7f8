// The datasets of `make bench`, all derived from Fashion-MNIST (../shared/data/fashion-mnist, see its README):
//   fmnist784  the 60,000 training images as they are: 784 integer pixels 0..255, L2 (exact in half precision)
//   fmnist784h the same rows in a halfvec(784) column, halfvec_l2_ops (the type's own run; same ground truth)
//   pca256     PCA of the training images to 256 dims (centred, top axes), then L2-normalised; cosine
//   gauss1536  random Gaussian projection of the pixels (scaled to 0..1, not centred: like text embeddings, all
//              vectors share a strong common direction) to 1,536 dims, L2-normalised; inner product
//   scale768   1,000,000 rows: the 60,000 images, then mixes of two random images plus pixel noise, projected by a
//              random Gaussian matrix to 768 dims, L2-normalised; cosine (for `make bench-scale`)
// Queries are the first test images (projected the same way); the insert workload inserts later test images (the
// "pool"). Every derivation uses fixed seeds; results are cached in the cache directory (derivation.h).
// Every base row has a filter category from a fixed hash of its id: 1 = 10% of rows, 2 = 1%, 3 = 0.1%, 0 = the rest.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "options.h"

namespace ab {

enum class Metric { L2, Cosine, IP };
const char* metric_name(Metric m);      // l2, cosine, ip
const char* metric_operator(Metric m);  // <->, <=>, <#>

struct FilterClass {
  int category;
  double selectivity;
  const char* label;
};
const std::vector<FilterClass>& filter_classes();
int32_t category_of(int64_t id);

struct Dataset {
  std::string name, description;
  std::string short_description;  // for the summary table, e.g. "256-d float, normalised, cosine"
  Metric metric = Metric::L2;
  std::string sql_type = "vector";  // the column's type: vector or halfvec
  int dim = 0, n = 0, nq = 0, n_pool = 0;
  std::vector<float> base, queries, pool;    // row-major
  std::vector<uint8_t> base_u8, queries_u8;  // integer-pixel datasets only: ground truth in exact integers
  std::vector<int32_t> category;             // per base row
  bool integer_valued = false;               // values print as integers (exact as text and in half precision)
  uint64_t checksum = 0;                     // of the vectors: keys the ground-truth cache

  const float* row(int64_t i) const { return &base[size_t(i) * dim]; }
  const float* query(int qi) const { return &queries[size_t(qi) * dim]; }
  const float* pool_row(int j) const { return &pool[size_t(j) * dim]; }
};

// The first `queries` test images are queries; the pool starts after max(queries, 2000) test images.
Dataset load_dataset(const std::string& name, const Options& o);
bool known_dataset(const std::string& name);
// The operator class of the dataset's column type and metric: vector_l2_ops, halfvec_l2_ops, ...
std::string index_opclass(const Dataset& ds);

// A vector as a client sends it in text: shortest round-trip decimals ("%d" for integer data).
std::string vector_text(const float* v, int dim, bool integer_valued);

}  // namespace ab

// Training for IVF builds through the separately loaded vectorext_faiss module, on worker threads (DESIGN.md §3).
#pragma once

#include "core/ivf_quant.h"

#include <cstddef>

namespace vx::pg::ivf {

struct TrainInput {
  const float* data;  // rows x dim (normalised for cosine)
  std::size_t rows;
  int dim;
  core::ivf::Metric metric;
};

// k-means centroids (lists x dim) into `centroids`. Cancellable between iterations. Throws PgError / SqlError.
void train_centroids(const TrainInput& in, int lists, float* centroids);
// PQ codebooks on residuals (row - nearest centroid). Cancellable between sub-quantizers.
void train_pq(const TrainInput& in, const float* centroids, int lists, core::ivf::Pq& pq);

// k-means iterations used for centroids / PQ codebooks.
constexpr int kKmeansIterations = 10;
constexpr int kPqIterations = 8;
constexpr std::size_t kPqTrainRows = 256 * 24;

}  // namespace vx::pg::ivf

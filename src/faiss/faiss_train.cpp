// Faiss k-means behind a C ABI (see faiss_train.h). Faiss throws C++ exceptions: none may leave this file.
#include "faiss/faiss_train.h"

#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <mutex>

extern "C" void openblas_set_num_threads(int num_threads);  // from libopenblas; declared here to avoid cblas.h

namespace {
void copy_error(char* err, size_t err_len, const char* message) {
  if (!err || err_len == 0) return;
  std::strncpy(err, message, err_len - 1);
  err[err_len - 1] = '\0';
}
}  // namespace

extern "C" int vx_faiss_abi_version(void) { return VX_FAISS_ABI_VERSION; }

extern "C" int vx_faiss_kmeans(const VxKmeansRequest* r, char* err, size_t err_len) {
  try {
    if (!r || !r->data || !r->centroids || r->dim <= 0 || r->k <= 0 || r->n < r->k || r->iterations <= 0) {
      copy_error(err, err_len, "invalid k-means request");
      return -1;
    }
    // BLAS stays single-threaded: parallelism comes from OpenMP threads that Faiss starts on the calling (worker)
    // thread, which inherit its blocked signal mask.
    static std::once_flag blas_once;
    std::call_once(blas_once, [] { openblas_set_num_threads(1); });
    omp_set_num_threads(std::max(1, r->threads));

    faiss::ClusteringParameters cp;
    cp.niter = r->iterations;
    cp.nredo = 1;
    cp.verbose = false;
    cp.spherical = r->spherical != 0;
    cp.seed = static_cast<int>(r->seed);
    cp.min_points_per_centroid = 1;        // the caller sizes the sample; no warnings on stderr
    cp.max_points_per_centroid = 1 << 30;  // and no second subsampling here
    faiss::Clustering clustering(r->dim, r->k, cp);
    const size_t total = static_cast<size_t>(r->k) * static_cast<size_t>(r->dim);
    if (r->resume) clustering.centroids.assign(r->centroids, r->centroids + total);
    faiss::IndexFlatL2 assigner(r->dim);
    clustering.train(r->n, r->data, assigner);
    if (clustering.centroids.size() != total) {
      copy_error(err, err_len, "k-means returned an unexpected number of centroids");
      return -1;
    }
    std::memcpy(r->centroids, clustering.centroids.data(), total * sizeof(float));
    return 0;
  } catch (const std::exception& e) {
    copy_error(err, err_len, e.what());
  } catch (...) {
    copy_error(err, err_len, "unknown error in Faiss k-means");
  }
  return -1;
}

// Plain C ABI of the separately loaded training module vectorext_faiss.so (docs/architecture.md, "Layers"). The main module
// resolves these symbols with load_external_function() at index build time only, so no query-path backend ever
// maps Faiss, OpenBLAS or OpenMP. Callers pass float arrays in and get centroids out; nothing here touches
// Postgres, and every function is safe to call from a worker thread with all signals blocked.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {

// Bumped whenever a struct below changes; the main module refuses a module with another version.
#define VX_FAISS_ABI_VERSION 1

struct VxKmeansRequest {
  const float* data;  // n x dim, row-major
  int64_t n;
  int32_t dim;
  int32_t k;           // number of centroids (n >= k)
  int32_t iterations;  // k-means iterations to run in this call
  int32_t spherical;   // normalise centroids after each iteration (cosine)
  int64_t seed;
  int32_t threads;   // OpenMP threads for this call (>= 1)
  float* centroids;  // k x dim; if `resume` is set, used as the initial centroids (continues a previous call)
  int32_t resume;
};

typedef int (*VxFaissAbiVersionFn)(void);
// Returns 0 on success; on failure, -1 and an error message in err (NUL-terminated, truncated to err_len).
typedef int (*VxFaissKmeansFn)(const struct VxKmeansRequest* request, char* err, size_t err_len);

__attribute__((visibility("default"))) int vx_faiss_abi_version(void);
__attribute__((visibility("default"))) int vx_faiss_kmeans(const struct VxKmeansRequest* request, char* err,
                                                           size_t err_len);
}

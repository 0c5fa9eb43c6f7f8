// Loads vectorext_faiss.so on first use (index builds only) and runs its k-means on worker threads, one iteration
// (or one PQ sub-quantizer) per call so the main thread can stop the work promptly on cancel.
#include "pg/ivf_train.h"

#include "core/faiss_train.h"
#include "pg/workers.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <string>
#include <vector>

extern "C" {
#include "commands/progress.h"
#include "pgstat.h"
#include "utils/backend_progress.h"
}

namespace vx::pg::ivf {

namespace {

VxFaissKmeansFn kmeans_fn = nullptr;

long rss_kb() {
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) kb = strtol(line + 6, nullptr, 10);
  fclose(f);
  return kb;
}

// Restores the signal mask whichever way the load is left.
struct SignalMaskGuard {
  sigset_t previous;
  SignalMaskGuard() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
  }
  ~SignalMaskGuard() { pthread_sigmask(SIG_SETMASK, &previous, nullptr); }
};

VxFaissKmeansFn faiss_kmeans() {
  if (kmeans_fn) return kmeans_fn;
  // OpenBLAS reads these at load time: with one thread it starts no pool threads in this backend. Any thread a
  // library starts while loading inherits the all-blocked mask set here, so Postgres' signals stay on main.
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
  setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  long before = rss_kb();
  VxFaissAbiVersionFn version_fn;
  VxFaissKmeansFn fn;
  {
    SignalMaskGuard mask;
    call([&] {
      version_fn = reinterpret_cast<VxFaissAbiVersionFn>(
          load_external_function("$libdir/vectorext_faiss", "vx_faiss_abi_version", true, nullptr));
      fn = reinterpret_cast<VxFaissKmeansFn>(
          load_external_function("$libdir/vectorext_faiss", "vx_faiss_kmeans", true, nullptr));
    });
  }
  if (version_fn() != VX_FAISS_ABI_VERSION)
    throw SqlError(ERRCODE_INTERNAL_ERROR, "vectorext_faiss has ABI version " + std::to_string(version_fn()) +
                                               ", expected " + std::to_string(VX_FAISS_ABI_VERSION),
                   "", "Reinstall vectorext so that vectorext.so and vectorext_faiss.so match.");
  long after = rss_kb();
  call([&] { elog(DEBUG1, "loaded vectorext_faiss: backend RSS %ld kB -> %ld kB", before, after); });
  kmeans_fn = fn;
  return fn;
}

void run_kmeans(VxFaissKmeansFn fn, VxKmeansRequest& req) {
  char err[512] = {0};
  if (fn(&req, err, sizeof err) != 0)
    throw SqlError(ERRCODE_INTERNAL_ERROR, std::string("k-means training failed: ") + err);
}

}  // namespace

void train_centroids(const TrainInput& in, int lists, float* centroids) {
  VxFaissKmeansFn fn = faiss_kmeans();
  const int threads = maintenance_thread_count();
  std::atomic<int> done{0};
  run_workers(
      1,
      [&](int, const std::atomic<bool>& stop) {
        VxKmeansRequest req{};
        req.data = in.data;
        req.n = static_cast<int64_t>(in.rows);
        req.dim = in.dim;
        req.k = lists;
        req.iterations = 1;
        req.spherical = in.metric == core::ivf::Metric::Cosine;
        req.seed = 1234;
        req.threads = threads;
        req.centroids = centroids;
        for (int it = 0; it < kKmeansIterations && !stop.load(); ++it) {
          req.resume = it > 0;
          run_kmeans(fn, req);
          done.store(it + 1);
        }
      },
      [&] {
        pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, kKmeansIterations);
        pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, done.load());
      });
}

void train_pq(const TrainInput& in, const float* centroids, int lists, core::ivf::Pq& pq) {
  VxFaissKmeansFn fn = faiss_kmeans();
  // A bounded, evenly strided part of the sample is enough for 256 centroids per sub-quantizer.
  const std::size_t dim = in.dim, dsub = pq.dsub, m = pq.m;
  const std::size_t rows = std::min<std::size_t>(in.rows, kPqTrainRows);
  const std::size_t stride = in.rows / rows;
  std::vector<float> residuals(rows * dim);
  const int threads = maintenance_thread_count();
  std::atomic<std::size_t> next{0};
  std::atomic<int> finished{0};
  // residuals (parallel over rows), then one k-means per sub-quantizer (parallel over sub-quantizers)
  run_workers(
      threads,
      [&](int worker, const std::atomic<bool>& stop) {
        for (std::size_t r = worker; r < rows && !stop.load(); r += threads) {
          const float* x = in.data + r * stride * dim;
          std::size_t c = core::ivf::nearest_centroid(in.metric, x, centroids, lists, dim);
          for (std::size_t i = 0; i < dim; ++i) residuals[r * dim + i] = x[i] - centroids[c * dim + i];
        }
      },
      {});
  run_workers(
      threads,
      [&](int, const std::atomic<bool>& stop) {
        std::vector<float> sub(rows * dsub);
        std::vector<float> book(core::ivf::Pq::ksub * dsub);
        for (std::size_t s = next.fetch_add(1); s < m && !stop.load(); s = next.fetch_add(1)) {
          for (std::size_t r = 0; r < rows; ++r)
            std::memcpy(&sub[r * dsub], &residuals[r * dim + s * dsub], dsub * sizeof(float));
          VxKmeansRequest req{};
          req.data = sub.data();
          req.n = static_cast<int64_t>(rows);
          req.dim = static_cast<int32_t>(dsub);
          req.k = core::ivf::Pq::ksub;
          req.iterations = kPqIterations;
          req.seed = 4321 + static_cast<int64_t>(s);
          req.threads = 1;
          req.centroids = book.data();
          run_kmeans(fn, req);
          std::memcpy(&pq.codebook[s * core::ivf::Pq::ksub * dsub], book.data(), book.size() * sizeof(float));
          finished.fetch_add(1);
        }
      },
      [&] {
        pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, static_cast<int64>(m));
        pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, finished.load());
      });
}

}  // namespace vx::pg::ivf

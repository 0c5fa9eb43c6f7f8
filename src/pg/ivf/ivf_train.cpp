// Training of IVF builds: loads vectorext_faiss.so on first use (index builds only) and runs its k-means on worker
// threads, one iteration (or one codec work item) per call, so the main thread can stop the work promptly on cancel
// (docs/ivf.md, "Faiss in its own module"). C++ over the boundary kit (workers.h): its two entry points are guarded.
#include "pg/ivf/ivf.h"

#include "core/kernels/cpu_features.h"
#include "core/kernels/int8.h"
#include "faiss/faiss_train.h"
#include "pg/workers.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <string>

extern "C" {
#include "commands/progress.h"
#include "pgstat.h"
#include "utils/backend_progress.h"
}

namespace vx::pg::ivf {

namespace {

constexpr int kKmeansIterations = 10;  // coarse centroids (the codecs choose their own)

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

// OpenBLAS chooses its kernels by CPU model when it loads, and a model it does not know gets its baseline SSE3
// kernels: Debian 12's 0.3.21 runs sgemm (Faiss's k-means assignment step) with sgemm_kernel_PRESCOTT on Intel's model
// 207 (Emerald Rapids), ~6x slower than its AVX-512 kernels there (docs/ivf.md). The kernel family this CPU can run
// (AVX-512 F and BW: "SkylakeX"; AVX2 with FMA: "Haswell"), or null; x86 only. Never more than the CPU has, so the
// worst case on a model OpenBLAS knows is its own choice's kernels under another name.
const char* openblas_coretype() {
#if defined(__x86_64__)
  if (vx::core::int8::kernels_for(vx::core::SimdLevel::Avx512).level == vx::core::SimdLevel::Avx512)
    return "SkylakeX";
  if (vx::core::simd_level_supported(vx::core::SimdLevel::Avx2)) return "Haswell";
#endif
  return nullptr;
}

VxFaissKmeansFn faiss_kmeans() {
  if (kmeans_fn) return kmeans_fn;
  // OpenBLAS reads these at load time: with one thread it starts no pool threads in this backend. Any thread a
  // library starts while loading inherits the all-blocked mask set here, so Postgres' signals stay on main.
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
  setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  if (const char* core = openblas_coretype()) setenv("OPENBLAS_CORETYPE", core, 0);  // a setting of the user's wins
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
    throw SqlError(ERRCODE_INTERNAL_ERROR,
                   "vectorext_faiss has ABI version " + std::to_string(version_fn()) + ", expected " +
                       std::to_string(VX_FAISS_ABI_VERSION),
                   "", "Reinstall vectorext so that vectorext.so and vectorext_faiss.so match.");
  long after = rss_kb();
  const char* coretype = getenv("OPENBLAS_CORETYPE");
  call([&] {
    elog(DEBUG1, "loaded vectorext_faiss: backend RSS %ld kB -> %ld kB, OPENBLAS_CORETYPE %s", before, after,
         coretype ? coretype : "(unset: OpenBLAS's own choice)");
  });
  kmeans_fn = fn;
  return fn;
}

void run_kmeans(VxFaissKmeansFn fn, VxKmeansRequest& req) {
  char err[512] = {0};
  if (fn(&req, err, sizeof err) != 0)
    throw SqlError(ERRCODE_INTERNAL_ERROR, std::string("k-means training failed: ") + err);
}

void report_progress(int64 total, int64 done) {
  pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, total);
  pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, done);
}

// What a codec's training may use: worker threads the backend can cancel, and single-threaded Faiss k-means.
class Services final : public core::ivf::TrainingServices {
 public:
  explicit Services(VxFaissKmeansFn fn) : fn_(fn) {}
  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn, bool report) override {
    const int threads = maintenance_thread_count();
    std::atomic<std::size_t> next{0}, finished{0};
    run_workers(
        threads,
        [&](int, const std::atomic<bool>& stop) {
          for (std::size_t i = next.fetch_add(1); i < n && !stop.load(); i = next.fetch_add(1)) {
            fn(i);
            finished.fetch_add(1);
          }
        },
        report ? std::function<void()>(
                     [&] { report_progress(static_cast<int64>(n), static_cast<int64>(finished.load())); })
               : std::function<void()>());
  }
  void kmeans(const float* data, std::size_t rows, std::size_t dims, std::size_t k, int iterations, int64_t seed,
              float* centroids) override {
    VxKmeansRequest req{};
    req.data = data;
    req.n = static_cast<int64_t>(rows);
    req.dim = static_cast<int32_t>(dims);
    req.k = static_cast<int32_t>(k);
    req.iterations = iterations;
    req.seed = seed;
    req.threads = 1;  // called from worker threads: one OpenMP thread each
    req.centroids = centroids;
    run_kmeans(fn_, req);
  }

 private:
  VxFaissKmeansFn fn_;
};

}  // namespace

void train_centroids(const TrainInput& in, core::ivf::Model* model) {
  guard([&] {
    VxFaissKmeansFn fn = faiss_kmeans();
    const int threads = maintenance_thread_count();
    std::atomic<int> done{0};
    float* centroids = model->centroids.data();
    const int lists = static_cast<int>(model->lists);
    run_workers(
        1,
        [&](int, const std::atomic<bool>& stop) {
          VxKmeansRequest req{};
          req.data = in.data;
          req.n = static_cast<int64_t>(in.rows);
          req.dim = in.dim;
          req.k = lists;
          req.iterations = 1;
          req.spherical = core::ivf::spherical_training(in.metric, model->codec->id());
          req.seed = 1234;
          req.threads = threads;
          req.centroids = centroids;
          for (int it = 0; it < kKmeansIterations && !stop.load(); ++it) {
            req.resume = it > 0;
            run_kmeans(fn, req);
            done.store(it + 1);
          }
        },
        [&] { report_progress(kKmeansIterations, done.load()); });
  });
}

void train_codec(const TrainInput& in, core::ivf::Model* model) {
  guard([&] {
    Services services(faiss_kmeans());
    const core::ivf::TrainingSet sample{
        in.data, in.rows, static_cast<std::size_t>(in.dim), in.metric, model->centroids.data(), model->lists};
    model->codec->train(sample, services);
  });
}

}  // namespace vx::pg::ivf

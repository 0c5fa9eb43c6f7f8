// Google Benchmark for the distance kernels: time per distance (one query against a rotating pool of base vectors
// that stays cache-resident) for each SIMD level this CPU supports, so the speedup of each level is visible.
// Run: kernel_bench [--benchmark_filter=...]; names are <metric>/<level>/<dims>.
#include "core/kernels/distance.h"
#include "core/kernels/half.h"

#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

namespace {

using vx::core::DistanceKernels;
using vx::core::SimdLevel;

constexpr std::size_t kPool = 32;  // base vectors per run: 32 x 1536 floats = 192 KiB, within L2

struct Data {
  std::vector<float> query, base;
  std::size_t dims;
  explicit Data(std::size_t d) : dims(d) {
    std::mt19937 rng(static_cast<std::uint32_t>(d));
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    query.resize(d);
    base.resize(d * kPool);
    for (auto& x : query) x = dist(rng);
    for (auto& x : base) x = dist(rng);
  }
};

enum class Metric { L2Squared, InnerProduct, Cosine, L1 };

void run(benchmark::State& state, const DistanceKernels* k, Metric metric, std::size_t dims) {
  Data data(dims);
  const float* q = data.query.data();
  std::size_t j = 0;
  for (auto _ : state) {
    const float* v = data.base.data() + j * dims;
    j = (j + 1) % kPool;
    switch (metric) {
      case Metric::L2Squared:
        benchmark::DoNotOptimize(k->l2_squared(q, v, dims));
        break;
      case Metric::InnerProduct:
        benchmark::DoNotOptimize(k->inner_product(q, v, dims));
        break;
      case Metric::L1:
        benchmark::DoNotOptimize(k->l1(q, v, dims));
        break;
      case Metric::Cosine: {
        float dot, na, nb;
        k->dot_and_norms(q, v, dims, &dot, &na, &nb);
        benchmark::DoNotOptimize(vx::core::cosine_distance_from_parts(dot, na, nb));
        break;
      }
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(2 * dims * sizeof(float)));
}

// Float query against half copies (what an HNSW / IVF scan computes per visited element): l2 only.
void run_half(benchmark::State& state, const vx::core::half::Kernels* k, std::size_t dims) {
  Data data(dims);
  std::vector<std::uint16_t> copies(data.base.size());
  vx::core::half::encode(data.base.data(), data.base.size(), copies.data());
  const float* q = data.query.data();
  std::size_t j = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(k->l2_squared(q, copies.data() + j * dims, dims));
    j = (j + 1) % kPool;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(dims * (sizeof(float) + 2)));
}

}  // namespace

int main(int argc, char** argv) {
  const struct {
    const char* name;
    Metric metric;
  } metrics[] = {{"l2_squared", Metric::L2Squared},
                 {"inner_product", Metric::InnerProduct},
                 {"cosine", Metric::Cosine},
                 {"l1", Metric::L1}};
  for (const auto& m : metrics)
    for (std::size_t dims : {128, 784, 1536})
      for (SimdLevel level : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512}) {
        if (!vx::core::simd_level_supported(level)) continue;
        std::string name = std::string(m.name) + "/" + vx::core::simd_level_name(level) + "/" + std::to_string(dims);
        benchmark::RegisterBenchmark(name.c_str(), run, &vx::core::kernels_for(level), m.metric, dims);
      }
  for (std::size_t dims : {128, 784, 1536})
    for (SimdLevel level : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512}) {
      const vx::core::half::Kernels& k = vx::core::half::kernels_for(level);
      if (k.level != level) continue;  // not on this CPU
      std::string name =
          std::string("half_l2_squared/") + vx::core::simd_level_name(level) + "/" + std::to_string(dims);
      benchmark::RegisterBenchmark(name.c_str(), run_half, &k, dims);
    }
  // In the context block rather than printed, so --benchmark_format=json stays valid JSON.
  benchmark::AddCustomContext("vectorext_simd_detected", vx::core::simd_level_name(vx::core::detect_simd_level()));
  benchmark::AddCustomContext("vectorext_simd_dispatched", vx::core::simd_level_name(vx::core::kernels().level));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

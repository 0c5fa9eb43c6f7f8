// Google Benchmark for the IVF quantizer kernels: time to score one list page's worth of codes (sq8: one fused pass
// per code; pq: one table lookup pass per code, after the per-list table), and the encodings. Names are
// <what>/<dims>; the level is the dispatched one (VECTOREXT_SIMD lowers it).
#include "core/ivf/ivf_quant.h"

#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

namespace {

namespace ivf = vx::core::ivf;

std::vector<float> random_floats(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

constexpr std::size_t kCodes = 256;  // codes scored per iteration (about 50 pages of 784-d sq8 codes)

void sq8_scan(benchmark::State& state, ivf::Metric metric, std::size_t dim) {
  auto data = random_floats(kCodes * dim, 1), q = random_floats(dim, 2);
  ivf::Sq8 sq;
  sq.train(data.data(), kCodes, dim);
  std::vector<uint8_t> codes(kCodes * dim);
  for (std::size_t r = 0; r < kCodes; ++r) sq.encode(&data[r * dim], &codes[r * dim]);
  ivf::Sq8Query query;
  query.prepare(metric, sq, q.data());
  for (auto _ : state)
    for (std::size_t r = 0; r < kCodes; ++r) benchmark::DoNotOptimize(query.distance(&codes[r * dim]));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kCodes));
}

ivf::Pq trained_pq(std::size_t dim, std::size_t m) {
  ivf::Pq pq;
  pq.init(dim, m);
  pq.codebook = random_floats(m * ivf::Pq::ksub * (dim / m), 3);
  pq.finalize();
  return pq;
}

// One list: the per-list table (l2) and the lookups of kCodes codes.
void pq_scan(benchmark::State& state, ivf::Metric metric, std::size_t dim, std::size_t m) {
  ivf::Pq pq = trained_pq(dim, m);
  auto data = random_floats(kCodes * dim, 4), q = random_floats(dim, 5), centroid = random_floats(dim, 6);
  std::vector<uint8_t> codes(kCodes * m);
  for (std::size_t r = 0; r < kCodes; ++r) pq.encode(&data[r * dim], &codes[r * m]);
  ivf::PqQuery query;
  query.prepare(metric, pq, q.data());
  for (auto _ : state) {
    query.set_list(centroid.data(), dim);
    for (std::size_t r = 0; r < kCodes; ++r) benchmark::DoNotOptimize(query.distance(&codes[r * m]));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kCodes));
}

void pq_encode(benchmark::State& state, std::size_t dim, std::size_t m) {
  ivf::Pq pq = trained_pq(dim, m);
  auto x = random_floats(dim, 7);
  std::vector<uint8_t> code(m);
  for (auto _ : state) {
    pq.encode(x.data(), code.data());
    benchmark::DoNotOptimize(code.data());
  }
}

}  // namespace

// Registered from a static initializer: main() is distance_bench.cpp's.
static const bool registered = [] {
  for (std::size_t dim : {128, 784}) {
    const std::string d = std::to_string(dim);
    benchmark::RegisterBenchmark(("sq8_scan_l2/" + d).c_str(), sq8_scan, ivf::Metric::L2, dim);
    benchmark::RegisterBenchmark(("sq8_scan_ip/" + d).c_str(), sq8_scan, ivf::Metric::InnerProduct, dim);
    benchmark::RegisterBenchmark(("pq_scan_l2/" + d).c_str(), pq_scan, ivf::Metric::L2, dim, dim / 8);
    benchmark::RegisterBenchmark(("pq_scan_ip/" + d).c_str(), pq_scan, ivf::Metric::InnerProduct, dim, dim / 8);
    benchmark::RegisterBenchmark(("pq_encode/" + d).c_str(), pq_encode, dim, dim / 8);
  }
  return true;
}();

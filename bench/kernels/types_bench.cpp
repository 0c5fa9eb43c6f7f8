// Google Benchmark for the kernels of the halfvec, bit and sparsevec types (registered before main() runs, in the
// same kernel_bench binary as distance_bench.cpp): halfvec x halfvec per SIMD level, Hamming / Jaccard per popcount
// level, sparse merges by number of nonzeros. Names are <kernel>/<level>/<size>.
#include "core/kernels/bit_distance.h"
#include "core/kernels/half.h"
#include "core/types/sparsevec.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace {

using vx::core::SimdLevel;
constexpr std::size_t kPool = 32;
constexpr SimdLevel kLevels[] = {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512};

void half_pair(benchmark::State& state, const vx::core::half::PairKernels* k, bool cosine, std::size_t dims) {
  std::mt19937 rng(static_cast<std::uint32_t>(dims));
  std::normal_distribution<float> g(0, 1);
  std::vector<std::uint16_t> q(dims), base(dims * kPool);
  for (auto& x : q) x = vx::core::half::from_float(g(rng));
  for (auto& x : base) x = vx::core::half::from_float(g(rng));
  std::size_t j = 0;
  for (auto _ : state) {
    const std::uint16_t* v = base.data() + j * dims;
    j = (j + 1) % kPool;
    if (cosine) {
      float dot, na, nb;
      k->dot_and_norms(q.data(), v, dims, &dot, &na, &nb);
      benchmark::DoNotOptimize(dot + na + nb);
    } else {
      benchmark::DoNotOptimize(k->l2_squared(q.data(), v, dims));
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void bits(benchmark::State& state, const vx::core::bits::Kernels* k, bool jaccard, std::size_t nbits) {
  const std::size_t bytes = nbits / 8;
  std::mt19937 rng(static_cast<std::uint32_t>(nbits));
  std::vector<std::uint8_t> q(bytes), base(bytes * kPool);
  for (auto& x : q) x = static_cast<std::uint8_t>(rng());
  for (auto& x : base) x = static_cast<std::uint8_t>(rng());
  std::size_t j = 0;
  for (auto _ : state) {
    const std::uint8_t* v = base.data() + j * bytes;
    j = (j + 1) % kPool;
    if (jaccard) {
      std::uint64_t ab, aa, bb;
      k->jaccard_counts(q.data(), v, bytes, &ab, &aa, &bb);
      benchmark::DoNotOptimize(ab + aa + bb);
    } else {
      benchmark::DoNotOptimize(k->hamming(q.data(), v, bytes));
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// SPLADE-like: 30,522 dimensions (BERT's vocabulary), nnz nonzeros at random positions in each vector.
void sparse_ip(benchmark::State& state, int nnz) {
  const int dim = 30522;
  std::mt19937 rng(static_cast<std::uint32_t>(nnz));
  auto make = [&](std::vector<std::int32_t>& idx, std::vector<float>& val) {
    std::vector<std::int32_t> all(dim);
    for (int i = 0; i < dim; i++) all[i] = i;
    std::shuffle(all.begin(), all.end(), rng);
    idx.assign(all.begin(), all.begin() + nnz);
    std::sort(idx.begin(), idx.end());
    val.assign(nnz, 0.5f);
  };
  std::vector<std::vector<std::int32_t>> idx(kPool + 1);
  std::vector<std::vector<float>> val(kPool + 1);
  for (std::size_t i = 0; i <= kPool; i++) make(idx[i], val[i]);
  const vx::core::sparse::View q{dim, nnz, idx[kPool].data(), val[kPool].data()};
  std::size_t j = 0;
  for (auto _ : state) {
    const vx::core::sparse::View v{dim, nnz, idx[j].data(), val[j].data()};
    j = (j + 1) % kPool;
    benchmark::DoNotOptimize(vx::core::sparse::inner_product(q, v));
  }
  state.SetItemsProcessed(state.iterations());
}

const bool registered = [] {
  for (SimdLevel level : kLevels) {
    const vx::core::half::PairKernels& k = vx::core::half::pair_kernels_for(level);
    if (k.level != level) continue;  // not on this CPU
    for (std::size_t dims : {1536, 3072}) {
      const std::string suffix = std::string("/") + vx::core::simd_level_name(level) + "/" + std::to_string(dims);
      benchmark::RegisterBenchmark(("halfvec_l2_squared" + suffix).c_str(), half_pair, &k, false, dims);
      benchmark::RegisterBenchmark(("halfvec_cosine" + suffix).c_str(), half_pair, &k, true, dims);
    }
  }
  for (SimdLevel level : kLevels) {
    const vx::core::bits::Kernels& k = vx::core::bits::kernels_for(level);
    if (k.level != level) continue;
    for (std::size_t nbits : {1024, 3072, 64000}) {
      const std::string suffix = std::string("/") + vx::core::simd_level_name(level) + "/" + std::to_string(nbits);
      benchmark::RegisterBenchmark(("bit_hamming" + suffix).c_str(), bits, &k, false, nbits);
      benchmark::RegisterBenchmark(("bit_jaccard" + suffix).c_str(), bits, &k, true, nbits);
    }
  }
  for (int nnz : {100, 1000, 16000})
    benchmark::RegisterBenchmark(("sparsevec_inner_product/merge/" + std::to_string(nnz)).c_str(), sparse_ip, nnz);
  return true;
}();

}  // namespace

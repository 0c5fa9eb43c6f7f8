#!/usr/bin/env bash
# Distance-kernel micro-benchmarks (Google Benchmark): ns per distance at 128 / 784 / 1536 dims for every SIMD level
# this CPU supports, plus the halfvec, bit and sparsevec kernels (bench/kernels/types_bench.cpp), pinned to one CPU.
# Part of `make bench`; not a test.
source "$(dirname "$0")/../scripts/lib.sh"
say "distance kernels (Google Benchmark, pinned to CPU ${VX_BENCH_CPU:-0})"
cmake -S "$REPO" -B "$REPO/build/cmake" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$REPO/build/cmake" -j2 --target kernel_bench >/dev/null
mkdir -p "$REPO/bench/out"
taskset -c "${VX_BENCH_CPU:-0}" "$REPO/build/cmake/kernel_bench" --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true 2>&1 | grep -E "^(Benchmark|-|.*_median)" | tee "$REPO/bench/out/kernels.log"

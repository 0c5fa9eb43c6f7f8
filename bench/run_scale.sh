#!/usr/bin/env bash
# `make bench-scale` (opt-in, long: pgvector alone needs tens of minutes here): CREATE INDEX hnsw at 1,000,000 rows x
# 768 dims (scale768: synthetic Fashion-MNIST mixes, Gaussian projection, normalised, cosine) with 2 threads in both
# systems (max_parallel_maintenance_workers = 1: the leader plus one worker), index size and WAL, then the recall
# curve of both indexes on 200 queries. Every VX_BENCH_* setting of bench/run.sh can still be overridden.
export VX_BENCH_DATASETS=${VX_BENCH_DATASETS:-scale768}
export VX_BENCH_WORKLOADS=${VX_BENCH_WORKLOADS:-search}
export VX_BENCH_PARTS=${VX_BENCH_PARTS:-hnsw}
export VX_BENCH_QUERIES=${VX_BENCH_QUERIES:-200}
export VX_BENCH_RAW=${VX_BENCH_RAW-none}
export VX_BENCH_THREADS=${VX_BENCH_THREADS:-2}
# table 3 GB per system; pgvector builds the graph in memory only when it fits in maintenance_work_mem
export VX_BENCH_SHARED_BUFFERS=${VX_BENCH_SHARED_BUFFERS:-4GB}
export VX_BENCH_MAINTENANCE_WORK_MEM=${VX_BENCH_MAINTENANCE_WORK_MEM:-8GB}
export VX_BENCH_OUT=${VX_BENCH_OUT:-$(cd "$(dirname "$0")" && pwd)/out/scale}
exec bash "$(dirname "$0")/run.sh" --ef=10,20,40,80,120,160,240,320 "$@"

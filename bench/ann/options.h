// Command-line options of ann_bench (bench/run.sh maps the VX_BENCH_* environment onto them; docs/benchmarks.md).
#pragma once

#include <string>
#include <vector>

namespace ab {

struct Options {
  std::string data_dir;  // Fashion-MNIST directory (IDX files)
  std::string out_dir = "bench/out";
  std::string cache_dir;               // derived datasets and ground truth; default <out>/cache
  std::string conninfo;                // libpq conninfo without dbname; empty: no server part
  std::string restart_cmd;             // "<cmd> SHARED_BUFFERS" restarts the cluster (memory workload); empty: skipped
  std::string shared_buffers = "2GB";  // what the cluster runs with (restored after the memory workload)
  std::string label;                   // free text for the header (revision, host, date)

  std::vector<std::string> datasets = {"fmnist784", "fmnist784h", "pca256", "gauss1536"};
  std::vector<std::string> workloads = {"search", "filter", "insert", "memory"};
  std::vector<std::string> parts = {"hnsw", "ivf"};  // index families of the search workload
  std::vector<std::string> raw = {"hnsw", "ivf"};    // raw library baselines (hnswlib, Faiss)
  std::vector<std::string> raw_datasets = {"fmnist784", "pca256", "gauss1536"};
  std::vector<std::string> systems = {"vectorext", "pgvector"};  // pgvector is skipped when not installed

  int queries = 1000, base_limit = 0, k = 10, repeats = 3, warmup = 200, cpu = 0;
  double max_pass_seconds = 5;  // a slower first pass is the only one (sweep.h); 0: always `repeats` passes

  int m = 16, ef_construction = 64;
  // denser where the curves cross recall 0.95 and 0.99, so "QPS at recall >= x" is read off a point near x
  std::vector<int> ef = {10, 15, 20, 30, 40, 60, 80, 120, 200};
  std::vector<int> hnsw_threads = {2};
  int lists = 0;  // 0: sqrt(rows) (245 for 60,000 rows)
  std::vector<int> probes = {1, 2, 3, 4, 6, 8, 12, 16};
  std::vector<int> ivf_threads = {2};
  std::vector<std::string> ivf_quantizers = {"sq8", "pq"};  // vectorext `USING ivf` variants beside ivfflat
  int rerank = 40;  // exact re-ranking of the ivf sq8/pq candidates (Faiss refine k_factor rerank/k)

  std::vector<std::string> filter_datasets = {"pca256"};
  std::vector<std::string> filter_modes = {"off", "relaxed_order", "strict_order"};
  int filter_queries = 200;
  int filter_ef = 40, filter_probes = 16;
  bool filter_force_index = false;  // enable_seqscan = off for filtered queries (measure the index path itself)
  // then the same queries with a btree on category (both systems), the planner choosing, for these iterative modes
  // (--filter-btree-modes=none: not measured)
  std::vector<std::string> filter_btree_modes = {"relaxed_order"};

  std::vector<std::string> insert_datasets = {"pca256", "gauss1536"};
  int insert_rows = 1000;  // rows per system and phase (1 session; 2 sessions insert this many each)
  int insert_chunks = 3;   // each phase in chunks, interleaved between systems; rows/s = median chunk

  std::vector<std::string> memory_datasets = {"gauss1536"};
  std::string small_shared_buffers = "64MB";
  std::vector<int> memory_ef = {40};

  std::vector<std::string> session_settings;  // --set=NAME=VALUE: SET in every measuring session of both systems
  bool sql_exact = false;   // also search by sequential scan (recall must be 1: a check of the harness)
  bool huge_pages = false;  // raw hnswlib on transparent huge pages (the server side is run.sh's)
};

Options parse_args(int argc, char** argv);
bool has(const std::vector<std::string>& list, const std::string& item);

}  // namespace ab

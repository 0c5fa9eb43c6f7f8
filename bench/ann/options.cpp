// Parsing of ann_bench's command line (options.h).
#include "options.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "common.h"

namespace ab {

namespace {

[[noreturn]] void usage(const std::string& msg) {
  std::fprintf(
      stderr,
      "ann_bench: %s\n"
      "usage: ann_bench --data=DIR [--out=DIR] [--cache=DIR] [--conninfo='host=... port=... user=...']\n"
      "  [--datasets=fmnist784,fmnist784h,pca256,gauss1536,scale768] [--workloads=search,filter,insert,memory]\n"
      "  [--systems=vectorext,pgvector] [--parts=hnsw,ivf] [--raw=hnsw,ivf] [--raw-datasets=...] [--no-raw]\n"
      "  [--queries=N] [--base=N] [--repeats=N] [--warmup=N] [--max-pass-seconds=S] [--cpu=N] [--k=N]\n"
      "  [--m=N] [--ef-construction=N] [--ef=10,20,...] [--hnsw-threads=1,2]\n"
      "  [--lists=N] [--probes=1,2,...] [--ivf-threads=2] [--ivf-quantizers=sq8,pq] [--rerank=N]\n"
      "  [--filter-datasets=...] [--filter-modes=off,relaxed_order,strict_order] [--filter-queries=N]\n"
      "  [--filter-ef=N] [--filter-probes=N] [--filter-force-index]\n"
      "  [--filter-btree-modes=relaxed_order|off,relaxed_order,...|none]\n"
      "  [--insert-datasets=...] [--insert-rows=N] [--insert-chunks=N]\n"
      "  [--memory-datasets=...] [--restart-cmd=CMD] [--shared-buffers=SIZE] [--small-shared-buffers=SIZE]\n"
      "  [--memory-ef=40,...] [--set=NAME=VALUE ...] [--sql-exact] [--huge-pages] [--label=TEXT]\n",
      msg.c_str());
  std::exit(2);
}

int to_int(const std::string& key, const std::string& val) {
  try {
    size_t used = 0;
    int v = std::stoi(val, &used);
    if (used != val.size()) throw std::invalid_argument(val);
    return v;
  } catch (const std::exception&) {
    usage("--" + key + " wants an integer, not '" + val + "'");
  }
}

}  // namespace

bool has(const std::vector<std::string>& list, const std::string& item) { return contains(list, item); }

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--no-raw") {
      o.raw.clear();
      continue;
    }
    if (a == "--sql-exact") {
      o.sql_exact = true;
      continue;
    }
    if (a == "--huge-pages") {
      o.huge_pages = true;
      continue;
    }
    if (a == "--filter-force-index") {
      o.filter_force_index = true;
      continue;
    }
    if (a == "-h" || a == "--help") usage("help");
    auto eq = a.find('=');
    if (a.rfind("--", 0) != 0 || eq == std::string::npos) usage("bad argument " + a);
    std::string key = a.substr(2, eq - 2), val = a.substr(eq + 1);
    auto ints = [&] {
      try {
        return parse_int_list(val);
      } catch (const std::exception&) {
        usage("--" + key + " wants a comma-separated list of integers");
      }
    };
    if (key == "data")
      o.data_dir = val;
    else if (key == "out")
      o.out_dir = val;
    else if (key == "cache")
      o.cache_dir = val;
    else if (key == "conninfo")
      o.conninfo = val;
    else if (key == "restart-cmd")
      o.restart_cmd = val;
    else if (key == "shared-buffers")
      o.shared_buffers = val;
    else if (key == "small-shared-buffers")
      o.small_shared_buffers = val;
    else if (key == "label")
      o.label = val;
    else if (key == "datasets")
      o.datasets = parse_str_list(val);
    else if (key == "workloads")
      o.workloads = parse_str_list(val);
    else if (key == "parts")
      o.parts = parse_str_list(val);
    else if (key == "raw")
      o.raw = parse_str_list(val);
    else if (key == "raw-datasets")
      o.raw_datasets = parse_str_list(val);
    else if (key == "systems")
      o.systems = parse_str_list(val);
    else if (key == "queries")
      o.queries = to_int(key, val);
    else if (key == "base")
      o.base_limit = to_int(key, val);
    else if (key == "k")
      o.k = to_int(key, val);
    else if (key == "repeats")
      o.repeats = std::max(1, to_int(key, val));
    else if (key == "warmup")
      o.warmup = to_int(key, val);
    else if (key == "max-pass-seconds")
      o.max_pass_seconds = std::stod(val);
    else if (key == "cpu")
      o.cpu = to_int(key, val);
    else if (key == "m")
      o.m = to_int(key, val);
    else if (key == "ef-construction")
      o.ef_construction = to_int(key, val);
    else if (key == "ef")
      o.ef = ints();
    else if (key == "hnsw-threads")
      o.hnsw_threads = ints();
    else if (key == "lists")
      o.lists = to_int(key, val);
    else if (key == "probes")
      o.probes = ints();
    else if (key == "ivf-threads")
      o.ivf_threads = ints();
    else if (key == "ivf-quantizers")
      o.ivf_quantizers = parse_str_list(val);
    else if (key == "rerank")
      o.rerank = to_int(key, val);
    else if (key == "filter-datasets")
      o.filter_datasets = parse_str_list(val);
    else if (key == "filter-modes")
      o.filter_modes = parse_str_list(val);
    else if (key == "filter-btree-modes")
      o.filter_btree_modes = val == "none" ? std::vector<std::string>{} : parse_str_list(val);
    else if (key == "filter-queries")
      o.filter_queries = to_int(key, val);
    else if (key == "filter-ef")
      o.filter_ef = to_int(key, val);
    else if (key == "filter-probes")
      o.filter_probes = to_int(key, val);
    else if (key == "insert-datasets")
      o.insert_datasets = parse_str_list(val);
    else if (key == "insert-rows")
      o.insert_rows = to_int(key, val);
    else if (key == "insert-chunks")
      o.insert_chunks = std::max(1, to_int(key, val));
    else if (key == "memory-datasets")
      o.memory_datasets = parse_str_list(val);
    else if (key == "memory-ef")
      o.memory_ef = ints();
    else if (key == "set") {
      if (val.find('=') == std::string::npos) usage("--set wants NAME=VALUE");
      o.session_settings.push_back(val);
    } else
      usage("unknown option --" + key);
  }
  if (o.data_dir.empty()) usage("--data is required");
  if (o.cache_dir.empty()) o.cache_dir = o.out_dir + "/cache";
  for (auto& s : o.systems)
    if (s != "vectorext" && s != "pgvector") usage("--systems: vectorext and/or pgvector, not " + s);
  for (auto& q : o.ivf_quantizers)
    if (q != "flat" && q != "sq8" && q != "pq") usage("--ivf-quantizers: flat, sq8, pq, not " + q);
  if (o.queries < 1 || o.k < 1) usage("--queries and --k must be positive");
  return o;
}

}  // namespace ab

// hnsw_lab: graph quality of vectorext's in-memory HNSW build, outside the server. Builds the graph of a bench
// dataset with core::hnsw::GraphBuilder (the code CREATE INDEX runs) and searches it the way an index scan does
// (greedy descent, beam of ef at level 0 over the half copies the pages hold, the ef results re-ranked by exact
// distance as the executor's reorder queue does), then prints recall@10 and the distance computations per query
// for each ef. Distance counts do not depend on the machine's load, so they compare builds on a shared machine.
//
// --no-top-up leaves out GraphBuilder's top-up post-pass (hnswlib's lists as its heuristic left them: the graph
// CREATE INDEX built before the top-up); --copies=float|half|int8 builds on those copies instead of what CREATE INDEX
// would choose (GraphBuilder::choose_copies; --float is --copies=float).
//
//   make -C bench OUT=$PWD/bench/out lab     ->  bench/out/hnsw_lab
//   bench/out/hnsw_lab --data=../shared/data/fashion-mnist --cache=bench/out/cache --dataset=gauss1536
//                      [--base=N] [--queries=N] [--m=16] [--efc=64] [--threads=2] [--ef=10,20,40] [--copies=auto|float|half|int8] [--float-walk]
//                      [--no-top-up] [--dump=DIR] [--order=clustered|heap] [--chunk=65536]
//
// --order: the rows are added as CREATE INDEX adds them (clustered: each chunk sorted by core::hnsw::InsertOrder, so
// near rows come one after another; vectorext.hnsw_clustered_inserts) or in heap order.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../ann/common.h"
#include "../ann/dataset.h"
#include "../ann/truth.h"
#include "core/kernels/half.h"
#include "core/kernels/int8.h"
#include "core/half_copy.h"
#include "core/hnsw/hnsw_graph_builder.h"
#include "core/hnsw/hnsw_insert_order.h"
#include "core/metric.h"

using namespace ab;
namespace hc = vx::core::hnsw;
namespace half = vx::core::half;

namespace {

double
cpu_seconds() {  // this process's CPU time, all threads: compares builds on a shared machine better than wall time
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

struct Args {
  Options o;
  std::string dataset = "gauss1536";
  int threads = 2;
  std::vector<int> ef = {10, 15, 20, 30, 40, 60, 80};
  std::string copies = "auto";  // --copies=auto|float|half|int8 (--float = --copies=float): what the build ranks by
  unsigned seed = 42;
  bool hnswlib_connect = false;  // --hnswlib-connect: hnswlib's addPoint (lists shrink on link-back), for A/B
  bool top_up = true;       // --no-top-up: GraphBuilder without its top-up post-pass (what CREATE INDEX built before)
  bool float_walk = false;  // --float-walk: the search ranks by exact float distances (as pgvector's scan does)
  std::string order = "clustered";  // --order=clustered|heap: insertion order (CREATE INDEX's; heap for A/B)
  int chunk = 65536;                // --chunk=N rows per sorted chunk
  std::string dump;         // --dump=DIR: base.tsv (id, category, vector) and queries.tsv (id, vector) for COPY
};

Args parse(int argc, char** argv) {
  Args a;
  a.o.queries = 1000;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto eq = s.find('=');
    std::string key = s.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::string val = eq == std::string::npos ? "" : s.substr(eq + 1);
    if (key == "data")
      a.o.data_dir = val;
    else if (key == "cache")
      a.o.cache_dir = val;
    else if (key == "dataset")
      a.dataset = val;
    else if (key == "base")
      a.o.base_limit = std::stoi(val);
    else if (key == "queries")
      a.o.queries = std::stoi(val);
    else if (key == "m")
      a.o.m = std::stoi(val);
    else if (key == "efc")
      a.o.ef_construction = std::stoi(val);
    else if (key == "threads")
      a.threads = std::stoi(val);
    else if (key == "ef")
      a.ef = parse_int_list(val);
    else if (key == "float")
      a.copies = "float";
    else if (key == "copies")
      a.copies = val;
    else if (key == "seed")
      a.seed = unsigned(std::stoul(val));
    else if (key == "float-walk")
      a.float_walk = true;
    else if (key == "hnswlib-connect")
      a.hnswlib_connect = true;
    else if (key == "no-top-up")
      a.top_up = false;
    else if (key == "dump")
      a.dump = val;
    else if (key == "order")
      a.order = val;
    else if (key == "chunk")
      a.chunk = std::stoi(val);
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      std::exit(2);
    }
  }
  if (a.o.cache_dir.empty()) a.o.cache_dir = "bench/out/cache";
  return a;
}

// The top-up post-pass on `threads` threads, as CREATE INDEX runs it.
std::size_t top_up(hc::GraphBuilder& g, int threads) {
  g.begin_top_up();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) ts.emplace_back([&] { g.top_up_worker(); });
  for (auto& t : ts) t.join();
  return g.finish_top_up();
}

vx::core::Metric index_metric(Metric m) {
  switch (m) {
    case Metric::L2:
      return vx::core::Metric::L2;
    case Metric::Cosine:
      return vx::core::Metric::Cosine;
    default:
      return vx::core::Metric::InnerProduct;
  }
}

// The scan's walk: ranking key between the float query and a half copy (core/half_copy.h's half_rank).
template <class G>
struct Walker {
  const G& g;
  vx::core::Metric metric;
  std::size_t dims;
  const std::vector<uint16_t>& copies;  // by builder id
  const Dataset& ds;
  bool float_walk;
  mutable uint64_t evaluated = 0;

  float dist(const float* q, std::size_t id) const {
    ++evaluated;
    if (float_walk) return vx::core::rank_distance(metric, q, ds.row(int64_t(g.label(id))), dims);
    return vx::core::half_rank(metric, q, &copies[id * dims], dims);
  }

  // ef best builder ids, nearest first
  std::vector<std::pair<float, uint32_t>> search(const float* q, int ef, std::vector<uint32_t>& visited,
                                                 uint32_t stamp) const {
    uint32_t cur = uint32_t(g.entry_point());
    float cur_d = dist(q, cur);
    for (int l = g.max_level(); l > 0; --l) {
      for (bool moved = true; moved;) {
        moved = false;
        const uint32_t* nb;
        int n = g.neighbors(cur, l, &nb);
        for (int i = 0; i < n; ++i) {
          float d = dist(q, nb[i]);
          if (d < cur_d) cur_d = d, cur = nb[i], moved = true;
        }
      }
    }
    using P = std::pair<float, uint32_t>;
    std::priority_queue<P, std::vector<P>, std::greater<P>> cand;  // nearest on top
    std::priority_queue<P> res;                                    // farthest on top
    cand.emplace(cur_d, cur);
    res.emplace(cur_d, cur);
    visited[cur] = stamp;
    while (!cand.empty()) {
      P c = cand.top();
      if (int(res.size()) >= ef && c.first > res.top().first) break;
      cand.pop();
      const uint32_t* nb;
      int n = g.neighbors(c.second, 0, &nb);
      for (int i = 0; i < n; ++i) {
        uint32_t v = nb[i];
        if (visited[v] == stamp) continue;
        visited[v] = stamp;
        float d = dist(q, v);
        if (int(res.size()) < ef || d < res.top().first) {
          cand.emplace(d, v);
          res.emplace(d, v);
          if (int(res.size()) > ef) res.pop();
        }
      }
    }
    std::vector<P> out;
    for (; !res.empty(); res.pop()) out.push_back(res.top());
    std::reverse(out.begin(), out.end());
    return out;
  }
};

}  // namespace

template <class G>
void run(const Args& a, const Dataset& ds, const TruthSet& truth, G& g, const char* built_on) {
  const std::size_t n = std::size_t(ds.n), dims = std::size_t(ds.dim);
  const vx::core::Metric metric = index_metric(ds.metric);
  std::vector<std::size_t> perm(n);
  for (std::size_t i = 0; i < n; ++i) perm[i] = i;
  auto t0 = Clock::now();
  const double cpu0 = cpu_seconds();
  if (a.order == "clustered") {  // as CREATE INDEX: core::hnsw::InsertOrder, mean of a sample of 10,000 rows
    const std::size_t step = std::max<std::size_t>(1, n / 10000);
    std::vector<double> sum(dims, 0.0);
    std::size_t sampled = 0;
    for (std::size_t i = 0; i < n; i += step, ++sampled)
      for (std::size_t d = 0; d < dims; ++d) sum[d] += ds.row(int64_t(i))[d];
    std::vector<float> mean(dims);
    for (std::size_t d = 0; d < dims; ++d) mean[d] = float(sum[d] / double(sampled));
    const hc::InsertOrder keyer(dims, mean.data());
    std::vector<uint32_t> keys(n);
    for (std::size_t i = 0; i < n; ++i) keys[i] = keyer.key(ds.row(int64_t(i)));
    const std::vector<uint32_t> order = hc::InsertOrder::order(keys, std::size_t(a.chunk));
    for (std::size_t i = 0; i < n; ++i) perm[i] = order[i];
    std::printf("  order: clustered, chunks of %d rows, keyed in %.1f s\n", a.chunk, seconds_since(t0));
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < a.threads; ++t)
    ts.emplace_back([&] {
      for (std::size_t i; (i = next++) < n;) g.add(ds.row(int64_t(perm[i])), perm[i]);
    });
  for (auto& t : ts) t.join();
  double t_add = seconds_since(t0);
  const double cpu_add = cpu_seconds() - cpu0;
  // the top-up's cost: one distance per distinct level-0 neighbour or neighbour's neighbour of a list not full
  double topup_candidates = 0;
  {
    std::vector<uint32_t> ids;
    for (std::size_t id = 0; id < n; ++id) {
      const uint32_t* nb;
      int c = g.neighbors(id, 0, &nb);
      ids.assign(nb, nb + c);
      if (c < 2 * a.o.m)
        for (int j = 0; j < c; ++j) {
          const uint32_t* nb2;
          int c2 = g.neighbors(nb[j], 0, &nb2);
          for (int k = 0; k < c2; ++k)
            if (nb2[k] != id) ids.push_back(nb2[k]);
        }
      std::sort(ids.begin(), ids.end());
      topup_candidates += double(std::unique(ids.begin(), ids.end()) - ids.begin());
    }
  }
  std::printf("  top-up: %.0f level-0 candidates (distances) per element\n", topup_candidates / double(n));
  const double cpu1 = cpu_seconds();
  std::size_t topped = a.top_up ? top_up(g, a.threads) : 0;
  const double cpu_top = cpu_seconds() - cpu1;
  double t_top = seconds_since(t0) - t_add;
  std::size_t relinked = g.link_unreached();
  double t_build = seconds_since(t0);

  // level-0 degree histogram
  double deg_sum = 0;
  int deg_min = 1 << 30;
  std::vector<int> hist(2 * a.o.m + 1, 0);
  for (std::size_t id = 0; id < n; ++id) {
    const uint32_t* nb;
    int c = g.neighbors(id, 0, &nb);
    deg_sum += c;
    deg_min = std::min(deg_min, c);
    hist[std::min<int>(c, 2 * a.o.m)]++;
  }
  std::printf(
      "%s: %zu x %zu, m %d, efc %d, %d threads, %s copies: build %.1f s (add %.1f s, top-up %.1f s: %zu links), "
      "relinked %zu,"
      " level-0 degree mean %.1f min %d, max level %d\n",
      ds.name.c_str(), n, dims, a.o.m, a.o.ef_construction, a.threads, built_on, t_build, t_add, t_top, topped,
      relinked, deg_sum / double(n), deg_min, g.max_level());
  std::printf("  build CPU (all threads): add %.1f s, top-up %.1f s\n", cpu_add, cpu_top);
  std::printf("  degree histogram:");
  for (int c = 0; c <= 2 * a.o.m; ++c)
    if (hist[c]) std::printf(" %d:%d", c, hist[c]);
  std::printf("\n");

  // half copies by builder id, as the index pages hold them
  std::vector<uint16_t> copies(n * dims);
  for (std::size_t id = 0; id < n; ++id) half::encode(ds.row(int64_t(g.label(id))), dims, &copies[id * dims]);
  Walker<G> w{g, metric, dims, copies, ds, a.float_walk};
  std::vector<uint32_t> visited(n, 0);
  uint32_t stamp = 0;
  std::printf("  %6s %8s %10s\n", "ef", "recall", "dist/query");
  for (int ef : a.ef) {
    std::vector<std::vector<int64_t>> results(std::size_t(ds.nq));
    w.evaluated = 0;
    for (int qi = 0; qi < ds.nq; ++qi) {
      auto found = w.search(ds.query(qi), ef, visited, ++stamp);
      // the executor re-ranks the ef rows by their exact distance
      std::vector<std::pair<double, int64_t>> exact;
      for (auto& f : found) {
        int64_t id = int64_t(g.label(f.second));
        exact.emplace_back(exact_distance(ds, qi, id), id);
      }
      std::sort(exact.begin(), exact.end());
      for (std::size_t j = 0; j < exact.size() && int(j) < a.o.k; ++j) results[qi].push_back(exact[j].second);
    }
    std::printf("  %6d %8.4f %10.0f\n", ef, recall_at_k(ds, truth.all, results), double(w.evaluated) / ds.nq);
  }
}

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  Args a = parse(argc, argv);
  Dataset ds = load_dataset(a.dataset, a.o);
  TruthSet truth = load_or_compute_truth(ds, a.o.k, a.o.cache_dir);
  const std::size_t n = std::size_t(ds.n), dims = std::size_t(ds.dim);
  const vx::core::Metric metric = index_metric(ds.metric);
  if (!a.dump.empty()) {
    auto write = [&](const std::string& file, int rows, auto row, bool with_category) {
      FILE* f = std::fopen((a.dump + "/" + file).c_str(), "w");
      for (int i = 0; i < rows; ++i) {
        std::string line = std::to_string(i) + "\t";
        if (with_category) line += std::to_string(ds.category[i]) + "\t";
        line += vector_text(row(i), ds.dim, ds.integer_valued) + "\n";
        std::fputs(line.c_str(), f);
      }
      std::fclose(f);
    };
    write(
        "base.tsv", ds.n, [&](int i) { return ds.row(i); }, true);
    write(
        "queries.tsv", ds.nq, [&](int i) { return ds.query(i); }, false);
    FILE* f = std::fopen((a.dump + "/truth.tsv").c_str(), "w");  // query id, the k true nearest ids
    for (int q = 0; q < ds.nq; ++q) {
      std::string line = std::to_string(q) + "\t{";
      for (int j = 0; j < truth.all.k; ++j)
        line += (j ? "," : "") + std::to_string(truth.all.ids[std::size_t(q) * truth.all.k + j]);
      std::fputs((line + "}\n").c_str(), f);
    }
    std::fclose(f);
    return 0;
  }
  float scale = 0;
  hc::BuildCopies copies = hc::GraphBuilder::choose_copies(ds.base.data(), n, dims, metric, &scale);
  if (a.copies == "float") copies = hc::BuildCopies::Float;
  if (a.copies == "half") copies = hc::BuildCopies::Half;
  if (a.copies == "int8") {
    copies = hc::BuildCopies::Int8;
    scale = vx::core::int8::scale_for(ds.base.data(), n * dims);
  }
  hc::GraphBuilder g(ds.dim, metric, a.o.m, a.o.ef_construction, n, a.seed, copies, scale);
  g.use_hnswlib_connect(a.hnswlib_connect);
  run(a, ds, truth, g, copies == hc::BuildCopies::Int8 ? "8-bit" : copies == hc::BuildCopies::Half ? "half" : "float");
  return 0;
}

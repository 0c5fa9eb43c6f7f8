// ann_bench: the `make bench` program (bench/run.sh starts the cluster and calls it).
//
// On Fashion-MNIST (60,000 x 784 base vectors, the first --queries test images as queries, L2):
//   * exact ground truth (integer brute force, cached in --out keyed by a checksum of the data),
//   * raw hnswlib (same M / ef_construction) and raw Faiss IndexIVFFlat / IndexIVFPQ (+ IndexRefineFlat re-ranking)
//     baselines: build time at each thread count, memory, recall@k and QPS per ef / nprobe,
//   * vectorext through libpq, one client, prepared statement, query vector sent as text: binary COPY of the data,
//     CREATE INDEX time at max_parallel_maintenance_workers = threads - 1, pg_relation_size, recall@k and QPS,
//   * the SQL floor: the same kind of prepared statement doing no search (`SELECT $1::vector IS NULL`).
// Every search runs single-threaded with the client (this process) and the server backend pinned to one CPU
// (--cpu), because an idle-CPU wake-up on every round trip costs ~80 us per query on these VMs. Builds run unpinned.
// QPS figures are the median of --repeats timed passes over all queries. Nothing here is a pass/fail test: a method
// that the server does not have yet (no such access method / operator) is reported as n/a.
//
// This is the only translation unit of the program, and so the only one including hnswlib (whose 0.6.2 header
// defines non-inline functions).
#include <hnswlib/hnswlib.h>

#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexRefine.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <libpq-fe.h>
#include <omp.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace {

// ---------------------------------------------------------------------------------------------------------------
// options

struct Options {
  std::string data_dir;
  std::string out_dir = "bench/out";
  std::string conninfo;            // empty: no server part
  int queries = 1000;              // how many test images are used as queries
  int base_limit = 0;              // 0: all 60,000 base vectors; less for quick harness checks
  int k = 10;
  int repeats = 3;
  int warmup = 200;                // untimed queries before each measured setting
  int cpu = 0;
  int m = 16, ef_construction = 64;
  // Denser where the curves cross recall 0.95 and 0.99, so "QPS at recall >= x" is read off a measured point near x.
  std::vector<int> ef = {10, 15, 20, 30, 40, 50, 60, 80, 160, 320};
  std::vector<int> hnsw_threads = {1, 2};
  int lists = 245;
  std::vector<int> probes = {1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 32};
  std::vector<int> ivf_threads = {2};
  int pq_m = 98;                   // the ivf access method's default for 784 dims: largest divisor <= dims / 8
  // candidates re-ranked with exact distances (Faiss: k_factor = rerank / k). 40, not the AM default 100: with
  // vectors inline in the table it reaches recall 0.95 at about 1.7x the QPS (docs/ivf.md)
  int rerank = 40;
  std::string storage;             // SET STORAGE of the vector column (plain: 784-d rows inline, no TOAST); "" = default
  std::string ivfpq_with;          // WITH clause of the vectorext ivf+pq index; default derived from the above
  std::vector<std::string> parts = {"hnsw", "ivf"};
  bool raw = true, sql = true, sql_exact = false;
  bool huge_pages = false;         // raw hnswlib's vectors and links on transparent huge pages (the server side is
                                   // bench/run.sh's VX_BENCH_HUGE_PAGES=on: shared_buffers on reserved huge pages)
  std::string pgvector_ref;        // CSV of reference figures (see bench/pgvector_reference.csv)
  std::string label;               // free text printed in the header (e.g. git revision)
};

std::vector<int> parse_int_list(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(std::stoi(item));
  return out;
}

std::vector<std::string> parse_str_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "ann_bench: %s\n"
               "usage: ann_bench --data=DIR [--out=DIR] [--conninfo='host=... port=...'] [--queries=N] [--base=N]\n"
               "  [--repeats=N] [--warmup=N] [--cpu=N] [--k=N] [--m=N] [--ef-construction=N] [--ef=10,20,...]\n"
               "  [--hnsw-threads=1,2] [--lists=N] [--probes=1,2,...] [--ivf-threads=2] [--pq-m=N] [--rerank=N]\n"
               "  [--ivfpq-with='lists=245, quantizer=...'] [--parts=hnsw,ivf] [--no-raw] [--no-sql] [--sql-exact]\n"
               "  [--pgvector-ref=FILE] [--label=TEXT] [--storage=plain|main|...] [--huge-pages]\n",
               msg);
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--no-raw") { o.raw = false; continue; }
    if (a == "--no-sql") { o.sql = false; continue; }
    if (a == "--sql-exact") { o.sql_exact = true; continue; }
    if (a == "--huge-pages") { o.huge_pages = true; continue; }
    if (a == "-h" || a == "--help") usage("help");
    auto eq = a.find('=');
    if (a.rfind("--", 0) != 0 || eq == std::string::npos) usage(("bad argument " + a).c_str());
    std::string key = a.substr(2, eq - 2), val = a.substr(eq + 1);
    if (key == "data") o.data_dir = val;
    else if (key == "out") o.out_dir = val;
    else if (key == "conninfo") o.conninfo = val;
    else if (key == "queries") o.queries = std::stoi(val);
    else if (key == "base") o.base_limit = std::stoi(val);
    else if (key == "k") o.k = std::stoi(val);
    else if (key == "repeats") o.repeats = std::max(1, std::stoi(val));
    else if (key == "warmup") o.warmup = std::stoi(val);
    else if (key == "cpu") o.cpu = std::stoi(val);
    else if (key == "m") o.m = std::stoi(val);
    else if (key == "ef-construction") o.ef_construction = std::stoi(val);
    else if (key == "ef") o.ef = parse_int_list(val);
    else if (key == "hnsw-threads") o.hnsw_threads = parse_int_list(val);
    else if (key == "lists") o.lists = std::stoi(val);
    else if (key == "probes") o.probes = parse_int_list(val);
    else if (key == "ivf-threads") o.ivf_threads = parse_int_list(val);
    else if (key == "pq-m") o.pq_m = std::stoi(val);
    else if (key == "rerank") o.rerank = std::stoi(val);
    else if (key == "ivfpq-with") o.ivfpq_with = val;
    else if (key == "storage") o.storage = val;
    else if (key == "parts") o.parts = parse_str_list(val);
    else if (key == "pgvector-ref") o.pgvector_ref = val;
    else if (key == "label") o.label = val;
    else usage(("unknown option --" + key).c_str());
  }
  if (o.data_dir.empty()) usage("--data is required");
  if (o.ivfpq_with.empty())
    o.ivfpq_with = "lists = " + std::to_string(o.lists) + ", quantizer = 'pq', pq_m = " + std::to_string(o.pq_m) +
                   ", rerank = " + std::to_string(o.rerank);
  return o;
}

bool has_part(const Options& o, const char* p) { return std::find(o.parts.begin(), o.parts.end(), p) != o.parts.end(); }

// ---------------------------------------------------------------------------------------------------------------
// small utilities

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string fmt(const char* f, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

cpu_set_t g_all_cpus;  // this process's affinity at start: what "unpinned" means

bool set_affinity(pid_t pid, const cpu_set_t& set, std::string* err = nullptr) {
  if (sched_setaffinity(pid, sizeof set, &set) == 0) return true;
  if (err) *err = std::strerror(errno);
  return false;
}
cpu_set_t one_cpu(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  return s;
}
void pin_self(int cpu) {
  std::string err;
  if (!set_affinity(0, one_cpu(cpu), &err)) std::fprintf(stderr, "warning: cannot pin to CPU %d: %s\n", cpu, err.c_str());
}
void unpin_self() { set_affinity(0, g_all_cpus); }

// Threads used by Faiss (OpenMP) and by OpenBLAS (k-means distance computations).
// OpenBLAS stays single-threaded: its own threads fight Faiss's OpenMP threads (5x slower builds seen here).
void set_lib_threads(int n) {
  omp_set_num_threads(n);
  openblas_set_num_threads(1);
}

// ---------------------------------------------------------------------------------------------------------------
// data

struct Images {
  int n = 0, dim = 0;
  std::vector<uint8_t> px;
};

Images read_idx_images(const std::string& path, int limit) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  auto read_exact = [&](void* p, size_t n) {
    size_t got = 0;
    while (got < n) {
      int r = gzread(f, static_cast<char*>(p) + got, static_cast<unsigned>(std::min<size_t>(n - got, 1 << 30)));
      if (r <= 0) throw std::runtime_error("short read in " + path);
      got += r;
    }
  };
  uint32_t hdr[4];
  read_exact(hdr, sizeof hdr);
  for (auto& h : hdr) h = ntohl(h);
  if (hdr[0] != 2051) throw std::runtime_error(path + ": not an IDX image file (magic " + std::to_string(hdr[0]) + ")");
  Images im;
  im.n = static_cast<int>(hdr[1]);
  im.dim = static_cast<int>(hdr[2] * hdr[3]);
  if (limit > 0 && limit < im.n) im.n = limit;
  im.px.resize(static_cast<size_t>(im.n) * im.dim);
  read_exact(im.px.data(), im.px.size());
  gzclose(f);
  return im;
}

std::vector<float> to_float(const Images& im) { return std::vector<float>(im.px.begin(), im.px.end()); }

uint64_t fnv1a(const uint8_t* p, size_t n, uint64_t h = 1469598103934665603ull) {
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// Exact squared L2 on the original 0..255 pixels: integer arithmetic, so ties are real ties.
inline int32_t l2_u8(const uint8_t* a, const uint8_t* b, int d) {
  int32_t s = 0;
  for (int i = 0; i < d; ++i) {
    int32_t t = int32_t(a[i]) - int32_t(b[i]);
    s += t * t;
  }
  return s;
}

struct GroundTruth {
  int k = 0;
  std::vector<int32_t> ids;    // nq * k
  std::vector<int32_t> dists;  // nq * k, ascending
};

GroundTruth compute_ground_truth(const Images& base, const Images& q, int k, int threads) {
  GroundTruth gt;
  gt.k = k;
  gt.ids.resize(size_t(q.n) * k);
  gt.dists.resize(size_t(q.n) * k);
  std::atomic<int> next{0};
  auto work = [&] {
    std::vector<std::pair<int32_t, int32_t>> all(base.n);
    for (int qi; (qi = next++) < q.n;) {
      const uint8_t* qv = &q.px[size_t(qi) * q.dim];
      for (int i = 0; i < base.n; ++i) all[i] = {l2_u8(qv, &base.px[size_t(i) * base.dim], base.dim), i};
      std::partial_sort(all.begin(), all.begin() + k, all.end());
      for (int j = 0; j < k; ++j) {
        gt.dists[size_t(qi) * k + j] = all[j].first;
        gt.ids[size_t(qi) * k + j] = all[j].second;
      }
    }
  };
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) ts.emplace_back(work);
  for (auto& t : ts) t.join();
  return gt;
}

GroundTruth load_or_compute_ground_truth(const Options& o, const Images& base, const Images& q) {
  uint64_t h = fnv1a(q.px.data(), q.px.size(), fnv1a(base.px.data(), base.px.size()));
  std::string path = fmt("%s/groundtruth-%016llx-n%d-q%d-k%d.bin", o.out_dir.c_str(), (unsigned long long)h, base.n,
                         q.n, o.k);
  GroundTruth gt;
  gt.k = o.k;
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      gt.ids.resize(size_t(q.n) * o.k);
      gt.dists.resize(size_t(q.n) * o.k);
      in.read(reinterpret_cast<char*>(gt.ids.data()), gt.ids.size() * 4);
      in.read(reinterpret_cast<char*>(gt.dists.data()), gt.dists.size() * 4);
      if (in) {
        std::printf("ground truth: cached %s\n", path.c_str());
        return gt;
      }
    }
  }
  auto t0 = Clock::now();
  int threads = std::max(1u, std::thread::hardware_concurrency());
  gt = compute_ground_truth(base, q, o.k, threads);
  std::printf("ground truth: brute force %d x %d x %d in %.1f s (%d threads), cached in %s\n", q.n, base.n, base.dim,
              seconds_since(t0), threads, path.c_str());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(gt.ids.data()), gt.ids.size() * 4);
  out.write(reinterpret_cast<const char*>(gt.dists.data()), gt.dists.size() * 4);
  return gt;
}

// ---------------------------------------------------------------------------------------------------------------
// measurement

struct Ctx {
  const Options& o;
  const Images& base;
  const Images& q;
  const std::vector<float>& qf;
  const GroundTruth& gt;
};

// recall@k with ties: a returned id counts when its exact distance is <= the true k-th distance (ann-benchmarks).
double recall_at_k(const Ctx& c, const std::vector<std::vector<int64_t>>& results) {
  long hits = 0;
  for (int qi = 0; qi < c.q.n; ++qi) {
    int32_t kth = c.gt.dists[size_t(qi) * c.gt.k + c.gt.k - 1];
    std::vector<int64_t> r = results[qi];
    std::sort(r.begin(), r.end());
    r.erase(std::unique(r.begin(), r.end()), r.end());
    int counted = 0;
    for (int64_t id : r) {
      if (id < 0 || id >= c.base.n || counted >= c.o.k) continue;
      if (l2_u8(&c.q.px[size_t(qi) * c.q.dim], &c.base.px[size_t(id) * c.base.dim], c.base.dim) <= kth) ++hits;
      ++counted;
    }
  }
  return double(hits) / (double(c.q.n) * c.o.k);
}

struct SearchPoint {
  std::string family, method, param_name;
  int param = 0;
  bool ok = false;
  double recall = NAN, qps = NAN;
  std::vector<double> runs;
  std::string note;
};

struct BuildPoint {
  std::string family, method;
  int threads = 0;
  bool ok = false;
  double seconds = NAN, bytes = NAN;
  std::string note;
};

std::vector<SearchPoint> g_search;
std::vector<BuildPoint> g_build;

// One query: fills ids (may be left empty for the SQL floor); returns false with err set on failure.
using QueryFn = std::function<bool(int qi, std::vector<int64_t>& ids, std::string& err)>;

SearchPoint measure(const Ctx& c, std::string family, std::string method, std::string param_name, int param,
                    const QueryFn& fn, bool with_recall = true) {
  SearchPoint sp{family, method, param_name, param};
  std::vector<std::vector<int64_t>> results(c.q.n);
  std::string err;
  std::vector<int64_t> scratch;
  for (int i = 0; i < std::min(c.o.warmup, c.q.n); ++i)
    if (!fn(i, scratch, err)) {
      sp.note = "error: " + err;
      return sp;
    }
  for (int rep = 0; rep < c.o.repeats; ++rep) {
    auto t0 = Clock::now();
    for (int qi = 0; qi < c.q.n; ++qi) {
      auto& dst = rep == 0 ? results[qi] : scratch;
      dst.clear();
      if (!fn(qi, dst, err)) {
        sp.note = "error: " + err;
        return sp;
      }
    }
    sp.runs.push_back(c.q.n / seconds_since(t0));
  }
  sp.qps = median(sp.runs);
  if (with_recall) sp.recall = recall_at_k(c, results);
  sp.ok = true;
  std::printf("  %-22s %s=%-4d recall@%d %-6s QPS %8.0f  (runs:", method.c_str(), param_name.c_str(), param, c.o.k,
              with_recall ? fmt("%.4f", sp.recall).c_str() : "-", sp.qps);
  for (double r : sp.runs) std::printf(" %.0f", r);
  std::printf(")\n");
  std::fflush(stdout);
  return sp;
}

void add_build(BuildPoint b) {
  if (b.ok)
    std::printf("  build %-22s threads=%d  %7.2f s  %8.1f MB\n", b.method.c_str(), b.threads, b.seconds,
                b.bytes / 1048576.0);
  else
    std::printf("  build %-22s threads=%d  %s\n", b.method.c_str(), b.threads, b.note.c_str());
  std::fflush(stdout);
  g_build.push_back(std::move(b));
}

void add_na(const std::string& family, const std::string& method, const std::string& pname,
            const std::vector<int>& params, const std::vector<int>& threads, const std::string& why) {
  std::printf("  %-22s %s\n", method.c_str(), why.c_str());
  for (int t : threads) {
    BuildPoint b{family, method, t};
    b.note = why;
    g_build.push_back(b);
  }
  for (int p : params) {
    SearchPoint s{family, method, pname, p};
    s.note = why;
    g_search.push_back(s);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// raw baselines

void run_raw_hnswlib(const Ctx& c, const std::vector<float>& basef) {
  const Options& o = c.o;
  std::printf("\n[raw hnswlib (Debian libhnswlib-dev 0.6.2): M=%d ef_construction=%d]\n", o.m, o.ef_construction);
  hnswlib::L2Space space(c.base.dim);
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> keep;
  for (int threads : o.hnsw_threads) {
    unpin_self();
    auto idx = std::make_unique<hnswlib::HierarchicalNSW<float>>(&space, c.base.n, o.m, o.ef_construction, 100);
    // Before the first write: the pages are then faulted in as 2 MB pages (THP "madvise" mode), like the server's
    // shared_buffers on huge pages. hnswlib mallocs the level-0 block (an mmap: page-aligned start).
    if (o.huge_pages) {
      // malloc's header puts the block 16 bytes past a page boundary; madvise wants page-aligned ranges.
      const uintptr_t page = 4096, start = reinterpret_cast<uintptr_t>(idx->data_level0_memory_);
      const uintptr_t end = start + idx->max_elements_ * idx->size_data_per_element_;
      const uintptr_t a = (start + page - 1) & ~(page - 1), z = end & ~(page - 1);
      if (z > a && madvise(reinterpret_cast<void*>(a), z - a, MADV_HUGEPAGE) != 0)
        std::printf("  note: madvise(MADV_HUGEPAGE) failed: %s\n", std::strerror(errno));
    }
    auto t0 = Clock::now();
    std::atomic<int> next{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&] {
        for (int i; (i = next++) < c.base.n;) idx->addPoint(&basef[size_t(i) * c.base.dim], size_t(i));
      });
    for (auto& t : ts) t.join();
    BuildPoint b{"hnsw", "hnswlib (raw)", threads, true, seconds_since(t0)};
    // Memory of the graph + vectors: level 0 block plus the upper-level link lists.
    double bytes = double(idx->max_elements_) * idx->size_data_per_element_;
    for (size_t i = 0; i < idx->cur_element_count; ++i) bytes += double(idx->element_levels_[i]) * idx->size_links_per_element_;
    b.bytes = bytes;
    b.note = "in-memory size";
    add_build(b);
    keep = std::move(idx);  // search the graph of the last build (as vectorext: the last CREATE INDEX is kept)
  }
  if (!keep) return;
  pin_self(o.cpu);
  for (int ef : o.ef) {
    keep->setEf(ef);
    g_search.push_back(measure(c, "hnsw", "hnswlib (raw)", "ef", ef, [&](int qi, std::vector<int64_t>& ids, std::string&) {
      auto pq = keep->searchKnn(&c.qf[size_t(qi) * c.q.dim], o.k);
      while (!pq.empty()) {
        ids.push_back(int64_t(pq.top().second));
        pq.pop();
      }
      return true;
    }));
  }
  unpin_self();
}

constexpr int kCoarseIterations = 10, kPqIterations = 8;

size_t faiss_serialized_size(const faiss::Index* idx) {
  faiss::VectorIOWriter w;
  faiss::write_index(idx, &w);
  return w.data.size();
}

void run_raw_faiss(const Ctx& c, const std::vector<float>& basef) {
  const Options& o = c.o;
  const int d = c.base.dim;
  // Trained like vectorext's ivf build (and pgvector's ivfflat): an evenly strided sample of 50 vectors per list,
  // 10 k-means iterations; PQ codebooks: 8 iterations on the residuals of the same sample. All vectors are added.
  const int ntrain = std::min(c.base.n, std::max(o.lists * 50, 256 * 40));
  std::vector<float> train(size_t(ntrain) * d);
  for (int i = 0; i < ntrain; ++i)
    std::memcpy(&train[size_t(i) * d], &basef[size_t(int64_t(i) * c.base.n / ntrain) * d], sizeof(float) * d);
  std::printf("\n[raw Faiss %d.%d.%d (Debian build): nlist=%d, trained on %d vectors; PQ m=%d x 8 bit; re-rank k_factor=%d]\n",
              FAISS_VERSION_MAJOR, FAISS_VERSION_MINOR, FAISS_VERSION_PATCH, o.lists, ntrain, o.pq_m,
              std::max(1, o.rerank / o.k));
  faiss::Index::idx_t k = o.k;
  std::vector<float> D(k);
  std::vector<faiss::Index::idx_t> I(k);
  auto faiss_query = [&](faiss::Index* idx) {
    return [&, idx](int qi, std::vector<int64_t>& ids, std::string& err) {
      try {
        idx->search(1, &c.qf[size_t(qi) * d], k, D.data(), I.data());
      } catch (const std::exception& e) {
        err = e.what();
        return false;
      }
      for (auto id : I)
        if (id >= 0) ids.push_back(id);
      return true;
    };
  };

  // IndexIVFFlat
  {
    std::unique_ptr<faiss::IndexFlatL2> quantizer;
    std::unique_ptr<faiss::IndexIVFFlat> keep;
    for (int threads : o.ivf_threads) {
      unpin_self();
      set_lib_threads(threads);
      auto qz = std::make_unique<faiss::IndexFlatL2>(d);
      auto idx = std::make_unique<faiss::IndexIVFFlat>(qz.get(), d, o.lists, faiss::METRIC_L2);
      idx->cp.niter = kCoarseIterations;
      auto t0 = Clock::now();
      idx->train(ntrain, train.data());
      idx->add(c.base.n, basef.data());
      BuildPoint b{"ivf", "Faiss IVFFlat (raw)", threads, true, seconds_since(t0), double(faiss_serialized_size(idx.get()))};
      b.note = "serialized size";
      add_build(b);
      keep = std::move(idx);
      quantizer = std::move(qz);
    }
    if (keep) {
      set_lib_threads(1);
      pin_self(o.cpu);
      for (int p : o.probes) {
        keep->nprobe = p;
        g_search.push_back(measure(c, "ivf", "Faiss IVFFlat (raw)", "probes", p, faiss_query(keep.get())));
      }
      unpin_self();
    }
  }

  // IndexIVFPQ, searched alone and through IndexRefineFlat (exact re-ranking of k * k_factor candidates)
  {
    std::unique_ptr<faiss::IndexFlatL2> quantizer;
    std::unique_ptr<faiss::IndexIVFPQ> keep;
    std::unique_ptr<faiss::IndexRefineFlat> refine;
    if (d % o.pq_m != 0) {
      add_na("ivf", "Faiss IVFPQ (raw)", "probes", o.probes, o.ivf_threads, fmt("n/a (pq_m=%d does not divide %d)", o.pq_m, d));
      return;
    }
    for (int threads : o.ivf_threads) {
      unpin_self();
      set_lib_threads(threads);
      auto qz = std::make_unique<faiss::IndexFlatL2>(d);
      auto idx = std::make_unique<faiss::IndexIVFPQ>(qz.get(), d, o.lists, o.pq_m, 8);
      idx->do_polysemous_training = false;  // not used by the search; only slows the build down
      idx->cp.niter = kCoarseIterations;
      idx->pq.cp.niter = kPqIterations;
      auto t0 = Clock::now();
      idx->train(ntrain, train.data());
      auto rf = std::make_unique<faiss::IndexRefineFlat>(idx.get());  // add() fills both the PQ index and the flat copy
      rf->add(c.base.n, basef.data());
      double secs = seconds_since(t0);
      BuildPoint b{"ivf", "Faiss IVFPQ (raw)", threads, true, secs, double(faiss_serialized_size(idx.get()))};
      b.note = "serialized size, PQ codes only";
      add_build(b);
      BuildPoint br{"ivf", "Faiss IVFPQ+refine (raw)", threads, true, secs,
                    double(faiss_serialized_size(idx.get())) + double(c.base.n) * d * sizeof(float)};
      br.note = "PQ index + exact vectors";
      add_build(br);
      refine.reset();
      keep = std::move(idx);
      refine = std::move(rf);
      quantizer = std::move(qz);
    }
    if (keep) {
      set_lib_threads(1);
      pin_self(o.cpu);
      refine->k_factor = float(std::max(1, o.rerank / o.k));
      for (int p : o.probes) {
        keep->nprobe = p;
        g_search.push_back(measure(c, "ivf", "Faiss IVFPQ (raw)", "probes", p, faiss_query(keep.get())));
      }
      for (int p : o.probes) {
        keep->nprobe = p;
        g_search.push_back(measure(c, "ivf", "Faiss IVFPQ+refine (raw)", "probes", p, faiss_query(refine.get())));
      }
      unpin_self();
      refine.reset();  // does not own the base index
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

class Pg {
 public:
  explicit Pg(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) throw std::runtime_error(std::string("connection failed: ") + PQerrorMessage(c_));
  }
  ~Pg() { PQfinish(c_); }
  PGconn* raw() { return c_; }

  // Runs sql; returns false and sets err on error.
  bool try_exec(const std::string& sql, std::string* err = nullptr, std::vector<std::vector<std::string>>* rows = nullptr) {
    PGresult* r = PQexec(c_, sql.c_str());
    auto st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok && err) *err = trim(PQresultErrorMessage(r));
    if (ok && rows) {
      rows->clear();
      for (int i = 0; i < PQntuples(r); ++i) {
        rows->emplace_back();
        for (int j = 0; j < PQnfields(r); ++j) rows->back().push_back(PQgetvalue(r, i, j));
      }
    }
    PQclear(r);
    return ok;
  }
  void exec(const std::string& sql) {
    std::string err;
    if (!try_exec(sql, &err)) throw std::runtime_error(sql.substr(0, 200) + ": " + err);
  }
  std::string scalar(const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    std::string err;
    if (!try_exec(sql, &err, &rows)) throw std::runtime_error(sql.substr(0, 200) + ": " + err);
    return rows.empty() || rows[0].empty() ? "" : rows[0][0];
  }
  bool exists(const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    return try_exec(sql, nullptr, &rows) && !rows.empty();
  }
  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

 private:
  PGconn* c_;
};

const char* kTable = "vx_bench_items";

void load_table(Pg& pg, const Images& base, const std::string& storage) {
  pg.exec("DROP TABLE IF EXISTS vx_bench_items");
  pg.exec(fmt("CREATE TABLE %s (id int4 NOT NULL, embedding vector(%d) NOT NULL)", kTable, base.dim));
  if (!storage.empty()) {
    pg.exec(fmt("ALTER TABLE %s ALTER COLUMN embedding SET STORAGE %s", kTable, storage.c_str()));
    std::printf("vector column: SET STORAGE %s\n", storage.c_str());
  }
  auto t0 = Clock::now();
  PGresult* r = PQexec(pg.raw(), fmt("COPY %s (id, embedding) FROM STDIN (FORMAT binary)", kTable).c_str());
  if (PQresultStatus(r) != PGRES_COPY_IN) {
    std::string e = PQresultErrorMessage(r);
    PQclear(r);
    throw std::runtime_error("COPY: " + e);
  }
  PQclear(r);
  std::string buf;
  auto put16 = [&](uint16_t v) { v = htons(v); buf.append(reinterpret_cast<char*>(&v), 2); };
  auto put32 = [&](uint32_t v) { v = htonl(v); buf.append(reinterpret_cast<char*>(&v), 4); };
  auto flush = [&] {
    if (PQputCopyData(pg.raw(), buf.data(), int(buf.size())) != 1)
      throw std::runtime_error(std::string("PQputCopyData: ") + PQerrorMessage(pg.raw()));
    buf.clear();
  };
  buf.append("PGCOPY\n\377\r\n\0", 11);
  put32(0);  // flags
  put32(0);  // header extension length
  for (int i = 0; i < base.n; ++i) {
    put16(2);  // fields
    put32(4);
    put32(uint32_t(i));
    put32(uint32_t(4 + 4 * base.dim));  // vector binary format: int16 dim, int16 unused, float4[dim], big-endian
    put16(uint16_t(base.dim));
    put16(0);
    for (int j = 0; j < base.dim; ++j) {
      float f = base.px[size_t(i) * base.dim + j];
      uint32_t u;
      std::memcpy(&u, &f, 4);
      put32(u);
    }
    if (buf.size() > (1 << 20)) flush();
  }
  put16(0xFFFF);  // trailer
  flush();
  if (PQputCopyEnd(pg.raw(), nullptr) != 1) throw std::runtime_error(std::string("PQputCopyEnd: ") + PQerrorMessage(pg.raw()));
  while ((r = PQgetResult(pg.raw())) != nullptr) {
    bool bad = PQresultStatus(r) != PGRES_COMMAND_OK;
    std::string e = PQresultErrorMessage(r);
    PQclear(r);
    if (bad) throw std::runtime_error("COPY: " + e);
  }
  pg.exec(fmt("VACUUM (ANALYZE) %s", kTable));
  std::printf("loaded %d rows with binary COPY in %.1f s; table %s MB (with TOAST)\n", base.n, seconds_since(t0),
              pg.scalar(fmt("SELECT round(pg_total_relation_size('%s') / 1048576.0, 1)", kTable)).c_str());
}

struct SqlMethod {
  std::string family, label, am, with, guc, param_name;
  std::vector<int> params, threads;
};

class SqlBench {
 public:
  SqlBench(const Ctx& c, Pg& pg) : c_(c), pg_(pg) {
    const Options& o = c.o;
    // The query vectors exactly as a client would send them as text parameters.
    for (int qi = 0; qi < c.q.n; ++qi) {
      std::string s = "[";
      for (int j = 0; j < c.q.dim; ++j) {
        if (j) s += ',';
        s += std::to_string(int(c.q.px[size_t(qi) * c.q.dim + j]));
      }
      s += ']';
      qtext_.push_back(std::move(s));
    }
    backend_pid_ = std::stoi(pg.scalar("SELECT pg_backend_pid()"));
    pg.exec("SET max_parallel_workers_per_gather = 0");
    pg.exec("SET jit = off");
    have_op_ = pg.exists(
        "SELECT 1 FROM pg_operator WHERE oprname = '<->' AND oprleft = 'vector'::regtype AND oprright = 'vector'::regtype");
    have_prewarm_ = pg.try_exec("CREATE EXTENSION IF NOT EXISTS pg_prewarm");
    (void)o;
  }

  // Both this process and the backend on one CPU for searches; unpinned for builds (threads, parallel workers).
  void pin() {
    pin_self(c_.o.cpu);
    std::string err;
    if (!set_affinity(backend_pid_, one_cpu(c_.o.cpu), &err)) {
      if (!warned_) std::fprintf(stderr, "warning: cannot pin backend %d to CPU %d: %s\n", backend_pid_, c_.o.cpu, err.c_str());
      warned_ = true;
    } else if (!reported_) {
      cpu_set_t got;
      if (sched_getaffinity(backend_pid_, sizeof got, &got) == 0)
        std::printf("  (client pid %d and backend pid %d pinned: backend affinity = %d CPU(s), CPU %d %s)\n", int(getpid()),
                    backend_pid_, CPU_COUNT(&got), c_.o.cpu, CPU_ISSET(c_.o.cpu, &got) ? "set" : "NOT set");
      reported_ = true;
    }
  }
  void unpin() {
    unpin_self();
    set_affinity(backend_pid_, g_all_cpus);
  }

  QueryFn prepared(const std::string& name, const std::string& sql) {
    PGresult* r = PQprepare(pg_.raw(), name.c_str(), sql.c_str(), 1, nullptr);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    std::string e = ok ? "" : Pg::trim(PQresultErrorMessage(r));
    PQclear(r);
    if (!ok) throw std::runtime_error("PREPARE " + sql + ": " + e);
    return [this, name](int qi, std::vector<int64_t>& ids, std::string& err) {
      const char* v = qtext_[qi].c_str();
      PGresult* res = PQexecPrepared(pg_.raw(), name.c_str(), 1, &v, nullptr, nullptr, 0);
      if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        err = Pg::trim(PQresultErrorMessage(res));
        PQclear(res);
        return false;
      }
      int n = PQntuples(res);
      if (PQnfields(res) == 1 && PQftype(res, 0) == 23 /* int4 */)
        for (int i = 0; i < n; ++i) ids.push_back(std::atoll(PQgetvalue(res, i, 0)));
      PQclear(res);
      return true;
    };
  }

  void floor() {
    std::printf("\n[SQL floor: prepared SELECT $1::vector IS NULL, vector sent as text, no search]\n");
    pin();
    QueryFn fn = prepared("vx_floor", "SELECT $1::vector IS NULL");
    g_search.push_back(measure(c_, "floor", "SQL floor", "-", 0, fn, false));
    unpin();
  }

  // Exact search through a sequential scan: recall must be 1.0. A check of the harness itself (--sql-exact).
  void exact() {
    std::printf("\n[SQL exact: sequential scan, no index (harness check: recall must be 1)]\n");
    if (!have_op_) {
      std::printf("  n/a (no <-> operator for vector)\n");
      return;
    }
    QueryFn fn = prepared("vx_exact", fmt("SELECT id FROM %s ORDER BY embedding <-> $1::vector LIMIT %d", kTable, c_.o.k));
    pin();
    g_search.push_back(measure(c_, "exact", "SQL exact (seq scan)", "-", 0, fn));
    unpin();
  }

  void run(const SqlMethod& m) {
    std::printf("\n[%s: USING %s WITH (%s), SET %s]\n", m.label.c_str(), m.am.c_str(), m.with.c_str(),
                m.guc.c_str());
    if (!pg_.exists("SELECT 1 FROM pg_am WHERE amname = '" + m.am + "' AND amtype = 'i'")) {
      add_na(m.family, m.label, m.param_name, m.params, m.threads,
             "n/a (not available in this build: no access method " + m.am + ")");
      return;
    }
    if (!have_op_) {
      add_na(m.family, m.label, m.param_name, m.params, m.threads,
             "n/a (not available in this build: no <-> operator for vector)");
      return;
    }
    std::string idx = "vx_bench_idx_" + m.am;
    std::string create = fmt("CREATE INDEX %s ON %s USING %s (embedding vector_l2_ops) WITH (%s)", idx.c_str(), kTable,
                             m.am.c_str(), m.with.c_str());
    bool built = false;
    std::string err;
    for (int threads : m.threads) {
      unpin();
      pg_.try_exec("DROP INDEX IF EXISTS " + idx);
      pg_.exec("CHECKPOINT");
      pg_.exec(fmt("SET max_parallel_maintenance_workers = %d", threads - 1));
      auto t0 = Clock::now();
      BuildPoint b{m.family, m.label, threads};
      if (!pg_.try_exec(create, &err)) {
        b.note = "n/a (CREATE INDEX failed: " + err + ")";
        add_build(b);
        built = false;
        continue;
      }
      b.seconds = seconds_since(t0);
      b.bytes = std::stod(pg_.scalar("SELECT pg_relation_size('" + idx + "')"));
      b.ok = true;
      b.note = "pg_relation_size";
      add_build(b);
      built = true;
    }
    pg_.exec("RESET max_parallel_maintenance_workers");
    if (!built) {
      for (int p : m.params) {
        SearchPoint s{m.family, m.label, m.param_name, p};
        s.note = "n/a (no index)";
        g_search.push_back(s);
      }
      return;
    }
    std::string note;
    if (!pg_.exists("SELECT 1 FROM pg_settings WHERE name = '" + m.guc + "'"))
      note = "setting " + m.guc + " is not defined by the extension";
    if (have_prewarm_) {
      pg_.try_exec(fmt("SELECT pg_prewarm('%s')", kTable));
      pg_.try_exec("SELECT pg_prewarm('" + idx + "')");
    }
    std::string sql = fmt("SELECT id FROM %s ORDER BY embedding <-> $1::vector LIMIT %d", kTable, c_.o.k);
    if (!uses_index(sql, idx)) {
      pg_.exec("SET enable_seqscan = off");
      note += std::string(note.empty() ? "" : "; ") + "planner did not pick the index: enable_seqscan = off";
      if (!uses_index(sql, idx)) note += " (still not used!)";
    }
    if (!note.empty()) std::printf("  note: %s\n", note.c_str());
    QueryFn fn = prepared("vx_q_" + m.am, sql);
    pin();
    for (int p : m.params) {
      if (!pg_.try_exec(fmt("SET %s = %d", m.guc.c_str(), p), &err)) {
        SearchPoint s{m.family, m.label, m.param_name, p};
        s.note = "n/a (" + err + ")";
        g_search.push_back(s);
        continue;
      }
      SearchPoint s = measure(c_, m.family, m.label, m.param_name, p, fn);
      if (!note.empty()) s.note += (s.note.empty() ? "" : "; ") + note;
      g_search.push_back(s);
    }
    // One EXPLAIN (ANALYZE, BUFFERS) at a middle setting into the log: where the time of a query goes.
    if (!m.params.empty() && pg_.try_exec(fmt("SET %s = %d", m.guc.c_str(), m.params[m.params.size() / 2]))) {
      // EXPLAIN EXECUTE of the prepared statement itself: shows the plan the loop really ran (generic or custom).
      std::printf("  plan of the prepared statement, query 0, %s = %d:\n", m.guc.c_str(), m.params[m.params.size() / 2]);
      for (auto& line : explain("EXPLAIN (ANALYZE, BUFFERS) EXECUTE vx_q_" + m.am + "('" + qtext_[0] + "')", false))
        std::printf("    %s\n", line.size() > 160 ? (line.substr(0, 150) + " ...").c_str() : line.c_str());
    }
    unpin();
    pg_.exec("DEALLOCATE vx_q_" + m.am);
    pg_.exec("RESET enable_seqscan");
    pg_.exec("RESET " + m.guc);
    pg_.exec("DROP INDEX IF EXISTS " + idx);
  }

 private:
  std::vector<std::string> explain(const std::string& sql, bool with_param = true) {
    const char* v = qtext_[0].c_str();
    PGresult* r = PQexecParams(pg_.raw(), sql.c_str(), with_param ? 1 : 0, nullptr, with_param ? &v : nullptr, nullptr,
                               nullptr, 0);
    std::vector<std::string> lines;
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
      for (int i = 0; i < PQntuples(r); ++i) lines.push_back(PQgetvalue(r, i, 0));
    else
      lines.push_back(Pg::trim(PQresultErrorMessage(r)));
    PQclear(r);
    return lines;
  }
  bool uses_index(const std::string& sql, const std::string& idx) {
    for (auto& line : explain("EXPLAIN " + sql))
      if (line.find(idx) != std::string::npos) return true;
    return false;
  }

  const Ctx& c_;
  Pg& pg_;
  std::vector<std::string> qtext_;
  int backend_pid_ = 0;
  bool have_op_ = false, have_prewarm_ = false, warned_ = false, reported_ = false;
};

// ---------------------------------------------------------------------------------------------------------------
// reference figures (pgvector, measured earlier on this machine, not in this run)

struct Reference {
  std::map<std::pair<std::string, int>, std::pair<double, double>> search;  // (method, param) -> (recall, qps)
  std::map<std::pair<std::string, int>, std::pair<double, double>> build;   // (method, threads) -> (s, MB)
  std::map<std::pair<std::string, double>, double> at_recall;                // (method, recall target) -> qps
  std::string source;
};

// CSV lines: search,METHOD,PARAM,RECALL,QPS   build,METHOD,THREADS,SECONDS,INDEX_MB   at_recall,METHOD,TARGET,-,QPS
// ('#' starts a comment)
Reference load_reference(const std::string& path) {
  Reference ref;
  if (path.empty()) return ref;
  std::ifstream in(path);
  if (!in) return ref;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto f = parse_str_list(line);
    if (f.size() < 5) continue;
    try {
      if (f[0] == "at_recall") {
        ref.at_recall[{f[1], std::stod(f[2])}] = std::stod(f[4]);
        continue;
      }
      auto key = std::make_pair(f[1], std::stoi(f[2]));
      auto val = std::make_pair(f[3] == "" || f[3] == "-" ? NAN : std::stod(f[3]), f[4] == "-" ? NAN : std::stod(f[4]));
      if (f[0] == "search") ref.search[key] = val;
      else if (f[0] == "build") ref.build[key] = val;
      else if (f[0] == "source") ref.source = line.substr(7);
    } catch (...) {
    }
  }
  return ref;
}

// ---------------------------------------------------------------------------------------------------------------
// report

const SearchPoint* find_search(const std::string& method, int param) {
  for (auto& s : g_search)
    if (s.method == method && s.param == param) return &s;
  return nullptr;
}
const BuildPoint* find_build(const std::string& method, int threads) {
  for (auto& b : g_build)
    if (b.method == method && b.threads == threads) return &b;
  return nullptr;
}

std::string cell_rq(const SearchPoint* s) {
  if (!s) return "-";
  if (!s->ok) return "n/a";
  return fmt("%.3f %7.0f", s->recall, s->qps);
}
std::string ratio(double a, double b) { return std::isfinite(a) && std::isfinite(b) && b > 0 ? fmt("%.2fx", a / b) : "-"; }

void print_build_table(const std::string& family, const std::vector<std::string>& methods, const std::vector<int>& threads,
                       const Reference& ref, const std::string& ref_method) {
  std::printf("\nBuild (%s)        threads   time (s)   size (MB)   note\n", family.c_str());
  for (auto& m : methods)
    for (int t : threads) {
      const BuildPoint* b = find_build(m, t);
      if (!b) continue;
      if (b->ok)
        std::printf("  %-26s %2d %10.2f %11.1f   %s\n", m.c_str(), t, b->seconds, b->bytes / 1048576.0, b->note.c_str());
      else
        std::printf("  %-26s %2d %10s %11s   %s\n", m.c_str(), t, "-", "-", b->note.c_str());
    }
  if (!ref_method.empty())
    for (int t : threads) {
      auto it = ref.build.find({ref_method, t});
      if (it != ref.build.end())
        std::printf("  %-26s %2d %10.2f %11.1f   reference figure from the issue, NOT measured in this run\n",
                    "pgvector (reference)", t, it->second.first, it->second.second);
    }
}

// The issues state targets as "QPS at recall 0.95 / 0.99": for each method, the best median QPS among the measured
// settings whose recall reaches the target (no interpolation), beside the reference figure when there is one.
void print_at_recall(const std::vector<std::string>& methods, const std::string& ref_method, const Reference& ref) {
  for (double target : {0.95, 0.99}) {
    std::printf("  QPS at recall@10 >= %.2f:", target);
    double vx_best = NAN;
    for (auto& m : methods) {
      double best = NAN;
      for (auto& s : g_search)
        if (s.method == m && s.ok && s.recall >= target && !(s.qps <= best)) best = s.qps;
      std::printf("  %s %s", m.c_str(), std::isfinite(best) ? fmt("%.0f", best).c_str() : "not reached");
      if (m.rfind("vectorext", 0) == 0 && std::isfinite(best)) vx_best = best;
    }
    auto it = ref.at_recall.find({ref_method, target});
    if (it != ref.at_recall.end())
      std::printf("  | %s (reference) %.0f, vectorext/%s %s", ref_method.c_str(), it->second, ref_method.c_str(),
                  ratio(vx_best, it->second).c_str());
    std::printf("\n");
  }
}

void print_hnsw(const Options& o, const Reference& ref, const SearchPoint* floor) {
  std::printf("\n=== HNSW (m=%d, ef_construction=%d), recall@%d and QPS (median of %d), 1 client, pinned to CPU %d ===\n",
              o.m, o.ef_construction, o.k, o.repeats, o.cpu);
  print_build_table("hnsw", {"hnswlib (raw)", "vectorext hnsw"}, o.hnsw_threads, ref, "pgvector hnsw");
  for (int t : o.hnsw_threads) {
    const BuildPoint* a = find_build("vectorext hnsw", t);
    const BuildPoint* b = find_build("hnswlib (raw)", t);
    if (a && b && a->ok && b->ok)
      std::printf("  build time vectorext / hnswlib at %d thread(s): %s\n", t, ratio(a->seconds, b->seconds).c_str());
  }
  bool have_ref = !ref.search.empty() || !ref.at_recall.empty();
  std::printf("\n  (cells: recall@%d, median QPS)", o.k);
  std::printf("\n  %5s | %-15s | %-17s | %-14s | %-12s | %-10s | %s\n", "ef", "hnswlib rec QPS", "vectorext rec QPS",
              "pgvector(ref)", "QPS vx/hnswl", "QPS vx/pgv", "vx us/query above the SQL floor");
  for (int ef : o.ef) {
    const SearchPoint* h = find_search("hnswlib (raw)", ef);
    const SearchPoint* v = find_search("vectorext hnsw", ef);
    auto it = ref.search.find({"pgvector hnsw", ef});
    std::string pgv = it == ref.search.end() ? "n/a" : fmt("%.3f %7.0f", it->second.first, it->second.second);
    double pq = it == ref.search.end() ? NAN : it->second.second;
    std::string above = v && v->ok && floor && floor->ok ? fmt("%.0f", 1e6 / v->qps - 1e6 / floor->qps) : "-";
    std::printf("  %5d | %-15s | %-17s | %-14s | %-12s | %-10s | %s\n", ef, cell_rq(h).c_str(), cell_rq(v).c_str(),
                pgv.c_str(), ratio(v && v->ok ? v->qps : NAN, h && h->ok ? h->qps : NAN).c_str(),
                ratio(v && v->ok ? v->qps : NAN, pq).c_str(), above.c_str());
  }
  if (floor && floor->ok)
    std::printf("  SQL floor (prepared SELECT $1::vector IS NULL): %.0f QPS = %.1f us per round trip + vector parse\n",
                floor->qps, 1e6 / floor->qps);
  print_at_recall({"hnswlib (raw)", "vectorext hnsw"}, "pgvector hnsw", ref);
  if (!have_ref)
    std::printf("  pgvector: no reference figures in %s (they are quoted from the issue, never measured here)\n",
                o.pgvector_ref.empty() ? "(none given)" : o.pgvector_ref.c_str());
  else if (!ref.source.empty())
    std::printf("  pgvector figures: %s (reference, NOT measured in this run)\n", ref.source.c_str());
}

void print_ivf(const Options& o, const Reference& ref, const SearchPoint* floor) {
  std::printf("\n=== IVF (lists=%d; pq: %s), recall@%d and QPS (median of %d), 1 client, pinned to CPU %d ===\n", o.lists,
              o.ivfpq_with.c_str(), o.k, o.repeats, o.cpu);
  std::vector<std::string> methods = {"Faiss IVFFlat (raw)", "vectorext ivfflat", "Faiss IVFPQ (raw)",
                                      "Faiss IVFPQ+refine (raw)", "vectorext ivf pq"};
  print_build_table("ivf", methods, o.ivf_threads, ref, "pgvector ivfflat");
  std::printf("\n  %6s | %-15s | %-17s | %-14s | %-15s | %-15s | %-17s | %-12s | %-12s\n", "probes", "Faiss IVFFlat",
              "vectorext ivfflat", "pgvector(ref)", "Faiss IVFPQ", "Faiss IVFPQ+rr", "vectorext ivf pq",
              "ivfflat vx/F", "pq vx/F+rr");
  for (int p : o.probes) {
    const SearchPoint* ff = find_search("Faiss IVFFlat (raw)", p);
    const SearchPoint* vf = find_search("vectorext ivfflat", p);
    const SearchPoint* fp = find_search("Faiss IVFPQ (raw)", p);
    const SearchPoint* fr = find_search("Faiss IVFPQ+refine (raw)", p);
    const SearchPoint* vp = find_search("vectorext ivf pq", p);
    auto it = ref.search.find({"pgvector ivfflat", p});
    std::string pgv = it == ref.search.end() ? "n/a" : fmt("%.3f %7.0f", it->second.first, it->second.second);
    std::printf("  %6d | %-15s | %-17s | %-14s | %-15s | %-15s | %-17s | %-12s | %-12s\n", p, cell_rq(ff).c_str(),
                cell_rq(vf).c_str(), pgv.c_str(), cell_rq(fp).c_str(), cell_rq(fr).c_str(), cell_rq(vp).c_str(),
                ratio(vf && vf->ok ? vf->qps : NAN, ff && ff->ok ? ff->qps : NAN).c_str(),
                ratio(vp && vp->ok ? vp->qps : NAN, fr && fr->ok ? fr->qps : NAN).c_str());
  }
  print_at_recall({"Faiss IVFFlat (raw)", "vectorext ivfflat"}, "pgvector ivfflat", ref);
  print_at_recall({"Faiss IVFPQ+refine (raw)", "vectorext ivf pq"}, "pgvector ivfflat", ref);
  if (floor && floor->ok)
    std::printf("  SQL floor (prepared SELECT $1::vector IS NULL): %.0f QPS = %.1f us per round trip + vector parse\n",
                floor->qps, 1e6 / floor->qps);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string r = "\"";
  for (char ch : s) r += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return r + "\"";
}

void write_outputs(const Options& o, const Reference& ref) {
  {
    std::ofstream f(o.out_dir + "/search.csv");
    f << "family,method,param_name,param,ok,recall_at_k,qps_median,qps_runs,note\n";
    for (auto& s : g_search) {
      std::string runs;
      for (double r : s.runs) runs += (runs.empty() ? "" : ";") + fmt("%.1f", r);
      f << s.family << ',' << csv_field(s.method) << ',' << s.param_name << ',' << s.param << ',' << (s.ok ? 1 : 0) << ','
        << (s.ok && std::isfinite(s.recall) ? fmt("%.4f", s.recall) : "") << ',' << (s.ok ? fmt("%.1f", s.qps) : "") << ','
        << runs << ',' << csv_field(s.note) << '\n';
    }
  }
  {
    std::ofstream f(o.out_dir + "/build.csv");
    f << "family,method,threads,ok,build_seconds,index_bytes,note\n";
    for (auto& b : g_build)
      f << b.family << ',' << csv_field(b.method) << ',' << b.threads << ',' << (b.ok ? 1 : 0) << ','
        << (b.ok ? fmt("%.3f", b.seconds) : "") << ',' << (b.ok ? fmt("%.0f", b.bytes) : "") << ',' << csv_field(b.note)
        << '\n';
  }
  // gnuplot: one data file per series and one script per family; bench/run.sh renders them when gnuplot exists.
  auto series_file = [&](const std::string& method) {
    std::string name;
    for (char ch : method) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    return o.out_dir + "/plot_" + name + ".dat";
  };
  for (const char* family : {"hnsw", "ivf"}) {
    std::vector<std::pair<std::string, std::string>> series;  // (title, file)
    std::vector<std::string> methods;
    for (auto& s : g_search)
      if (s.family == family && s.ok && std::find(methods.begin(), methods.end(), s.method) == methods.end())
        methods.push_back(s.method);
    for (auto& m : methods) {
      std::string file = series_file(m);
      std::ofstream f(file);
      f << "# recall qps param\n";
      for (auto& s : g_search)
        if (s.method == m && s.ok) f << fmt("%.4f %.1f %d\n", s.recall, s.qps, s.param);
      series.push_back({m, file});
    }
    std::string ref_method = std::string("pgvector ") + (std::string(family) == "hnsw" ? "hnsw" : "ivfflat");
    bool any_ref = false;
    {
      std::ofstream f(series_file(ref_method + " (reference)"));
      f << "# recall qps param (reference figures, not measured in this run)\n";
      for (auto& kv : ref.search)
        if (kv.first.first == ref_method && std::isfinite(kv.second.first) && std::isfinite(kv.second.second)) {
          f << fmt("%.4f %.1f %d\n", kv.second.first, kv.second.second, kv.first.second);
          any_ref = true;
        }
    }
    if (any_ref) series.push_back({ref_method + " (reference, not this run)", series_file(ref_method + " (reference)")});
    if (series.empty()) continue;
    std::ofstream g(o.out_dir + "/plot_" + family + ".gp");
    g << "set terminal pngcairo size 1000,700 noenhanced\n"
      << "set output '" << o.out_dir << "/" << family << "_recall_qps.png'\n"
      << "set title '" << (std::string(family) == "hnsw" ? fmt("HNSW m=%d ef_construction=%d", o.m, o.ef_construction)
                                                         : fmt("IVF lists=%d", o.lists))
      << fmt(" - Fashion-MNIST, %d queries, recall@%d vs QPS (1 client, 1 CPU, median of %d)'\n", o.queries, o.k, o.repeats)
      << "set xlabel 'recall@" << o.k << "'\nset ylabel 'queries per second (log)'\nset logscale y\nset grid\n"
      << "set key bottom left\n";
    g << "plot ";
    for (size_t i = 0; i < series.size(); ++i)
      g << (i ? ", \\\n     " : "") << "'" << series[i].second << "' using 1:2 with linespoints lw 2 lt " << i + 1
        << " title '" << series[i].first << "', '' using 1:2:3 with labels offset 0.6,0.6 font ',8' tc lt " << i + 1
        << " notitle";
    // The SQL floor as a horizontal line (also makes the y range include it).
    const SearchPoint* fl = find_search("SQL floor", 0);
    if (fl && fl->ok)
      g << fmt(", \\\n     %.1f with lines dt 2 lw 2 lc rgb 'gray40' title 'SQL floor (no search): %.0f QPS'", fl->qps, fl->qps);
    g << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  Options o = parse_args(argc, argv);
  sched_getaffinity(0, sizeof g_all_cpus, &g_all_cpus);
  try {
    std::filesystem::create_directories(o.out_dir);
    std::string d = o.data_dir;
    Images base = read_idx_images(d + "/train-images-idx3-ubyte.gz", o.base_limit);
    Images q = read_idx_images(d + "/t10k-images-idx3-ubyte.gz", o.queries);
    o.queries = q.n;
    std::vector<float> basef = to_float(base), qf = to_float(q);
    double la[3] = {0, 0, 0};
    getloadavg(la, 3);
    std::printf("ann_bench %s\nload average at start: %.2f %.2f %.2f (CPUs are shared: other work adds noise)\ndata: %s: %d base x %d dims, %d queries, k=%d, %d timed passes (median), %d warm-up "
                "queries, CPU %d\n",
                o.label.c_str(), la[0], la[1], la[2], d.c_str(), base.n, base.dim, q.n, o.k, o.repeats, o.warmup, o.cpu);
    GroundTruth gt = load_or_compute_ground_truth(o, base, q);
    Ctx c{o, base, q, qf, gt};
    Reference ref = load_reference(o.pgvector_ref);

    std::unique_ptr<Pg> pg;
    std::unique_ptr<SqlBench> sb;
    if (o.sql) {
      if (o.conninfo.empty()) {
        std::printf("no --conninfo: skipping the server part\n");
        o.sql = false;
      } else {
        pg = std::make_unique<Pg>(o.conninfo);
        pg->exec("SET client_min_messages = warning");
        pg->exec("CREATE EXTENSION IF NOT EXISTS vectorext");
        std::printf("server: %s, vectorext %s\n", pg->scalar("SELECT version()").c_str(),
                    pg->scalar("SELECT extversion FROM pg_extension WHERE extname = 'vectorext'").c_str());
        load_table(*pg, base, o.storage);
        sb = std::make_unique<SqlBench>(c, *pg);
        sb->floor();
        if (o.sql_exact) sb->exact();
      }
    }
    const SearchPoint* floor = find_search("SQL floor", 0);
    SearchPoint floor_copy = floor ? *floor : SearchPoint{};

    if (has_part(o, "hnsw")) {
      if (o.raw) run_raw_hnswlib(c, basef);
      if (o.sql)
        sb->run({"hnsw", "vectorext hnsw", "hnsw", fmt("m = %d, ef_construction = %d", o.m, o.ef_construction),
                 "hnsw.ef_search", "ef", o.ef, o.hnsw_threads});
    }
    if (has_part(o, "ivf")) {
      if (o.raw) run_raw_faiss(c, basef);
      if (o.sql) {
        sb->run({"ivf", "vectorext ivfflat", "ivfflat", fmt("lists = %d", o.lists), "ivfflat.probes", "probes", o.probes,
                 o.ivf_threads});
        sb->run({"ivf", "vectorext ivf pq", "ivf", o.ivfpq_with, "ivf.probes", "probes", o.probes, o.ivf_threads});
      }
    }
    if (o.sql) pg->try_exec("DROP TABLE IF EXISTS vx_bench_items");

    if (has_part(o, "hnsw")) print_hnsw(o, ref, floor ? &floor_copy : nullptr);
    if (has_part(o, "ivf")) print_ivf(o, ref, floor ? &floor_copy : nullptr);
    write_outputs(o, ref);
    getloadavg(la, 3);
    std::printf("\nload average at the end: %.2f %.2f %.2f\nCSV: %s/search.csv, %s/build.csv\n", la[0], la[1], la[2],
                o.out_dir.c_str(), o.out_dir.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ann_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}

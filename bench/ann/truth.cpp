// Implementation of truth.h.
#include "truth.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common.h"

extern "C" void openblas_set_num_threads(int);

namespace ab {

namespace {

constexpr int kMargin = 32;  // float candidates re-scored exactly beyond k

double exact_rows(const Dataset& ds, const float* q, const uint8_t* q8, int64_t id) {
  const int d = ds.dim;
  if (!ds.base_u8.empty()) {
    const uint8_t* b = &ds.base_u8[size_t(id) * d];
    int64_t s = 0;
    for (int j = 0; j < d; ++j) {
      int32_t t = int32_t(q8[j]) - int32_t(b[j]);
      s += t * t;
    }
    return double(s);
  }
  const float* b = ds.row(id);
  double dot = 0, qq = 0, bb = 0, l2 = 0;
  for (int j = 0; j < d; ++j) {
    double x = q[j], y = b[j];
    dot += x * y;
    qq += x * x;
    bb += y * y;
    l2 += (x - y) * (x - y);
  }
  switch (ds.metric) {
    case Metric::L2:
      return l2;
    case Metric::IP:
      return -dot;
    case Metric::Cosine:
      return qq > 0 && bb > 0 ? 1.0 - dot / std::sqrt(qq * bb) : 1.0;
  }
  return l2;
}

// Bounded max-heap of (approximate distance, id): keeps the `cap` smallest.
struct Best {
  size_t cap;
  std::vector<std::pair<float, int32_t>> h;
  void offer(float d, int32_t id) {
    if (h.size() < cap) {
      h.emplace_back(d, id);
      std::push_heap(h.begin(), h.end());
    } else if (d < h.front().first) {
      std::pop_heap(h.begin(), h.end());
      h.back() = {d, id};
      std::push_heap(h.begin(), h.end());
    }
  }
};

void finish(const Dataset& ds, int qi, Best& b, Truth& t) {
  std::vector<std::pair<double, int32_t>> exact;
  for (auto& [approx, id] : b.h) exact.emplace_back(exact_distance(ds, qi, id), id);
  std::sort(exact.begin(), exact.end());
  int got = std::min<int>(t.k, int(exact.size()));
  t.count[qi] = got;
  for (int j = 0; j < t.k; ++j) {
    t.ids[size_t(qi) * t.k + j] = j < got ? exact[j].second : -1;
    t.dists[size_t(qi) * t.k + j] = j < got ? exact[j].first : INFINITY;
  }
}

Truth empty_truth(int nq, int k) {
  Truth t;
  t.k = k;
  t.ids.assign(size_t(nq) * k, -1);
  t.dists.assign(size_t(nq) * k, INFINITY);
  t.count.assign(nq, 0);
  return t;
}

TruthSet compute(const Dataset& ds, int k) {
  const int d = ds.dim, nq = ds.nq, threads = int(std::max(1u, std::thread::hardware_concurrency()));
  TruthSet ts;
  ts.all = empty_truth(nq, k);
  for (auto& fc : filter_classes()) ts.by_category[fc.category] = empty_truth(nq, k);
  // approximate order values from q.b: L2 -> |b|^2 - 2 q.b, IP -> -q.b, cosine -> -q.b / |b|
  std::vector<float> norm2(ds.n);
  for (int i = 0; i < ds.n; ++i) {
    double s = 0;
    for (int j = 0; j < d; ++j) s += double(ds.row(i)[j]) * ds.row(i)[j];
    norm2[i] = float(s);
  }
  openblas_set_num_threads(threads);
  const int qblock = 256, bblock = 8192;
  std::vector<float> dot(size_t(qblock) * bblock);
  for (int q0 = 0; q0 < nq; q0 += qblock) {
    int qn = std::min(qblock, nq - q0);
    std::vector<Best> all(qn, Best{size_t(k + kMargin), {}});
    std::vector<std::map<int, Best>> cat(qn);
    for (int i = 0; i < qn; ++i)
      for (auto& fc : filter_classes()) cat[i].emplace(fc.category, Best{size_t(k + kMargin), {}});
    for (int b0 = 0; b0 < ds.n; b0 += bblock) {
      int bn = std::min(bblock, ds.n - b0);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, qn, bn, d, 1.0f, ds.query(q0), d, ds.row(b0), d, 0.0f,
                  dot.data(), bn);
#pragma omp parallel for num_threads(threads) schedule(static)
      for (int i = 0; i < qn; ++i)
        for (int j = 0; j < bn; ++j) {
          float x = dot[size_t(i) * bn + j];
          int32_t id = b0 + j;
          float v = ds.metric == Metric::L2   ? norm2[id] - 2 * x
                    : ds.metric == Metric::IP ? -x
                                              : (norm2[id] > 0 ? -x / std::sqrt(norm2[id]) : 0.0f);
          all[i].offer(v, id);
          int c = ds.category[id];
          if (c != 0) cat[i].at(c).offer(v, id);
        }
    }
#pragma omp parallel for num_threads(threads) schedule(dynamic)
    for (int i = 0; i < qn; ++i) {
      finish(ds, q0 + i, all[i], ts.all);
      for (auto& fc : filter_classes()) finish(ds, q0 + i, cat[i].at(fc.category), ts.by_category[fc.category]);
    }
  }
  openblas_set_num_threads(1);
  return ts;
}

void write_truth(std::ofstream& f, const Truth& t) {
  f.write(reinterpret_cast<const char*>(t.ids.data()), std::streamsize(t.ids.size() * 4));
  f.write(reinterpret_cast<const char*>(t.dists.data()), std::streamsize(t.dists.size() * 8));
  f.write(reinterpret_cast<const char*>(t.count.data()), std::streamsize(t.count.size() * 4));
}
bool read_truth(std::ifstream& f, Truth& t, int nq, int k) {
  t = empty_truth(nq, k);
  f.read(reinterpret_cast<char*>(t.ids.data()), std::streamsize(t.ids.size() * 4));
  f.read(reinterpret_cast<char*>(t.dists.data()), std::streamsize(t.dists.size() * 8));
  f.read(reinterpret_cast<char*>(t.count.data()), std::streamsize(t.count.size() * 4));
  return bool(f);
}

}  // namespace

double exact_distance(const Dataset& ds, int qi, int64_t id) {
  return exact_rows(ds, ds.query(qi), ds.queries_u8.empty() ? nullptr : &ds.queries_u8[size_t(qi) * ds.dim], id);
}

TruthSet load_or_compute_truth(const Dataset& ds, int k, const std::string& cache_dir) {
  std::filesystem::create_directories(cache_dir);
  std::string path = fmt("%s/truth-%s-%016llx-%s-n%d-q%d-k%d-v1.bin", cache_dir.c_str(), ds.name.c_str(),
                         (unsigned long long)ds.checksum, metric_name(ds.metric), ds.n, ds.nq, k);
  {
    std::ifstream in(path, std::ios::binary);
    TruthSet ts;
    bool ok = bool(in) && read_truth(in, ts.all, ds.nq, k);
    for (auto& fc : filter_classes()) ok = ok && read_truth(in, ts.by_category[fc.category], ds.nq, k);
    if (ok) {
      std::printf("  ground truth: cached %s\n", path.c_str());
      return ts;
    }
  }
  auto t0 = Clock::now();
  TruthSet ts = compute(ds, k);
  std::printf(
      "  ground truth: exact %d queries x %d rows x %d dims (and per filter category) in %.1f s, cached in %s\n", ds.nq,
      ds.n, ds.dim, seconds_since(t0), path.c_str());
  std::ofstream out(path + ".tmp", std::ios::binary);
  write_truth(out, ts.all);
  for (auto& fc : filter_classes()) write_truth(out, ts.by_category[fc.category]);
  out.close();
  if (out) std::filesystem::rename(path + ".tmp", path);
  return ts;
}

double recall_at_k(const Dataset& ds, const Truth& t, const std::vector<std::vector<int64_t>>& results, int category) {
  long hits = 0, wanted = 0;
  for (size_t qi = 0; qi < results.size(); ++qi) {
    int want = t.count[qi];
    wanted += want;
    if (want == 0) continue;
    double kth = t.dists[qi * t.k + want - 1];
    std::vector<int64_t> r(results[qi].begin(), results[qi].begin() + std::min<size_t>(results[qi].size(), t.k));
    std::sort(r.begin(), r.end());
    r.erase(std::unique(r.begin(), r.end()), r.end());
    for (int64_t id : r)
      if (id >= 0 && id < ds.n && (category < 0 || ds.category[id] == category) &&
          exact_distance(ds, int(qi), id) <= kth)
        ++hits;
  }
  return wanted ? double(hits) / double(wanted) : NAN;
}

}  // namespace ab

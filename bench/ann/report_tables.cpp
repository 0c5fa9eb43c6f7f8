// Per-dataset tables of the report (report.h).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common.h"
#include "report.h"

namespace ab {

std::vector<std::string> methods_of(const Results& r, const std::string& ds, const std::string& family) {
  std::vector<std::string> out;
  for (auto& s : r.search)
    if (s.dataset == ds && s.family == family && !contains(out, s.method)) out.push_back(s.method);
  return out;
}

namespace {

std::string cell(const SearchPoint* s) {
  if (!s) return "-";
  if (!s->ok) return "n/a";
  return fmt("%.3f %7.0f", s->recall, s->qps);
}

// "pgvector hnsw" for "vectorext hnsw" when that one was measured
std::string pgvector_twin(const std::vector<std::string>& methods, const std::string& m) {
  if (m.rfind("vectorext ", 0) != 0) return "";
  std::string twin = "pgvector " + m.substr(10);
  return contains(methods, twin) ? twin : "";
}

void print_builds(const Results& r, const std::string& ds, const std::string& family) {
  bool any = false;
  for (auto& b : r.build)
    if (b.dataset == ds && b.family == family) {
      if (!any) std::printf("\n  %-28s %7s %10s %11s %10s\n", "build", "threads", "time (s)", "size (MB)", "WAL (MB)");
      any = true;
      if (b.ok)
        std::printf("  %-28s %7d %10.2f %11.1f %10s\n", b.method.c_str(), b.threads, b.seconds, b.bytes / 1048576.0,
                    std::isnan(b.wal_bytes) ? "-" : fmt("%.1f", b.wal_bytes / 1048576.0).c_str());
      else
        std::printf("  %-28s %7d %s\n", b.method.c_str(), b.threads, b.note.c_str());
    }
  for (auto& b : r.build)
    if (b.dataset == ds && b.family == family && b.system == "vectorext" && b.ok) {
      const BuildPoint* p = r.find_build(ds, "pgvector " + b.method.substr(10), b.threads);
      if (p && p->ok)
        std::printf("  %s vs pgvector at %d thread(s): build time %s, index size %s\n", b.method.c_str(), b.threads,
                    ratio(b.seconds, p->seconds).c_str(), ratio(b.bytes, p->bytes).c_str());
    }
}

void print_sweep(const Results& r, const std::string& ds, const std::string& family, int k) {
  auto methods = methods_of(r, ds, family);
  if (methods.empty()) return;
  std::vector<int> params;
  std::string pname;
  for (auto& s : r.search)
    if (s.dataset == ds && s.family == family) {
      if (std::find(params.begin(), params.end(), s.param) == params.end()) params.push_back(s.param);
      pname = s.param_name;
    }
  std::sort(params.begin(), params.end());
  std::printf("\n  (cells: recall@%d and median QPS)\n  %6s", k, pname.c_str());
  for (auto& m : methods) std::printf(" | %-20s", m.c_str());
  std::vector<std::string> ratio_cols;
  for (auto& m : methods)
    if (!pgvector_twin(methods, m).empty()) ratio_cols.push_back(m);
  for (auto& m : ratio_cols) std::printf(" | %s QPS vx/pgv", m.substr(10).c_str());
  std::printf("\n");
  for (int p : params) {
    std::printf("  %6d", p);
    for (auto& m : methods) std::printf(" | %-20s", cell(r.find_search(ds, m, p)).c_str());
    for (auto& m : ratio_cols) {
      const SearchPoint* a = r.find_search(ds, m, p);
      const SearchPoint* b = r.find_search(ds, pgvector_twin(methods, m), p);
      std::printf(" | %*s", int(m.size() - 10 + 13),
                  ratio(a && a->ok ? a->qps : NAN, b && b->ok ? b->qps : NAN).c_str());
    }
    std::printf("\n");
  }
  for (double target : {0.95, 0.99}) {
    std::printf("  QPS at recall@%d >= %.2f:", k, target);
    for (auto& m : methods) {
      int at = 0;
      double q = r.qps_at_recall(ds, m, target, &at);
      std::printf("  %s %s;", m.c_str(),
                  std::isnan(q) ? "not reached" : fmt("%.0f (%s %d)", q, pname.c_str(), at).c_str());
    }
    for (auto& m : ratio_cols)
      std::printf(
          "  %s/pgvector %s;", m.c_str(),
          ratio(r.qps_at_recall(ds, m, target), r.qps_at_recall(ds, pgvector_twin(methods, m), target)).c_str());
    std::printf("\n");
  }
}

void print_filter(const Results& r, const std::string& ds) {
  bool any = false;
  for (auto& f : r.filter)
    if (f.dataset == ds) {
      if (!any)
        std::printf("\n  filtered (WHERE category = $2): %-18s %-13s %-5s %-5s %6s %8s %9s %8s  %s\n", "method",
                    "iterative", "btree", "sel.", "recall", "rows", "min rows", "QPS", "plan");
      any = true;
      const char* btree = f.btree ? "yes" : f.filter_column ? "fcol" : "no";
      if (f.ok)
        std::printf("  %32s %-18s %-13s %-5s %-5s %6.3f %8.1f %9.0f %8.0f  %s\n", "", f.method.c_str(), f.mode.c_str(),
                    btree, f.selectivity.c_str(), f.recall, f.rows, f.min_rows, f.qps, f.plan.c_str());
      else
        std::printf("  %32s %-18s %-13s %-5s %-5s %s\n", "", f.method.c_str(), f.mode.c_str(), btree,
                    f.selectivity.c_str(), f.note.c_str());
    }
  for (auto& f : r.filter)
    if (f.dataset == ds && f.system == "vectorext" && f.ok)
      for (auto& g : r.filter)
        if (g.dataset == ds && g.system == "pgvector" && g.ok && g.mode == f.mode && g.btree == f.btree &&
            !f.filter_column &&
            g.category == f.category && g.method.substr(9) == f.method.substr(10))
          std::printf("  %s %s%s %s: QPS vs pgvector %s\n", f.method.c_str(), f.mode.c_str(),
                      f.btree ? " (btree on category)" : "", f.selectivity.c_str(), ratio(f.qps, g.qps).c_str());
}

void print_inserts(const Results& r, const std::string& ds) {
  bool any = false;
  for (auto& p : r.insert)
    if (p.dataset == ds) {
      if (!any)
        std::printf("\n  inserts: %-24s %8s %6s %10s %10s %14s\n", "into", "sessions", "rows", "rows/s", "WAL B/row",
                    "index growth MB");
      any = true;
      if (p.ok)
        std::printf("  %9s %-24s %8d %6d %10.0f %10.0f %14s\n", "", p.method.c_str(), p.sessions, p.rows, p.rows_per_s,
                    p.wal_bytes_per_row,
                    std::isnan(p.index_growth_bytes) ? "-" : fmt("%.1f", p.index_growth_bytes / 1048576.0).c_str());
      else
        std::printf("  %9s %-24s %8d %s\n", "", p.method.c_str(), p.sessions, p.note.c_str());
    }
}

void print_memory(const Results& r, const std::string& ds) {
  bool any = false;
  for (auto& m : r.memory)
    if (m.dataset == ds) {
      if (!any)
        std::printf("\n  memory: %-18s %14s %5s %9s %14s %14s %7s %8s %14s %14s\n", "method", "shared_buffers", "param",
                    "index MB", "touched idx MB", "touched tbl MB", "recall", "QPS", "idx miss/query",
                    "tbl miss/query");
      any = true;
      auto num = [](double v, const char* f) { return std::isnan(v) ? std::string("-") : fmt(f, v); };
      std::printf("  %8s %-18s %14s %5d %9.1f %14s %14s %7s %8s %14s %14s %s\n", "", m.method.c_str(),
                  m.shared_buffers.c_str(), m.param, m.index_mb, num(m.ws_index_mb, "%.1f").c_str(),
                  num(m.ws_table_mb, "%.1f").c_str(), num(m.recall, "%.3f").c_str(), num(m.qps, "%.0f").c_str(),
                  num(m.index_reads_per_query, "%.1f").c_str(), num(m.table_reads_per_query, "%.1f").c_str(),
                  m.ok ? "" : m.note.c_str());
    }
}

}  // namespace

void print_dataset_report(const Results& r, const Options& o, const std::string& ds) {
  std::string desc;
  for (size_t i = 0; i < r.datasets.size(); ++i)
    if (r.datasets[i] == ds) desc = r.descriptions[i];
  std::printf("\n=== %s: %s; recall@%d, QPS median of %d passes, 1 client, pinned to CPU %d ===\n", ds.c_str(),
              desc.c_str(), o.k, o.repeats, o.cpu);
  for (auto& s : r.search)
    if (s.dataset == ds && s.family == "floor" && s.ok)
      std::printf("  %s: %.0f QPS = %.1f us per round trip + vector parse\n", s.method.c_str(), s.qps, 1e6 / s.qps);
  for (auto& s : r.search)
    if (s.dataset == ds && s.family == "exact" && s.ok)
      std::printf("  %s: recall %.4f (must be 1), %.0f QPS\n", s.method.c_str(), s.recall, s.qps);
  for (const char* family : {"hnsw", "ivf"}) {
    if (methods_of(r, ds, family).empty()) continue;
    std::printf("\n -- %s (%s) --", family,
                std::string(family) == "hnsw" ? fmt("m = %d, ef_construction = %d", o.m, o.ef_construction).c_str()
                                              : "lists, quantizers: see the build lines");
    print_builds(r, ds, family);
    print_sweep(r, ds, family, o.k);
  }
  print_filter(r, ds);
  print_inserts(r, ds);
  print_memory(r, ds);
}

}  // namespace ab

// Implementation of run_dataset.h.
#include "run_dataset.h"

#include <cmath>
#include <cstdio>
#include <memory>

#include "common.h"
#include "raw_libraries.h"
#include "report.h"
#include "sql_index.h"
#include "workload_filter.h"
#include "workload_insert.h"
#include "workload_memory.h"
#include "workload_search.h"

namespace ab {

int default_pq_m(int dims) {
  for (int m = std::max(1, dims / 8); m > 1; --m)
    if (dims % m == 0) return m;
  return 1;
}

int default_lists(int rows) { return std::max(1, int(std::lround(std::sqrt(double(rows))))); }

namespace {

// One SQL index per system that has the access method; the others are reported as n/a.
std::vector<std::unique_ptr<SqlIndex>> sql_indexes(const Context& ctx, Systems& systems, const std::string& table,
                                                   const SqlIndexSpec& spec, const std::vector<int>& params,
                                                   const std::vector<int>& threads, bool vectorext_only = false) {
  std::vector<std::unique_ptr<SqlIndex>> out;
  for (auto& s : systems) {
    if (vectorext_only && s->name != "vectorext") continue;
    if (has_access_method(*s, spec.am)) {
      out.push_back(std::make_unique<SqlIndex>(*s, ctx, table, spec));
      continue;
    }
    std::string label = s->name + " " + spec.kind, why = "n/a (no access method " + spec.am + " in this build)";
    std::printf("  %s: %s\n", label.c_str(), why.c_str());
    for (int t : threads)
      ctx.r.build.push_back({ctx.ds.name, spec.family, label, s->name, t, false, NAN, NAN, NAN, why});
    for (int p : params) {
      SearchPoint sp{ctx.ds.name, spec.family, label, s->name, spec.param_name, p};
      sp.note = why;
      ctx.r.search.push_back(sp);
    }
  }
  return out;
}

std::vector<Method*> as_methods(const std::vector<std::unique_ptr<Method>>& raw,
                                const std::vector<std::unique_ptr<SqlIndex>>& sql) {
  std::vector<Method*> out;
  for (auto& m : raw) out.push_back(m.get());
  for (auto& m : sql) out.push_back(m.get());
  return out;
}

std::vector<SqlIndex*> built(const std::vector<std::unique_ptr<SqlIndex>>& sql) {
  std::vector<SqlIndex*> out;
  for (auto& m : sql)
    if (m->built) out.push_back(m.get());
  return out;
}

void drop_all(const std::vector<Method*>& methods) {
  for (Method* m : methods) m->drop();
}

}  // namespace

void run_dataset(const Options& o, Systems& systems, Results& r, const std::string& name) {
  std::printf("\n################ dataset %s\n", name.c_str());
  auto t0 = Clock::now();
  Dataset ds = load_dataset(name, o);
  std::printf("  %s: %d base rows x %d dims, %d queries, %d rows for inserts\n", ds.description.c_str(), ds.n, ds.dim,
              ds.nq, ds.n_pool);
  TruthSet truth = load_or_compute_truth(ds, o.k, o.cache_dir);
  std::vector<std::string> qtext;
  for (int qi = 0; qi < ds.nq; ++qi) qtext.push_back(vector_text(ds.query(qi), ds.dim, ds.integer_valued));
  r.datasets.push_back(name);
  r.descriptions.push_back(ds.description);
  r.short_descriptions.push_back(ds.short_description);
  r.rows.push_back(ds.n);
  Context ctx{o, ds, truth, qtext, r};

  const std::string table = "bench_" + name;
  for (auto& s : systems) {
    auto t1 = Clock::now();
    create_and_copy(*s->pg, table, ds);
    std::printf("  %s: loaded %d rows with binary COPY in %.1f s; table %.1f MB (with TOAST)\n", s->name.c_str(), ds.n,
                seconds_since(t1), s->pg->number("SELECT pg_total_relation_size('" + table + "')") / 1048576.0);
  }
  const bool search = has(o.workloads, "search") && !systems.empty();
  const bool filter = has(o.workloads, "filter") && has(o.filter_datasets, name) && !systems.empty();
  const bool insert = has(o.workloads, "insert") && has(o.insert_datasets, name) && !systems.empty();
  const bool memory = has(o.workloads, "memory") && has(o.memory_datasets, name) && !systems.empty();
  const bool raw_here = has(o.raw_datasets, name) && (search || systems.empty());
  const bool raw_hnsw = raw_here && has(o.raw, "hnsw"), raw_ivf = raw_here && has(o.raw, "ivf");
  if (search) {
    run_floor(ctx, systems);
    if (o.sql_exact) run_exact(ctx, systems, table);
  }

  const int lists = o.lists > 0 ? o.lists : default_lists(ds.n), pq_m = default_pq_m(ds.dim);
  if (has(o.parts, "ivf") && (search || filter || raw_ivf)) {
    std::printf("\n[IVF: lists = %d; ivfflat of each system beside raw Faiss IVFFlat]\n", lists);
    SqlIndexSpec flat{
        "ivf", "ivfflat", "ivfflat", fmt("lists = %d", lists), "ivfflat.probes", "ivfflat.iterative_scan", "probes"};
    std::vector<std::unique_ptr<Method>> raw;
    if (raw_ivf) raw.push_back(make_raw_faiss_ivfflat(ctx, lists));
    auto sql = sql_indexes(ctx, systems, table, flat, o.probes, o.ivf_threads);
    auto methods = as_methods(raw, sql);
    build_round(ctx, methods, o.ivf_threads);
    if (search || raw_ivf) sweep_round(ctx, methods, o.probes);
    if (filter) {
      if (!search)
        for (SqlIndex* ix : built(sql)) ix->prewarm();
      run_filter(ctx, built(sql));
    }
    drop_all(methods);
    for (const std::string& q : search || raw_ivf ? o.ivf_quantizers : std::vector<std::string>{}) {
      std::string with = fmt("lists = %d, quantizer = '%s'", lists, q.c_str());
      if (q == "pq") with += fmt(", pq_m = %d", pq_m);
      if (q != "flat") with += fmt(", rerank = %d", o.rerank);
      std::printf("\n[IVF: vectorext USING ivf WITH (%s)%s]\n", with.c_str(),
                  q == "pq" && raw_ivf ? fmt(" beside raw Faiss IVFPQ (m = %d) + exact re-ranking", pq_m).c_str() : "");
      SqlIndexSpec spec{"ivf", "ivf " + q, "ivf", with, "ivf.probes", "ivf.iterative_scan", "probes"};
      std::vector<std::unique_ptr<Method>> raw_q;
      if (q == "pq" && raw_ivf) raw_q.push_back(make_raw_faiss_ivfpq_refine(ctx, lists, pq_m, o.rerank));
      auto sql_q = sql_indexes(ctx, systems, table, spec, o.probes, o.ivf_threads, true);
      auto methods_q = as_methods(raw_q, sql_q);
      build_round(ctx, methods_q, o.ivf_threads);
      sweep_round(ctx, methods_q, o.probes);
      drop_all(methods_q);
    }
  }

  if (has(o.parts, "hnsw") && (search || filter || insert || memory || raw_hnsw)) {
    std::printf("\n[HNSW: m = %d, ef_construction = %d; each system beside raw hnswlib]\n", o.m, o.ef_construction);
    SqlIndexSpec spec{"hnsw",
                      "hnsw",
                      "hnsw",
                      fmt("m = %d, ef_construction = %d", o.m, o.ef_construction),
                      "hnsw.ef_search",
                      "hnsw.iterative_scan",
                      "ef"};
    std::vector<std::unique_ptr<Method>> raw;
    if (raw_hnsw) raw.push_back(make_raw_hnswlib(ctx));
    auto sql = sql_indexes(ctx, systems, table, spec, o.ef, o.hnsw_threads);
    auto methods = as_methods(raw, sql);
    build_round(ctx, methods, o.hnsw_threads);
    if (search || raw_hnsw)
      sweep_round(ctx, methods, o.ef);
    else
      for (SqlIndex* ix : built(sql)) ix->before_search();
    if (filter) run_filter(ctx, built(sql));
    if (memory) run_memory(ctx, systems, built(sql));
    if (insert) run_inserts(ctx, built(sql));
    drop_all(methods);
  }
  for (auto& s : systems) s->pg->try_exec("DROP TABLE IF EXISTS " + table);
  std::printf("\n  dataset %s done in %.0f s\n", name.c_str(), seconds_since(t0));
  print_dataset_report(r, o, name);
}

}  // namespace ab

// Implementation of workload_filter.h.
#include "workload_filter.h"

#include <algorithm>
#include <cstdio>

#include "common.h"
#include "sweep.h"
#include "workload_search.h"

namespace ab {

namespace {
// A selective filtered query is slow (tens of ms): a few warm-up queries warm the caches as well as 200 would.
constexpr int kFilterWarmup = 20;

// Every (mode, selectivity) of one schema (with or without the btree on category), interleaved between the systems.
void measure_modes(const Context& ctx, const std::vector<SqlIndex*>& indexes, const std::vector<std::string>& modes,
                   bool btree, int setting, int nq, bool filter_column = false) {
  const Options& o = ctx.o;
  const SqlIndexSpec& spec = indexes[0]->spec();
  std::vector<Method*> methods(indexes.begin(), indexes.end());
  const char* schema = btree ? "btree" : filter_column ? "fcol" : "-";
  for (const std::string& mode : modes) {
    if (mode == "strict_order" && spec.family != "hnsw") continue;  // ivfflat has off and relaxed_order only
    std::vector<SqlIndex*> active;
    for (SqlIndex* ix : indexes) {
      std::string err;
      if (ix->system_ref().pg->try_exec("SET " + spec.iterative_guc + " = " + mode, &err)) {
        active.push_back(ix);
        continue;
      }
      for (auto& fc : filter_classes()) {
        FilterPoint f{ctx.ds.name, ix->label, ix->system, mode, fc.label, fc.category, setting};
        f.btree = btree;
        f.filter_column = filter_column;
        f.note = "n/a (" + err + ")";
        ctx.r.filter.push_back(f);
      }
    }
    for (auto& fc : filter_classes()) {
      std::vector<Contender> cs;
      for (SqlIndex* ix : active) cs.push_back({ix->label, ix->filtered_query(fc.category)});
      pin_all(ctx, methods);
      auto passes = measure_interleaved(cs, nq, o.repeats, std::min({o.warmup, nq, kFilterWarmup}), o.max_pass_seconds);
      unpin_all(methods);
      for (size_t i = 0; i < active.size(); ++i) {
        FilterPoint f{ctx.ds.name, active[i]->label, active[i]->system, mode, fc.label, fc.category, setting};
        f.btree = btree;
        f.filter_column = filter_column;
        f.ok = passes[i].ok;
        f.plan = active[i]->filtered_plan(fc.category);
        if (f.ok) {
          f.runs = passes[i].runs;
          f.qps = median(f.runs);
          const auto& ids = passes[i].ids;
          f.recall = recall_at_k(ctx.ds, ctx.truth.by_category.at(fc.category), ids, fc.category);
          double total = 0, least = 1e18;
          for (auto& r : ids) {
            total += double(r.size());
            least = std::min(least, double(r.size()));
          }
          f.rows = total / nq;
          f.min_rows = least;
        } else {
          f.note = "error: " + passes[i].err;
        }
        std::printf("  %-18s %-13s %-5s %-5s %s  rows %.1f (min %.0f)  plan: %s\n", f.method.c_str(), mode.c_str(),
                    schema, fc.label, describe_pass(passes[i], f.recall).c_str(), f.rows, f.min_rows, f.plan.c_str());
        ctx.r.filter.push_back(f);
      }
      std::fflush(stdout);
    }
  }
}
// 3. vectorext only (pgvector has no equivalent): an hnsw index with category as a filter column, the condition
// evaluated inside the walk (docs/tuning.md, "Filter columns in the hnsw index"), beside the plain hnsw index, no
// btree; the planner chooses (the plan column says which index answered).
void measure_filter_column(const Context& ctx, const std::vector<SqlIndex*>& indexes, int setting, int nq) {
  const Options& o = ctx.o;
  for (SqlIndex* ix : indexes) {
    if (ix->system != "vectorext" || ix->spec().family != "hnsw") continue;
    SqlIndexSpec spec = ix->spec();
    spec.kind += "+category";
    spec.columns_after = ", category";
    SqlIndex fc(ix->system_ref(), ctx, ix->table(), spec);
    BuildPoint b = fc.build(o.hnsw_threads.empty() ? 1 : o.hnsw_threads.back());
    if (!b.ok) {
      std::printf("  %s: %s\n", fc.label.c_str(), b.note.c_str());
      continue;
    }
    std::printf("\n[filtered, vectorext hnsw with category as a filter column (%s; built in %.1f s, %.1f MB), no "
                "btree; %s = %d; %d queries]\n",
                b.note.c_str(), b.seconds, b.bytes / 1048576.0, spec.search_guc.c_str(), setting, nq);
    ctx.r.build.push_back(b);
    fc.before_search();
    std::string err;
    fc.set_param(setting, err);
    measure_modes(ctx, {&fc}, o.filter_modes, false, setting, nq, true);
    fc.drop();
    ix->check_plan();
  }
}

}  // namespace

void run_filter(const Context& ctx, const std::vector<SqlIndex*>& indexes) {
  if (indexes.empty()) return;
  const Options& o = ctx.o;
  const SqlIndexSpec& spec = indexes[0]->spec();
  const int setting = spec.family == "hnsw" ? o.filter_ef : o.filter_probes;
  const int nq = std::min(o.filter_queries, ctx.ds.nq);
  auto t0 = Clock::now();
  for (SqlIndex* ix : indexes) {
    ix->check_plan();
    std::string err;
    ix->set_param(setting, err);
  }

  // 1. No index on category: the ANN index's iterative scan (or a sequential scan, if the planner prefers it).
  std::printf("\n[filtered: WHERE category = $2 ORDER BY embedding %s $1 LIMIT %d; %s = %d; %d queries%s]\n",
              metric_operator(ctx.ds.metric), o.k, spec.search_guc.c_str(), setting, nq,
              o.filter_force_index ? "; enable_seqscan = off" : "");
  for (SqlIndex* ix : indexes)
    if (o.filter_force_index) ix->system_ref().pg->exec("SET enable_seqscan = off");
  measure_modes(ctx, indexes, o.filter_modes, false, setting, nq);

  // 2. The same queries with a btree on category in both systems, ANALYZEd: the planner chooses between the ANN
  // index and the btree + an exact sort. Custom plans: a generic plan of the prepared statement would use one
  // selectivity for every category (docs/tuning.md).
  if (!o.filter_btree_modes.empty()) {
    std::printf("\n[filtered with a btree on category (both systems), the planner choosing; plan_cache_mode = "
                "force_custom_plan; %s = %d; %d queries]\n",
                spec.search_guc.c_str(), setting, nq);
    for (SqlIndex* ix : indexes) {
      Pg& pg = *ix->system_ref().pg;
      pg.exec("RESET enable_seqscan");
      pg.exec("SET plan_cache_mode = force_custom_plan");
      pg.exec("CREATE INDEX IF NOT EXISTS " + ix->table() + "_category ON " + ix->table() + " (category)");
      pg.exec("ANALYZE " + ix->table());
    }
    measure_modes(ctx, indexes, o.filter_btree_modes, true, setting, nq);
  }

  for (SqlIndex* ix : indexes) {
    Pg& pg = *ix->system_ref().pg;
    pg.try_exec("DROP INDEX IF EXISTS " + ix->table() + "_category");
    pg.try_exec("RESET plan_cache_mode");
  }
  measure_filter_column(ctx, indexes, setting, nq);

  for (SqlIndex* ix : indexes) {
    Pg& pg = *ix->system_ref().pg;
    pg.try_exec("RESET " + spec.iterative_guc);
    pg.try_exec("RESET enable_seqscan");
    pg.try_exec("RESET plan_cache_mode");
    pg.try_exec("DROP INDEX IF EXISTS " + ix->table() + "_category");
    ix->check_plan();  // restores enable_seqscan = off if the unfiltered query needed it
  }
  std::printf("  (filtered workload took %.0f s)\n", seconds_since(t0));
}

}  // namespace ab

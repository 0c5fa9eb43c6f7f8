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
}  // namespace

void run_filter(const Context& ctx, const std::vector<SqlIndex*>& indexes) {
  if (indexes.empty()) return;
  const Options& o = ctx.o;
  const SqlIndexSpec& spec = indexes[0]->spec();
  const int setting = spec.family == "hnsw" ? o.filter_ef : o.filter_probes;
  const int nq = std::min(o.filter_queries, ctx.ds.nq);
  std::printf("\n[filtered: WHERE category = $2 ORDER BY embedding %s $1 LIMIT %d; %s = %d; %d queries%s%s]\n",
              metric_operator(ctx.ds.metric), o.k, spec.search_guc.c_str(), setting, nq,
              o.filter_force_index ? "; enable_seqscan = off" : "", o.filter_btree ? "; btree on category" : "");
  auto t0 = Clock::now();
  std::vector<Method*> methods(indexes.begin(), indexes.end());
  for (SqlIndex* ix : indexes) {
    ix->check_plan();
    std::string err;
    ix->set_param(setting, err);
    if (o.filter_force_index) ix->system_ref().pg->exec("SET enable_seqscan = off");
    if (o.filter_btree) {
      Pg& pg = *ix->system_ref().pg;
      pg.exec("CREATE INDEX IF NOT EXISTS " + ix->table() + "_category ON " + ix->table() + " (category)");
      pg.exec("ANALYZE " + ix->table());
    }
  }
  for (const std::string& mode : o.filter_modes) {
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
        std::printf("  %-18s %-13s %-5s %s  rows %.1f (min %.0f)  plan: %s\n", f.method.c_str(), mode.c_str(), fc.label,
                    describe_pass(passes[i], f.recall).c_str(), f.rows, f.min_rows, f.plan.c_str());
        ctx.r.filter.push_back(f);
      }
      std::fflush(stdout);
    }
  }
  for (SqlIndex* ix : indexes) {
    Pg& pg = *ix->system_ref().pg;
    pg.try_exec("RESET " + spec.iterative_guc);
    if (o.filter_force_index) pg.try_exec("RESET enable_seqscan");
    if (o.filter_btree) pg.try_exec("DROP INDEX IF EXISTS " + ix->table() + "_category");
    ix->check_plan();  // restores enable_seqscan = off if the unfiltered query needed it
  }
  std::printf("  (filtered workload took %.0f s)\n", seconds_since(t0));
}

}  // namespace ab

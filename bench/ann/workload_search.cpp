// Implementation of workload_search.h.
#include "workload_search.h"

#include <cstdio>

#include "common.h"
#include "sweep.h"

namespace ab {

void pin_all(const Context& ctx, const std::vector<Method*>& methods) {
  pin_self(ctx.o.cpu);
  for (Method* m : methods) m->pin(ctx.o.cpu);
}

void unpin_all(const std::vector<Method*>& methods) {
  unpin_self();
  for (Method* m : methods) m->unpin();
}

namespace {

// A statement prepared on each system's main connection, measured as one "method" per system.
void measure_statement(const Context& ctx, Systems& systems, const std::string& family, const std::string& what,
                       const std::string& sql, bool with_recall) {
  std::vector<Contender> cs;
  for (auto& s : systems) {
    std::string name = "stmt_" + family;
    s->pg->try_exec("DEALLOCATE " + name);
    s->pg->prepare(name, sql, 1);
    System* sys = s.get();
    cs.push_back({what + " (" + s->name + ")", [sys, name, &ctx](int qi, std::vector<int64_t>& ids, std::string& err) {
                    return sys->pg->run_prepared(name, {ctx.qtext[qi].c_str()}, &ids, err);
                  }});
  }
  pin_self(ctx.o.cpu);
  for (auto& s : systems) s->pin(ctx.o.cpu);
  auto passes = measure_interleaved(cs, ctx.ds.nq, ctx.o.repeats, ctx.o.warmup, ctx.o.max_pass_seconds);
  unpin_self();
  for (auto& s : systems) s->unpin();
  for (size_t i = 0; i < cs.size(); ++i) {
    SearchPoint sp{ctx.ds.name, family, cs[i].label, systems[i]->name, "-", 0};
    sp.ok = passes[i].ok;
    sp.runs = passes[i].runs;
    sp.qps = median(sp.runs);
    if (with_recall && sp.ok) sp.recall = recall_at_k(ctx.ds, ctx.truth.all, passes[i].ids);
    if (!sp.ok) sp.note = "error: " + passes[i].err;
    std::printf("  %-34s %s\n", sp.method.c_str(), describe_pass(passes[i], sp.recall).c_str());
    ctx.r.search.push_back(sp);
    systems[i]->pg->try_exec("DEALLOCATE stmt_" + family);
  }
}

}  // namespace

void run_floor(const Context& ctx, Systems& systems) {
  const char* type = ctx.ds.sql_type.c_str();
  std::printf("\n[SQL floor: prepared SELECT $1::%s IS NULL, the vector sent as text, no search]\n", type);
  measure_statement(ctx, systems, "floor", "SQL floor", fmt("SELECT $1::%s IS NULL", type), false);
}

void run_exact(const Context& ctx, Systems& systems, const std::string& table) {
  std::printf("\n[SQL exact: sequential scan, no index (a check of the harness: recall must be 1)]\n");
  for (auto& s : systems) s->pg->exec("SET enable_indexscan = off");
  measure_statement(ctx, systems, "exact", "SQL exact (seq scan)",
                    fmt("SELECT id FROM %s ORDER BY embedding %s $1::%s LIMIT %d", table.c_str(),
                        metric_operator(ctx.ds.metric), ctx.ds.sql_type.c_str(), ctx.o.k),
                    true);
  for (auto& s : systems) s->pg->exec("RESET enable_indexscan");
}

void build_round(const Context& ctx, const std::vector<Method*>& methods, const std::vector<int>& threads) {
  for (int t : threads)
    for (Method* m : methods) {
      BuildPoint b = m->build(t);
      if (b.ok)
        std::printf("  build %-26s threads=%d %8.2f s %9.1f MB%s\n", m->label.c_str(), t, b.seconds,
                    b.bytes / 1048576.0,
                    std::isnan(b.wal_bytes) ? "" : fmt("  WAL %.1f MB", b.wal_bytes / 1048576.0).c_str());
      else
        std::printf("  build %-26s threads=%d %s\n", m->label.c_str(), t, b.note.c_str());
      std::fflush(stdout);
      ctx.r.build.push_back(b);
    }
}

void sweep_round(const Context& ctx, const std::vector<Method*>& methods, const std::vector<int>& params) {
  std::vector<Method*> ready;
  for (Method* m : methods)
    if (m->built) {
      m->before_search();
      ready.push_back(m);
    } else {
      for (int p : params) {
        SearchPoint s{ctx.ds.name, m->family, m->label, m->system, m->param_name, p};
        s.note = "n/a (no index)";
        ctx.r.search.push_back(s);
      }
    }
  if (ready.empty()) return;
  auto t0 = Clock::now();
  pin_all(ctx, ready);
  // The first point of a sweep is measured twice and only the second pass kept: the first pass after a build or a
  // pin meets cold caches and a CPU still changing frequency (it measured 8,287 QPS at ef 10 where ef 15 measured
  // 10,850 in the same run); the warm-up queries of one point are too few to settle that.
  std::vector<int> order(params);
  if (!order.empty()) order.insert(order.begin(), order.front());
  for (size_t pi = 0; pi < order.size(); ++pi) {
    const int p = order[pi];
    const bool settle = pi == 0 && order.size() > 1;
    std::vector<Contender> cs;
    std::vector<Method*> active;
    for (Method* m : ready) {
      std::string err;
      if (!m->set_param(p, err)) {
        if (settle) continue;  // reported once, with the kept pass
        SearchPoint s{ctx.ds.name, m->family, m->label, m->system, m->param_name, p};
        s.note = "n/a (" + err + ")";
        ctx.r.search.push_back(s);
        continue;
      }
      cs.push_back({m->label, m->query()});
      active.push_back(m);
    }
    if (settle) {
      measure_interleaved(cs, ctx.ds.nq, 1, ctx.o.warmup, ctx.o.max_pass_seconds);
      continue;
    }
    auto passes = measure_interleaved(cs, ctx.ds.nq, ctx.o.repeats, ctx.o.warmup, ctx.o.max_pass_seconds);
    for (size_t i = 0; i < active.size(); ++i) {
      Method* m = active[i];
      SearchPoint s{ctx.ds.name, m->family, m->label, m->system, m->param_name, p};
      s.ok = passes[i].ok;
      s.runs = passes[i].runs;
      s.qps = median(s.runs);
      if (s.ok) s.recall = recall_at_k(ctx.ds, ctx.truth.all, passes[i].ids);
      s.note = s.ok ? m->note : "error: " + passes[i].err;
      std::printf("  %-26s %s=%-4d %s\n", m->label.c_str(), m->param_name.c_str(), p,
                  describe_pass(passes[i], s.recall).c_str());
      ctx.r.search.push_back(s);
    }
    std::fflush(stdout);
  }
  for (Method* m : ready) m->after_search(params[params.size() / 2]);
  unpin_all(ready);
  std::printf("  (sweep took %.0f s)\n", seconds_since(t0));
}

}  // namespace ab

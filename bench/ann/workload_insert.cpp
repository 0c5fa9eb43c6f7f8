// Implementation of workload_insert.h.
#include "workload_insert.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <thread>

#include "common.h"

namespace ab {

namespace {

struct Session {
  std::unique_ptr<Pg> pg;
  int pid = 0;
};

Session open_session(System& sys, const std::string& table) {
  Session s;
  s.pg = std::make_unique<Pg>(sys.session_conninfo());
  apply_session_settings(*s.pg);
  s.pg->exec("SET synchronous_commit = off");
  s.pg->prepare("ins", "INSERT INTO " + table + " (id, category, embedding) VALUES ($1::int4, $2::int4, $3)", 3);
  s.pid = std::stoi(s.pg->scalar("SELECT pg_backend_pid()"));
  return s;
}

struct Row {
  std::string id, category, vec;
};

bool insert_rows(Session& s, const std::vector<Row>& rows, int from, int to, std::string& err) {
  for (int j = from; j < to; ++j)
    if (!s.pg->run_prepared("ins", {rows[j].id.c_str(), rows[j].category.c_str(), rows[j].vec.c_str()}, nullptr, err))
      return false;
  return true;
}

// One phase: `rows_per_session` rows per session starting at pool row `first`, in chunks, interleaved between the
// targets; returns one point per target.
struct Target {
  SqlIndex* ix;        // system and (for growth) index
  std::string table;   // where the rows go
  std::string method;  // label of the point
  bool indexed;
};

void run_phase(const Context& ctx, const std::vector<Target>& targets, const std::vector<Row>& rows, int first,
               int rows_per_session, int sessions) {
  const int chunks = std::min(ctx.o.insert_chunks, rows_per_session);
  std::vector<InsertPoint> pts;
  std::vector<std::vector<Session>> open(targets.size());
  std::vector<double> wal(targets.size(), 0), size0(targets.size(), 0);
  for (size_t t = 0; t < targets.size(); ++t) {
    InsertPoint p{ctx.ds.name, targets[t].method, targets[t].ix->system, sessions, rows_per_session * sessions};
    p.ok = true;
    pts.push_back(p);
    for (int s = 0; s < sessions; ++s) open[t].push_back(open_session(targets[t].ix->system_ref(), targets[t].table));
    if (targets[t].indexed) size0[t] = targets[t].ix->index_bytes();
  }
  targets[0].ix->system_ref().pg->exec("CHECKPOINT");  // every target starts after the same checkpoint
  for (int c = 0; c < chunks; ++c)
    for (size_t step = 0; step < targets.size(); ++step) {
      size_t t = (step + size_t(c)) % targets.size();
      if (!pts[t].ok) continue;
      Pg& main = *targets[t].ix->system_ref().pg;
      int lo = rows_per_session * c / chunks, hi = rows_per_session * (c + 1) / chunks;
      double wal0 = main.wal_bytes();
      std::vector<std::string> errs(static_cast<size_t>(sessions));
      std::vector<char> ok(size_t(sessions), 1);
      auto t0 = Clock::now();
      if (sessions == 1) {
        pin_self(ctx.o.cpu);
        set_affinity(open[t][0].pid, one_cpu(ctx.o.cpu));
        ok[0] = insert_rows(open[t][0], rows, first + lo, first + hi, errs[0]);
        unpin_self();
      } else {
        std::vector<std::thread> ths;
        for (int s = 0; s < sessions; ++s)
          ths.emplace_back([&, s] {
            int base = first + s * rows_per_session;
            ok[size_t(s)] = insert_rows(open[t][size_t(s)], rows, base + lo, base + hi, errs[size_t(s)]);
          });
        for (auto& th : ths) th.join();
      }
      double secs = seconds_since(t0);
      wal[t] += main.wal_bytes() - wal0;
      for (int s = 0; s < sessions; ++s)
        if (!ok[size_t(s)]) {
          pts[t].ok = false;
          pts[t].note = "error: " + errs[size_t(s)];
        }
      if (pts[t].ok) pts[t].runs.push_back(double(hi - lo) * sessions / secs);
    }
  for (size_t t = 0; t < targets.size(); ++t) {
    InsertPoint& p = pts[t];
    if (p.ok) {
      p.rows_per_s = median(p.runs);
      p.wal_bytes_per_row = wal[t] / p.rows;
      if (targets[t].indexed) p.index_growth_bytes = targets[t].ix->index_bytes() - size0[t];
    }
    std::string runs;
    for (double r : p.runs) runs += fmt(" %.0f", r);
    std::printf(
        "  %-24s %d session%s %5d rows: %s\n", p.method.c_str(), sessions, sessions > 1 ? "s" : " ", p.rows,
        p.ok ? fmt("%8.0f rows/s (chunks:%s)  WAL %6.0f B/row%s", p.rows_per_s, runs.c_str(), p.wal_bytes_per_row,
                   std::isnan(p.index_growth_bytes) ? ""
                                                    : fmt("  index +%.1f MB", p.index_growth_bytes / 1048576.0).c_str())
                   .c_str()
             : p.note.c_str());
    ctx.r.insert.push_back(p);
  }
  std::fflush(stdout);
}

}  // namespace

void run_inserts(const Context& ctx, const std::vector<SqlIndex*>& indexes) {
  if (indexes.empty()) return;
  const Dataset& ds = ctx.ds;
  const int per = std::min(ctx.o.insert_rows, ds.n_pool / 3);
  if (per < 1) {
    std::printf("\n[inserts: skipped, no pool rows]\n");
    return;
  }
  std::vector<Row> rows;
  for (int j = 0; j < 3 * per; ++j) {
    int64_t id = int64_t(ds.n) + j;
    rows.push_back(
        {std::to_string(id), std::to_string(category_of(id)), vector_text(ds.pool_row(j), ds.dim, ds.integer_valued)});
  }
  std::printf(
      "\n[inserts: %d new rows per phase and session, single-row INSERT, synchronous_commit = off, %d chunks]\n", per,
      std::min(ctx.o.insert_chunks, per));
  auto t0 = Clock::now();
  std::vector<Target> plain, indexed;
  for (SqlIndex* ix : indexes) {
    std::string copy = ix->table() + "_noindex";
    Pg& pg = *ix->system_ref().pg;
    pg.exec("DROP TABLE IF EXISTS " + copy);
    pg.exec("CREATE TABLE " + copy + " (LIKE " + ix->table() + ")");
    plain.push_back({ix, copy, ix->system + " (no index)", false});
    indexed.push_back({ix, ix->table(), ix->label, true});
  }
  run_phase(ctx, plain, rows, 0, per, 1);
  run_phase(ctx, indexed, rows, 0, per, 1);
  run_phase(ctx, indexed, rows, per, per, 2);
  for (auto& t : plain) t.ix->system_ref().pg->exec("DROP TABLE IF EXISTS " + t.table);
  std::printf("  (insert workload took %.0f s)\n", seconds_since(t0));
}

}  // namespace ab

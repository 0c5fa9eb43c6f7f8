// Implementation of workload_memory.h.
#include "workload_memory.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <thread>

#include "common.h"
#include "sweep.h"
#include "workload_search.h"

namespace ab {

namespace {

void restart(const Context& ctx, Systems& systems, const std::string& shared_buffers) {
  std::fflush(stdout);
  std::string cmd = ctx.o.restart_cmd + " " + shared_buffers;
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cluster restart failed: " + cmd);
  for (auto& s : systems) s->connect();
  std::printf("  (cluster restarted with shared_buffers = %s)\n", shared_buffers.c_str());
}

struct Io {
  double index_read = 0, index_hit = 0, table_read = 0;
};

Io io_counters(SqlIndex* ix) {
  Pg& pg = *ix->system_ref().pg;
  pg.exec("SELECT pg_stat_force_next_flush()");  // this backend's counters reach shared memory when it goes idle
  pg.exec("SELECT pg_stat_clear_snapshot()");
  Io io;
  std::vector<std::vector<std::string>> rows;
  if (pg.try_exec("SELECT idx_blks_read, idx_blks_hit FROM pg_statio_user_indexes WHERE indexrelid = " +
                      quote_literal(ix->index_name()) + "::regclass",
                  nullptr, &rows) &&
      !rows.empty()) {
    io.index_read = std::stod(rows[0][0]);
    io.index_hit = std::stod(rows[0][1]);
  }
  if (pg.try_exec("SELECT coalesce(heap_blks_read, 0) + coalesce(toast_blks_read, 0) FROM pg_statio_user_tables "
                  "WHERE relid = " +
                      quote_literal(ix->table()) + "::regclass",
                  nullptr, &rows) &&
      !rows.empty())
    io.table_read = std::stod(rows[0][0]);
  return io;
}

// MB of shared_buffers holding pages of the index and of the table (with TOAST), in this system's database.
std::pair<double, double> resident_mb(SqlIndex* ix) {
  Pg& pg = *ix->system_ref().pg;
  std::string idx = quote_literal(ix->index_name()), tbl = quote_literal(ix->table());
  std::vector<std::vector<std::string>> rows;
  std::string sql =
      "SELECT count(*) FILTER (WHERE b.relfilenode = pg_relation_filenode(" + idx +
      ")), "
      "count(*) FILTER (WHERE b.relfilenode = pg_relation_filenode(" +
      tbl +
      ") OR b.relfilenode = "
      "pg_relation_filenode((SELECT nullif(reltoastrelid, 0) FROM pg_class WHERE oid = " +
      tbl +
      "::regclass))), "
      "current_setting('block_size')::float8 / 1048576 "
      "FROM pg_buffercache b WHERE b.reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database())";
  if (!pg.try_exec(sql, nullptr, &rows) || rows.empty()) return {NAN, NAN};
  double page_mb = std::stod(rows[0][2]);
  return {std::stod(rows[0][0]) * page_mb, std::stod(rows[0][1]) * page_mb};
}

}  // namespace

void run_memory(const Context& ctx, Systems& systems, const std::vector<SqlIndex*>& indexes) {
  const Options& o = ctx.o;
  if (indexes.empty() || o.memory_ef.empty()) return;
  std::printf("\n[memory: working set of %d queries, then shared_buffers = %s instead of %s]\n", ctx.ds.nq,
              o.small_shared_buffers.c_str(), o.shared_buffers.c_str());
  if (o.restart_cmd.empty()) {
    std::printf("  skipped: no --restart-cmd (bench/run.sh passes one)\n");
    return;
  }
  auto t0 = Clock::now();
  std::vector<Method*> methods(indexes.begin(), indexes.end());
  // 1. working set at the normal shared_buffers, starting empty
  restart(ctx, systems, o.shared_buffers);
  for (SqlIndex* ix : indexes) {
    MemoryPoint m{ctx.ds.name, ix->label, ix->system, o.shared_buffers, o.memory_ef[0]};
    m.index_mb = ix->index_bytes() / 1048576.0;
    ix->check_plan();
    std::string err;
    ix->set_param(o.memory_ef[0], err);
    QueryFn q = ix->query();
    pin_all(ctx, {ix});
    std::vector<int64_t> ids;
    m.ok = true;
    for (int qi = 0; qi < ctx.ds.nq && m.ok; ++qi) {
      ids.clear();
      m.ok = q(qi, ids, err);
    }
    unpin_all({ix});
    if (!m.ok) m.note = "error: " + err;
    auto [index_mb, table_mb] = resident_mb(ix);
    m.ws_index_mb = index_mb;
    m.ws_table_mb = table_mb;
    const SearchPoint* sp = ctx.r.find_search(ctx.ds.name, ix->label, o.memory_ef[0]);
    if (sp && sp->ok) {
      m.qps = sp->qps;
      m.recall = sp->recall;
      m.note = "QPS from the search sweep (prewarmed)";
    }
    std::printf("  %-18s index %8.1f MB; %d queries at %s = %d touched %.1f MB of it and %.1f MB of the table\n",
                ix->label.c_str(), m.index_mb, ctx.ds.nq, ix->param_name.c_str(), o.memory_ef[0], m.ws_index_mb,
                m.ws_table_mb);
    ctx.r.memory.push_back(m);
  }
  // 2. small shared_buffers
  restart(ctx, systems, o.small_shared_buffers);
  for (SqlIndex* ix : indexes) ix->check_plan();
  for (int ef : o.memory_ef) {
    std::vector<Contender> cs;
    std::vector<Io> before;
    for (SqlIndex* ix : indexes) {
      std::string err;
      ix->set_param(ef, err);
      cs.push_back({ix->label, ix->query()});
      before.push_back(io_counters(ix));
    }
    pin_all(ctx, methods);
    auto passes = measure_interleaved(cs, ctx.ds.nq, o.repeats, o.warmup, o.max_pass_seconds);
    unpin_all(methods);
    for (size_t i = 0; i < indexes.size(); ++i) {
      SqlIndex* ix = indexes[i];
      MemoryPoint m{ctx.ds.name, ix->label, ix->system, o.small_shared_buffers, ef};
      m.index_mb = ix->index_bytes() / 1048576.0;
      m.ok = passes[i].ok;
      if (m.ok) {
        Io after = io_counters(ix);
        double queries = double(passes[i].warmup_queries) + double(passes[i].runs.size()) * ctx.ds.nq;
        m.runs = passes[i].runs;
        m.qps = median(m.runs);
        m.recall = recall_at_k(ctx.ds, ctx.truth.all, passes[i].ids);
        m.index_reads_per_query = (after.index_read - before[i].index_read) / queries;
        m.table_reads_per_query = (after.table_read - before[i].table_read) / queries;
      } else {
        m.note = "error: " + passes[i].err;
      }
      std::printf("  %-18s shared_buffers %s %s=%d: %s; buffer misses per query: index %.1f, table %.1f\n",
                  ix->label.c_str(), o.small_shared_buffers.c_str(), ix->param_name.c_str(), ef,
                  describe_pass(passes[i], m.recall).c_str(), m.index_reads_per_query, m.table_reads_per_query);
      ctx.r.memory.push_back(m);
    }
  }
  // 3. back to normal
  restart(ctx, systems, o.shared_buffers);
  for (SqlIndex* ix : indexes) ix->before_search();
  std::printf("  (memory workload took %.0f s)\n", seconds_since(t0));
}

}  // namespace ab

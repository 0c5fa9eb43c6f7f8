// Implementation of sql_index.h.
#include "sql_index.h"

#include <cctype>
#include <cstdio>

#include "common.h"

namespace ab {

bool has_access_method(System& sys, const std::string& am) {
  return sys.pg->exists("SELECT 1 FROM pg_am WHERE amtype = 'i' AND amname = " + quote_literal(am));
}

SqlIndex::SqlIndex(System& sys, const Context& ctx, std::string table, SqlIndexSpec spec)
    : Method(sys.name + " " + spec.kind, sys.name, spec.family, spec.param_name),
      sys_(sys),
      ctx_(ctx),
      table_(std::move(table)),
      spec_(std::move(spec)) {
  std::string suffix;
  for (char ch : spec_.kind) suffix += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  index_ = table_ + "_" + suffix;
  stmt_ = "q_" + suffix;
  filtered_stmt_ = "qf_" + suffix;
  for (int c = 0; c < 8; ++c) category_text_.push_back(std::to_string(c));
}

std::string SqlIndex::search_sql(bool filtered) const {
  return fmt("SELECT id FROM %s %sORDER BY embedding %s $1::%s LIMIT %d", table_.c_str(),
             filtered ? "WHERE category = $2::int4 " : "", metric_operator(ctx_.ds.metric), ctx_.ds.sql_type.c_str(),
             ctx_.o.k);
}

double SqlIndex::index_bytes() { return sys_.pg->number("SELECT pg_relation_size(" + quote_literal(index_) + ")"); }

BuildPoint SqlIndex::build(int threads) {
  BuildPoint b{ctx_.ds.name, spec_.family, label, sys_.name, threads};
  sys_.unpin();
  Pg& pg = *sys_.pg;
  pg.exec("DROP INDEX IF EXISTS " + index_);
  pg.exec("CHECKPOINT");
  pg.exec(fmt("SET max_parallel_maintenance_workers = %d", threads - 1));
  std::string create =
      fmt("CREATE INDEX %s ON %s USING %s (embedding %s%s)%s", index_.c_str(), table_.c_str(), spec_.am.c_str(),
          index_opclass(ctx_.ds).c_str(), spec_.columns_after.c_str(),
          spec_.with.empty() ? "" : (" WITH (" + spec_.with + ")").c_str());
  double wal0 = pg.wal_bytes();
  auto t0 = Clock::now();
  std::string err;
  bool ok = pg.try_exec(create, &err);
  double secs = seconds_since(t0);
  pg.exec("RESET max_parallel_maintenance_workers");
  built = ok;
  if (!ok) {
    b.note = "n/a (CREATE INDEX failed: " + err + ")";
    return b;
  }
  b.ok = true;
  b.seconds = secs;
  b.wal_bytes = pg.wal_bytes() - wal0;
  b.bytes = index_bytes();
  b.note = create;
  return b;
}

void SqlIndex::ensure_prepared() {
  if (prepared_generation_ == sys_.generation) return;
  sys_.pg->prepare(stmt_, search_sql(false), 1);
  sys_.pg->prepare(filtered_stmt_, search_sql(true), 2);
  prepared_generation_ = sys_.generation;
}

void SqlIndex::prewarm() {
  Pg& pg = *sys_.pg;
  if (!sys_.have_prewarm) return;
  pg.try_exec("SELECT pg_prewarm(" + quote_literal(table_) + ")");
  pg.try_exec("SELECT pg_prewarm(reltoastrelid) FROM pg_class WHERE oid = " + quote_literal(table_) +
              "::regclass AND reltoastrelid <> 0");
  pg.try_exec("SELECT pg_prewarm(" + quote_literal(index_) + ")");
}

void SqlIndex::check_plan() {
  Pg& pg = *sys_.pg;
  ensure_prepared();
  auto uses_index = [&] {
    for (auto& line : pg.lines("EXPLAIN EXECUTE " + stmt_ + "(" + quote_literal(ctx_.qtext[0]) + ")"))
      if (line.find(index_) != std::string::npos) return true;
    return false;
  };
  note.clear();
  if (!uses_index()) {
    pg.exec("SET enable_seqscan = off");
    note = "planner did not pick the index: enable_seqscan = off";
    if (!uses_index()) note += " (still not used!)";
    std::printf("  note (%s): %s\n", label.c_str(), note.c_str());
  }
}

bool SqlIndex::set_param(int p, std::string& err) {
  return sys_.pg->try_exec(fmt("SET %s = %d", spec_.search_guc.c_str(), p), &err);
}

QueryFn SqlIndex::query() {
  ensure_prepared();
  return [this](int qi, std::vector<int64_t>& ids, std::string& err) {
    return sys_.pg->run_prepared(stmt_, {ctx_.qtext[qi].c_str()}, &ids, err);
  };
}

QueryFn SqlIndex::filtered_query(int category) {
  ensure_prepared();
  const char* cat = category_text_.at(size_t(category)).c_str();
  return [this, cat](int qi, std::vector<int64_t>& ids, std::string& err) {
    return sys_.pg->run_prepared(filtered_stmt_, {ctx_.qtext[qi].c_str(), cat}, &ids, err);
  };
}

std::string SqlIndex::filtered_plan(int category) {
  ensure_prepared();
  bool sort = false;
  std::string scan, bitmap_index;
  for (auto& line : sys_.pg->lines("EXPLAIN EXECUTE " + filtered_stmt_ + "(" + quote_literal(ctx_.qtext[0]) + ", " +
                                   std::to_string(category) + ")")) {
    // the word after `marker` (an index name)
    auto word_after = [&](const std::string& marker) {
      size_t at = line.find(marker) + marker.size();
      return line.substr(at, line.find(' ', at) - at);
    };
    if (line.find("Sort") != std::string::npos && line.find("Sort Key") == std::string::npos) sort = true;
    if (!scan.empty()) {
      if (line.find("Bitmap Index Scan on ") != std::string::npos) bitmap_index = word_after("Bitmap Index Scan on ");
      continue;
    }
    if (line.find("Index Only Scan using ") != std::string::npos)
      scan = "Index Only Scan " + word_after("Index Only Scan using ");
    else if (line.find("Index Scan using ") != std::string::npos)
      scan = "Index Scan " + word_after("Index Scan using ");
    else if (line.find("Bitmap Heap Scan") != std::string::npos)
      scan = "Bitmap Heap Scan";
    else if (line.find("Seq Scan") != std::string::npos)
      scan = "Seq Scan";
  }
  if (scan.empty()) return "?";
  return (sort ? "Sort <- " : "") + scan + (bitmap_index.empty() ? "" : " (" + bitmap_index + ")");
}

void SqlIndex::after_search(int middle_param) {
  std::string err;
  if (!set_param(middle_param, err)) return;
  std::printf("  %s: plan of the prepared statement, query 0, %s = %d:\n", label.c_str(), spec_.search_guc.c_str(),
              middle_param);
  for (auto& line :
       sys_.pg->lines("EXPLAIN (ANALYZE, BUFFERS) EXECUTE " + stmt_ + "(" + quote_literal(ctx_.qtext[0]) + ")"))
    std::printf("    %s\n", line.size() > 160 ? (line.substr(0, 150) + " ...").c_str() : line.c_str());
}

void SqlIndex::drop() {
  Pg& pg = *sys_.pg;
  pg.try_exec("DEALLOCATE " + stmt_);
  pg.try_exec("DEALLOCATE " + filtered_stmt_);
  prepared_generation_ = -1;
  pg.exec("RESET enable_seqscan");
  pg.exec("RESET " + spec_.search_guc);
  pg.exec("DROP INDEX IF EXISTS " + index_);
  built = false;
}

}  // namespace ab

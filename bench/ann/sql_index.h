// An ANN index of one system on the dataset's table: CREATE INDEX timed (wall time, pg_relation_size, WAL bytes),
// the application's query as a prepared statement with the vector as a text parameter, the plan checked with
// EXPLAIN (enable_seqscan = off when the planner does not pick the index, said in the output), the table and index
// prewarmed into shared_buffers before searching.
#pragma once

#include <string>

#include "method.h"
#include "systems.h"

namespace ab {

struct SqlIndexSpec {
  std::string family;         // hnsw | ivf
  std::string kind;           // hnsw, ivfflat, ivf sq8, ivf pq, ivf flat: the label after the system's name
  std::string am;             // access method
  std::string with;           // WITH (...) options
  std::string search_guc;     // hnsw.ef_search | ivfflat.probes | ivf.probes
  std::string iterative_guc;  // hnsw.iterative_scan | ivfflat.iterative_scan | ivf.iterative_scan
  std::string param_name;     // ef | probes
  std::string columns_after;  // index columns after the vector (vectorext hnsw filter columns: ", category")
};

class SqlIndex : public Method {
 public:
  SqlIndex(System& sys, const Context& ctx, std::string table, SqlIndexSpec spec);
  BuildPoint build(int threads) override;
  void before_search() override {
    prewarm();
    check_plan();
  }
  void prewarm();     // table (and its TOAST) and index into shared_buffers
  void check_plan();  // enable_seqscan = off if the planner does not pick the index (said in `note`)
  bool set_param(int p, std::string& err) override;
  QueryFn query() override;
  void pin(int cpu) override { sys_.pin(cpu); }
  void unpin() override { sys_.unpin(); }
  void after_search(int middle_param) override;
  void drop() override;

  // WHERE category = $2 ORDER BY ... LIMIT k, prepared once per connection
  QueryFn filtered_query(int category);
  // The plan the prepared filtered statement runs for this category, from EXPLAIN EXECUTE: "Index Scan <ann index>",
  // "Sort <- Bitmap Heap Scan (<btree>)", "Sort <- Index Scan <btree>", "Sort <- Seq Scan", ...
  std::string filtered_plan(int category);

  System& system_ref() { return sys_; }
  const SqlIndexSpec& spec() const { return spec_; }
  const std::string& index_name() const { return index_; }
  const std::string& table() const { return table_; }
  double index_bytes();

 private:
  std::string search_sql(bool filtered) const;
  void ensure_prepared();

  System& sys_;
  const Context& ctx_;
  std::string table_, index_;
  SqlIndexSpec spec_;
  std::string stmt_, filtered_stmt_;
  int prepared_generation_ = -1;
  std::vector<std::string> category_text_;
};

// Whether the access method exists in that system's database.
bool has_access_method(System& sys, const std::string& am);

}  // namespace ab

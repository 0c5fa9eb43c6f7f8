// A thin libpq connection: statements, scalars, prepared queries returning int ids, binary COPY of a dataset.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dataset.h"

namespace ab {

class Pg {
 public:
  explicit Pg(const std::string& conninfo);
  ~Pg();
  Pg(const Pg&) = delete;
  Pg& operator=(const Pg&) = delete;
  PGconn* raw() { return c_; }

  // false and *err on error; rows as text
  bool try_exec(const std::string& sql, std::string* err = nullptr,
                std::vector<std::vector<std::string>>* rows = nullptr);
  void exec(const std::string& sql);  // throws on error
  std::string scalar(const std::string& sql);
  double number(const std::string& sql) { return std::stod(scalar(sql)); }
  bool exists(const std::string& sql);
  // bytes of WAL written so far in the cluster (pg_current_wal_lsn)
  double wal_bytes() { return number("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')"); }

  void prepare(const std::string& name, const std::string& sql, int nparams);
  // Runs a prepared statement with text parameters; appends the int4 first column of each row to *ids.
  bool run_prepared(const std::string& name, const std::vector<const char*>& params, std::vector<int64_t>* ids,
                    std::string& err);
  // EXPLAIN output lines (errors as one line)
  std::vector<std::string> lines(const std::string& sql);

  static std::string trim(std::string s);

 private:
  PGconn* c_;
};

// CREATE TABLE name (id int4, category int4, embedding vector(dim)) and binary COPY of all base rows.
void create_and_copy(Pg& pg, const std::string& table, const Dataset& ds);
std::string quote_literal(const std::string& s);

}  // namespace ab

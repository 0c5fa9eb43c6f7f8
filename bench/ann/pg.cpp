// Implementation of pg.h.
#include "pg.h"

#include <arpa/inet.h>

#include <cstring>
#include <stdexcept>

#include "common.h"

namespace ab {

Pg::Pg(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
  if (PQstatus(c_) != CONNECTION_OK) {
    std::string e = PQerrorMessage(c_);
    PQfinish(c_);
    throw std::runtime_error("connection failed (" + conninfo + "): " + trim(e));
  }
}
Pg::~Pg() { PQfinish(c_); }

std::string Pg::trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool Pg::try_exec(const std::string& sql, std::string* err, std::vector<std::vector<std::string>>* rows) {
  PGresult* r = PQexec(c_, sql.c_str());
  auto st = PQresultStatus(r);
  bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  if (!ok && err) *err = trim(PQresultErrorMessage(r));
  if (ok && rows) {
    rows->clear();
    for (int i = 0; i < PQntuples(r); ++i) {
      rows->emplace_back();
      for (int j = 0; j < PQnfields(r); ++j) rows->back().push_back(PQgetvalue(r, i, j));
    }
  }
  PQclear(r);
  return ok;
}

void Pg::exec(const std::string& sql) {
  std::string err;
  if (!try_exec(sql, &err)) throw std::runtime_error(sql.substr(0, 200) + ": " + err);
}

std::string Pg::scalar(const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  std::string err;
  if (!try_exec(sql, &err, &rows)) throw std::runtime_error(sql.substr(0, 200) + ": " + err);
  return rows.empty() || rows[0].empty() ? "" : rows[0][0];
}

bool Pg::exists(const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  return try_exec(sql, nullptr, &rows) && !rows.empty();
}

void Pg::prepare(const std::string& name, const std::string& sql, int nparams) {
  PGresult* r = PQprepare(c_, name.c_str(), sql.c_str(), nparams, nullptr);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string e = ok ? "" : trim(PQresultErrorMessage(r));
  PQclear(r);
  if (!ok) throw std::runtime_error("PREPARE " + sql + ": " + e);
}

bool Pg::run_prepared(const std::string& name, const std::vector<const char*>& params, std::vector<int64_t>* ids,
                      std::string& err) {
  PGresult* res = PQexecPrepared(c_, name.c_str(), int(params.size()), params.data(), nullptr, nullptr, 0);
  auto st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    err = trim(PQresultErrorMessage(res));
    PQclear(res);
    return false;
  }
  if (ids && st == PGRES_TUPLES_OK && PQnfields(res) >= 1 && PQftype(res, 0) == 23 /* int4 */) {
    int n = PQntuples(res);
    for (int i = 0; i < n; ++i) ids->push_back(std::atoll(PQgetvalue(res, i, 0)));
  }
  PQclear(res);
  return true;
}

std::vector<std::string> Pg::lines(const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  std::string err;
  std::vector<std::string> out;
  if (!try_exec(sql, &err, &rows)) return {err};
  for (auto& r : rows) out.push_back(r.empty() ? "" : r[0]);
  return out;
}

std::string quote_literal(const std::string& s) {
  std::string r = "'";
  for (char ch : s) r += ch == '\'' ? std::string("''") : std::string(1, ch);
  return r + "'";
}

void create_and_copy(Pg& pg, const std::string& table, const Dataset& ds) {
  pg.exec("DROP TABLE IF EXISTS " + table);
  pg.exec(fmt("CREATE TABLE %s (id int4 NOT NULL, category int4 NOT NULL, embedding vector(%d) NOT NULL)",
              table.c_str(), ds.dim));
  PGresult* r =
      PQexec(pg.raw(), fmt("COPY %s (id, category, embedding) FROM STDIN (FORMAT binary)", table.c_str()).c_str());
  if (PQresultStatus(r) != PGRES_COPY_IN) {
    std::string e = PQresultErrorMessage(r);
    PQclear(r);
    throw std::runtime_error("COPY: " + e);
  }
  PQclear(r);
  std::string buf;
  auto put16 = [&](uint16_t v) {
    v = htons(v);
    buf.append(reinterpret_cast<char*>(&v), 2);
  };
  auto put32 = [&](uint32_t v) {
    v = htonl(v);
    buf.append(reinterpret_cast<char*>(&v), 4);
  };
  auto flush = [&] {
    if (PQputCopyData(pg.raw(), buf.data(), int(buf.size())) != 1)
      throw std::runtime_error(std::string("PQputCopyData: ") + PQerrorMessage(pg.raw()));
    buf.clear();
  };
  buf.append("PGCOPY\n\377\r\n\0", 11);
  put32(0);  // flags
  put32(0);  // header extension length
  for (int i = 0; i < ds.n; ++i) {
    put16(3);  // fields
    put32(4);
    put32(uint32_t(i));
    put32(4);
    put32(uint32_t(ds.category[i]));
    put32(uint32_t(4 + 4 * ds.dim));  // vector binary format: int16 dim, int16 unused, float4[dim], big-endian
    put16(uint16_t(ds.dim));
    put16(0);
    const float* v = ds.row(i);
    for (int j = 0; j < ds.dim; ++j) {
      uint32_t u;
      std::memcpy(&u, &v[j], 4);
      put32(u);
    }
    if (buf.size() > (1 << 20)) flush();
  }
  put16(0xFFFF);  // trailer
  flush();
  if (PQputCopyEnd(pg.raw(), nullptr) != 1)
    throw std::runtime_error(std::string("PQputCopyEnd: ") + PQerrorMessage(pg.raw()));
  while ((r = PQgetResult(pg.raw())) != nullptr) {
    bool bad = PQresultStatus(r) != PGRES_COMMAND_OK;
    std::string e = PQresultErrorMessage(r);
    PQclear(r);
    if (bad) throw std::runtime_error("COPY: " + e);
  }
  // Other column types are loaded through vector's binary form (the same values: the dataset's are exact in them)
  if (ds.sql_type != "vector")
    pg.exec(fmt("ALTER TABLE %s ALTER COLUMN embedding TYPE %s(%d) USING embedding::%s(%d)", table.c_str(),
                ds.sql_type.c_str(), ds.dim, ds.sql_type.c_str(), ds.dim));
  pg.exec("VACUUM (ANALYZE) " + table);
}

}  // namespace ab

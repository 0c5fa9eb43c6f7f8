// The A/B client of bench/profile/ab_scan.sh: the bench's statement (a prepared `SELECT id FROM t ORDER BY
// embedding <op> $1::vector LIMIT 10`, the query vector sent as text in shortest form, as `make bench` sends it) on
// two connections, query by query in turn (the order flipped every query), so that both backends see the same load.
// After one warm-up pass it writes both backends' PIDs to PIDFILE (for perf), waits a moment, runs PASSES passes and
// prints a checksum of each connection's results (the ids of every query, in order) of the first pass.
// usage: ab_client CONNINFO_A CONNINFO_B SQL QUERY_FILE PASSES EF_SEARCH PIDFILE
//        (QUERY_FILE: lines "id<TAB>[x,...]", as f32_to_copy writes them)
#include <libpq-fe.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

PGconn* connect_prepared(const char* conninfo, const char* ef, const char* sql) {
  PGconn* c = PQconnectdb(conninfo);
  if (PQstatus(c) != CONNECTION_OK) {
    std::fprintf(stderr, "%s", PQerrorMessage(c));
    std::exit(1);
  }
  PQclear(PQexec(c, (std::string("SET hnsw.ef_search = ") + ef).c_str()));
  PGresult* r = PQprepare(c, "s", sql, 1, nullptr);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    std::fprintf(stderr, "%s", PQerrorMessage(c));
    std::exit(1);
  }
  PQclear(r);
  return c;
}

void run(PGconn* c, const std::string& q, unsigned long long* sum) {
  const char* p = q.c_str();
  PGresult* r = PQexecPrepared(c, "s", 1, &p, nullptr, nullptr, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    std::fprintf(stderr, "%s", PQerrorMessage(c));
    std::exit(1);
  }
  for (int i = 0; sum && i < PQntuples(r); ++i) {
    *sum ^= std::hash<std::string>()(PQgetvalue(r, i, 0));
    *sum *= 1099511628211ULL;
  }
  PQclear(r);
}

// "[x,...]" with each element re-printed in shortest form.
std::string shortest(const char* p) {
  std::string out = "[";
  for (++p; *p && *p != ']';) {
    char* end;
    const float v = std::strtof(p, &end);
    char buf[32];
    if (out.size() > 1) out += ',';
    out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
    p = *end == ',' ? end + 1 : end;
  }
  return out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: %s CONNINFO_A CONNINFO_B SQL QUERY_FILE PASSES EF_SEARCH PIDFILE\n", argv[0]);
    return 2;
  }
  PGconn* a = connect_prepared(argv[1], argv[6], argv[3]);
  PGconn* b = connect_prepared(argv[2], argv[6], argv[3]);
  std::vector<std::string> qs;
  std::ifstream in(argv[4]);
  for (std::string line; std::getline(in, line);) qs.push_back(shortest(line.c_str() + line.find('\t') + 1));
  const int passes = std::atoi(argv[5]);
  for (const auto& q : qs) {
    run(a, q, nullptr);
    run(b, q, nullptr);
  }
  FILE* f = std::fopen(argv[7], "w");
  std::fprintf(f, "%d %d\n", PQbackendPID(a), PQbackendPID(b));
  std::fclose(f);
  usleep(800000);  // perf attaches
  unsigned long long sa = 1469598103934665603ULL, sb = sa;
  for (int k = 0; k < passes; ++k)
    for (size_t i = 0; i < qs.size(); ++i) {
      unsigned long long* pa = k == 0 ? &sa : nullptr;
      unsigned long long* pb = k == 0 ? &sb : nullptr;
      if ((i + k) & 1) {
        run(a, qs[i], pa);
        run(b, qs[i], pb);
      } else {
        run(b, qs[i], pb);
        run(a, qs[i], pa);
      }
    }
  std::printf("%016llx %016llx\n", sa, sb);
  PQfinish(a);
  PQfinish(b);
}

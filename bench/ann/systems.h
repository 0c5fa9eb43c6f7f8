// The systems measured side by side: vectorext and, when its `vector` extension is installed on the server,
// pgvector. Both define a type named `vector`, so each gets its own database in the same cluster
// (vx_bench_vectorext, vx_bench_pgvector): same server, same settings, same harness. Each system has one main
// connection (DDL and searches) whose backend is pinned with the client for timed searches; workloads that need
// more sessions open their own connections with session_conninfo().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "options.h"
#include "pg.h"

namespace ab {

struct System {
  std::string name;       // vectorext | pgvector
  std::string extension;  // vectorext | vector
  std::string dbname;
  std::string conninfo;  // of the database
  std::string version;   // extension version
  std::unique_ptr<Pg> pg;
  int backend_pid = 0;
  int generation = 0;  // bumped by every (re)connect: prepared statements must be prepared again
  bool have_prewarm = false, have_buffercache = false;

  void connect();     // (re)connect and apply the session settings
  void pin(int cpu);  // the backend onto one CPU (the client pins itself)
  void unpin();
  std::string session_conninfo() const { return conninfo; }
};

using Systems = std::vector<std::unique_ptr<System>>;

// Creates the databases (dropping old ones) and extensions; pgvector is left out, with a message, when the server
// has no `vector` extension.
Systems setup_systems(const Options& o);
System* find_system(const Systems& s, const std::string& name);

// Session settings every measuring connection gets (and the --set ones, remembered by setup_systems).
void apply_session_settings(Pg& pg);

}  // namespace ab

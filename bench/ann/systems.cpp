// Implementation of systems.h.
#include "systems.h"

#include <cstdio>

#include "common.h"

namespace ab {

namespace {
std::vector<std::string> g_user_settings;  // NAME=VALUE from --set
}

void apply_session_settings(Pg& pg) {
  pg.exec("SET client_min_messages = warning");
  pg.exec("SET max_parallel_workers_per_gather = 0");
  pg.exec("SET jit = off");
  for (auto& nv : g_user_settings) {
    auto eq = nv.find('=');
    pg.exec("SET " + nv.substr(0, eq) + " = " + quote_literal(nv.substr(eq + 1)));
  }
}

void System::connect() {
  pg.reset();
  pg = std::make_unique<Pg>(conninfo);
  apply_session_settings(*pg);
  backend_pid = std::stoi(pg->scalar("SELECT pg_backend_pid()"));
  ++generation;
}

void System::pin(int cpu) {
  std::string err;
  static bool warned = false;
  if (!set_affinity(backend_pid, one_cpu(cpu), &err) && !warned) {
    std::fprintf(stderr, "warning: cannot pin backend %d to CPU %d: %s\n", backend_pid, cpu, err.c_str());
    warned = true;
  }
}

void System::unpin() { set_affinity(backend_pid, all_cpus()); }

System* find_system(const Systems& s, const std::string& name) {
  for (auto& p : s)
    if (p->name == name) return p.get();
  return nullptr;
}

Systems setup_systems(const Options& o) {
  Systems out;
  g_user_settings = o.session_settings;
  for (auto& nv : g_user_settings) std::printf("session setting (both systems): SET %s\n", nv.c_str());
  Pg admin(o.conninfo + " dbname=postgres");
  admin.exec("SET client_min_messages = warning");
  std::printf("server: %s\n", admin.scalar("SELECT version()").c_str());
  for (const std::string& name : o.systems) {
    std::string ext = name == "pgvector" ? "vector" : "vectorext";
    if (!admin.exists("SELECT 1 FROM pg_available_extensions WHERE name = " + quote_literal(ext))) {
      std::printf(
          "%s: SKIPPED (extension `%s` is not installed on this server; docs/benchmarks.md says how to add it)\n",
          name.c_str(), ext.c_str());
      continue;
    }
    auto s = std::make_unique<System>();
    s->name = name;
    s->extension = ext;
    s->dbname = "vx_bench_" + name;
    s->conninfo = o.conninfo + " dbname=" + s->dbname;
    admin.exec("DROP DATABASE IF EXISTS " + s->dbname);
    admin.exec("CREATE DATABASE " + s->dbname);
    s->connect();
    s->pg->exec("CREATE EXTENSION " + ext);
    s->have_prewarm = s->pg->try_exec("CREATE EXTENSION IF NOT EXISTS pg_prewarm");
    s->have_buffercache = s->pg->try_exec("CREATE EXTENSION IF NOT EXISTS pg_buffercache");
    s->version = s->pg->scalar("SELECT extversion FROM pg_extension WHERE extname = " + quote_literal(ext));
    std::printf("%s: extension %s %s in database %s\n", name.c_str(), ext.c_str(), s->version.c_str(),
                s->dbname.c_str());
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace ab

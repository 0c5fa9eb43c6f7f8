// Test-only module (never installed by `make install`): SQL-callable functions that drive every path of the
// C++/Postgres boundary kit, so sql/boundary.sql can assert SQLSTATEs, that destructors ran, and that worker
// threads stop on cancel. Built and staged by scripts/test.sh only.
#include "pg/boundary.h"
#include "pg/context_owned.h"
#include "pg/workers.h"

#include <atomic>
#include <chrono>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "utils/builtins.h"
PG_MODULE_MAGIC;
}

namespace {
int destructor_runs = 0;

struct CountsDestruction {
  ~CountsDestruction() { ++destructor_runs; }
};
}  // namespace

// Throws the C++ exception named by the argument; the guard must turn it into an ERROR with the right SQLSTATE.
VX_FUNCTION(vx_selftest_throw) {
  std::string kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
  CountsDestruction live;
  if (kind == "sql_error")
    throw vx::pg::SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "selftest message", "selftest detail", "selftest hint");
  if (kind == "std_exception") throw std::runtime_error("selftest runtime_error");
  if (kind == "bad_alloc") throw std::bad_alloc();
  if (kind == "int") throw 42;
  PG_RETURN_TEXT_P(cstring_to_text("no exception"));
}

// Raises a Postgres ERROR inside call() while C++ objects are alive: the SQLSTATE must survive and the
// destructors must run before the error reaches the client.
VX_FUNCTION(vx_selftest_pg_error_in_call) {
  CountsDestruction outer;
  std::vector<CountsDestruction> many(3);
  vx::pg::call([] {
    ereport(ERROR, (errcode(ERRCODE_DIVISION_BY_ZERO), errmsg("selftest postgres error"), errhint("selftest hint")));
  });
  PG_RETURN_VOID();
}

// A successful call() returns the value and leaves the error stack as it found it.
VX_FUNCTION(vx_selftest_call_value) {
  std::vector<int> keep_alive(4, 1);
  int32 doubled = vx::pg::call([&] {
    return DatumGetInt32(DirectFunctionCall2(int4pl, Int32GetDatum(keep_alive[0]), Int32GetDatum(PG_GETARG_INT32(0))));
  });
  PG_RETURN_INT32(doubled);
}

VX_FUNCTION(vx_selftest_destructor_runs) { PG_RETURN_INT32(destructor_runs); }

// An object owned by a memory context is deleted when the context is deleted.
VX_FUNCTION(vx_selftest_context_owned) {
  int before = destructor_runs;
  MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "selftest", ALLOCSET_SMALL_SIZES);
  vx::pg::make_context_owned<CountsDestruction>(cxt);
  MemoryContextDelete(cxt);
  PG_RETURN_BOOL(destructor_runs == before + 1);
}

// Spins worker threads until told to stop; with statement_timeout set the main thread must stop and join them and
// report the cancel. With a zero duration they finish by themselves and the count of ticks is returned.
VX_FUNCTION(vx_selftest_workers) {
  int32 run_ms = PG_GETARG_INT32(0);
  std::atomic<int> finished{0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(run_ms);
  vx::pg::run_workers(
      2,
      [&](int, const std::atomic<bool>& stop) {
        while (!stop.load() && std::chrono::steady_clock::now() < deadline)
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        finished.fetch_add(1);
      },
      [] {});
  PG_RETURN_INT32(finished.load());
}

// An exception thrown on a worker thread reaches the client as an ERROR from the main thread.
VX_FUNCTION(vx_selftest_worker_throws) {
  vx::pg::run_workers(2,
                      [](int index, const std::atomic<bool>& stop) {
                        if (index == 1) throw vx::pg::SqlError(ERRCODE_DATA_CORRUPTED, "selftest worker failure");
                        while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                      },
                      {});
  PG_RETURN_VOID();
}

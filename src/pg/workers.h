// Runs C++ work on threads that never touch Postgres (docs/architecture.md, "The boundary", rule 3), while the backend's main thread keeps
// serving Postgres: it polls for cancel / statement_timeout / termination, and runs a periodic tick (e.g. progress
// reporting) that may call Postgres. Used by the hnswlib graph build and the Faiss training.
#pragma once

#include "pg/boundary.h"

#include <atomic>
#include <functional>
#include <thread>

namespace vx::pg {

// Runs task(worker_index, stop) on `workers` threads created with every signal blocked. A worker must return soon
// after `stop` becomes true. If the query is cancelled the workers are stopped and joined, then the cancel is
// raised as a PgError; an exception thrown by a worker is rethrown on the main thread after all are joined.
// `tick` (may be empty) runs on the main thread about every 20 ms while workers run.
void run_workers(int workers, const std::function<void(int worker_index, const std::atomic<bool>& stop)>& task,
                 const std::function<void()>& tick);

// As run_workers, with `step` in place of the tick: the main thread's share of a pipeline (e.g. writing pages the
// workers format). It is called again at once while it returns true (it did some work), after 1 ms when it returns
// false; once every worker has returned it is no longer called (the caller finishes what is left).
void run_workers_stepping(int workers, const std::function<void(int worker_index, const std::atomic<bool>& stop)>& task,
                          const std::function<bool()>& step);

// One thread beside the main thread for best-effort side work that must not hold the main thread up (e.g. faulting
// in memory the main thread is about to fill while it scans the heap). Created with every signal blocked; the task
// never calls Postgres and must return soon after `stop` becomes true. If the thread cannot be started, nothing
// runs (the work was optional). stop() (and the destructor) stops and joins it; exceptions from the task are
// dropped (it only ever speeds things up).
class SideThread {
 public:
  explicit SideThread(std::function<void(const std::atomic<bool>& stop)> task) noexcept;
  ~SideThread();
  SideThread(const SideThread&) = delete;
  SideThread& operator=(const SideThread&) = delete;
  void stop() noexcept;

 private:
  std::atomic<bool> stop_{false};
  std::function<void(const std::atomic<bool>&)> task_;
  std::thread thread_;
};

// max_parallel_maintenance_workers + 1 (the leader's share), at least 1: how many build threads to use.
int maintenance_thread_count();

// DEBUG1 "using N parallel workers" (pgvector's and PostgreSQL's message for a parallel build, which tools and
// pgvector's own tests look for) when a build runs `threads` > 1 threads: the leader plus N workers, threads of this
// backend rather than worker processes (the detail says so). May ereport: call from C-style code or through call().
void report_build_threads(int threads);

}  // namespace vx::pg

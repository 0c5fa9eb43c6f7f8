// Worker threads for CPU-heavy builds: signal masking, cancel polling, error propagation and join.
#include "pg/workers.h"

#include <chrono>
#include <csignal>
#include <exception>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <vector>

extern "C" {
#include "postmaster/bgworker.h"
}

namespace vx::pg {

int maintenance_thread_count() { return max_parallel_maintenance_workers + 1; }

void report_build_threads(int threads) {
  if (threads > 1)
    ereport(DEBUG1, (errmsg("using %d parallel workers", threads - 1),
                     errdetail("Threads of this backend beside the leader, not parallel worker processes.")));
}

namespace {
bool cancel_requested() { return InterruptPending && (QueryCancelPending || ProcDiePending); }

// `step` returns whether it did work (then it runs again at once), else the main thread sleeps `idle`.
void run(int workers, const std::function<void(int, const std::atomic<bool>&)>& task, const std::function<bool()>& step,
         std::chrono::milliseconds idle) {
  if (workers < 1) workers = 1;
  std::atomic<bool> stop{false};
  std::atomic<int> running{0};
  std::mutex error_mutex;
  std::exception_ptr worker_error;
  std::exception_ptr main_error;
  bool cancelled = false;
  {
    std::vector<std::thread> threads;
    threads.reserve(workers);
    sigset_t all_signals, previous;
    sigfillset(&all_signals);
    pthread_sigmask(SIG_BLOCK, &all_signals, &previous);  // threads inherit the mask: Postgres' handlers stay on main
    try {
      for (int i = 0; i < workers; ++i) {
        running.fetch_add(1);
        threads.emplace_back([&, i] {
          try {
            task(i, stop);
          } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (!worker_error) worker_error = std::current_exception();
            stop.store(true);
          }
          running.fetch_sub(1);
        });
      }
    } catch (...) {
      running.fetch_sub(1);  // the thread that failed to start
      stop.store(true);
      main_error = std::current_exception();
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);

    while (running.load() > 0) {
      if (!stop.load() && cancel_requested()) {
        cancelled = true;
        stop.store(true);
      }
      bool busy = false;
      if (step && !stop.load()) {
        try {
          call([&] { busy = step(); });
        } catch (...) {
          main_error = std::current_exception();
          stop.store(true);
        }
      }
      if (!busy) std::this_thread::sleep_for(idle);
    }
    for (auto& t : threads) t.join();
  }
  if (main_error) std::rethrow_exception(main_error);
  if (worker_error) std::rethrow_exception(worker_error);
  if (cancelled || cancel_requested()) call([] { CHECK_FOR_INTERRUPTS(); });
}
}  // namespace

SideThread::SideThread(std::function<void(const std::atomic<bool>&)> task) noexcept {
  sigset_t all_signals, previous;
  sigfillset(&all_signals);
  pthread_sigmask(SIG_BLOCK, &all_signals, &previous);  // the thread inherits the mask
  try {
    task_ = std::move(task);
    thread_ = std::thread([this] {
      try {
        task_(stop_);
      } catch (...) {
      }
    });
  } catch (...) {  // no thread: the side work is skipped
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

SideThread::~SideThread() { stop(); }

void SideThread::stop() noexcept {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void run_workers(int workers, const std::function<void(int, const std::atomic<bool>&)>& task,
                 const std::function<void()>& tick) {
  std::function<bool()> step;
  if (tick) step = [&tick] {
      tick();
      return false;
    };
  run(workers, task, step, std::chrono::milliseconds(20));
}

void run_workers_stepping(int workers, const std::function<void(int, const std::atomic<bool>&)>& task,
                          const std::function<bool()>& step) {
  run(workers, task, step, std::chrono::milliseconds(1));
}

}  // namespace vx::pg

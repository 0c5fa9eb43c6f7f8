// Unit tests for core::hnsw::RecordPipeline (src/core/hnsw/record_pipeline.h): every record appended exactly once, in
// id order, with the bytes its format wrote, for any number of threads and any count (none, part of a chunk, exact
// chunks, many turns of the ring); a worker's exception reaches the caller.
#include "core/hnsw/record_pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

using vx::core::hnsw::RecordPipeline;

namespace {

// run_workers_stepping's contract on plain threads: step() runs on the caller until every task has returned.
void runner(int workers, const std::function<void(int, const std::atomic<bool>&)>& task,
            const std::function<bool()>& step) {
  std::atomic<bool> stop{false};
  std::atomic<int> running{workers};
  std::exception_ptr error;
  std::vector<std::thread> threads;
  for (int i = 0; i < workers; i++)
    threads.emplace_back([&, i] {
      try {
        task(i, stop);
      } catch (...) {
        error = std::current_exception();  // one failing worker in these tests
        stop.store(true);
      }
      running.fetch_sub(1);
    });
  while (running.load() > 0)
    if (!stop.load() && !step()) std::this_thread::yield();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

constexpr uint32_t kBytes = 12;

void check(uint32_t n, int threads) {
  std::vector<uint32_t> appended;
  auto format = [](uint32_t id, char* rec, uint32_t* scratch) {
    scratch[0] = id * 7u;  // the scratch is the worker's own
    const uint32_t words[3] = {id, scratch[0], ~id};
    std::memcpy(rec, words, kBytes);
  };
  auto append = [&](uint32_t id, const char* rec) {
    uint32_t words[3];
    std::memcpy(words, rec, kBytes);
    ASSERT_EQ(words[0], id);
    ASSERT_EQ(words[1], id * 7u);
    ASSERT_EQ(words[2], ~id);
    appended.push_back(id);
  };
  RecordPipeline(n, kBytes, 1, threads).run(format, append, runner);
  ASSERT_EQ(appended.size(), n) << "threads " << threads;
  for (uint32_t i = 0; i < n; i++) ASSERT_EQ(appended[i], i) << "threads " << threads;
}

TEST(RecordPipeline, AppendsEveryRecordOnceInOrder) {
  const uint32_t chunk = RecordPipeline::kChunk, ring = chunk * RecordPipeline::kSlots;
  for (int threads : {1, 2, 3})
    for (uint32_t n : {0u, 1u, chunk - 1, chunk, chunk + 1, ring, ring + 1, 5 * ring + 17}) check(n, threads);
}

TEST(RecordPipeline, AWorkersExceptionReachesTheCaller) {
  const uint32_t n = 4 * RecordPipeline::kChunk * RecordPipeline::kSlots;
  uint32_t appended = 0;
  auto format = [](uint32_t id, char*, uint32_t*) {
    if (id == 3 * RecordPipeline::kChunk + 5) throw std::runtime_error("format failed");
  };
  auto append = [&](uint32_t, const char*) { appended++; };
  EXPECT_THROW(RecordPipeline(n, kBytes, 1, 2).run(format, append, runner), std::runtime_error);
  EXPECT_LE(appended, 3 * RecordPipeline::kChunk);  // nothing at or past the failed chunk
}

}  // namespace

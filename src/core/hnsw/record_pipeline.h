// The record stage of CREATE INDEX hnsw's page writing (src/pg/hnsw/hnsw_build.cpp): records 0..n-1 are formatted
// on worker threads into a ring of staged chunks and appended in id order by the calling thread (there the only one
// that may call Postgres). A worker formats chunk c only once chunk c - slots has been appended (the ring's memory is
// bounded: kSlots x kChunk records); the caller appends chunk c once it is complete. Whatever is still staged when
// the workers return is appended after them, so every record is appended exactly once and in order, whatever the
// number of threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

namespace vx::core::hnsw {

class RecordPipeline {
 public:
  static constexpr uint32_t kChunk = 2048;  // records a worker formats at a time (3.5 MB at 768 dims)
  static constexpr int kSlots = 6;          // chunks staged at most

  // n records of record_bytes each; scratch_ids: uint32 scratch per worker for format().
  RecordPipeline(uint32_t n, uint32_t record_bytes, uint32_t scratch_ids, int threads)
      : n_(n),
        bytes_(record_bytes),
        scratch_ids_(scratch_ids),
        threads_(std::max(1, threads)),
        chunks_((uint64_t(n) + kChunk - 1) / kChunk) {}

  // format(id, rec, scratch): writes record id's record_bytes at rec (on a worker thread); append(id, rec): appends
  // it (on the calling thread, in id order). runner(workers, task, step) runs task(worker_index, stop) on `workers`
  // threads and, until they have all returned, step() on the calling thread, again at once while it returns true
  // (vx::pg::run_workers_stepping's contract); an exception from either must reach the caller after the threads
  // stopped.
  template <class Format, class Append, class Runner>
  void run(const Format& format, const Append& append, const Runner& runner) {
    if (n_ == 0) return;
    const int slots = int(std::min<uint64_t>(kSlots, chunks_));
    std::unique_ptr<char[]> ring(new char[std::size_t(slots) * kChunk * bytes_]);
    std::unique_ptr<std::atomic<int64_t>[]> ready(new std::atomic<int64_t>[slots]);  // chunk staged in slot s
    std::unique_ptr<std::atomic<int64_t>[]> free_for(new std::atomic<int64_t>[slots]);  // chunk slot s may take
    for (int s = 0; s < slots; s++) ready[s].store(-1), free_for[s].store(s);
    std::atomic<int64_t> claimed{0};
    int64_t appended = 0;
    auto slot_of = [slots](int64_t c) { return int(c % slots); };
    auto records = [this](int64_t c) {
      return std::make_pair(uint32_t(c * kChunk), uint32_t(std::min<uint64_t>(n_, uint64_t(c + 1) * kChunk)));
    };
    auto step = [&] {
      if (appended == chunks_) return false;
      const int s = slot_of(appended);
      if (ready[s].load(std::memory_order_acquire) != appended) return false;
      const auto [from, to] = records(appended);
      const char* base = &ring[std::size_t(s) * kChunk * bytes_];
      for (uint32_t id = from; id < to; id++) append(id, base + std::size_t(id - from) * bytes_);
      free_for[s].store(appended + slots, std::memory_order_release);
      appended++;
      return true;
    };
    runner(
        std::min<int>(threads_, int(chunks_)),
        [&](int, const std::atomic<bool>& stop) {
          std::vector<uint32_t> scratch(std::max<uint32_t>(scratch_ids_, 1));
          for (;;) {
            const int64_t c = claimed.fetch_add(1);
            if (c >= chunks_) return;
            const int s = slot_of(c);
            while (free_for[s].load(std::memory_order_acquire) != c) {  // chunk c - slots not yet appended
              if (stop.load(std::memory_order_relaxed)) return;
              std::this_thread::sleep_for(std::chrono::microseconds(100));
            }
            const auto [from, to] = records(c);
            char* base = &ring[std::size_t(s) * kChunk * bytes_];
            for (uint32_t id = from; id < to; id++) format(id, base + std::size_t(id - from) * bytes_, scratch.data());
            ready[s].store(c, std::memory_order_release);
          }
        },
        step);
    while (appended < chunks_)  // staged after the main thread's last step; all are staged now
      if (!step()) throw std::logic_error("hnsw build: a staged chunk of records is missing");
  }

 private:
  uint32_t n_;
  uint32_t bytes_;
  uint32_t scratch_ids_;
  int threads_;
  int64_t chunks_;
};

}  // namespace vx::core::hnsw

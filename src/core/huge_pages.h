// Memory for the large arrays a graph build reads or fills at random (millions of elements): 2 MB aligned and
// advised into transparent huge pages, so filling 3 GB of vectors faults 1,500 times instead of 750,000 (in the VM
// each 4 kB fault cost more than zeroing its page: docs/benchmarks.md, "Build: pages and load") and random reads
// miss the TLB less. Advice only: with THP off the memory is ordinary pages, slower, never wrong.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <new>

#include <sys/mman.h>

namespace vx::core {

constexpr std::size_t kHugePage = std::size_t(2) << 20;

// bytes rounded up to whole huge pages, 2 MB aligned; release with std::free.
inline void* alloc_huge_pages(std::size_t bytes) {
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, rounded == 0 ? kHugePage : rounded);
  if (!p) throw std::bad_alloc();
  madvise(p, rounded == 0 ? kHugePage : rounded, MADV_HUGEPAGE);
  return p;
}

// Faults in [p, p + bytes) for writing without changing what it holds (MADV_POPULATE_WRITE, Linux 5.14), in steps of
// 32 MB until done or `stop` is set; p page aligned. Run beside the thread that fills the memory, it takes the
// kernel's zeroing of fresh pages off that thread: in the VM it was three quarters of the 1M-row build's heap scan
// (docs/benchmarks.md, "Build: what the server paid that the lab did not"). Best effort: an older kernel refuses the
// advice and nothing happens.
// Returns the bytes faulted in.
template <class Stop>
inline std::size_t populate_for_writing(void* p, std::size_t bytes, const Stop& stop) {
  std::size_t done = 0;
#ifdef MADV_POPULATE_WRITE
  constexpr std::size_t kStep = std::size_t(32) << 20;
  for (std::size_t off = 0; off < bytes && !stop(); off += kStep) {
    const std::size_t len = std::min(kStep, bytes - off);
    if (madvise(static_cast<char*>(p) + off, len, MADV_POPULATE_WRITE) != 0) break;
    done += len;
  }
#else
  (void)p, (void)bytes, (void)stop;
#endif
  return done;
}

// A std::allocator that puts allocations of a huge page or more in huge pages (smaller ones stay on the heap).
template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) {
      void* p = std::malloc(bytes == 0 ? 1 : bytes);
      if (!p) throw std::bad_alloc();
      return static_cast<T*>(p);
    }
    return static_cast<T*>(alloc_huge_pages(bytes));
  }
  void deallocate(T* p, std::size_t) { std::free(p); }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const HugePageAllocator<U>&) const {
    return false;
  }
};

}  // namespace vx::core

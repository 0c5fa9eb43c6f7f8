// Memory for the large arrays a graph build reads or fills at random (millions of elements): 2 MB aligned and
// advised into transparent huge pages, so filling 3 GB of vectors faults 1,500 times instead of 750,000 (in the VM
// each 4 kB fault cost more than zeroing its page: docs/benchmarks.md, "Build: pages and load") and random reads
// miss the TLB less. Advice only: with THP off the memory is ordinary pages, slower, never wrong.
#pragma once

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

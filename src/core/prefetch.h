// Software prefetches the compiler keeps. GCC 12 at -O2 deleted a loop of __builtin_prefetch calls once it was
// inlined into hnsw's build search (DenseIndex::search_layer: not one prefetch left in the object code, the build
// 25% slower than with them); an asm statement is never removed. Elsewhere the builtin.
#pragma once

#include <cstddef>

namespace vx::core {

constexpr std::size_t kCacheLine = 64;

inline void prefetch_line(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p);
#endif
}

// Every cache line of [p, p + bytes), p on a line boundary.
inline void prefetch_lines(const void* p, std::size_t bytes) {
  for (std::size_t off = 0; off < bytes; off += kCacheLine) prefetch_line(static_cast<const char*>(p) + off);
}

}  // namespace vx::core

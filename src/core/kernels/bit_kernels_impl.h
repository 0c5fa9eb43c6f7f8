// The popcount kernels written once over a block policy `B`: B::kBytes bytes per wide step (0: none) with
// B::hamming_blocks / B::jaccard_blocks consuming as many whole blocks as fit, then 8-byte words and single bytes.
// Each including file sets its target with `#pragma GCC target` before the include (bit_popcnt.cpp: POPCNT, so the
// word loop's __builtin_popcountll is one instruction; bit_avx512.cpp: AVX-512 VPOPCNTDQ blocks), and reaches these
// only after CPU detection. As in half_kernels_impl.h, everything has internal linkage (static, or templates over a B
// from an anonymous namespace: NoBlocks below is one per including file), so no copy compiled for one instruction set
// can be merged into another.
#pragma once

#include "core/kernels/bit_distance.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vx::core::bits::impl {

static inline uint64_t load_word(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);  // unaligned-safe
  return w;
}

namespace {
// No wide step: words and bytes only (the portable and POPCNT tables).
struct NoBlocks {
  static constexpr std::size_t kBytes = 0;
  static std::size_t hamming_blocks(const uint8_t*, const uint8_t*, std::size_t, uint64_t*) { return 0; }
  static std::size_t jaccard_blocks(const uint8_t*, const uint8_t*, std::size_t, uint64_t*, uint64_t*, uint64_t*) {
    return 0;
  }
};
}  // namespace

template <class B>
uint64_t hamming(const uint8_t* a, const uint8_t* b, std::size_t bytes) {
  uint64_t d = 0;
  std::size_t i = 0;
  if constexpr (B::kBytes > 0) i = B::hamming_blocks(a, b, bytes, &d);
  for (; i + 8 <= bytes; i += 8) d += static_cast<uint64_t>(__builtin_popcountll(load_word(a + i) ^ load_word(b + i)));
  for (; i < bytes; i++) d += static_cast<uint64_t>(__builtin_popcount(static_cast<unsigned>(a[i] ^ b[i])));
  return d;
}

template <class B>
void jaccard_counts(const uint8_t* a, const uint8_t* b, std::size_t bytes, uint64_t* ab, uint64_t* aa, uint64_t* bb) {
  uint64_t nab = 0, na = 0, nb = 0;
  std::size_t i = 0;
  if constexpr (B::kBytes > 0) i = B::jaccard_blocks(a, b, bytes, &nab, &na, &nb);
  for (; i + 8 <= bytes; i += 8) {
    const uint64_t x = load_word(a + i), y = load_word(b + i);
    nab += static_cast<uint64_t>(__builtin_popcountll(x & y));
    na += static_cast<uint64_t>(__builtin_popcountll(x));
    nb += static_cast<uint64_t>(__builtin_popcountll(y));
  }
  for (; i < bytes; i++) {
    nab += static_cast<uint64_t>(__builtin_popcount(static_cast<unsigned>(a[i] & b[i])));
    na += static_cast<uint64_t>(__builtin_popcount(static_cast<unsigned>(a[i])));
    nb += static_cast<uint64_t>(__builtin_popcount(static_cast<unsigned>(b[i])));
  }
  *ab = nab;
  *aa = na;
  *bb = nb;
}

template <class B>
constexpr Kernels kernels(SimdLevel level) {
  return Kernels{level, hamming<B>, jaccard_counts<B>};
}

}  // namespace vx::core::bits::impl

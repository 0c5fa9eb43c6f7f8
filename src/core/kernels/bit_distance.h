// Hamming and Jaccard distances between bit strings: pgvector's <~> and <%> on `bit(n)`, and the exact distances an
// index over bit columns will use. Popcount kernels chosen at run time like the float ones (cpu_features.h): AVX-512
// VPOPCNTDQ where the CPU has it (level Avx512), the POPCNT instruction (level Avx2: every AVX2 CPU has it), or a
// portable loop. VECTOREXT_SIMD lowers the level exactly as for the float kernels. Pure C++17.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/kernels/cpu_features.h"

namespace vx::core::bits {

// pgvector has no length limit for these functions; its bit index operator classes stop at 64,000 bits.
constexpr int kMaxIndexBits = 64000;

struct Kernels {
  SimdLevel level;
  // Number of differing bits of a[0..bytes) and b[0..bytes).
  uint64_t (*hamming)(const uint8_t* a, const uint8_t* b, std::size_t bytes);
  // Bits set in a & b, in a, in b.
  void (*jaccard_counts)(const uint8_t* a, const uint8_t* b, std::size_t bytes, uint64_t* ab, uint64_t* aa,
                         uint64_t* bb);
};

const Kernels& kernels();
// The table for a level (an unsupported level gives the best supported one below it).
const Kernels& kernels_for(SimdLevel level);

// pgvector semantics. Padding bits past the bit length must be zero (Postgres keeps them zero in every bit value).
double hamming_distance(const uint8_t* a, const uint8_t* b, std::size_t bytes);
// 1 - |a & b| / |a | b|; 1 when no bit is set in both (including two empty strings), as pgvector.
double jaccard_distance(const uint8_t* a, const uint8_t* b, std::size_t bytes);
inline double jaccard_from_counts(uint64_t ab, uint64_t aa, uint64_t bb) {
  if (ab == 0) return 1.0;
  return 1.0 - static_cast<double>(ab) / static_cast<double>(aa + bb - ab);
}

namespace detail {
extern const Kernels kPortableKernels;
extern const Kernels kPopcntKernels;  // only valid where POPCNT is supported
extern const Kernels kAvx512Kernels;  // only valid where AVX-512F and AVX512-VPOPCNTDQ are supported
bool popcnt_supported();
bool avx512_vpopcntdq_supported();
}  // namespace detail

}  // namespace vx::core::bits

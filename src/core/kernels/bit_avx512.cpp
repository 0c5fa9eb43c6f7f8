// The popcount kernels with AVX-512 VPOPCNTDQ blocks (64 bytes: eight 64-bit popcounts per instruction) before the
// POPCNT word loop of bit_kernels_impl.h. The whole file is compiled for that target and reached only through
// bits::kernels() after detection (AVX-512F, AVX512-VPOPCNTDQ, POPCNT).
#include "core/kernels/bit_distance.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vpopcntdq,popcnt")

#include "core/kernels/bit_kernels_impl.h"

namespace vx::core::bits {
namespace {

// Sum of the eight 64-bit lanes without _mm512_reduce_add_epi64 (its undefined operand trips GCC 12's false
// -Wuninitialized, see avx512_hsum.h).
inline uint64_t lanes_sum(__m512i v) {
  alignas(64) uint64_t lanes[8];
  _mm512_store_si512(reinterpret_cast<__m512i*>(lanes), v);
  uint64_t s = 0;
  for (uint64_t x : lanes) s += x;
  return s;
}

struct Vpopcntdq {
  static constexpr std::size_t kBytes = 64;
  static std::size_t hamming_blocks(const uint8_t* a, const uint8_t* b, std::size_t bytes, uint64_t* d) {
    __m512i acc = _mm512_setzero_si512();
    std::size_t i = 0;
    for (; i + kBytes <= bytes; i += kBytes) {
      const __m512i x = _mm512_loadu_si512(a + i), y = _mm512_loadu_si512(b + i);
      acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(x, y)));
    }
    *d += lanes_sum(acc);
    return i;
  }
  static std::size_t jaccard_blocks(const uint8_t* a, const uint8_t* b, std::size_t bytes, uint64_t* ab, uint64_t* aa,
                                    uint64_t* bb) {
    __m512i nab = _mm512_setzero_si512(), na = _mm512_setzero_si512(), nb = _mm512_setzero_si512();
    std::size_t i = 0;
    for (; i + kBytes <= bytes; i += kBytes) {
      const __m512i x = _mm512_loadu_si512(a + i), y = _mm512_loadu_si512(b + i);
      nab = _mm512_add_epi64(nab, _mm512_popcnt_epi64(_mm512_and_si512(x, y)));
      na = _mm512_add_epi64(na, _mm512_popcnt_epi64(x));
      nb = _mm512_add_epi64(nb, _mm512_popcnt_epi64(y));
    }
    *ab += lanes_sum(nab);
    *aa += lanes_sum(na);
    *bb += lanes_sum(nb);
    return i;
  }
};

}  // namespace

namespace detail {
const Kernels kAvx512Kernels = impl::kernels<Vpopcntdq>(SimdLevel::Avx512);
}
}  // namespace vx::core::bits

#pragma GCC pop_options

#else  // not x86: never selected, only has to link

namespace vx::core::bits::detail {
const Kernels kAvx512Kernels = kPortableKernels;
}

#endif

// AVX-512BW instances of the 8-bit build-code kernels (int8_kernels_impl.h, 32 codes a step). Compiled for
// AVX-512F+BW; reached through int8::kernels() only when the CPU has both.
#include "core/kernels/int8.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx2")

#include "core/kernels/avx512_hsum.h"
#include "core/kernels/int8_kernels_impl.h"

namespace vx::core::int8 {

namespace {

struct Avx512 {
  using T = __m512i;
  static constexpr std::size_t kCodes = 32;
  static T zero() { return _mm512_setzero_si512(); }
  static T load(const int8_t* p) {
    return _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static T sub(T a, T b) { return _mm512_sub_epi16(a, b); }
  static T add(T a, T b) { return _mm512_add_epi32(a, b); }
  static T madd(T a, T b) { return _mm512_madd_epi16(a, b); }
  static int32_t hsum(T v) { return avx512::hsum_epi32(v); }
};

}  // namespace

namespace detail {
const Kernels kAvx512Kernels = impl::kernels<Avx512>(SimdLevel::Avx512);
}  // namespace detail

}  // namespace vx::core::int8

#pragma GCC pop_options

#else  // not x86: detection never reports AVX-512, the table only has to exist for the linker.

namespace vx::core::int8::detail {
const Kernels kAvx512Kernels = kScalarKernels;
}  // namespace vx::core::int8::detail

#endif

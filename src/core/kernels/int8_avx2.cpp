// AVX2 instances of the 8-bit build-code kernels (int8_kernels_impl.h, 16 codes a step). Compiled for AVX2 only;
// reached through int8::kernels() after detection.
#include "core/kernels/int8.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2")

#include "core/kernels/int8_kernels_impl.h"

namespace vx::core::int8 {

namespace {

struct Avx2 {
  using T = __m256i;
  static constexpr std::size_t kCodes = 16;
  static T zero() { return _mm256_setzero_si256(); }
  static T load(const int8_t* p) { return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static T sub(T a, T b) { return _mm256_sub_epi16(a, b); }
  static T add(T a, T b) { return _mm256_add_epi32(a, b); }
  static T madd(T a, T b) { return _mm256_madd_epi16(a, b); }
  static int32_t hsum(T v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
  }
};

}  // namespace

namespace detail {
const Kernels kAvx2Kernels = impl::kernels<Avx2>(SimdLevel::Avx2);
}  // namespace detail

}  // namespace vx::core::int8

#pragma GCC pop_options

#else  // not x86: detection never reports AVX2, the table only has to exist for the linker.

namespace vx::core::int8::detail {
const Kernels kAvx2Kernels = kScalarKernels;
}  // namespace vx::core::int8::detail

#endif

// AVX2+FMA+F16C instances of the half-copy kernels (half_kernels_impl.h: float query or half copy against a half
// copy, 8 lanes), plus decode with F16C. The whole file is compiled for that target (PGXS compiles every file with
// generic flags); it is reached only through half::kernels() / pair_kernels() / decode() after detection.
#include "core/kernels/half.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")

#include "core/kernels/half_kernels_impl.h"
#include "core/kernels/lanes_avx2.h"

namespace vx::core::half {

namespace {

// The shared float lanes plus loading 8 halves (F16C).
struct Avx2 : lanes::Avx2Float {
  using lanes::Avx2Float::load;
  static T load(const uint16_t* h) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h))); }
};

}  // namespace

namespace detail {
const Kernels kAvx2Kernels = impl::kernels<Avx2>(SimdLevel::Avx2);
const PairKernels kAvx2PairKernels = impl::pair_kernels<Avx2>(SimdLevel::Avx2);

// decode() with F16C: exact conversions, 8 per instruction (the scalar loop costs ~17 instructions per value, which
// showed up in HNSW scans decoding copies to compute exact distances).
void decode_f16c(const uint16_t* h, std::size_t n, float* out) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, Avx2::load(h + i));
  for (; i < n; i++) out[i] = to_float(h[i]);
}
}  // namespace detail

}  // namespace vx::core::half

#pragma GCC pop_options

#else  // not x86: the dispatcher never selects this table (f16c_supported() is false), it only has to link

namespace vx::core::half::detail {
const Kernels kAvx2Kernels = kScalarKernels;
void decode_f16c(const uint16_t* h, std::size_t n, float* out) { decode(h, n, out); }
const PairKernels kAvx2PairKernels = kScalarPairKernels;
}  // namespace vx::core::half::detail

#endif

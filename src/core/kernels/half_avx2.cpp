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

// encode() with F16C: values clamped to +-kMaxHalf first (from_float's rule; F16C would give inf), converted to
// nearest even, which is from_float's rounding; a block holding a NaN goes value by value (from_float's quiet NaN).
// The error is then summed in index order from the decoded lanes, as encode_error does.
EncodeError encode_f16c(const float* x, std::size_t n, uint16_t* out) {
  const __m256 hi = _mm256_set1_ps(kMaxHalf), lo = _mm256_set1_ps(-kMaxHalf);
  double l2 = 0, l1 = 0;
  alignas(32) float back[8];
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    if (_mm256_movemask_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)) != 0) {
      for (std::size_t j = i; j < i + 8; j++) out[j] = from_float(x[j]);
    } else {
      const __m128i h = _mm256_cvtps_ph(_mm256_min_ps(_mm256_max_ps(v, lo), hi), _MM_FROUND_TO_NEAREST_INT);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), h);
    }
    _mm256_store_ps(back, Avx2::load(out + i));
    for (int j = 0; j < 8; j++) {
      const double d = static_cast<double>(x[i + j]) - static_cast<double>(back[j]);
      l2 += d * d;
      l1 += std::fabs(d);
    }
  }
  for (; i < n; i++) {
    out[i] = from_float(x[i]);
    const double d = static_cast<double>(x[i]) - static_cast<double>(to_float(out[i]));
    l2 += d * d;
    l1 += std::fabs(d);
  }
  return finish_error(l2, l1, n);
}
}  // namespace detail

}  // namespace vx::core::half

#pragma GCC pop_options

#else  // not x86: the dispatcher never selects this table (f16c_supported() is false), it only has to link

namespace vx::core::half::detail {
const Kernels kAvx2Kernels = kScalarKernels;
void decode_f16c(const uint16_t* h, std::size_t n, float* out) { decode(h, n, out); }
EncodeError encode_f16c(const float* x, std::size_t n, uint16_t* out) { return encode_scalar(x, n, out); }
const PairKernels kAvx2PairKernels = kScalarPairKernels;
}  // namespace vx::core::half::detail

#endif

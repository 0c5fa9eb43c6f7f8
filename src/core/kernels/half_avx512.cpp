// AVX-512F instances of the half-copy kernels (half_kernels_impl.h, 16 lanes: the walk of an HNSW scan spends a
// third of its time in the float-query x half-copy L2 kernel). The lower bounds of half.cpp hold for every
// association of the sums, so the different lane count is safe. The whole file is compiled for that target and
// reached only through half::kernels() / pair_kernels() after detection (AVX-512F and F16C).
#include "core/kernels/half.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "core/kernels/avx512_hsum.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma,f16c")

#include "core/kernels/half_kernels_impl.h"
#include "core/kernels/lanes_avx512.h"

namespace vx::core::half {

namespace {

// The shared float lanes plus loading 16 halves. Zero-masking form with a full mask: the plain conversion trips GCC
// 12's false -Wuninitialized (avx512_hsum.h).
struct Avx512 : lanes::Avx512Float {
  using lanes::Avx512Float::load;
  static T load(const uint16_t* h) {
    return _mm512_maskz_cvtph_ps(0xFFFF, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h)));
  }
};

}  // namespace

namespace detail {
const Kernels kAvx512Kernels = impl::kernels<Avx512>(SimdLevel::Avx512);
const PairKernels kAvx512PairKernels = impl::pair_kernels<Avx512>(SimdLevel::Avx512);
}  // namespace detail

}  // namespace vx::core::half

#pragma GCC pop_options

#else  // not x86: never selected, only has to link

namespace vx::core::half::detail {
const Kernels kAvx512Kernels = kScalarKernels;
const PairKernels kAvx512PairKernels = kScalarPairKernels;
}  // namespace vx::core::half::detail

#endif

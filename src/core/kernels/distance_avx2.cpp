// AVX2+FMA instances of the float distance kernels (distance_kernels_impl.h, 8 lanes). The whole file is compiled for
// that target (PGXS compiles every file with generic flags); it is reached only through the dispatch table of
// distance.cpp after detection.
#include "core/kernels/distance.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#pragma GCC push_options
#pragma GCC target("avx2,fma")

#include "core/kernels/distance_kernels_impl.h"
#include "core/kernels/lanes_avx2.h"

namespace vx::core {

namespace {

// Window into 8 all-ones then 8 zeros: loading 8 ints at kTailMask + 8 - r gives a mask of the first r lanes.
alignas(64) const std::int32_t kTailMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

// The shared float lanes plus the masked tail.
struct Avx2 : lanes::Avx2Float {
  using Mask = __m256i;
  static Mask tail(std::size_t r) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask + 8 - r)); }
  // maskload never touches masked-off lanes, so a tail right before an unmapped page cannot fault.
  static T load_tail(Mask m, const float* x) { return _mm256_maskload_ps(x, m); }
};

}  // namespace

namespace detail {
const DistanceKernels kAvx2Kernels = impl::kernels<Avx2>(SimdLevel::Avx2);
}  // namespace detail

}  // namespace vx::core

#pragma GCC pop_options

#else  // not x86: detection never reports AVX2, the table only has to exist for the linker.

namespace vx::core::detail {
const DistanceKernels kAvx2Kernels = kScalarKernels;
}  // namespace vx::core::detail

#endif

// AVX-512F instances of the float distance kernels (distance_kernels_impl.h, 16 lanes). The whole file is compiled for
// that target and reached only through the dispatch table of distance.cpp on CPUs that report AVX-512F. Never
// required to build or run.
#include "core/kernels/distance.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cstddef>

#include "core/kernels/avx512_hsum.h"

#pragma GCC push_options
#pragma GCC target("avx512f")

#include "core/kernels/distance_kernels_impl.h"
#include "core/kernels/lanes_avx512.h"

namespace vx::core {

namespace {

// The shared float lanes plus the masked tail.
struct Avx512 : lanes::Avx512Float {
  using Mask = __mmask16;
  static Mask tail(std::size_t r) { return static_cast<__mmask16>((1u << r) - 1u); }
  // Masked loads suppress faults on masked-off lanes, so the tail is one vector op and cannot read past the end.
  static T load_tail(Mask m, const float* x) { return _mm512_maskz_loadu_ps(m, x); }
};

}  // namespace

namespace detail {
const DistanceKernels kAvx512Kernels = impl::kernels<Avx512>(SimdLevel::Avx512);
}  // namespace detail

}  // namespace vx::core

#pragma GCC pop_options

#else  // not x86: detection never reports AVX-512, the table only has to exist for the linker.

namespace vx::core::detail {
const DistanceKernels kAvx512Kernels = kScalarKernels;
}  // namespace vx::core::detail

#endif

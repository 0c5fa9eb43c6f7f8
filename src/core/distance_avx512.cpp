// AVX-512F instances of the float distance kernels (distance_kernels_impl.h, 16 lanes). The whole file is compiled for
// that target and reached only through the dispatch table of distance.cpp on CPUs that report AVX-512F. Never
// required to build or run.
#include "core/distance.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cstddef>

#include "core/avx512_hsum.h"

#pragma GCC push_options
#pragma GCC target("avx512f")

#include "core/distance_kernels_impl.h"

namespace vx::core {

namespace {

struct Avx512 {
    using T = __m512;
    using Mask = __mmask16;
    static constexpr std::size_t kLanes = 16;
    static T zero() { return _mm512_setzero_ps(); }
    static T load(const float* x) { return _mm512_loadu_ps(x); }
    static Mask tail(std::size_t r) { return static_cast<__mmask16>((1u << r) - 1u); }
    // Masked loads suppress faults on masked-off lanes, so the tail is one vector op and cannot read past the end.
    static T load_tail(Mask m, const float* x) { return _mm512_maskz_loadu_ps(m, x); }
    static T add(T a, T b) { return _mm512_add_ps(a, b); }
    static T sub(T a, T b) { return _mm512_sub_ps(a, b); }
    static T fmadd(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
    static T abs(T a) { return _mm512_abs_ps(a); }
    static float hsum(T v) { return avx512::hsum(v); }
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

// AVX2+FMA instances of the float distance kernels (distance_kernels_impl.h, 8 lanes). The whole file is compiled for
// that target (PGXS compiles every file with generic flags); it is reached only through the dispatch table of
// distance.cpp after detection.
#include "core/distance.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#pragma GCC push_options
#pragma GCC target("avx2,fma")

#include "core/distance_kernels_impl.h"

namespace vx::core {

namespace {

// Window into 8 all-ones then 8 zeros: loading 8 ints at kTailMask + 8 - r gives a mask of the first r lanes.
alignas(64) const std::int32_t kTailMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

struct Avx2 {
    using T = __m256;
    using Mask = __m256i;
    static constexpr std::size_t kLanes = 8;
    static T zero() { return _mm256_setzero_ps(); }
    static T load(const float* x) { return _mm256_loadu_ps(x); }
    static Mask tail(std::size_t r) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask + 8 - r)); }
    // maskload never touches masked-off lanes, so a tail right before an unmapped page cannot fault.
    static T load_tail(Mask m, const float* x) { return _mm256_maskload_ps(x, m); }
    static T add(T a, T b) { return _mm256_add_ps(a, b); }
    static T sub(T a, T b) { return _mm256_sub_ps(a, b); }
    static T fmadd(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
    static T abs(T a) { return _mm256_and_ps(_mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)), a); }
    static float hsum(T v) {
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        s = _mm_add_ss(s, _mm_movehdup_ps(s));
        return _mm_cvtss_f32(s);
    }
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

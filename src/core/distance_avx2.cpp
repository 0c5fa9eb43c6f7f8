// AVX2+FMA distance kernels. Compiled with the project's generic flags (PGXS uses one set for every file), so each
// function carries its own target attribute and is only ever reached through the dispatch table after detection.
#include "core/distance.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cstdint>

#define VX_AVX2 __attribute__((target("avx2,fma")))

namespace vx::core {

namespace {

// Window into 8 all-ones then 8 zeros: loading 8 ints at kTailMask + 8 - r gives a mask of the first r lanes.
alignas(64) const std::int32_t kTailMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

// maskload never touches masked-off lanes, so a tail right before an unmapped page cannot fault.
VX_AVX2 inline __m256i tail_mask(std::size_t r) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask + 8 - r));
}

VX_AVX2 inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// 4 accumulators x 8 lanes: covers FMA latency (4-5 cycles) at the load-bound rate of one FMA per cycle.
VX_AVX2 float avx2_l2_squared(const float* a, const float* b, std::size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
        __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
        s2 = _mm256_fmadd_ps(d2, d2, s2);
        s3 = _mm256_fmadd_ps(d3, d3, s3);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        s0 = _mm256_fmadd_ps(d, d, s0);
    }
    if (i < n) {
        __m256i m = tail_mask(n - i);
        __m256 d = _mm256_sub_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m));
        s1 = _mm256_fmadd_ps(d, d, s1);
    }
    return hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

VX_AVX2 float avx2_inner_product(const float* a, const float* b, std::size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    if (i < n) {
        __m256i m = tail_mask(n - i);
        s1 = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m), s1);
    }
    return hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

VX_AVX2 float avx2_l1(const float* a, const float* b, std::size_t n) {
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_add_ps(s0, _mm256_and_ps(abs_mask, _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i))));
        s1 = _mm256_add_ps(
            s1, _mm256_and_ps(abs_mask, _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8))));
        s2 = _mm256_add_ps(
            s2, _mm256_and_ps(abs_mask, _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16))));
        s3 = _mm256_add_ps(
            s3, _mm256_and_ps(abs_mask, _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24))));
    }
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_add_ps(s0, _mm256_and_ps(abs_mask, _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i))));
    if (i < n) {
        __m256i m = tail_mask(n - i);
        s1 = _mm256_add_ps(
            s1, _mm256_and_ps(abs_mask, _mm256_sub_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m))));
    }
    return hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

VX_AVX2 inline void cos_step(const float* a, const float* b, __m256& d, __m256& na, __m256& nb) {
    __m256 x = _mm256_loadu_ps(a), y = _mm256_loadu_ps(b);
    d = _mm256_fmadd_ps(x, y, d);
    na = _mm256_fmadd_ps(x, x, na);
    nb = _mm256_fmadd_ps(y, y, nb);
}

// 3 FMAs per 2 loads, so this one is FMA-bound, not load-bound. With 2 sets of accumulators it ran at exactly the
// FMA latency chain (~197 cycles at 784 dims); 4 sets (12 accumulators + 2 loads still fit in the 16 YMM
// registers) measured 80 -> 76 ns at 784 dims and 144 -> 116 ns at 1536.
VX_AVX2 void avx2_dot_and_norms(const float* a, const float* b, std::size_t n, float* dot, float* norm_a2,
                                float* norm_b2) {
    // Named variables, not arrays: GCC kept accumulator arrays in stack memory.
    __m256 d0 = _mm256_setzero_ps(), d1 = d0, d2 = d0, d3 = d0;
    __m256 na0 = d0, na1 = d0, na2 = d0, na3 = d0;
    __m256 nb0 = d0, nb1 = d0, nb2 = d0, nb3 = d0;
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        cos_step(a + i, b + i, d0, na0, nb0);
        cos_step(a + i + 8, b + i + 8, d1, na1, nb1);
        cos_step(a + i + 16, b + i + 16, d2, na2, nb2);
        cos_step(a + i + 24, b + i + 24, d3, na3, nb3);
    }
    if (i + 8 <= n) {
        cos_step(a + i, b + i, d0, na0, nb0);
        i += 8;
    }
    if (i + 8 <= n) {
        cos_step(a + i, b + i, d1, na1, nb1);
        i += 8;
    }
    if (i + 8 <= n) {
        cos_step(a + i, b + i, d2, na2, nb2);
        i += 8;
    }
    if (i < n) {
        __m256i m = tail_mask(n - i);
        __m256 x = _mm256_maskload_ps(a + i, m), y = _mm256_maskload_ps(b + i, m);
        d3 = _mm256_fmadd_ps(x, y, d3);
        na3 = _mm256_fmadd_ps(x, x, na3);
        nb3 = _mm256_fmadd_ps(y, y, nb3);
    }
    *dot = hsum(_mm256_add_ps(_mm256_add_ps(d0, d1), _mm256_add_ps(d2, d3)));
    *norm_a2 = hsum(_mm256_add_ps(_mm256_add_ps(na0, na1), _mm256_add_ps(na2, na3)));
    *norm_b2 = hsum(_mm256_add_ps(_mm256_add_ps(nb0, nb1), _mm256_add_ps(nb2, nb3)));
}

}  // namespace

namespace detail {
const DistanceKernels kAvx2Kernels = {SimdLevel::Avx2, avx2_l2_squared, avx2_inner_product, avx2_l1,
                                      avx2_dot_and_norms};
}  // namespace detail

}  // namespace vx::core

#else  // not x86: detection never reports AVX2, the table only has to exist for the linker.

namespace vx::core::detail {
const DistanceKernels kAvx2Kernels = {SimdLevel::Scalar, nullptr, nullptr, nullptr, nullptr};
}  // namespace vx::core::detail

#endif

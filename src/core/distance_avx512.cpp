// AVX-512F distance kernels. Same rules as distance_avx2.cpp: per-function target attributes instead of per-file
// flags, and only reached through the dispatch table on CPUs that report AVX-512F. Never required to build or run.
#include "core/distance.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include "core/avx512_hsum.h"

#define VX_AVX512 __attribute__((target("avx512f")))

namespace vx::core {

namespace {

// Masked loads suppress faults on masked-off lanes, so the tail is one vector op and cannot read past the end.
VX_AVX512 inline __mmask16 tail_mask(std::size_t r) {
    return static_cast<__mmask16>((1u << r) - 1u);
}

using avx512::hsum;

VX_AVX512 float avx512_l2_squared(const float* a, const float* b, std::size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
        __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
        __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
        s1 = _mm512_fmadd_ps(d1, d1, s1);
        s2 = _mm512_fmadd_ps(d2, d2, s2);
        s3 = _mm512_fmadd_ps(d3, d3, s3);
    }
    for (; i + 16 <= n; i += 16) {
        __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        s0 = _mm512_fmadd_ps(d, d, s0);
    }
    if (i < n) {
        __mmask16 m = tail_mask(n - i);
        __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        s1 = _mm512_fmadd_ps(d, d, s1);
    }
    return hsum(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

VX_AVX512 float avx512_inner_product(const float* a, const float* b, std::size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < n) {
        __mmask16 m = tail_mask(n - i);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
    }
    return hsum(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

VX_AVX512 float avx512_l1(const float* a, const float* b, std::size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = _mm512_add_ps(s0, _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i))));
        s1 = _mm512_add_ps(s1, _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16))));
        s2 = _mm512_add_ps(s2, _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32))));
        s3 = _mm512_add_ps(s3, _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48))));
    }
    for (; i + 16 <= n; i += 16)
        s0 = _mm512_add_ps(s0, _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i))));
    if (i < n) {
        __mmask16 m = tail_mask(n - i);
        s1 = _mm512_add_ps(
            s1, _mm512_abs_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i))));
    }
    return hsum(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

VX_AVX512 inline void cos_step(const float* a, const float* b, __m512& d, __m512& na, __m512& nb) {
    __m512 x = _mm512_loadu_ps(a), y = _mm512_loadu_ps(b);
    d = _mm512_fmadd_ps(x, y, d);
    na = _mm512_fmadd_ps(x, x, na);
    nb = _mm512_fmadd_ps(y, y, nb);
}

// FMA-bound (3 FMAs per 2 loads): 4 sets of accumulators so the FMA latency chain is not the limit (with 2 sets
// the AVX2 version measured exactly latency-bound).
VX_AVX512 void avx512_dot_and_norms(const float* a, const float* b, std::size_t n, float* dot, float* norm_a2,
                                    float* norm_b2) {
    // Named variables, not arrays: GCC kept accumulator arrays in stack memory.
    __m512 d0 = _mm512_setzero_ps(), d1 = d0, d2 = d0, d3 = d0;
    __m512 na0 = d0, na1 = d0, na2 = d0, na3 = d0;
    __m512 nb0 = d0, nb1 = d0, nb2 = d0, nb3 = d0;
    std::size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        cos_step(a + i, b + i, d0, na0, nb0);
        cos_step(a + i + 16, b + i + 16, d1, na1, nb1);
        cos_step(a + i + 32, b + i + 32, d2, na2, nb2);
        cos_step(a + i + 48, b + i + 48, d3, na3, nb3);
    }
    if (i + 16 <= n) {
        cos_step(a + i, b + i, d0, na0, nb0);
        i += 16;
    }
    if (i + 16 <= n) {
        cos_step(a + i, b + i, d1, na1, nb1);
        i += 16;
    }
    if (i + 16 <= n) {
        cos_step(a + i, b + i, d2, na2, nb2);
        i += 16;
    }
    if (i < n) {
        __mmask16 m = tail_mask(n - i);
        __m512 x = _mm512_maskz_loadu_ps(m, a + i), y = _mm512_maskz_loadu_ps(m, b + i);
        d3 = _mm512_fmadd_ps(x, y, d3);
        na3 = _mm512_fmadd_ps(x, x, na3);
        nb3 = _mm512_fmadd_ps(y, y, nb3);
    }
    *dot = hsum(_mm512_add_ps(_mm512_add_ps(d0, d1), _mm512_add_ps(d2, d3)));
    *norm_a2 = hsum(_mm512_add_ps(_mm512_add_ps(na0, na1), _mm512_add_ps(na2, na3)));
    *norm_b2 = hsum(_mm512_add_ps(_mm512_add_ps(nb0, nb1), _mm512_add_ps(nb2, nb3)));
}

}  // namespace

namespace detail {
const DistanceKernels kAvx512Kernels = {SimdLevel::Avx512, avx512_l2_squared, avx512_inner_product, avx512_l1,
                                        avx512_dot_and_norms};
}  // namespace detail

}  // namespace vx::core

#else  // not x86: detection never reports AVX-512, the table only has to exist for the linker.

namespace vx::core::detail {
const DistanceKernels kAvx512Kernels = {SimdLevel::Scalar, nullptr, nullptr, nullptr, nullptr};
}  // namespace vx::core::detail

#endif

// AVX-512 versions of the half-copy kernels of half_avx2.cpp (16 lanes per conversion and FMA; the walk of an HNSW
// scan spends a third of its time in the float-query x half-copy L2 kernel). Same contracts and accumulation
// conventions; the lower bounds of half.cpp hold for every association of the sums, so a different lane count is
// safe. Reached only through half::kernels() / pair_kernels() after detection (AVX-512F and F16C).
#include "core/half.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include "core/avx512_hsum.h"

#include <cmath>

#define VX_AVX512_HALF __attribute__((target("avx512f,avx2,fma,f16c")))

namespace vx::core::half {

namespace {

using avx512::hsum;

// The zero-masking conversion with a full mask: the plain one trips GCC 12's false -Wuninitialized (avx512_hsum.h).
VX_AVX512_HALF inline __m512 load16(const uint16_t* h) {
    return _mm512_maskz_cvtph_ps(0xFFFF, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h)));
}
VX_AVX512_HALF inline __m512 load16(const float* x) { return _mm512_loadu_ps(x); }
inline float at(const uint16_t* h, std::size_t i) { return to_float(h[i]); }
inline float at(const float* x, std::size_t i) { return x[i]; }

template <class A>
VX_AVX512_HALF float l2_squared_t(const A* a, const uint16_t* h, std::size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 d0 = _mm512_sub_ps(load16(a + i), load16(h + i));
        __m512 d1 = _mm512_sub_ps(load16(a + i + 16), load16(h + i + 16));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
        s1 = _mm512_fmadd_ps(d1, d1, s1);
    }
    for (; i + 16 <= n; i += 16) {
        __m512 d0 = _mm512_sub_ps(load16(a + i), load16(h + i));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
    }
    float s = hsum(_mm512_add_ps(s0, s1));
    for (; i < n; i++) {
        float d = at(a, i) - to_float(h[i]);
        s += d * d;
    }
    return s;
}

template <class A>
VX_AVX512_HALF float inner_product_t(const A* a, const uint16_t* h, std::size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(load16(a + i), load16(h + i), s0);
        s1 = _mm512_fmadd_ps(load16(a + i + 16), load16(h + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(load16(a + i), load16(h + i), s0);
    float s = hsum(_mm512_add_ps(s0, s1));
    for (; i < n; i++) s += at(a, i) * to_float(h[i]);
    return s;
}

template <class A>
VX_AVX512_HALF float l1_t(const A* a, const uint16_t* h, std::size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_add_ps(s0, _mm512_abs_ps(_mm512_sub_ps(load16(a + i), load16(h + i))));
        s1 = _mm512_add_ps(s1, _mm512_abs_ps(_mm512_sub_ps(load16(a + i + 16), load16(h + i + 16))));
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_add_ps(s0, _mm512_abs_ps(_mm512_sub_ps(load16(a + i), load16(h + i))));
    float s = hsum(_mm512_add_ps(s0, s1));
    for (; i < n; i++) s += std::fabs(at(a, i) - to_float(h[i]));
    return s;
}

VX_AVX512_HALF void dot_and_norm(const float* q, const uint16_t* h, std::size_t n, float* dot, float* norm_h2) {
    __m512 d0 = _mm512_setzero_ps(), n0 = _mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 h0 = load16(h + i);
        d0 = _mm512_fmadd_ps(load16(q + i), h0, d0);
        n0 = _mm512_fmadd_ps(h0, h0, n0);
    }
    float d = hsum(d0), nh = hsum(n0);
    for (; i < n; i++) {
        float v = to_float(h[i]);
        d += q[i] * v;
        nh += v * v;
    }
    *dot = d;
    *norm_h2 = nh;
}

}  // namespace

namespace detail {
const Kernels kAvx512Kernels = {SimdLevel::Avx512, l2_squared_t<float>, inner_product_t<float>, l1_t<float>,
                                dot_and_norm};
const PairKernels kAvx512PairKernels = {SimdLevel::Avx512, l2_squared_t<uint16_t>, inner_product_t<uint16_t>,
                                        l1_t<uint16_t>};
}  // namespace detail

}  // namespace vx::core::half

#else  // not x86: never selected, only has to link

namespace vx::core::half::detail {
const Kernels kAvx512Kernels = kScalarKernels;
const PairKernels kAvx512PairKernels = kScalarPairKernels;
}

#endif

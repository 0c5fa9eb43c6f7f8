// AVX2+FMA+F16C kernels whose second operand is a half copy and whose first is a float query or another half copy
// (one template per distance, instantiated for both). Like distance_avx2.cpp, each function carries its own target
// attribute (PGXS compiles every file with generic flags) and is reached only through half::kernels() /
// pair_kernels() after detection.
#include "core/half.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cmath>

#define VX_AVX2_F16C __attribute__((target("avx2,fma,f16c")))

namespace vx::core::half {

namespace {

VX_AVX2_F16C inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// 8 lanes of either operand type, and one element for the tails.
VX_AVX2_F16C inline __m256 load8(const uint16_t* h) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)));
}
VX_AVX2_F16C inline __m256 load8(const float* x) { return _mm256_loadu_ps(x); }
inline float at(const uint16_t* h, std::size_t i) { return to_float(h[i]); }
inline float at(const float* x, std::size_t i) { return x[i]; }

// Two accumulators of 8 lanes: the half loads and conversions, not FMA latency, bound these loops.
template <class A>
VX_AVX2_F16C float l2_squared_t(const A* a, const uint16_t* h, std::size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 d0 = _mm256_sub_ps(load8(a + i), load8(h + i));
        __m256 d1 = _mm256_sub_ps(load8(a + i + 8), load8(h + i + 8));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 d0 = _mm256_sub_ps(load8(a + i), load8(h + i));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
    }
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; i++) {
        float d = at(a, i) - to_float(h[i]);
        s += d * d;
    }
    return s;
}

template <class A>
VX_AVX2_F16C float inner_product_t(const A* a, const uint16_t* h, std::size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(load8(a + i), load8(h + i), s0);
        s1 = _mm256_fmadd_ps(load8(a + i + 8), load8(h + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(load8(a + i), load8(h + i), s0);
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += at(a, i) * to_float(h[i]);
    return s;
}

template <class A>
VX_AVX2_F16C float l1_t(const A* a, const uint16_t* h, std::size_t n) {
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_add_ps(s0, _mm256_and_ps(abs_mask, _mm256_sub_ps(load8(a + i), load8(h + i))));
        s1 = _mm256_add_ps(s1, _mm256_and_ps(abs_mask, _mm256_sub_ps(load8(a + i + 8), load8(h + i + 8))));
    }
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_add_ps(s0, _mm256_and_ps(abs_mask, _mm256_sub_ps(load8(a + i), load8(h + i))));
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += std::fabs(at(a, i) - to_float(h[i]));
    return s;
}

VX_AVX2_F16C void avx2_dot_and_norm(const float* q, const uint16_t* h, std::size_t n, float* dot, float* norm_h2) {
    __m256 d0 = _mm256_setzero_ps(), d1 = _mm256_setzero_ps(), n0 = _mm256_setzero_ps(), n1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 h0 = load8(h + i), h1 = load8(h + i + 8);
        d0 = _mm256_fmadd_ps(load8(q + i), h0, d0);
        d1 = _mm256_fmadd_ps(load8(q + i + 8), h1, d1);
        n0 = _mm256_fmadd_ps(h0, h0, n0);
        n1 = _mm256_fmadd_ps(h1, h1, n1);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 h0 = load8(h + i);
        d0 = _mm256_fmadd_ps(load8(q + i), h0, d0);
        n0 = _mm256_fmadd_ps(h0, h0, n0);
    }
    float d = hsum(_mm256_add_ps(d0, d1)), nh = hsum(_mm256_add_ps(n0, n1));
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
const Kernels kAvx2Kernels = {SimdLevel::Avx2, l2_squared_t<float>, inner_product_t<float>, l1_t<float>,
                              avx2_dot_and_norm};
const PairKernels kAvx2PairKernels = {SimdLevel::Avx2, l2_squared_t<uint16_t>, inner_product_t<uint16_t>,
                                      l1_t<uint16_t>};

// decode() with F16C: exact conversions, 8 per instruction (the scalar loop costs ~17 instructions per value, which
// showed up in HNSW scans decoding copies to compute exact distances).
VX_AVX2_F16C void decode_f16c(const uint16_t* h, std::size_t n, float* out) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, load8(h + i));
    for (; i < n; i++) out[i] = to_float(h[i]);
}
}  // namespace detail

}  // namespace vx::core::half

#else  // not x86: the dispatcher never selects this table (f16c_supported() is false), it only has to link

namespace vx::core::half::detail {
const Kernels kAvx2Kernels = kScalarKernels;
void decode_f16c(const uint16_t* h, std::size_t n, float* out) { decode(h, n, out); }
const PairKernels kAvx2PairKernels = kScalarPairKernels;
}

#endif

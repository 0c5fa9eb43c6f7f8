// AVX2+FMA+F16C kernels between a float query and a half copy. Like distance_avx2.cpp, each function carries its own
// target attribute (PGXS compiles every file with generic flags) and is reached only through half::kernels() after
// detection.
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

VX_AVX2_F16C inline __m256 load_half8(const uint16_t* h) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)));
}

// Two accumulators of 8 lanes: the half loads and conversions, not FMA latency, bound these loops.
VX_AVX2_F16C float avx2_l2_squared(const float* q, const uint16_t* h, std::size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(q + i), load_half8(h + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(q + i + 8), load_half8(h + i + 8));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(q + i), load_half8(h + i));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
    }
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; i++) {
        float d = q[i] - to_float(h[i]);
        s += d * d;
    }
    return s;
}

VX_AVX2_F16C float avx2_inner_product(const float* q, const uint16_t* h, std::size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load_half8(h + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), load_half8(h + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load_half8(h + i), s0);
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += q[i] * to_float(h[i]);
    return s;
}

VX_AVX2_F16C float avx2_l1(const float* q, const uint16_t* h, std::size_t n) {
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_add_ps(s0, _mm256_and_ps(abs_mask, _mm256_sub_ps(_mm256_loadu_ps(q + i), load_half8(h + i))));
        s1 = _mm256_add_ps(
            s1, _mm256_and_ps(abs_mask, _mm256_sub_ps(_mm256_loadu_ps(q + i + 8), load_half8(h + i + 8))));
    }
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_add_ps(s0, _mm256_and_ps(abs_mask, _mm256_sub_ps(_mm256_loadu_ps(q + i), load_half8(h + i))));
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += std::fabs(q[i] - to_float(h[i]));
    return s;
}

VX_AVX2_F16C void avx2_dot_and_norm(const float* q, const uint16_t* h, std::size_t n, float* dot, float* norm_h2) {
    __m256 d0 = _mm256_setzero_ps(), d1 = _mm256_setzero_ps(), n0 = _mm256_setzero_ps(), n1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 h0 = load_half8(h + i), h1 = load_half8(h + i + 8);
        d0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), h0, d0);
        d1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), h1, d1);
        n0 = _mm256_fmadd_ps(h0, h0, n0);
        n1 = _mm256_fmadd_ps(h1, h1, n1);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 h0 = load_half8(h + i);
        d0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), h0, d0);
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

VX_AVX2_F16C float avx2_pair_l2_squared(const uint16_t* a, const uint16_t* b, std::size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 d0 = _mm256_sub_ps(load_half8(a + i), load_half8(b + i));
        __m256 d1 = _mm256_sub_ps(load_half8(a + i + 8), load_half8(b + i + 8));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 d0 = _mm256_sub_ps(load_half8(a + i), load_half8(b + i));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
    }
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; i++) {
        float d = to_float(a[i]) - to_float(b[i]);
        s += d * d;
    }
    return s;
}

VX_AVX2_F16C float avx2_pair_inner_product(const uint16_t* a, const uint16_t* b, std::size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(load_half8(a + i), load_half8(b + i), s0);
        s1 = _mm256_fmadd_ps(load_half8(a + i + 8), load_half8(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(load_half8(a + i), load_half8(b + i), s0);
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += to_float(a[i]) * to_float(b[i]);
    return s;
}

VX_AVX2_F16C float avx2_pair_l1(const uint16_t* a, const uint16_t* b, std::size_t n) {
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 s0 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_add_ps(s0, _mm256_and_ps(abs_mask, _mm256_sub_ps(load_half8(a + i), load_half8(b + i))));
    float s = hsum(s0);
    for (; i < n; i++) s += std::fabs(to_float(a[i]) - to_float(b[i]));
    return s;
}

}  // namespace

namespace detail {
const Kernels kAvx2Kernels = {SimdLevel::Avx2, avx2_l2_squared, avx2_inner_product, avx2_l1, avx2_dot_and_norm};

// decode() with F16C: exact conversions, 8 per instruction (the scalar loop costs ~17 instructions per value, which
// showed up in HNSW scans decoding copies to compute exact distances).
VX_AVX2_F16C void decode_f16c(const uint16_t* h, std::size_t n, float* out) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, load_half8(h + i));
    for (; i < n; i++) out[i] = to_float(h[i]);
}
const PairKernels kAvx2PairKernels = {SimdLevel::Avx2, avx2_pair_l2_squared, avx2_pair_inner_product, avx2_pair_l1};
}  // namespace detail

}  // namespace vx::core::half

#else  // not x86: the dispatcher never selects this table (f16c_supported() is false), it only has to link

namespace vx::core::half::detail {
const Kernels kAvx2Kernels = kScalarKernels;
void decode_f16c(const uint16_t* h, std::size_t n, float* out) { decode(h, n, out); }
const PairKernels kAvx2PairKernels = kScalarPairKernels;
}

#endif

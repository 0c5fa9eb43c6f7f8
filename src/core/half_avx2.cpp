// AVX2+FMA+F16C instances of the half-copy kernels (half_kernels_impl.h: float query or half copy against a half
// copy, 8 lanes), plus decode with F16C. The whole file is compiled for that target (PGXS compiles every file with
// generic flags); it is reached only through half::kernels() / pair_kernels() / decode() after detection.
#include "core/half.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstdint>


#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")

#include "core/half_kernels_impl.h"

namespace vx::core::half {

namespace {

struct Avx2 {
    using T = __m256;
    static constexpr std::size_t kLanes = 8;
    static T zero() { return _mm256_setzero_ps(); }
    static T load(const uint16_t* h) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h))); }
    static T load(const float* x) { return _mm256_loadu_ps(x); }
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
const Kernels kAvx2Kernels = impl::kernels<Avx2>(SimdLevel::Avx2);
const PairKernels kAvx2PairKernels = impl::pair_kernels<Avx2>(SimdLevel::Avx2);

// decode() with F16C: exact conversions, 8 per instruction (the scalar loop costs ~17 instructions per value, which
// showed up in HNSW scans decoding copies to compute exact distances).
void decode_f16c(const uint16_t* h, std::size_t n, float* out) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, Avx2::load(h + i));
    for (; i < n; i++) out[i] = to_float(h[i]);
}
}  // namespace detail

}  // namespace vx::core::half

#pragma GCC pop_options

#else  // not x86: the dispatcher never selects this table (f16c_supported() is false), it only has to link

namespace vx::core::half::detail {
const Kernels kAvx2Kernels = kScalarKernels;
void decode_f16c(const uint16_t* h, std::size_t n, float* out) { decode(h, n, out); }
const PairKernels kAvx2PairKernels = kScalarPairKernels;
}

#endif

// IVF quantizers: training (SQ8 only; PQ codebooks come from k-means), encoding and query-time kernels.
#include "core/ivf_quant.h"

#include "core/avx512_hsum.h"
#include "core/cpu_features.h"
#include "core/distance.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace vx::core::ivf {

float distance(Metric metric, const float* a, const float* b, std::size_t n) {
  const DistanceKernels& k = kernels();
  if (metric == Metric::L2) return k.l2_squared(a, b, n);
  return -k.inner_product(a, b, n);
}

std::size_t nearest_centroid(Metric metric, const float* x, const float* centroids, std::size_t k, std::size_t n,
                             float* best_distance) {
  const DistanceKernels& kern = kernels();
  std::size_t best = 0;
  float best_d = std::numeric_limits<float>::infinity();
  for (std::size_t i = 0; i < k; ++i) {
    const float* c = centroids + i * n;
    float d = metric == Metric::L2 ? kern.l2_squared(x, c, n) : -kern.inner_product(x, c, n);
    if (d < best_d) {
      best_d = d;
      best = i;
    }
  }
  if (best_distance) *best_distance = best_d;
  return best;
}

bool normalize(float* x, std::size_t n) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  if (!(s > 0)) return false;
  float inv = static_cast<float>(1.0 / std::sqrt(s));
  for (std::size_t i = 0; i < n; ++i) x[i] *= inv;
  return true;
}

// ---------------- SQ8 ----------------
void Sq8::train(const float* data, std::size_t rows, std::size_t dim) {
  vmin.assign(dim, std::numeric_limits<float>::infinity());
  std::vector<float> vmax(dim, -std::numeric_limits<float>::infinity());
  for (std::size_t r = 0; r < rows; ++r) {
    const float* x = data + r * dim;
    for (std::size_t i = 0; i < dim; ++i) {
      vmin[i] = std::min(vmin[i], x[i]);
      vmax[i] = std::max(vmax[i], x[i]);
    }
  }
  step.assign(dim, 0.f);
  for (std::size_t i = 0; i < dim; ++i) {
    if (rows == 0) vmin[i] = vmax[i] = 0;
    float range = vmax[i] - vmin[i];
    step[i] = range > 0 ? range / 255.f : 1e-20f;  // a constant dimension still decodes exactly (to vmin)
  }
}

void Sq8::encode(const float* x, uint8_t* code) const {
  for (std::size_t i = 0; i < vmin.size(); ++i) {
    float v = (x[i] - vmin[i]) / step[i] - 0.5f;  // cell c covers [vmin + c*step, vmin + (c+1)*step)
    long c = std::lround(v);
    code[i] = static_cast<uint8_t>(std::clamp(c, 0L, 255L));
  }
}

void Sq8::decode(const uint8_t* code, float* x) const {
  for (std::size_t i = 0; i < vmin.size(); ++i) x[i] = vmin[i] + (code[i] + 0.5f) * step[i];
}

void Sq8Query::prepare(Metric m, const Sq8& sq, const float* q) {
  metric = m;
  std::size_t dim = sq.dim();
  a.assign(dim, 0.f);
  b.assign(dim, 0.f);
  bias = 0;
  for (std::size_t i = 0; i < dim; ++i) {
    float offset = sq.vmin[i] + 0.5f * sq.step[i];
    if (m == Metric::L2) {
      a[i] = q[i] - offset;
      b[i] = sq.step[i];
    } else {
      bias -= q[i] * offset;
      b[i] = q[i] * sq.step[i];
    }
  }
}

namespace {

float sq8_l2_scalar(const float* a, const float* b, const uint8_t* c, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; ++i) {
    float d = a[i] - b[i] * c[i];
    s += d * d;
  }
  return s;
}
float sq8_dot_scalar(const float* b, const uint8_t* c, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; ++i) s += b[i] * c[i];
  return s;
}

__attribute__((target("avx2,fma"))) float hsum256(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
  lo = _mm_add_ps(lo, hi);
  lo = _mm_hadd_ps(lo, lo);
  lo = _mm_hadd_ps(lo, lo);
  return _mm_cvtss_f32(lo);
}
__attribute__((target("avx2,fma"))) float sq8_l2_avx2(const float* a, const float* b, const uint8_t* c,
                                                       std::size_t n) {
  __m256 acc = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 cf = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(c + i))));
    __m256 d = _mm256_fnmadd_ps(_mm256_loadu_ps(b + i), cf, _mm256_loadu_ps(a + i));
    acc = _mm256_fmadd_ps(d, d, acc);
  }
  return hsum256(acc) + sq8_l2_scalar(a + i, b + i, c + i, n - i);
}
__attribute__((target("avx2,fma"))) float sq8_dot_avx2(const float* b, const uint8_t* c, std::size_t n) {
  __m256 acc = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 cf = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(c + i))));
    acc = _mm256_fmadd_ps(_mm256_loadu_ps(b + i), cf, acc);
  }
  return hsum256(acc) + sq8_dot_scalar(b + i, c + i, n - i);
}
// 16 codes as floats. The zero-masking forms with a full mask: the plain ones (and _mm512_reduce_add_ps) trip GCC 12's
// false -Wuninitialized (core/avx512_hsum.h).
__attribute__((target("avx512f"))) inline __m512 sq8_load16(const uint8_t* c) {
  return _mm512_maskz_cvtepi32_ps(0xFFFF, _mm512_maskz_cvtepu8_epi32(0xFFFF, _mm_loadu_si128(reinterpret_cast<const __m128i*>(c))));
}
__attribute__((target("avx512f"))) float sq8_l2_avx512(const float* a, const float* b, const uint8_t* c,
                                                        std::size_t n) {
  __m512 acc = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 cf = sq8_load16(c + i);
    __m512 d = _mm512_fnmadd_ps(_mm512_loadu_ps(b + i), cf, _mm512_loadu_ps(a + i));
    acc = _mm512_fmadd_ps(d, d, acc);
  }
  return avx512::hsum(acc) + sq8_l2_scalar(a + i, b + i, c + i, n - i);
}
__attribute__((target("avx512f"))) float sq8_dot_avx512(const float* b, const uint8_t* c, std::size_t n) {
  __m512 acc = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 cf = sq8_load16(c + i);
    acc = _mm512_fmadd_ps(_mm512_loadu_ps(b + i), cf, acc);
  }
  return avx512::hsum(acc) + sq8_dot_scalar(b + i, c + i, n - i);
}

struct Sq8Kernels {
  float (*l2)(const float*, const float*, const uint8_t*, std::size_t);
  float (*dot)(const float*, const uint8_t*, std::size_t);
};
const Sq8Kernels& sq8_kernels() {
  static const Sq8Kernels k = [] {
    SimdLevel level = kernels().level;  // honours VECTOREXT_SIMD like the float kernels
    if (level == SimdLevel::Avx512) return Sq8Kernels{sq8_l2_avx512, sq8_dot_avx512};
    if (level == SimdLevel::Avx2) return Sq8Kernels{sq8_l2_avx2, sq8_dot_avx2};
    return Sq8Kernels{sq8_l2_scalar, sq8_dot_scalar};
  }();
  return k;
}
}  // namespace

float Sq8Query::distance(const uint8_t* code) const {
  if (metric == Metric::L2) return sq8_kernels().l2(a.data(), b.data(), code, b.size());
  return bias - sq8_kernels().dot(b.data(), code, b.size());
}

// ---------------- PQ ----------------
void Pq::init(std::size_t d, std::size_t subquantizers) {
  dim = d;
  m = subquantizers;
  dsub = d / subquantizers;
  codebook.assign(m * ksub * dsub, 0.f);
}

namespace {
// Distances from one sub-vector to all 256 sub-centroids of a transposed codebook (dsub x 256): the loop over
// centroids is contiguous, so it vectorises whatever dsub is.
void sub_l2_scalar(const float* x, const float* book_t, std::size_t dsub, float* out) {
  for (std::size_t j = 0; j < Pq::ksub; ++j) out[j] = 0;
  for (std::size_t t = 0; t < dsub; ++t)
    for (std::size_t j = 0; j < Pq::ksub; ++j) {
      float d = x[t] - book_t[t * Pq::ksub + j];
      out[j] += d * d;
    }
}
void sub_dot_scalar(const float* x, const float* book_t, std::size_t dsub, float* out) {
  for (std::size_t j = 0; j < Pq::ksub; ++j) out[j] = 0;
  for (std::size_t t = 0; t < dsub; ++t)
    for (std::size_t j = 0; j < Pq::ksub; ++j) out[j] += x[t] * book_t[t * Pq::ksub + j];
}
__attribute__((target("avx2,fma"))) void sub_l2_avx2(const float* x, const float* book_t, std::size_t dsub, float* out) {
  for (std::size_t j = 0; j < Pq::ksub; j += 32) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (std::size_t t = 0; t < dsub; ++t) {
      __m256 xv = _mm256_set1_ps(x[t]);
      const float* row = book_t + t * Pq::ksub + j;
      __m256 d0 = _mm256_sub_ps(xv, _mm256_loadu_ps(row)), d1 = _mm256_sub_ps(xv, _mm256_loadu_ps(row + 8));
      __m256 d2 = _mm256_sub_ps(xv, _mm256_loadu_ps(row + 16)), d3 = _mm256_sub_ps(xv, _mm256_loadu_ps(row + 24));
      a0 = _mm256_fmadd_ps(d0, d0, a0);
      a1 = _mm256_fmadd_ps(d1, d1, a1);
      a2 = _mm256_fmadd_ps(d2, d2, a2);
      a3 = _mm256_fmadd_ps(d3, d3, a3);
    }
    _mm256_storeu_ps(out + j, a0);
    _mm256_storeu_ps(out + j + 8, a1);
    _mm256_storeu_ps(out + j + 16, a2);
    _mm256_storeu_ps(out + j + 24, a3);
  }
}
__attribute__((target("avx2,fma"))) void sub_dot_avx2(const float* x, const float* book_t, std::size_t dsub, float* out) {
  for (std::size_t j = 0; j < Pq::ksub; j += 32) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (std::size_t t = 0; t < dsub; ++t) {
      __m256 xv = _mm256_set1_ps(x[t]);
      const float* row = book_t + t * Pq::ksub + j;
      a0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(row), a0);
      a1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(row + 8), a1);
      a2 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(row + 16), a2);
      a3 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(row + 24), a3);
    }
    _mm256_storeu_ps(out + j, a0);
    _mm256_storeu_ps(out + j + 8, a1);
    _mm256_storeu_ps(out + j + 16, a2);
    _mm256_storeu_ps(out + j + 24, a3);
  }
}
__attribute__((target("avx2,fma"))) std::size_t argmin256_avx2(const float* d) {
  __m256 m = _mm256_loadu_ps(d);
  for (std::size_t j = 8; j < Pq::ksub; j += 8) m = _mm256_min_ps(m, _mm256_loadu_ps(d + j));
  __m128 h = _mm_min_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_min_ps(h, _mm_movehl_ps(h, h));
  h = _mm_min_ss(h, _mm_shuffle_ps(h, h, 1));
  const float best = _mm_cvtss_f32(h);
  __m256 bv = _mm256_set1_ps(best);
  for (std::size_t j = 0; j < Pq::ksub; j += 8) {
    int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(d + j), bv, _CMP_EQ_OQ));
    if (mask) return j + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
  return 0;  // only with NaN distances
}
std::size_t argmin256_scalar(const float* d) { return static_cast<std::size_t>(std::min_element(d, d + Pq::ksub) - d); }
using ArgminFn = std::size_t (*)(const float*);
ArgminFn argmin256() {
  static const ArgminFn f = kernels().level >= SimdLevel::Avx2 ? argmin256_avx2 : argmin256_scalar;
  return f;
}
using SubFn = void (*)(const float*, const float*, std::size_t, float*);
SubFn sub_l2() {
  static const SubFn f = kernels().level >= SimdLevel::Avx2 ? sub_l2_avx2 : sub_l2_scalar;
  return f;
}
SubFn sub_dot() {
  static const SubFn f = kernels().level >= SimdLevel::Avx2 ? sub_dot_avx2 : sub_dot_scalar;
  return f;
}
}  // namespace

void Pq::finalize() {
  codebook_t.assign(codebook.size(), 0.f);
  for (std::size_t s = 0; s < m; ++s)
    for (std::size_t j = 0; j < ksub; ++j)
      for (std::size_t t = 0; t < dsub; ++t)
        codebook_t[(s * dsub + t) * ksub + j] = codebook[(s * ksub + j) * dsub + t];
}

void Pq::encode(const float* residual, uint8_t* code) const {
  float d[ksub];
  SubFn f = sub_l2();
  ArgminFn argmin = argmin256();
  for (std::size_t s = 0; s < m; ++s) {
    f(residual + s * dsub, &codebook_t[s * dsub * ksub], dsub, d);
    code[s] = static_cast<uint8_t>(argmin(d));
  }
}

void Pq::decode(const uint8_t* code, float* residual) const {
  for (std::size_t s = 0; s < m; ++s) std::copy_n(sub_centroid(s, code[s]), dsub, residual + s * dsub);
}

void PqQuery::prepare(Metric mt, const Pq& p, const float* q) {
  metric = mt;
  pq = &p;
  query.assign(q, q + p.dim);
  table.assign(p.m * Pq::ksub, 0.f);
  list_bias = 0;
  if (metric != Metric::L2) {
    SubFn f = sub_dot();
    for (std::size_t s = 0; s < p.m; ++s) {
      float* t = &table[s * Pq::ksub];
      f(q + s * p.dsub, &p.codebook_t[s * p.dsub * Pq::ksub], p.dsub, t);
      for (std::size_t j = 0; j < Pq::ksub; ++j) t[j] = -t[j];
    }
  }
}

void PqQuery::set_list(const float* centroid, std::size_t dim) {
  const DistanceKernels& k = kernels();
  if (metric != Metric::L2) {
    list_bias = -k.inner_product(query.data(), centroid, dim);
    return;
  }
  // ||q - c - r||^2 summed per sub-vector: one table per list.
  std::vector<float> diff(dim);
  for (std::size_t i = 0; i < dim; ++i) diff[i] = query[i] - centroid[i];
  SubFn f = sub_l2();
  for (std::size_t s = 0; s < pq->m; ++s)
    f(diff.data() + s * pq->dsub, &pq->codebook_t[s * pq->dsub * Pq::ksub], pq->dsub, &table[s * Pq::ksub]);
  list_bias = 0;
}

float PqQuery::distance(const uint8_t* code) const {
  const float* t = table.data();
  const std::size_t m = pq->m;
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t s = 0;
  for (; s + 4 <= m; s += 4) {
    s0 += t[(s + 0) * Pq::ksub + code[s + 0]];
    s1 += t[(s + 1) * Pq::ksub + code[s + 1]];
    s2 += t[(s + 2) * Pq::ksub + code[s + 2]];
    s3 += t[(s + 3) * Pq::ksub + code[s + 3]];
  }
  for (; s < m; ++s) s0 += t[s * Pq::ksub + code[s]];
  return list_bias + (s0 + s1) + (s2 + s3);
}

std::size_t default_pq_m(std::size_t dim) {
  std::size_t best = 1;
  for (std::size_t m = 1; m <= dim / 8; ++m)
    if (dim % m == 0) best = m;
  return best;
}

}  // namespace vx::core::ivf

// IVF quantizers: training (SQ8 only; PQ codebooks come from k-means), encoding and query-time kernels.
#include "core/ivf/ivf_quant.h"

#include "core/kernels/cpu_features.h"
#include "core/kernels/distance.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vx::core::ivf {

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

void nearest_centroids(Metric metric, const float* x, std::size_t rows, const float* centroids, std::size_t k,
                       std::size_t n, std::size_t* out) {
  const DistanceKernels& kern = kernels();
  const auto x4 = metric == Metric::L2 ? kern.l2_squared_x4 : kern.inner_product_x4;
  const float sign = metric == Metric::L2 ? 1.f : -1.f;
  std::size_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const float* a[4] = {x + r * n, x + (r + 1) * n, x + (r + 2) * n, x + (r + 3) * n};
    float best_d[4], d[4];
    std::size_t best[4] = {0, 0, 0, 0};
    for (float& b : best_d) b = std::numeric_limits<float>::infinity();
    for (std::size_t i = 0; i < k; ++i) {
      x4(a, centroids + i * n, n, d);
      for (int j = 0; j < 4; ++j)
        if (sign * d[j] < best_d[j]) {  // the first of equals, as nearest_centroid
          best_d[j] = sign * d[j];
          best[j] = i;
        }
    }
    for (int j = 0; j < 4; ++j) out[r + std::size_t(j)] = best[j];
  }
  for (; r < rows; ++r) out[r] = nearest_centroid(metric, x + r * n, centroids, k, n);
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

float Sq8Query::distance(const uint8_t* code) const {
  if (metric == Metric::L2) return quant_kernels().sq8_l2(a.data(), b.data(), code, b.size());
  return bias - quant_kernels().sq8_dot(b.data(), code, b.size());
}

// ---------------- PQ ----------------
void Pq::init(std::size_t d, std::size_t subquantizers) {
  dim = d;
  m = subquantizers;
  dsub = d / subquantizers;
  codebook.assign(m * ksub * dsub, 0.f);
}

namespace {
// Portable versions of the kernels (quant_kernels_impl.h has the SIMD ones and says what each computes).
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
std::size_t argmin256_scalar(const float* d) { return static_cast<std::size_t>(std::min_element(d, d + Pq::ksub) - d); }
}  // namespace

namespace detail {
const QuantKernels kScalarQuantKernels = {SimdLevel::Scalar, sq8_l2_scalar,  sq8_dot_scalar,
                                          sub_l2_scalar,     sub_dot_scalar, argmin256_scalar};
}  // namespace detail

const QuantKernels& quant_kernels_for(SimdLevel level) {
  return table_for(level, detail::kScalarQuantKernels, detail::kAvx2QuantKernels, detail::kAvx512QuantKernels);
}

const QuantKernels& quant_kernels() {
  static const QuantKernels& chosen = quant_kernels_for(kernels().level);  // honours VECTOREXT_SIMD like distance.h
  return chosen;
}

void Pq::finalize() {
  codebook_t.assign(codebook.size(), 0.f);
  for (std::size_t s = 0; s < m; ++s)
    for (std::size_t j = 0; j < ksub; ++j)
      for (std::size_t t = 0; t < dsub; ++t)
        codebook_t[(s * dsub + t) * ksub + j] = codebook[(s * ksub + j) * dsub + t];
}

void Pq::encode(const float* residual, uint8_t* code) const {
  float d[ksub];
  const QuantKernels& k = quant_kernels();
  for (std::size_t s = 0; s < m; ++s) {
    k.pq_sub_l2(residual + s * dsub, &codebook_t[s * dsub * ksub], dsub, d);
    code[s] = static_cast<uint8_t>(k.argmin256(d));
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
    const QuantKernels& k = quant_kernels();
    for (std::size_t s = 0; s < p.m; ++s) {
      float* t = &table[s * Pq::ksub];
      k.pq_sub_dot(q + s * p.dsub, &p.codebook_t[s * p.dsub * Pq::ksub], p.dsub, t);
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
  const QuantKernels& qk = quant_kernels();
  for (std::size_t s = 0; s < pq->m; ++s)
    qk.pq_sub_l2(diff.data() + s * pq->dsub, &pq->codebook_t[s * pq->dsub * Pq::ksub], pq->dsub, &table[s * Pq::ksub]);
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

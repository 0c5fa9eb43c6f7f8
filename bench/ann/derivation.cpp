// Implementation of derivation.h (OpenBLAS sgemm/dsyrk, LAPACK dsyev).
#include "derivation.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "common.h"

extern "C" {
// LAPACK (gfortran ABI: hidden string lengths last)
void dsyev_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w, double* work,
            const int* lwork, int* info, size_t, size_t);
void openblas_set_num_threads(int);
}

namespace ab {

namespace {

// One BLAS thread while deriving: the bits of the result then do not depend on a thread split.
struct SingleThreadedBlas {
  SingleThreadedBlas() { openblas_set_num_threads(1); }
};

constexpr int kChunk = 8192;

}  // namespace

Pca fit_pca(const PixelSet& fit, int out) {
  SingleThreadedBlas one;
  const int d = fit.d;
  if (out > d) throw std::runtime_error(fmt("PCA to %d dims of %d-dim data", out, d));
  std::vector<double> mean(d, 0.0);
  for (int i = 0; i < fit.n; ++i)
    for (int j = 0; j < d; ++j) mean[j] += fit.px[size_t(i) * d + j];
  for (double& m : mean) m /= fit.n;
  // covariance (upper triangle, row-major) accumulated over centred chunks
  std::vector<double> cov(size_t(d) * d, 0.0), chunk(size_t(kChunk) * d);
  for (int start = 0; start < fit.n; start += kChunk) {
    int rows = std::min(kChunk, fit.n - start);
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < d; ++j) chunk[size_t(i) * d + j] = fit.px[size_t(start + i) * d + j] - mean[j];
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, rows, 1.0, chunk.data(), d, 1.0, cov.data(), d);
  }
  // Row-major upper = column-major lower for LAPACK. Eigenvalues ascending, eigenvectors in columns (column-major).
  std::vector<double> w(d);
  int n = d, lda = d, info = 0, lwork = -1;
  double wq = 0;
  dsyev_("V", "L", &n, cov.data(), &lda, w.data(), &wq, &lwork, &info, 1, 1);
  lwork = int(wq);
  std::vector<double> work(size_t(std::max(lwork, 1)));
  dsyev_("V", "L", &n, cov.data(), &lda, w.data(), work.data(), &lwork, &info, 1, 1);
  if (info != 0) throw std::runtime_error(fmt("LAPACK dsyev failed (info %d)", info));
  Pca p;
  p.d = d;
  p.out = out;
  p.mean.assign(mean.begin(), mean.end());
  p.axes.assign(size_t(d) * out, 0.0f);
  for (int t = 0; t < out; ++t) {
    const double* v = &cov[size_t(d - 1 - t) * d];  // eigenvector of the t-th largest eigenvalue
    int big = 0;
    for (int i = 1; i < d; ++i)
      if (std::fabs(v[i]) > std::fabs(v[big])) big = i;
    double sign = v[big] < 0 ? -1.0 : 1.0;
    for (int i = 0; i < d; ++i) p.axes[size_t(i) * out + t] = float(sign * v[i]);
  }
  return p;
}

std::vector<float> apply_pca(const Pca& p, const PixelSet& x) {
  SingleThreadedBlas one;
  std::vector<float> y(size_t(x.n) * p.out), chunk(size_t(kChunk) * p.d);
  for (int start = 0; start < x.n; start += kChunk) {
    int rows = std::min(kChunk, x.n - start);
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < p.d; ++j) chunk[size_t(i) * p.d + j] = x.px[size_t(start + i) * p.d + j] - p.mean[j];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, p.out, p.d, 1.0f, chunk.data(), p.d, p.axes.data(),
                p.out, 0.0f, &y[size_t(start) * p.out], p.out);
  }
  return y;
}

std::vector<float> gaussian_matrix(int d, int out, uint64_t seed) {
  std::vector<float> m(size_t(d) * out);
  const double two_pi = 6.283185307179586;
  for (size_t i = 0; i < m.size(); i += 2) {
    double u1 = unit_interval(mix64(seed + i)), u2 = unit_interval(mix64(seed + i + 1));
    double r = std::sqrt(-2.0 * std::log(1.0 - u1));
    m[i] = float(r * std::cos(two_pi * u2));
    if (i + 1 < m.size()) m[i + 1] = float(r * std::sin(two_pi * u2));
  }
  return m;
}

std::vector<float> project(const float* x, int n, int d, const std::vector<float>& m, int out, float scale) {
  SingleThreadedBlas one;
  std::vector<float> y(size_t(n) * out);
  for (int start = 0; start < n; start += kChunk) {
    int rows = std::min(kChunk, n - start);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, out, d, scale, x + size_t(start) * d, d, m.data(), out,
                0.0f, &y[size_t(start) * out], out);
  }
  return y;
}

void l2_normalise(float* x, int64_t n, int d) {
  for (int64_t i = 0; i < n; ++i) {
    float* v = x + size_t(i) * d;
    double s = 0;
    for (int j = 0; j < d; ++j) s += double(v[j]) * v[j];
    if (s <= 0) continue;
    float inv = float(1.0 / std::sqrt(s));
    for (int j = 0; j < d; ++j) v[j] *= inv;
  }
}

std::vector<float> synthetic_projected(const PixelSet& images, int64_t rows, const std::vector<float>& m, int out) {
  SingleThreadedBlas one;
  const int d = images.d;
  std::vector<float> y(size_t(rows) * out), chunk(size_t(kChunk) * d);
  for (int64_t start = 0; start < rows; start += kChunk) {
    int n = int(std::min<int64_t>(kChunk, rows - start));
    for (int r = 0; r < n; ++r) {
      int64_t i = start + r;
      float* dst = &chunk[size_t(r) * d];
      if (i < images.n) {
        std::memcpy(dst, &images.px[size_t(i) * d], sizeof(float) * d);
        continue;
      }
      // two images, the second weighted 0.15..0.5, plus uniform noise of +-8 grey levels, clamped to 0..255
      uint64_t h = mix64(uint64_t(i) * 3 + 0x5ca1e);
      const float* a = &images.px[size_t(h % uint64_t(images.n)) * d];
      const float* b = &images.px[size_t(mix64(h) % uint64_t(images.n)) * d];
      float t = float(0.15 + 0.35 * unit_interval(mix64(h + 1)));
      uint64_t noise = mix64(h + 2);
      for (int j = 0; j < d; ++j) {
        noise = mix64(noise);
        float v = (1 - t) * a[j] + t * b[j] + float(unit_interval(noise) * 16.0 - 8.0);
        dst[j] = std::min(255.0f, std::max(0.0f, v));
      }
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, out, d, 1.0f / 255.0f, chunk.data(), d, m.data(), out,
                0.0f, &y[size_t(start) * out], out);
    l2_normalise(&y[size_t(start) * out], n, out);
  }
  return y;
}

namespace {
const char kMagic[8] = {'V', 'X', 'B', 'E', 'N', 'C', 'H', '1'};
}

bool read_cached(const std::string& path, std::vector<std::vector<float>*> blocks) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  char magic[8];
  uint64_t count = 0;
  in.read(magic, 8);
  in.read(reinterpret_cast<char*>(&count), 8);
  if (!in || std::memcmp(magic, kMagic, 8) != 0 || count != blocks.size()) return false;
  std::vector<uint64_t> sizes(count);
  in.read(reinterpret_cast<char*>(sizes.data()), 8 * count);
  for (size_t b = 0; b < count && in; ++b) {
    blocks[b]->resize(sizes[b]);
    in.read(reinterpret_cast<char*>(blocks[b]->data()), std::streamsize(sizes[b] * 4));
  }
  return bool(in);
}

void write_cached(const std::string& path, const std::vector<const std::vector<float>*>& blocks) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    uint64_t count = blocks.size();
    out.write(kMagic, 8);
    out.write(reinterpret_cast<const char*>(&count), 8);
    for (auto* b : blocks) {
      uint64_t s = b->size();
      out.write(reinterpret_cast<const char*>(&s), 8);
    }
    for (auto* b : blocks) out.write(reinterpret_cast<const char*>(b->data()), std::streamsize(b->size() * 4));
    if (!out) {
      std::remove(tmp.c_str());
      return;  // a cache that cannot be written is only slower next time
    }
  }
  std::rename(tmp.c_str(), path.c_str());
}

}  // namespace ab

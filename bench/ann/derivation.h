// Deterministic float datasets from the Fashion-MNIST pixels: PCA, random Gaussian projections, synthetic rows,
// L2 normalisation, and the on-disk cache of the results. BLAS runs single-threaded here so that the bits of a
// derived dataset depend only on the input, the seed and this machine's OpenBLAS kernel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ab {

// Row-major float images, n x d (pixels 0..255 as floats).
struct PixelSet {
  int n = 0, d = 0;
  std::vector<float> px;
};

// y (n x out) = (x - mean) * axes, axes = the top `out` principal axes of `fit` (eigenvectors of the covariance,
// largest eigenvalue first, each with its largest-magnitude component made positive).
struct Pca {
  int d = 0, out = 0;
  std::vector<float> mean;  // d
  std::vector<float> axes;  // d x out, row-major
};
Pca fit_pca(const PixelSet& fit, int out);
std::vector<float> apply_pca(const Pca& p, const PixelSet& x);

// d x out matrix of N(0, 1) entries from `seed` (Box-Muller on splitmix64).
std::vector<float> gaussian_matrix(int d, int out, uint64_t seed);
// y (n x out) = (x * scale) * m
std::vector<float> project(const float* x, int n, int d, const std::vector<float>& m, int out, float scale);

void l2_normalise(float* x, int64_t n, int d);

// `rows` synthetic rows for scale768: row i < fit.n is image i, later rows mix two images with pixel noise.
// Produced in chunks straight into the projected, normalised result (n x out).
std::vector<float> synthetic_projected(const PixelSet& images, int64_t rows, const std::vector<float>& m, int out);

// Cache of derived float blocks: <dir>/<key>.f32 with a small header; false when absent or unreadable.
bool read_cached(const std::string& path, std::vector<std::vector<float>*> blocks);
void write_cached(const std::string& path, const std::vector<const std::vector<float>*>& blocks);

}  // namespace ab

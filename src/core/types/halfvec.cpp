// pgvector-compatible arithmetic of the halfvec type over the half kernel tables (see halfvec.h).
#include "core/types/halfvec.h"

#include <cmath>

#include "core/kernels/distance.h"

namespace vx::core::halfvec {

double l2_squared_distance(const uint16_t* a, const uint16_t* b, std::size_t n) {
  return static_cast<double>(half::pair_kernels().l2_squared(a, b, n));
}

double l2_distance(const uint16_t* a, const uint16_t* b, std::size_t n) {
  return std::sqrt(l2_squared_distance(a, b, n));
}

double inner_product(const uint16_t* a, const uint16_t* b, std::size_t n) {
  return static_cast<double>(half::pair_kernels().inner_product(a, b, n));
}

double negative_inner_product(const uint16_t* a, const uint16_t* b, std::size_t n) {
  return -static_cast<double>(half::pair_kernels().inner_product(a, b, n));
}

double cosine_distance(const uint16_t* a, const uint16_t* b, std::size_t n) {
  float dot, norm_a2, norm_b2;
  half::pair_kernels().dot_and_norms(a, b, n, &dot, &norm_a2, &norm_b2);
  return cosine_distance_from_parts(dot, norm_a2, norm_b2);
}

double l1_distance(const uint16_t* a, const uint16_t* b, std::size_t n) {
  return static_cast<double>(half::pair_kernels().l1(a, b, n));
}

double spherical_distance(const uint16_t* a, const uint16_t* b, std::size_t n) {
  double dot = inner_product(a, b, n);
  // Rounding can push the dot product of unit vectors slightly outside [-1, 1], where acos is NaN.
  if (dot > 1.0)
    dot = 1.0;
  else if (dot < -1.0)
    dot = -1.0;
  return std::acos(dot) / M_PI;
}

double norm(const uint16_t* x, std::size_t n) {
  double sum = 0.0;
  for (std::size_t i = 0; i < n; i++) {
    const double v = half::to_float(x[i]);
    sum += v * v;
  }
  return std::sqrt(sum);
}

bool normalize(const uint16_t* x, std::size_t n, uint16_t* out) {
  const double length = norm(x, n);
  if (!(length > 0.0)) {
    for (std::size_t i = 0; i < n; i++) out[i] = 0;
    return true;
  }
  bool finite = true;
  for (std::size_t i = 0; i < n; i++) {
    // Divided in double, rounded to float, then to half: pgvector's double rounding, so results are identical.
    out[i] = half::from_float_ieee(static_cast<float>(half::to_float(x[i]) / length));
    if (half::is_inf(out[i])) finite = false;
  }
  return finite;
}

}  // namespace vx::core::halfvec

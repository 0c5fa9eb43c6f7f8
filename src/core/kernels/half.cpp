// Half-precision copies: conversion, encoding with its error, the scalar kernels, the dispatch among kernel tables
// and the lower bounds on exact distances (see half.h for the contract).
#include "core/kernels/half.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace vx::core::half {

namespace {

uint32_t float_bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

float bits_float(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// Rounded up to the next float so a norm computed in double never shrinks on the way to float storage.
float round_up_to_float(double v) {
  if (v <= 0) return 0;
  float f = static_cast<float>(v);
  return static_cast<double>(f) >= v ? f : std::nextafter(f, INFINITY);
}

// Relative slack for one n-term float sum (sequential worst case, so it also covers every SIMD association), doubled
// because both the scan's and the executor's sums round.
double rounding_slack(std::size_t n) { return 2.0 * (static_cast<double>(n) + 16.0) * 0x1p-24; }

float scalar_l2_squared(const float* q, const uint16_t* h, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; i++) {
    float d = q[i] - to_float(h[i]);
    s += d * d;
  }
  return s;
}

float scalar_inner_product(const float* q, const uint16_t* h, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; i++) s += q[i] * to_float(h[i]);
  return s;
}

float scalar_l1(const float* q, const uint16_t* h, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; i++) s += std::fabs(q[i] - to_float(h[i]));
  return s;
}

void scalar_dot_and_norm(const float* q, const uint16_t* h, std::size_t n, float* dot, float* norm_h2) {
  float d = 0, nh = 0;
  for (std::size_t i = 0; i < n; i++) {
    float v = to_float(h[i]);
    d += q[i] * v;
    nh += v * v;
  }
  *dot = d;
  *norm_h2 = nh;
}

float scalar_pair_l2_squared(const uint16_t* a, const uint16_t* b, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; i++) {
    float d = to_float(a[i]) - to_float(b[i]);
    s += d * d;
  }
  return s;
}

float scalar_pair_inner_product(const uint16_t* a, const uint16_t* b, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; i++) s += to_float(a[i]) * to_float(b[i]);
  return s;
}

float scalar_pair_l1(const uint16_t* a, const uint16_t* b, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; i++) s += std::fabs(to_float(a[i]) - to_float(b[i]));
  return s;
}

void scalar_pair_dot_and_norms(const uint16_t* a, const uint16_t* b, std::size_t n, float* dot, float* norm_a2,
                               float* norm_b2) {
  float d = 0, na = 0, nb = 0;
  for (std::size_t i = 0; i < n; i++) {
    float x = to_float(a[i]), y = to_float(b[i]);
    d += x * y;
    na += x * x;
    nb += y * y;
  }
  *dot = d;
  *norm_a2 = na;
  *norm_b2 = nb;
}

// Round to nearest even for a finite magnitude a < kOverflowAt (sign already split off).
uint16_t round_magnitude(uint16_t sign, float a) {
  if (a < 0x1p-14f) {
    // Subnormal half: a multiple of 2^-24. Scaling by 2^24 is exact, and nearbyint rounds to nearest even;
    // 1024 (a rounding up to 2^-14) is exactly the bit pattern of the smallest normal half.
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(std::nearbyint(a * 0x1p24f)));
  }
  // Normal: drop 13 mantissa bits with round to nearest even, then rebias the exponent (127 -> 15). A carry out of
  // the mantissa correctly bumps the exponent (up to 0x7bff; a below kOverflowAt never reaches infinity).
  uint32_t m = float_bits(a);
  m += 0x0fffu + ((m >> 13) & 1u);
  return static_cast<uint16_t>(sign | ((m >> 13) - ((127u - 15u) << 10)));
}

// Which table serves `level` (an unsupported level means the detected one): AVX-512 where asked for and available,
// else AVX2 where available, else scalar.
SimdLevel table_level(SimdLevel level) {
  if (!simd_level_supported(level)) level = detect_simd_level();
  if (level == SimdLevel::Scalar || !detail::f16c_supported()) return SimdLevel::Scalar;
  // half_avx512.cpp is compiled for AVX-512F plus AVX2/FMA/F16C: require all of them.
  if (level == SimdLevel::Avx512 && simd_level_supported(SimdLevel::Avx512) && simd_level_supported(SimdLevel::Avx2))
    return SimdLevel::Avx512;
  return simd_level_supported(SimdLevel::Avx2) ? SimdLevel::Avx2 : SimdLevel::Scalar;
}

SimdLevel level_from_env() { return resolve_simd_level(std::getenv("VECTOREXT_SIMD"), detect_simd_level()); }

}  // namespace

uint16_t from_float(float x) {
  const uint16_t sign = static_cast<uint16_t>((float_bits(x) >> 16) & 0x8000u);
  const float a = std::fabs(x);
  if (std::isnan(x)) return static_cast<uint16_t>(sign | 0x7e00u);
  if (a >= kMaxHalf) return static_cast<uint16_t>(sign | 0x7bffu);
  return round_magnitude(sign, a);
}

uint16_t from_float_ieee(float x) {
  const uint16_t sign = static_cast<uint16_t>((float_bits(x) >> 16) & 0x8000u);
  const float a = std::fabs(x);
  if (std::isnan(x)) return static_cast<uint16_t>(sign | 0x7e00u);
  if (a >= kOverflowAt) return static_cast<uint16_t>(sign | 0x7c00u);
  return round_magnitude(sign, a);
}

float to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    // Zero or subnormal: mant * 2^-24, exact in float.
    float v = static_cast<float>(mant) * 0x1p-24f;
    return sign ? -v : v;
  }
  if (exp == 31) return bits_float(sign | 0x7f800000u | (mant << 13));
  return bits_float(sign | ((exp + 127u - 15u) << 23) | (mant << 13));
}

EncodeError encode(const float* x, std::size_t n, uint16_t* out) {
  if (kernels().level != SimdLevel::Scalar) return detail::encode_f16c(x, n, out);
  return detail::encode_scalar(x, n, out);
}

namespace detail {

EncodeError encode_scalar(const float* x, std::size_t n, uint16_t* out) {
  for (std::size_t i = 0; i < n; i++) out[i] = from_float(x[i]);
  return encode_error(x, out, n);
}

// The error sums run value by value in index order whatever converted the values, so every path gives the same
// bits.
EncodeError encode_error(const float* x, const uint16_t* h, std::size_t n) {
  double l2 = 0, l1 = 0;
  for (std::size_t i = 0; i < n; i++) {
    double d = static_cast<double>(x[i]) - static_cast<double>(to_float(h[i]));
    l2 += d * d;
    l1 += std::fabs(d);
  }
  return finish_error(l2, l1, n);
}

EncodeError finish_error(double l2, double l1, std::size_t n) {
  EncodeError e;
  // Sums of n nonnegative doubles: relative error below n * 2^-53, absorbed by a generous relative pad.
  const double pad = 1.0 + (static_cast<double>(n) + 4.0) * 0x1p-52;
  e.l2 = round_up_to_float(std::sqrt(l2 * pad) * pad);
  e.l1 = round_up_to_float(l1 * pad);
  return e;
}

}  // namespace detail

void decode(const uint16_t* h, std::size_t n, float* out) {
  // F16C converts exactly like to_float (every non-NaN half; copies never hold NaN), with the kernels' dispatch.
  if (kernels().level != SimdLevel::Scalar) return detail::decode_f16c(h, n, out);
  for (std::size_t i = 0; i < n; i++) out[i] = to_float(h[i]);
}

namespace detail {

const Kernels kScalarKernels = {SimdLevel::Scalar, scalar_l2_squared, scalar_inner_product, scalar_l1,
                                scalar_dot_and_norm};
const PairKernels kScalarPairKernels = {SimdLevel::Scalar, scalar_pair_l2_squared, scalar_pair_inner_product,
                                        scalar_pair_l1, scalar_pair_dot_and_norms};

bool f16c_supported() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  return (c & bit_F16C) != 0;
#else
  return false;
#endif
}

}  // namespace detail

const Kernels& kernels_for(SimdLevel level) {
  return table_for(table_level(level), detail::kScalarKernels, detail::kAvx2Kernels, detail::kAvx512Kernels);
}

const Kernels& kernels() {
  static const Kernels& chosen = kernels_for(level_from_env());
  return chosen;
}

const PairKernels& pair_kernels_for(SimdLevel level) {
  return table_for(table_level(level), detail::kScalarPairKernels, detail::kAvx2PairKernels, detail::kAvx512PairKernels);
}

const PairKernels& pair_kernels() {
  static const PairKernels& chosen = pair_kernels_for(level_from_env());
  return chosen;
}

double l2_lower_bound(double approx, const EncodeError& err, std::size_t n) {
  const double r = rounding_slack(n);
  const double lb = (approx * (1.0 - r) - err.l2) * (1.0 - r);
  return lb > 0 ? lb : 0;
}

double l1_lower_bound(double approx, const EncodeError& err, std::size_t n) {
  const double r = rounding_slack(n);
  const double lb = (approx * (1.0 - r) - err.l1) * (1.0 - r);
  return lb > 0 ? lb : 0;
}

double negative_inner_product_lower_bound(double approx, const EncodeError& err, double query_norm, double copy_norm,
                                          std::size_t n) {
  // -<x,q> >= -<h,q> - |q| |x - h|; each computed dot product is off by at most r |x| |q|, and |x| <= |h| + err.
  const double r = rounding_slack(n);
  const double e = err.l2;
  return approx - query_norm * (1.0 + r) * (e + r * (copy_norm * (1.0 + r) + e));
}

double cosine_lower_bound(double approx, const EncodeError& err_of_unit_copy, std::size_t n) {
  // Similarities are of unit-scaled vectors, so every rounding error is absolute and about r; 4r also covers the
  // float normalisation of x before it was encoded and the executor's norm products.
  const double r = rounding_slack(n);
  const double lb = approx - err_of_unit_copy.l2 * (1.0 + r) - 4.0 * r;
  return lb > 0 ? lb : 0;
}

}  // namespace vx::core::half

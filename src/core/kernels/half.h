// Half-precision (IEEE binary16) copies of vectors for index storage: encoding with the exact size of the error it
// made, distances between a float query and a half copy (scalar and AVX2+F16C, dispatched like distance.h), and the
// lower bounds that let a scan rank by the cheap copy yet hand Postgres distances it may re-check exactly.
//
// Why an error per copy rather than a global one: the bound then holds for any data, including values a half cannot
// hold (they are clamped to +-65504 and the error says by how much), and is exactly zero for data a half represents
// exactly (small integers such as image pixels), where ranking by the copy is ranking by the original.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/kernels/cpu_features.h"

namespace vx::core::half {

constexpr float kMaxHalf = 65504.0f;  // largest finite half: encode clamps here, so a copy never holds inf

// Round to nearest even; |x| >= kMaxHalf gives +-kMaxHalf; NaN gives a quiet NaN (callers reject NaN earlier).
uint16_t from_float(float x);
float to_float(uint16_t h);

// IEEE binary16 conversion as the halfvec type stores values (the same bits as F16C's round-to-nearest-even): a
// magnitude of kOverflowAt or more, which rounds beyond kMaxHalf, gives +-inf instead of being clamped, so the caller
// can report it; inf stays inf; NaN gives a quiet NaN.
constexpr float kOverflowAt = 65520.0f;  // halfway between kMaxHalf and 2^16: rounds (to even) to infinity
uint16_t from_float_ieee(float x);

// Classification of stored bits (both zeros are zero).
inline bool is_nan(uint16_t h) { return (h & 0x7c00u) == 0x7c00u && (h & 0x03ffu) != 0; }
inline bool is_inf(uint16_t h) { return (h & 0x7fffu) == 0x7c00u; }
inline bool is_zero(uint16_t h) { return (h & 0x7fffu) == 0; }

// Norms of x - decode(encode(x)), rounded up, so bounds built on them stay bounds.
struct EncodeError {
  float l2 = 0;
  float l1 = 0;
};

EncodeError encode(const float* x, std::size_t n, uint16_t* out);
void decode(const uint16_t* h, std::size_t n, float* out);

// Query in float, copy in half; same accumulation conventions as the float kernels of distance.h.
struct Kernels {
  SimdLevel level;
  float (*l2_squared)(const float* q, const uint16_t* h, std::size_t n);     // sum (q - h)^2
  float (*inner_product)(const float* q, const uint16_t* h, std::size_t n);  // sum q * h
  float (*l1)(const float* q, const uint16_t* h, std::size_t n);             // sum |q - h|
  void (*dot_and_norm)(const float* q, const uint16_t* h, std::size_t n, float* dot, float* norm_h2);
};

// Both sides half: for building a graph over half copies (half the memory traffic of float data; hnswlib's build on
// Fashion-MNIST ran ~35% faster) and for the halfvec type's distances (core/types/halfvec.h).
struct PairKernels {
  SimdLevel level;
  float (*l2_squared)(const uint16_t* a, const uint16_t* b, std::size_t n);
  float (*inner_product)(const uint16_t* a, const uint16_t* b, std::size_t n);
  float (*l1)(const uint16_t* a, const uint16_t* b, std::size_t n);
  // One pass for cosine: a.b, |a|^2, |b|^2.
  void (*dot_and_norms)(const uint16_t* a, const uint16_t* b, std::size_t n, float* dot, float* norm_a2,
                        float* norm_b2);
};

// Best for this CPU: the AVX2 tables need F16C as well as the AVX2+FMA of distance.h, the AVX-512 ones F16C and
// AVX-512F. VECTOREXT_SIMD lowers the
// level exactly as it does for the float kernels.
const Kernels& kernels();
const Kernels& kernels_for(SimdLevel level);
const PairKernels& pair_kernels();
const PairKernels& pair_kernels_for(SimdLevel level);

// Lower bounds on the distance that vectorext's exact operators (distance.h, pgvector semantics) compute for the
// original x, given the distance computed by the kernels above against x's half copy. They absorb the encoding
// error and the float rounding of both computations (n-term float sums), so a scan that returns them as ORDER BY
// values with xs_recheckorderby never returns a value above the executor's exact recomputation.
//   l2:      approx = sqrt(l2_squared(q, h))
//   l1:      approx = l1(q, h)
//   neg ip:  approx = -inner_product(q, h); needs |q| and |h| (dot_and_norm gives |h|^2 in the same pass)
//   cosine:  the copy must be of x / |x| and approx = 1 - inner_product(q, h) / |q|
double l2_lower_bound(double approx, const EncodeError& err, std::size_t n);
double l1_lower_bound(double approx, const EncodeError& err, std::size_t n);
double negative_inner_product_lower_bound(double approx, const EncodeError& err, double query_norm, double copy_norm,
                                          std::size_t n);
double cosine_lower_bound(double approx, const EncodeError& err_of_unit_copy, std::size_t n);

namespace detail {
extern const Kernels kScalarKernels;
extern const Kernels kAvx2Kernels;                               // only valid where AVX2, FMA and F16C are supported
void decode_f16c(const uint16_t* h, std::size_t n, float* out);  // only where kAvx2Kernels is valid
// encode() by level: the same halves and the same error bits (tests compare them). F16C converts 8 values an
// instruction where from_float takes ~20 (a quarter of CREATE INDEX's page-writing phase at 768 dims).
EncodeError encode_scalar(const float* x, std::size_t n, uint16_t* out);
EncodeError encode_f16c(const float* x, std::size_t n, uint16_t* out);  // only where kAvx2Kernels is valid
// The error of halves h for values x, summed in index order; and its rounding into EncodeError.
EncodeError encode_error(const float* x, const uint16_t* h, std::size_t n);
EncodeError finish_error(double l2, double l1, std::size_t n);
extern const PairKernels kScalarPairKernels;
extern const PairKernels kAvx2PairKernels;
extern const Kernels kAvx512Kernels;  // only valid where AVX-512F and F16C are supported
extern const PairKernels kAvx512PairKernels;
bool f16c_supported();
}  // namespace detail

}  // namespace vx::core::half

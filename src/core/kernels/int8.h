// Symmetric 8-bit codes for building HNSW graphs: each component x stored as round(x / scale) in [-127, 127] with
// one scale for the whole index, and exact integer kernels between two codes (scalar, AVX2, AVX-512BW; dispatched
// like distance.h). Used only while CREATE INDEX builds its graph (core/hnsw/hnsw_graph_builder.h): the pages keep
// half copies and scans rank by those. A distance between two codes reads a quarter of the bytes of two floats and
// needs no conversion, and with one scale it is an integer sum times scale^2, the same on every SIMD level.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/kernels/cpu_features.h"

namespace vx::core::int8 {

constexpr int kMaxCode = 127;  // symmetric: -127..127, so negating a code never overflows

// The scale that maps the largest |value| among rows x dims values to kMaxCode (no clamping: every value is in range;
// 0 when every value is 0 or none is finite, which the caller must treat as "no codes").
float scale_for(const float* values, std::size_t count);

// out[i] = round(x[i] / scale), clamped to +-kMaxCode (only values beyond scale_for's range are clamped).
void encode(const float* x, std::size_t n, float scale, int8_t* out);

// Exact integer results (|sum| < 2^31 for n up to 65,535 components).
struct Kernels {
  SimdLevel level;
  int32_t (*l2_squared)(const int8_t* a, const int8_t* b, std::size_t n);  // sum (a-b)^2
  int32_t (*dot)(const int8_t* a, const int8_t* b, std::size_t n);         // sum a*b
};

// Best for this CPU: the AVX-512 table needs AVX-512BW as well as AVX-512F, and is the VNNI one (int8_avx512_vnni.cpp:
// 2.2x faster dot at 768 codes) when the CPU also has AVX-512 VNNI. VECTOREXT_SIMD lowers the level as it
// does for the float kernels.
const Kernels& kernels();
const Kernels& kernels_for(SimdLevel level);

// Whether kernels_for(SimdLevel::Avx512) gives the VNNI table.
bool vnni_supported();

namespace detail {
extern const Kernels kScalarKernels;
extern const Kernels kAvx2Kernels;
extern const Kernels kAvx512Kernels;      // AVX-512F+BW
extern const Kernels kAvx512VnniKernels;  // AVX-512F+BW+VNNI
}  // namespace detail

}  // namespace vx::core::int8

// Flat IVF codes as half-precision copies (pure C++17, no Postgres): the byte layout of one code, encoding a vector
// into it, and scoring a code against a query as a lower bound on the exact operator value.
//
// Why lower bounds: a scan ranks postings by the cheap half copy (half the bytes streamed per query) yet must return
// exactly what a float32 scan of the same lists returns. It hands the bounds to the executor as ORDER BY values with
// "recheck"; the executor recomputes the exact distance from the table row and reorders, which is exact as long as
// no bound exceeds the exact value and bounds come in nondecreasing order (docs/ivf.md, "Exactness").
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/half.h"
#include "core/ivf_quant.h"

namespace vx::core::ivf {

// Layout of a flat code: float err_l2, float err_l1 (core::half::EncodeError of the copy), then uint16 half[dim].
// Codes start 4-byte aligned (the posting header is 8 bytes).
constexpr std::size_t kHalfCodeHeader = 2 * sizeof(float);
constexpr std::size_t half_code_size(std::size_t dim) { return kHalfCodeHeader + dim * sizeof(uint16_t); }

// Encodes x (already normalised for cosine) into `code` (half_code_size(dim) bytes).
void encode_half_code(const float* x, std::size_t dim, uint8_t* code);

// The largest float not above v, so a bound rounded for storage in a float stays a bound.
float float_at_most(double v);

// One query against many codes. The value is in the units of the SQL operator: l2 distance (`<->`, not squared),
// negative inner product (`<#>`) or cosine distance (`<=>`), and never above what the operator computes for the
// original row and the original query (see half.h for what the bounds absorb).
class HalfCodeQuery {
  public:
    // `query` is the scan's query (normalised for cosine; a zero query stays zero) and must outlive this object.
    void prepare(Metric metric, const float* query, std::size_t dim);
    float lower_bound(const uint8_t* code) const;

    // A copy with zero encoding error decodes to the indexed vector bit for bit; where the indexed vector is the
    // table's own (every metric but cosine, which indexes x / |x|) the operator's value can be computed from the
    // copy instead of re-checked from the table row.
    bool exact_copy(const uint8_t* code) const;
    // For an exact copy: what the SQL operator computes for the row and the query, bit-identical to the executor's
    // value (the same distance.h kernels on the same operands). `buf` holds dim floats.
    double exact_value(const uint8_t* code, float* buf) const;

  private:
    Metric metric_ = Metric::L2;
    const float* query_ = nullptr;
    std::size_t dim_ = 0;
    double query_norm_ = 0;
    const half::Kernels* kernels_ = nullptr;
};

}  // namespace vx::core::ivf

// Integer filter conditions as closed ranges, evaluated over packed filter areas (pure C++17, no Postgres header).
// An hnsw index's filter columns (src/pg/hnsw/hnsw_filter.h) are evaluated on areas of `uint32 null bits | values`
// (each value 2, 4 or 8 bytes, little end first, at its offset); the filter directory (hnsw_filter_dir.h) holds those
// areas side by side, and a selective filter evaluates every one of them. A comparison `col <op> v` (<, <=, =, >=,
// >, the btree strategies 1-5) is one closed range of int64 [lo, hi], tested with one unsigned comparison; a range
// with lo > hi admits nothing (`col < INT64_MIN`, `col > INT64_MAX`).
#pragma once

#include <cstdint>
#include <cstring>

namespace vx::core::filter {

enum Strategy { kLess = 1, kLessEqual = 2, kEqual = 3, kGreaterEqual = 4, kGreater = 5 };  // btree's numbers

struct Range {
  int64_t lo, hi;
  bool empty() const { return lo > hi; }
};

// The values `x` with `x <strategy> v`.
inline Range range_of(int strategy, int64_t v) {
  constexpr int64_t kMin = INT64_MIN, kMax = INT64_MAX;
  switch (strategy) {
    case kLess:
      return v == kMin ? Range{1, 0} : Range{kMin, v - 1};
    case kLessEqual:
      return Range{kMin, v};
    case kEqual:
      return Range{v, v};
    case kGreaterEqual:
      return Range{v, kMax};
    default:
      return v == kMax ? Range{1, 0} : Range{v + 1, kMax};
  }
}

// Whether v lies in r (r not empty), as one comparison.
inline bool in_range(int64_t v, const Range& r) {
  return uint64_t(v) - uint64_t(r.lo) <= uint64_t(r.hi) - uint64_t(r.lo);
}

// The value of `width` bytes (2, 4 or 8) at p, sign-extended.
template <int W>
inline int64_t load_value(const char* p) {
  if constexpr (W == 2) {
    int16_t v;
    std::memcpy(&v, p, 2);
    return v;
  } else if constexpr (W == 4) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  } else {
    int64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
}
inline int64_t load_value(const char* p, int width) {
  return width == 2 ? load_value<2>(p) : width == 4 ? load_value<4>(p) : load_value<8>(p);
}

namespace detail {
template <int W>
uint32_t match_run(const char* areas, uint32_t n, uint32_t stride, uint32_t null_bit, uint32_t offset, Range r,
                   uint32_t* out) {
  const uint64_t span = uint64_t(r.hi) - uint64_t(r.lo);
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; ++i) {  // no branch per area: most fail
    const char* a = areas + size_t(i) * stride;
    uint32_t nulls;
    std::memcpy(&nulls, a, 4);
    out[k] = i;
    k += uint32_t(((nulls & null_bit) == 0) & (uint64_t(load_value<W>(a + offset)) - uint64_t(r.lo) <= span));
  }
  return k;
}
}  // namespace detail

// One range condition on the column whose null bit is `null_bit` and whose value (width bytes) is at `offset`, over n
// areas `stride` bytes apart: the indexes of the areas whose value is not NULL and lies in r, ascending, into out (n
// room; every slot may be written); returns how many. r empty: none.
inline uint32_t match_range_run(const char* areas, uint32_t n, uint32_t stride, uint32_t null_bit, uint32_t offset,
                                int width, Range r, uint32_t* out) {
  if (r.empty()) return 0;
  switch (width) {
    case 2:
      return detail::match_run<2>(areas, n, stride, null_bit, offset, r, out);
    case 4:
      return detail::match_run<4>(areas, n, stride, null_bit, offset, r, out);
    default:
      return detail::match_run<8>(areas, n, stride, null_bit, offset, r, out);
  }
}

}  // namespace vx::core::filter

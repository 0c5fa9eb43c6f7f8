// Half copies: encoding into the shared layout, ranking keys, lower bounds and exact values (see half_copy.h).
//
// Issue 12, phase 1: the ranking key, the bounds and the exactness rule forward to hnsw_distance.cpp, which another
// branch is still changing; phase 2 moves their bodies here and makes hnsw use these (one implementation either way).
#include "core/half_copy.h"

#include "core/hnsw/hnsw_distance.h"

#include <cmath>
#include <limits>

namespace vx::core {

namespace {
hnsw::Metric as_hnsw(Metric m) { return static_cast<hnsw::Metric>(static_cast<uint32_t>(m)); }
}  // namespace

void encode_half_copy(const float* x, std::size_t dims, uint8_t* out) {
  half::EncodeError err = half::encode(x, dims, reinterpret_cast<uint16_t*>(out + kHalfCopyHeader));
  const float header[2] = {err.l2, err.l1};
  std::memcpy(out, header, sizeof(header));
}

float float_at_most(double v) {
  float f = static_cast<float>(v);
  if (static_cast<double>(f) > v) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}

float half_rank(Metric metric, const float* q, const uint16_t* h, std::size_t n) {
  return hnsw::half_distance(as_hnsw(metric), q, h, n);
}

double half_lower_bound(Metric metric, const float* query, double query_norm, const uint16_t* h, std::size_t n,
                        const half::EncodeError& err) {
  if (!metric_has_float_form(metric)) return -std::numeric_limits<double>::infinity();
  return hnsw::half_lower_bound(as_hnsw(metric), query, query_norm, h, n, err);
}

bool rank_bound_available(Metric metric) { return hnsw::rank_bound_available(as_hnsw(metric)); }

double half_lower_bound_from_rank(Metric metric, float rank, const half::EncodeError& err, std::size_t n) {
  return hnsw::half_lower_bound_from_rank(as_hnsw(metric), rank, err, n);
}

bool copy_is_exact(Metric metric, const half::EncodeError& err) { return hnsw::copy_is_exact(as_hnsw(metric), err); }

void HalfCopyQuery::prepare(Metric metric, const float* query, std::size_t dims) {
  metric_ = metric;
  query_ = query;
  dims_ = dims;
  double sum = 0;
  for (std::size_t i = 0; i < dims; ++i) sum += static_cast<double>(query[i]) * query[i];
  query_norm_ = std::sqrt(sum);
}

float HalfCopyQuery::lower_bound(const uint8_t* copy) const {
  return float_at_most(
      half_lower_bound(metric_, query_, query_norm_, half_copy_halves(copy), dims_, half_copy_error(copy)));
}

double HalfCopyQuery::exact_value(const uint8_t* copy, float* buf) const {
  half::decode(half_copy_halves(copy), dims_, buf);
  return sql_distance(metric_, buf, query_, dims_);  // operands in the operator's order: indexed column, query
}

}  // namespace vx::core

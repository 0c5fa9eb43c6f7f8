// Flat IVF codes as half copies: encoding and lower-bound scoring (see ivf_half.h).
#include "core/ivf_half.h"

#include "core/distance.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace vx::core::ivf {

void encode_half_code(const float* x, std::size_t dim, uint8_t* code) {
    half::EncodeError err = half::encode(x, dim, reinterpret_cast<uint16_t*>(code + kHalfCodeHeader));
    const float header[2] = {err.l2, err.l1};
    std::memcpy(code, header, sizeof(header));  // memcpy: the code is only guaranteed 4-byte aligned
}

float float_at_most(double v) {
    float f = static_cast<float>(v);
    if (static_cast<double>(f) > v) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
    return f;
}

void HalfCodeQuery::prepare(Metric metric, const float* query, std::size_t dim) {
    metric_ = metric;
    query_ = query;
    dim_ = dim;
    double sum = 0;
    for (std::size_t i = 0; i < dim; ++i) sum += static_cast<double>(query[i]) * query[i];
    query_norm_ = std::sqrt(sum);
    kernels_ = &half::kernels();
}

float HalfCodeQuery::lower_bound(const uint8_t* code) const {
    float header[2];
    std::memcpy(header, code, sizeof(header));
    const half::EncodeError err{header[0], header[1]};
    const auto* h = reinterpret_cast<const uint16_t*>(code + kHalfCodeHeader);
    double bound;
    switch (metric_) {
        case Metric::L2:
            bound = half::l2_lower_bound(std::sqrt(static_cast<double>(kernels_->l2_squared(query_, h, dim_))), err,
                                         dim_);
            break;
        case Metric::InnerProduct: {
            float dot, norm_h2;
            kernels_->dot_and_norm(query_, h, dim_, &dot, &norm_h2);
            bound = half::negative_inner_product_lower_bound(-static_cast<double>(dot), err, query_norm_,
                                                             std::sqrt(static_cast<double>(norm_h2)), dim_);
            break;
        }
        case Metric::Cosine:
            // A zero query makes every cosine distance NaN, which Postgres orders after every number: any bound
            // holds, and 0 keeps the candidate order well defined.
            if (query_norm_ == 0) return 0.f;
            bound = half::cosine_lower_bound(
                1.0 - static_cast<double>(kernels_->inner_product(query_, h, dim_)) / query_norm_, err, dim_);
            break;
        default:
            bound = -std::numeric_limits<double>::infinity();
    }
    return float_at_most(bound);
}

bool HalfCodeQuery::exact_copy(const uint8_t* code) const {
    float header[2];
    std::memcpy(header, code, sizeof(header));
    return metric_ != Metric::Cosine && header[0] == 0 && header[1] == 0;
}

double HalfCodeQuery::exact_value(const uint8_t* code, float* buf) const {
    half::decode(reinterpret_cast<const uint16_t*>(code + kHalfCodeHeader), dim_, buf);
    // operands in the operator's order (indexed column, query), as the executor evaluates `embedding <op> $1`
    if (metric_ == Metric::L2) return l2_distance(buf, query_, dim_);
    return negative_inner_product(buf, query_, dim_);
}

}  // namespace vx::core::ivf

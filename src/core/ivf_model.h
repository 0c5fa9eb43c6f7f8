// A trained IVF model (pure C++17): the coarse quantizer (one centroid per list) and the codec of the postings. What
// the index's model pages hold (src/pg/ivf_model.cpp writes and reads them); immutable once built.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "core/ivf_codec.h"
#include "core/ivf_quant.h"

namespace vx::core::ivf {

struct Model {
    Metric metric = Metric::L2;
    std::size_t dims = 0, lists = 0;
    std::vector<float> centroids;  // lists x dims
    std::unique_ptr<Codec> codec;

    const float* centroid(std::size_t list) const { return centroids.data() + list * dims; }
    // The list a vector (normalised for cosine) belongs to.
    std::size_t nearest_list(const float* x) const {
        return nearest_centroid(metric, x, centroids.data(), lists, dims);
    }
};

}  // namespace vx::core::ivf

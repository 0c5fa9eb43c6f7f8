// The coarse quantizer of an IVF model in the indexed type's compact form (ivf_model.h): page form, rounding after
// training, ranking (float kernels for Float32 and Half centroids, popcount for Bits).
#include "core/ivf/ivf_model.h"

#include <cstring>
#include <limits>

#include "core/kernels/bit_distance.h"
#include "core/kernels/half.h"

namespace vx::core::ivf {

std::size_t centroid_bytes(CentroidForm form, std::size_t dims) {
  switch (form) {
    case CentroidForm::Half:
      return dims * sizeof(uint16_t);
    case CentroidForm::Bits:
      return packed_bytes(dims);
    default:
      return dims * sizeof(float);
  }
}

void pack_bits(const float* x, std::size_t dims, uint8_t* out) {
  std::memset(out, 0, packed_bytes(dims));
  for (std::size_t i = 0; i < dims; ++i)
    if (x[i] >= 0.5f) out[i / 8] |= static_cast<uint8_t>(0x80u >> (i % 8));
}

namespace {
// Packed queries up to the bit type's index limit fit this buffer (ranking allocates nothing); longer ones, which no
// index holds, are compared bit by bit.
constexpr std::size_t kPackedMax = (bits::kMaxIndexBits + 7) / 8;

float hamming_floats(const float* x, const uint8_t* c, std::size_t dims) {
  std::size_t differ = 0;
  for (std::size_t i = 0; i < dims; ++i) differ += (x[i] >= 0.5f) != ((c[i / 8] >> (7 - i % 8)) & 1u);
  return static_cast<float>(differ);
}
}  // namespace

bool spherical_training(Metric metric, Quantizer quantizer) {
  if (metric == Metric::Cosine) return true;
  return metric == Metric::InnerProduct && quantizer != Quantizer::Pq;
}

float Model::rank(const float* x, const uint8_t* packed, std::size_t list) const {
  if (form != CentroidForm::Bits) return rank_distance(metric, x, centroid(list), dims);
  const std::size_t bytes = packed_bytes(dims);
  const uint8_t* c = bit_centroids.data() + list * bytes;
  if (packed != nullptr) return static_cast<float>(bits::kernels().hamming(packed, c, bytes));
  if (bytes > kPackedMax) return hamming_floats(x, c, dims);
  uint8_t buf[kPackedMax];
  pack_bits(x, dims, buf);
  return static_cast<float>(bits::kernels().hamming(buf, c, bytes));
}

std::size_t Model::nearest_list(const float* x) const {
  if (form != CentroidForm::Bits) return nearest_centroid(metric, x, centroids.data(), lists, dims);
  const std::size_t bytes = packed_bytes(dims);
  uint8_t buf[kPackedMax];
  const uint8_t* packed = nullptr;
  if (bytes <= kPackedMax) {
    pack_bits(x, dims, buf);
    packed = buf;
  }
  std::size_t best = 0;
  float best_d = std::numeric_limits<float>::infinity();
  for (std::size_t l = 0; l < lists; ++l) {
    const float d = packed
                        ? static_cast<float>(bits::kernels().hamming(packed, bit_centroids.data() + l * bytes, bytes))
                        : hamming_floats(x, bit_centroids.data() + l * bytes, dims);
    if (d < best_d) {
      best_d = d;
      best = l;
    }
  }
  return best;
}

void Model::nearest_lists(const float* x, std::size_t rows, std::size_t* out) const {
  if (form != CentroidForm::Bits) return nearest_centroids(metric, x, rows, centroids.data(), lists, dims, out);
  for (std::size_t r = 0; r < rows; ++r) out[r] = nearest_list(x + r * dims);
}

void Model::settle_centroids() {
  if (form == CentroidForm::Half) {
    for (float& v : centroids) v = half::to_float(half::from_float(v));
  } else if (form == CentroidForm::Bits) {
    const std::size_t bytes = packed_bytes(dims);
    bit_centroids.assign(lists * bytes, 0);
    for (std::size_t l = 0; l < lists; ++l)
      pack_bits(centroids.data() + l * dims, dims, bit_centroids.data() + l * bytes);
    std::vector<float>().swap(centroids);
  }
}

void Model::write_centroids(std::size_t first, std::size_t count, uint8_t* out) const {
  switch (form) {
    case CentroidForm::Half: {
      const float* from = centroids.data() + first * dims;
      for (std::size_t i = 0; i < count * dims; ++i) {
        const uint16_t h = half::from_float(from[i]);
        std::memcpy(out + i * sizeof(uint16_t), &h, sizeof(h));
      }
      break;
    }
    case CentroidForm::Bits:
      std::memcpy(out, bit_centroids.data() + first * packed_bytes(dims), count * packed_bytes(dims));
      break;
    default:
      std::memcpy(out, centroids.data() + first * dims, count * dims * sizeof(float));
  }
}

void Model::read_centroids(std::size_t first, std::size_t count, const uint8_t* in) {
  switch (form) {
    case CentroidForm::Half: {
      float* to = centroids.data() + first * dims;
      for (std::size_t i = 0; i < count * dims; ++i) {
        uint16_t h;
        std::memcpy(&h, in + i * sizeof(uint16_t), sizeof(h));
        to[i] = half::to_float(h);
      }
      break;
    }
    case CentroidForm::Bits:
      std::memcpy(bit_centroids.data() + first * packed_bytes(dims), in, count * packed_bytes(dims));
      break;
    default:
      std::memcpy(centroids.data() + first * dims, in, count * dims * sizeof(float));
  }
}

}  // namespace vx::core::ivf

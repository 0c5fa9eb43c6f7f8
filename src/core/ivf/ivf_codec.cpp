// The quantizer registry (ivf_codec.h): one row per codec, in on-disk id order. A new quantizer is a file with its
// Codec, ListScanner and CodecInfo (ivf_codec_flat.cpp is the smallest example) and one line below.
#include "core/ivf/ivf_codec.h"

#include <strings.h>

namespace vx::core::ivf {

extern const CodecInfo kFlatCodecInfo;  // ivf_codec_flat.cpp
extern const CodecInfo kSq8CodecInfo;   // ivf_codec_sq8.cpp
extern const CodecInfo kPqCodecInfo;    // ivf_codec_pq.cpp
extern const CodecInfo kBitsCodecInfo;  // ivf_codec_bits.cpp
extern const CodecInfo kHeapCodecInfo;  // ivf_codec_heap.cpp

namespace {
// A function, not a namespace-scope array, so the rows of the other files are initialised before it is read.
const CodecInfo* const* registry(std::size_t* count) {
  static const CodecInfo* const rows[] = {&kFlatCodecInfo, &kSq8CodecInfo, &kPqCodecInfo, &kBitsCodecInfo,
                                          &kHeapCodecInfo};
  *count = sizeof(rows) / sizeof(rows[0]);
  return rows;
}
}  // namespace

const CodecInfo* codec_info(uint32_t stored_id) {
  std::size_t n;
  const CodecInfo* const* rows = registry(&n);
  for (std::size_t i = 0; i < n; ++i)
    if (static_cast<uint32_t>(rows[i]->id) == stored_id) return rows[i];
  return nullptr;
}

const CodecInfo* codec_info(Quantizer id) { return codec_info(static_cast<uint32_t>(id)); }

const CodecInfo* codec_info_by_name(const char* name) {
  std::size_t n;
  const CodecInfo* const* rows = registry(&n);
  for (std::size_t i = 0; i < n; ++i)
    if (name != nullptr && rows[i]->option && strcasecmp(rows[i]->name, name) == 0) return rows[i];
  return nullptr;
}

std::size_t codec_count() {
  std::size_t n, options = 0;
  const CodecInfo* const* rows = registry(&n);
  for (std::size_t i = 0; i < n; ++i) options += rows[i]->option;
  return options;
}

const CodecInfo& codec_at(std::size_t i) {
  std::size_t n;
  const CodecInfo* const* rows = registry(&n);
  for (std::size_t r = 0; r < n; ++r)
    if (rows[r]->option && i-- == 0) return *rows[r];
  return *rows[0];
}

}  // namespace vx::core::ivf

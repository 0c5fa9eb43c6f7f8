// The popcount kernels compiled for the POPCNT instruction (bit_kernels_impl.h, 8 bytes per instruction); reached
// only through bits::kernels() after detection. PGXS compiles every file with generic x86-64 flags, which lack POPCNT.
#include "core/bit_distance.h"

#if defined(__x86_64__) || defined(__i386__)

#include <cstddef>
#include <cstdint>
#include <cstring>

#pragma GCC push_options
#pragma GCC target("popcnt")

#include "core/bit_kernels_impl.h"

namespace vx::core::bits {
namespace {
struct WordsOnly {
    static constexpr std::size_t kBytes = 0;
    static std::size_t hamming_blocks(const uint8_t*, const uint8_t*, std::size_t, uint64_t*) { return 0; }
    static std::size_t jaccard_blocks(const uint8_t*, const uint8_t*, std::size_t, uint64_t*, uint64_t*, uint64_t*) {
        return 0;
    }
};
}  // namespace

namespace detail {
const Kernels kPopcntKernels = impl::kernels<WordsOnly>(SimdLevel::Avx2);
}
}  // namespace vx::core::bits

#pragma GCC pop_options

#else  // not x86: never selected, only has to link

namespace vx::core::bits::detail {
const Kernels kPopcntKernels = kPortableKernels;
}

#endif

// The popcount kernels compiled for the POPCNT instruction (bit_kernels_impl.h, 8 bytes per instruction); reached
// only through bits::kernels() after detection. PGXS compiles every file with generic x86-64 flags, which lack POPCNT.
#include "core/kernels/bit_distance.h"

#if defined(__x86_64__) || defined(__i386__)

#include <cstddef>
#include <cstdint>
#include <cstring>

#pragma GCC push_options
#pragma GCC target("popcnt")

#include "core/kernels/bit_kernels_impl.h"

namespace vx::core::bits {
namespace detail {
const Kernels kPopcntKernels = impl::kernels<impl::NoBlocks>(SimdLevel::Avx2);
}
}  // namespace vx::core::bits

#pragma GCC pop_options

#else  // not x86: never selected, only has to link

namespace vx::core::bits::detail {
const Kernels kPopcntKernels = kPortableKernels;
}

#endif

// The portable popcount kernels, the choice among the kernel tables for this CPU and the distances with pgvector's
// semantics (see bit_distance.h). The POPCNT and AVX-512 tables live in bit_popcnt.cpp and bit_avx512.cpp.
#include "core/kernels/bit_distance.h"

#include <cstdlib>

#include "core/kernels/bit_kernels_impl.h"

namespace vx::core::bits {

namespace {
SimdLevel table_level(SimdLevel level) {
  if (!simd_level_supported(level)) level = detect_simd_level();
  if (level == SimdLevel::Avx512 && detail::avx512_vpopcntdq_supported()) return SimdLevel::Avx512;
  if (level != SimdLevel::Scalar && detail::popcnt_supported()) return SimdLevel::Avx2;
  return SimdLevel::Scalar;
}
}  // namespace

namespace detail {
// Generic flags: __builtin_popcountll is libgcc's table-free bit trick, correct on any CPU.
const Kernels kPortableKernels = impl::kernels<impl::NoBlocks>(SimdLevel::Scalar);

bool popcnt_supported() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("popcnt");
#else
  return false;
#endif
}

bool avx512_vpopcntdq_supported() {
#if defined(__x86_64__) || defined(__i386__)
  // Level Avx512 already means AVX-512F with the ZMM state enabled by the OS (cpu_features.cpp).
  __builtin_cpu_init();
  return simd_level_supported(SimdLevel::Avx512) && __builtin_cpu_supports("avx512vpopcntdq") &&
         __builtin_cpu_supports("popcnt");
#else
  return false;
#endif
}
}  // namespace detail

const Kernels& kernels_for(SimdLevel level) {
  return table_for(table_level(level), detail::kPortableKernels, detail::kPopcntKernels, detail::kAvx512Kernels);
}

const Kernels& kernels() {
  static const Kernels& chosen = kernels_for(resolve_simd_level(std::getenv("VECTOREXT_SIMD"), detect_simd_level()));
  return chosen;
}

double hamming_distance(const uint8_t* a, const uint8_t* b, std::size_t bytes) {
  return static_cast<double>(kernels().hamming(a, b, bytes));
}

double jaccard_distance(const uint8_t* a, const uint8_t* b, std::size_t bytes) {
  uint64_t ab, aa, bb;
  kernels().jaccard_counts(a, b, bytes, &ab, &aa, &bb);
  return jaccard_from_counts(ab, aa, bb);
}

}  // namespace vx::core::bits

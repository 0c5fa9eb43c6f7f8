// Runtime CPU feature detection (see cpu_features.h for why it is not a compile-time choice).
#include "core/kernels/cpu_features.h"

#include <cctype>
#include <cstring>
#include <initializer_list>

namespace vx::core {

namespace {

SimdLevel probe_cpu() {
#if defined(__x86_64__) || defined(__i386__)
  // May run before libgcc's own constructor when called from another static initializer.
  __builtin_cpu_init();
  // libgcc also checks XCR0, so these are false when the OS has not enabled the YMM/ZMM register state.
  if (__builtin_cpu_supports("avx512f")) return SimdLevel::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SimdLevel::Avx2;
#endif
  return SimdLevel::Scalar;
}

}  // namespace

SimdLevel detect_simd_level() {
  static const SimdLevel level = probe_cpu();
  return level;
}

bool simd_level_supported(SimdLevel level) { return static_cast<int>(level) <= static_cast<int>(detect_simd_level()); }

const char* simd_level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::Scalar:
      return "scalar";
    case SimdLevel::Avx2:
      return "avx2";
    case SimdLevel::Avx512:
      return "avx512";
  }
  return "unknown";
}

bool parse_simd_level(const char* name, SimdLevel* out) {
  if (name == nullptr) return false;
  char buf[16];
  std::size_t len = std::strlen(name);
  if (len == 0 || len >= sizeof(buf)) return false;
  for (std::size_t i = 0; i <= len; ++i) buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  for (SimdLevel l : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512}) {
    if (std::strcmp(buf, simd_level_name(l)) == 0) {
      *out = l;
      return true;
    }
  }
  return false;
}

SimdLevel resolve_simd_level(const char* env_value, SimdLevel detected) {
  SimdLevel requested;
  if (!parse_simd_level(env_value, &requested)) return detected;
  if (static_cast<int>(requested) > static_cast<int>(detected)) return detected;
  return requested;
}

}  // namespace vx::core

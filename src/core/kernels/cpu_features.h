// CPU feature detection for runtime kernel dispatch. The extension is built by PGXS with one set of generic flags
// for every file, so the SIMD level has to be discovered at run time rather than chosen at compile time.
#pragma once

namespace vx::core {

// Ordered: a higher level implies every lower one is usable.
enum class SimdLevel { Scalar = 0, Avx2 = 1, Avx512 = 2 };

// Best level this CPU and OS support (AVX2 also requires FMA; AVX-512 means AVX-512F with OS-enabled ZMM state).
// Computed once and cached; safe to call from any thread.
SimdLevel detect_simd_level();

bool simd_level_supported(SimdLevel level);

// The table of a kernel family for `level`: an unsupported level gives the best supported one below it.
template <class Table>
const Table& table_for(SimdLevel level, const Table& scalar, const Table& avx2, const Table& avx512) {
  if (!simd_level_supported(level)) level = detect_simd_level();
  if (level == SimdLevel::Avx512) return avx512;
  if (level == SimdLevel::Avx2) return avx2;
  return scalar;
}

// "scalar", "avx2", "avx512"
const char* simd_level_name(SimdLevel level);

// Parses a level name as accepted by VECTOREXT_SIMD (case-insensitive). Returns false for anything else.
bool parse_simd_level(const char* name, SimdLevel* out);

// The level to use given the value of VECTOREXT_SIMD (may be null) and the detected level. The variable may only
// lower the level: asking for more than the CPU has, or for an unknown name, is ignored, so a stale setting copied
// to another machine can never cause SIGILL.
SimdLevel resolve_simd_level(const char* env_value, SimdLevel detected);

}  // namespace vx::core

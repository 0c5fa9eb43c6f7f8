// Limits of the vector type shared by the core and the Postgres glue (pgvector-compatible).
#pragma once

namespace vx::core {
constexpr int kMaxVectorDims = 16000;
}

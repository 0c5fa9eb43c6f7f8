// Implementation of buffer_hints.h.
#include "pg/buffer_hints.h"

#include "pg/backend_cache.h"

#include <algorithm>

namespace vx::pg {

Buffer* buffer_hint_slot_slow(BufferHints* h, const RelFileNode& node, BlockNumber block) {
  if (!RelFileNodeEquals(h->node, node)) {
    h->node = node;
    std::fill(h->hint, h->hint + h->nhints, InvalidBuffer);
  }
  if (block >= h->nhints) {
    if (block >= (1u << 26)) return nullptr;
    uint32 n = std::max<uint32>(block + 1, h->nhints * 2);
    n = std::max<uint32>(n, 1024);
    MemoryContext cxt = backend_cache_context(&h->cxt, h->name);
    Buffer* grown = static_cast<Buffer*>(MemoryContextAlloc(cxt, sizeof(Buffer) * n));
    std::fill(grown, grown + n, InvalidBuffer);
    if (h->hint) {
      std::copy(h->hint, h->hint + h->nhints, grown);
      pfree(h->hint);
    }
    h->hint = grown;
    h->nhints = n;
  }
  return &h->hint[block];
}

}  // namespace vx::pg

// Backend-local hints "block -> shared buffer it was last seen in" for one relation at a time (keyed by relfilenode:
// another relation's first use clears them). Only hints: whoever pins through one re-checks it (ReadRecentBuffer
// compares the buffer's tag under its header lock, and falls back to ReadBuffer), and whoever only prefetches through
// one (an address to warm, never to read) is harmless when it is stale. They spare the buffer-mapping hash lookup,
// and let a scan prefetch pages it has not pinned yet. A backend cache by the one convention (pg/backend_cache.h):
// its own context under CacheMemoryContext, never wrong, only possibly stale.
#pragma once

#include "pg/boundary.h"

extern "C" {
#include "storage/bufmgr.h"
#include "storage/relfilenode.h"
}

namespace vx::pg {

// Declare one per kind of hint as `BufferHints hints = {"vectorext ... hints"};`.
struct BufferHints {
  const char* name;  // its memory context's
  MemoryContext cxt;
  RelFileNode node;
  Buffer* hint;  // InvalidBuffer: none
  uint32 nhints;
};

// The hint slot of node's block (grown on demand; a first use for another relation clears the others), or nullptr
// beyond 2^26 blocks (512 GB of 8 KB pages).
Buffer* buffer_hint_slot_slow(BufferHints* h, const RelFileNode& node, BlockNumber block);
inline Buffer* buffer_hint_slot(BufferHints* h, const RelFileNode& node, BlockNumber block) {
  if (block < h->nhints && RelFileNodeEquals(h->node, node)) return &h->hint[block];
  return buffer_hint_slot_slow(h, node, block);
}

// The page address of block if the hints know a shared buffer for it (and that buffer in *buffer): to prefetch only,
// never to read (no pin).
inline const char* hinted_page_address(BufferHints* h, const RelFileNode& node, BlockNumber block, Buffer* buffer) {
  Buffer* hint = buffer_hint_slot(h, node, block);
  if (hint == nullptr || *hint <= 0) return nullptr;  // none, or a local buffer
  *buffer = *hint;
  return static_cast<const char*>(BufferGetBlock(*hint));
}

}  // namespace vx::pg

// The backend's copies of descent elements (hnsw_descent_cache.h): which index and meta page LSN they belong to, and
// their memory, a backend cache by the one convention (pg/backend_cache.h).
#include "pg/hnsw/hnsw_descent_cache.h"

#include "pg/backend_cache.h"

extern "C" {
#include "utils/rel.h"
}

#include <algorithm>

namespace vx::pg::hnsw {

namespace {

struct Holder {
  MemoryContext cxt;
  void* mem;  // the cache's block (nullptr: none yet)
  RelFileNode node;
  XLogRecPtr lsn;
  core::hnsw::CopyCache cache;
};
Holder holder = {};

}  // namespace

core::hnsw::CopyCache* descent_cache_attach(const Graph* g) {
  if (!RelationNeedsWAL(g->index) || own_bytes(*g->contract) || g->layout.group == 0 ||
      g->meta_lsn == InvalidXLogRecPtr || g->element_bytes == 0)
    return nullptr;
  // Room for about twice the upper-level elements (a 1/m share of all), within the budget.
  const uint32 bytes = g->element_bytes + sizeof(DescentTail);
  const uint32 want = std::min<uint64>(kDescentCacheBytes / bytes, 2 * uint64(g->count) / std::max(g->m, 2u) + 64);
  core::hnsw::CopyCache* c = &holder.cache;
  const bool same_index = holder.mem && RelFileNodeEquals(holder.node, g->index->rd_node);
  if (!same_index || c->bytes != bytes || c->capacity < want) {
    // Grown by doubling: an index that grows by inserts does not re-allocate at every scan.
    uint32 capacity = want;
    if (same_index && c->bytes == bytes)
      capacity = std::min<uint64>(std::max<uint64>(want, 2 * uint64(c->capacity)), kDescentCacheBytes / bytes);
    MemoryContext cxt = backend_cache_context(&holder.cxt, "vectorext hnsw descent copies");
    if (holder.mem) pfree(holder.mem);
    holder.mem = nullptr;
    void* mem = MemoryContextAlloc(cxt, core::hnsw::copy_cache_memory(capacity, bytes));
    core::hnsw::copy_cache_init(c, mem, capacity, bytes);
    holder.mem = mem;
    holder.node = g->index->rd_node;
    holder.lsn = g->meta_lsn;
  } else if (holder.lsn != g->meta_lsn) {
    core::hnsw::copy_cache_clear(c);
    holder.lsn = g->meta_lsn;
  }
  return c;
}

}  // namespace vx::pg::hnsw

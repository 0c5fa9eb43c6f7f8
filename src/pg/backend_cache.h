// The one convention for backend-local caches (docs/architecture.md, "Backend-local caches"):
//   - a cache holds only copies of what relation pages or catalogs hold, never the only copy;
//   - it lives in a memory context of its own, named after it, under CacheMemoryContext (backend_cache_context), so
//     pg_backend_memory_contexts shows it and nothing in it outlives the backend by accident;
//   - it is keyed so that it cannot serve stale state (a relation's copies by relfilenode and a version the pages
//     carry, e.g. the IVF meta page's build id; catalog copies by OID, re-checked against what they were made from).
// RelationCache below is the helper for copies of index pages: a bounded LRU of entries keyed by relfilenode and
// version, each in a memory context of its own (C++ state in it through make_context_owned), pinned by the memory
// context of whoever uses it (a scan's, an insert's), so an entry is never freed under a running scan, and an error
// unpins it with that context. C-style: every function may ereport.
#pragma once

#include "pg/boundary.h"

extern "C" {
#include "storage/relfilenode.h"
}

namespace vx::pg {

// A named child of CacheMemoryContext, created on first use.
MemoryContext backend_cache_context(MemoryContext* slot, const char* name);

struct RelationCacheEntry {
  RelationCacheEntry* newer;  // the LRU list (lib/ilist.h's macros do not compile as C++)
  RelationCacheEntry* older;
  RelFileNode node;
  uint64 version;
  MemoryContext cxt;  // owns the value
  void* value;
  int pins;
  struct RelationCache* cache;
};

// Declare one per cache as `RelationCache cache = {"vectorext ... cache", capacity};` (the rest is set on first use).
struct RelationCache {
  const char* name;   // memory context name
  int capacity;       // unpinned entries beyond it are freed, least recently used first (when an entry is added, and
                      // when the last pin of an entry ends while the cache holds more)
  MemoryContext cxt;  // made on first use
  RelationCacheEntry* newest;
  RelationCacheEntry* oldest;
  int count;
};

// The value cached for (node, version), pinned until `owner` is reset or deleted; nullptr on a miss.
void* relation_cache_get(RelationCache* cache, const RelFileNode& node, uint64 version, MemoryContext owner);
// A context to build a new value in: a child of CurrentMemoryContext, so an error while building frees it.
MemoryContext relation_cache_new_context(RelationCache* cache);
// Adopts `cxt` (from relation_cache_new_context) holding `value` as the entry for (node, version), pinned until
// `owner` is reset or deleted; returns value.
void* relation_cache_put(RelationCache* cache, const RelFileNode& node, uint64 version, MemoryContext cxt, void* value,
                         MemoryContext owner);

}  // namespace vx::pg

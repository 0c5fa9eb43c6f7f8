// Backend-local caches (backend_cache.h): the named cache contexts and the pinned LRU of relation-keyed entries.
#include "pg/backend_cache.h"

extern "C" {
#include "utils/memutils.h"
}

namespace vx::pg {

MemoryContext backend_cache_context(MemoryContext* slot, const char* name) {
  // the Internal form: `name` is a string that lives as long as the backend, but not a literal at this call
  if (*slot == nullptr) *slot = AllocSetContextCreateInternal(CacheMemoryContext, name, ALLOCSET_SMALL_SIZES);
  return *slot;
}

namespace {

void unlink(RelationCache* cache, RelationCacheEntry* e) {
  (e->newer ? e->newer->older : cache->newest) = e->older;
  (e->older ? e->older->newer : cache->oldest) = e->newer;
  e->newer = e->older = nullptr;
}

void push_newest(RelationCache* cache, RelationCacheEntry* e) {
  e->newer = nullptr;
  e->older = cache->newest;
  if (cache->newest) cache->newest->newer = e;
  cache->newest = e;
  if (cache->oldest == nullptr) cache->oldest = e;
}

void unpin(void* arg);

void pin(RelationCacheEntry* e, MemoryContext owner) {
  auto* cb = static_cast<MemoryContextCallback*>(MemoryContextAllocZero(owner, sizeof(MemoryContextCallback)));
  cb->func = unpin;
  cb->arg = e;
  MemoryContextRegisterResetCallback(owner, cb);
  e->pins++;
}

// Frees unpinned entries, least recently used first, while the cache holds more than its capacity.
void trim(RelationCache* cache) {
  RelationCacheEntry* e = cache->oldest;
  while (e != nullptr && cache->count > cache->capacity) {
    RelationCacheEntry* newer = e->newer;
    if (e->pins == 0) {
      unlink(cache, e);
      cache->count--;
      MemoryContextDelete(e->cxt);  // frees e too; runs the value's reset callbacks (context-owned C++ state)
    }
    e = newer;
  }
}

// A pin's end: the owner's context is being reset or deleted (normally, or in error cleanup). Entries the cache kept
// beyond its capacity while they were pinned are freed now that they may be.
void unpin(void* arg) {
  auto* e = static_cast<RelationCacheEntry*>(arg);
  e->pins--;
  if (e->pins == 0 && e->cache->count > e->cache->capacity) trim(e->cache);  // may free e
}

}  // namespace

void* relation_cache_get(RelationCache* cache, const RelFileNode& node, uint64 version, MemoryContext owner) {
  for (RelationCacheEntry* e = cache->newest; e != nullptr; e = e->older) {
    if (RelFileNodeEquals(e->node, node) && e->version == version) {
      unlink(cache, e);
      push_newest(cache, e);
      pin(e, owner);
      return e->value;
    }
  }
  return nullptr;
}

MemoryContext relation_cache_new_context(RelationCache*) {
  return AllocSetContextCreate(CurrentMemoryContext, "relation cache entry", ALLOCSET_DEFAULT_SIZES);
}

void* relation_cache_put(RelationCache* cache, const RelFileNode& node, uint64 version, MemoryContext cxt, void* value,
                         MemoryContext owner) {
  auto* e = static_cast<RelationCacheEntry*>(MemoryContextAllocZero(cxt, sizeof(RelationCacheEntry)));
  e->node = node;
  e->version = version;
  e->cxt = cxt;
  e->value = value;
  e->cache = cache;
  pin(e, owner);
  MemoryContextSetParent(cxt, backend_cache_context(&cache->cxt, cache->name));
  push_newest(cache, e);
  cache->count++;
  trim(cache);
  return value;
}

}  // namespace vx::pg

// A bounded map "element id -> its stored copy" (bytes of one fixed size) in one caller-provided block of memory:
// what the scans' greedy descent keeps of the upper-level elements it evaluates (src/pg/hnsw/hnsw_descent_cache.h
// says when the copies are valid). Open addressing on the id, linear probing; entries are never removed one by one:
// clear() forgets them all at once by moving to a new generation (O(1), so that a cache invalidated after every insert
// costs nothing to empty). Once `capacity` copies are held, put() keeps nothing more. No allocation, no Postgres.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vx::core::hnsw {

struct CopyCache {
  struct Slot {
    uint32_t id;
    uint32_t gen;  // the slot is used in this generation only when gen == CopyCache::gen
    uint32_t n;    // its copy is the n-th of the generation
  };
  Slot* slots;     // 2^bits
  uint8_t* data;  // capacity * bytes; the n-th copy put in this generation at data + n * bytes
  uint32_t bits, capacity, bytes, count, gen;
};

// Slots for `capacity` copies: a power of two, at least twice as many (probes stay short).
inline uint32_t copy_cache_bits(uint32_t capacity) {
  uint32_t bits = 4;
  while ((uint64_t(1) << bits) < uint64_t(capacity) * 2) ++bits;
  return bits;
}

// Bytes of memory copy_cache_init needs for `capacity` copies of `bytes` bytes (each part 64-byte aligned).
inline std::size_t copy_cache_memory(uint32_t capacity, uint32_t bytes) {
  const std::size_t nslots = std::size_t(1) << copy_cache_bits(capacity);
  auto up = [](std::size_t n) { return (n + 63) & ~std::size_t(63); };
  return up(nslots * sizeof(CopyCache::Slot)) + up(std::size_t(capacity) * bytes) + 64;
}

// Lays the cache out in mem (copy_cache_memory(capacity, bytes) bytes), empty.
inline void copy_cache_init(CopyCache* c, void* mem, uint32_t capacity, uint32_t bytes) {
  auto up = [](std::size_t n) { return (n + 63) & ~std::size_t(63); };
  uint8_t* p = reinterpret_cast<uint8_t*>((reinterpret_cast<std::uintptr_t>(mem) + 63) & ~std::uintptr_t(63));
  c->bits = copy_cache_bits(capacity);
  const std::size_t nslots = std::size_t(1) << c->bits;
  c->slots = reinterpret_cast<CopyCache::Slot*>(p);
  p += up(nslots * sizeof(CopyCache::Slot));
  c->data = p;
  c->capacity = capacity;
  c->bytes = bytes;
  c->count = 0;
  c->gen = 1;
  std::memset(c->slots, 0, nslots * sizeof(CopyCache::Slot));  // generation 0: unused
}

// Forgets every copy.
inline void copy_cache_clear(CopyCache* c) {
  c->count = 0;
  if (++c->gen == 0) {  // wrapped: the old generations' slots must not look current
    std::memset(c->slots, 0, (std::size_t(1) << c->bits) * sizeof(CopyCache::Slot));
    c->gen = 1;
  }
}

inline uint32_t copy_cache_home(const CopyCache* c, uint32_t id) { return (id * 2654435761u) >> (32 - c->bits); }

// The copy of id, or nullptr.
inline const uint8_t* copy_cache_find(const CopyCache* c, uint32_t id) {
  const uint32_t mask = (uint32_t(1) << c->bits) - 1;
  uint32_t i = copy_cache_home(c, id);
  for (uint32_t probes = 0; probes <= mask; ++probes, i = (i + 1) & mask) {  // bounded: at most half are ever used
    const CopyCache::Slot s = c->slots[i];
    if (s.gen != c->gen) return nullptr;
    if (s.id == id) return c->data + std::size_t(s.n) * c->bytes;
  }
  return nullptr;
}

// Keeps for id the n_src bytes of src followed by the n_tail bytes of tail (n_src + n_tail == c->bytes); true when
// id's copy is held (put now or before: a held copy is never replaced), false when the cache is full.
inline bool copy_cache_put(CopyCache* c, uint32_t id, const void* src, std::size_t n_src, const void* tail,
                           std::size_t n_tail) {
  if (c->count >= c->capacity) return false;
  const uint32_t mask = (uint32_t(1) << c->bits) - 1;
  uint32_t i = copy_cache_home(c, id);
  while (c->slots[i].gen == c->gen) {
    if (c->slots[i].id == id) return true;
    i = (i + 1) & mask;
  }
  uint8_t* to = c->data + std::size_t(c->count) * c->bytes;
  std::memcpy(to, src, n_src);
  if (n_tail) std::memcpy(to + n_src, tail, n_tail);
  c->slots[i] = {id, c->gen, c->count++};  // after the copy: an id is findable only once its copy is complete
  return true;
}

// Keeps a copy of src (c->bytes bytes) for id (see above).
inline bool copy_cache_put(CopyCache* c, uint32_t id, const void* src) {
  return copy_cache_put(c, id, src, c->bytes, nullptr, 0);
}

}  // namespace vx::core::hnsw

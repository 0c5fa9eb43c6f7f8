// core::hnsw::CopyCache (core/hnsw/copy_cache.h): the scans' descent copies. What it must never do is hand back a
// copy of another id, or one from before a clear(): the descent's distances would then differ from the pages'.
#include "core/hnsw/copy_cache.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <vector>

namespace h = vx::core::hnsw;

namespace {

struct Cache {
  std::vector<uint8_t> mem;
  h::CopyCache c;
  Cache(uint32_t capacity, uint32_t bytes) : mem(h::copy_cache_memory(capacity, bytes)) {
    h::copy_cache_init(&c, mem.data(), capacity, bytes);
  }
};

std::vector<uint8_t> bytes_of(uint32_t id, uint32_t version, uint32_t n) {
  std::vector<uint8_t> b(n);
  for (uint32_t i = 0; i < n; ++i) b[i] = uint8_t(id * 31 + version * 7 + i);
  return b;
}

}  // namespace

TEST(CopyCache, FindsWhatWasPutAndNothingElse) {
  Cache k(100, 24);
  EXPECT_EQ(h::copy_cache_find(&k.c, 5), nullptr);
  for (uint32_t id = 0; id < 100; ++id) EXPECT_TRUE(h::copy_cache_put(&k.c, id * 977, bytes_of(id, 0, 24).data()));
  for (uint32_t id = 0; id < 100; ++id) {
    const uint8_t* p = h::copy_cache_find(&k.c, id * 977);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(std::memcmp(p, bytes_of(id, 0, 24).data(), 24), 0);
    if (id % 977) EXPECT_EQ(h::copy_cache_find(&k.c, id), nullptr);
  }
  EXPECT_TRUE(((reinterpret_cast<std::uintptr_t>(k.c.data)) & 63) == 0);  // copies start on a cache line
}

TEST(CopyCache, KeepsNothingBeyondItsCapacity) {
  Cache k(10, 8);
  for (uint32_t id = 0; id < 10; ++id) EXPECT_TRUE(h::copy_cache_put(&k.c, id, bytes_of(id, 0, 8).data()));
  EXPECT_FALSE(h::copy_cache_put(&k.c, 10, bytes_of(10, 0, 8).data()));
  EXPECT_EQ(h::copy_cache_find(&k.c, 10), nullptr);
  for (uint32_t id = 0; id < 10; ++id) ASSERT_NE(h::copy_cache_find(&k.c, id), nullptr);
}

// The first copy of an id stays: a second put of the same id neither replaces it nor takes room.
TEST(CopyCache, PutOfAHeldIdKeepsTheFirstCopy) {
  Cache k(2, 8);
  EXPECT_TRUE(h::copy_cache_put(&k.c, 7, bytes_of(7, 0, 8).data()));
  EXPECT_TRUE(h::copy_cache_put(&k.c, 7, bytes_of(7, 1, 8).data()));
  EXPECT_EQ(std::memcmp(h::copy_cache_find(&k.c, 7), bytes_of(7, 0, 8).data(), 8), 0);
  EXPECT_TRUE(h::copy_cache_put(&k.c, 8, bytes_of(8, 0, 8).data()));
}

// After clear() nothing from before is found, across many generations and through the generation counter's wrap,
// with colliding ids (linear probing over slots of older generations).
TEST(CopyCache, ClearForgetsEveryCopyAcrossGenerationsAndTheWrap) {
  Cache k(64, 16);
  std::mt19937 rng(3);
  for (int round = 0; round < 300; ++round) {
    if (round == 150) k.c.gen = 0xFFFFFFF0u;  // the wrap comes within the next rounds
    h::copy_cache_clear(&k.c);
    std::map<uint32_t, uint32_t> held;  // id -> version
    const uint32_t n = rng() % 64;
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t id = rng() % 200;
      if (held.count(id)) continue;
      ASSERT_TRUE(h::copy_cache_put(&k.c, id, bytes_of(id, uint32_t(round), 16).data()));
      held[id] = uint32_t(round);
    }
    for (uint32_t id = 0; id < 200; ++id) {
      const uint8_t* p = h::copy_cache_find(&k.c, id);
      if (!held.count(id)) {
        ASSERT_EQ(p, nullptr) << "round " << round << " id " << id;
        continue;
      }
      ASSERT_NE(p, nullptr);
      ASSERT_EQ(std::memcmp(p, bytes_of(id, held[id], 16).data(), 16), 0) << "round " << round << " id " << id;
    }
  }
  EXPECT_GE(k.c.gen, 1u);
}

// The generation after the last one is not the "never used" generation of fresh slots.
TEST(CopyCache, WrapOfTheGenerationDoesNotReviveUnusedSlots) {
  Cache k(8, 4);
  k.c.gen = 0xFFFFFFFFu;
  h::copy_cache_clear(&k.c);
  for (uint32_t id = 0; id < 20; ++id) EXPECT_EQ(h::copy_cache_find(&k.c, id), nullptr);
  EXPECT_TRUE(h::copy_cache_put(&k.c, 0, bytes_of(0, 0, 4).data()));
  EXPECT_EQ(std::memcmp(h::copy_cache_find(&k.c, 0), bytes_of(0, 0, 4).data(), 4), 0);
}

// A copy put in two parts (the element's bytes and the descent's tail) reads back as their concatenation.
TEST(CopyCache, TwoPartPutConcatenates) {
  Cache k(4, 12);
  const auto a = bytes_of(1, 0, 8), b = bytes_of(2, 0, 4);
  EXPECT_TRUE(h::copy_cache_put(&k.c, 9, a.data(), 8, b.data(), 4));
  const uint8_t* p = h::copy_cache_find(&k.c, 9);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(std::memcmp(p, a.data(), 8), 0);
  EXPECT_EQ(std::memcmp(p + 8, b.data(), 4), 0);
}

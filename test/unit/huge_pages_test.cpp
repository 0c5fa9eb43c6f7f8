// core::alloc_huge_pages and core::HugePageAllocator (src/core/huge_pages.h): large allocations on 2 MB boundaries,
// small ones on the heap, both usable by std::vector and freed with std::free.
#include "core/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

using vx::core::alloc_huge_pages;
using vx::core::HugePageAllocator;
using vx::core::kHugePage;

TEST(HugePages, LargeAllocationsStartOnAHugePageAndHoldTheirBytes) {
  for (std::size_t bytes : {std::size_t(0), std::size_t(1), kHugePage - 1, kHugePage, 3 * kHugePage + 5}) {
    char* p = static_cast<char*>(alloc_huge_pages(bytes));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % kHugePage, 0u) << bytes;
    std::memset(p, 0x5a, bytes);  // every byte asked for is writable (ASan/valgrind would object otherwise)
    if (bytes > 0) EXPECT_EQ(p[bytes - 1], 0x5a);
    std::free(p);
  }
}

TEST(HugePages, VectorGrowsAcrossTheThresholdAndKeepsItsValues) {
  std::vector<float, HugePageAllocator<float>> v;
  const std::size_t n = kHugePage / sizeof(float) * 2 + 17;  // starts on the heap, ends in huge pages
  for (std::size_t i = 0; i < n; i++) v.push_back(float(i));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(v.data()) % kHugePage, 0u);
  for (std::size_t i = 0; i < n; i += 4099) ASSERT_EQ(v[i], float(i));
  EXPECT_EQ(v[n - 1], float(n - 1));
  std::vector<float, HugePageAllocator<float>> small(10, 1.0f);  // below a huge page: ordinary heap memory
  EXPECT_EQ(small[9], 1.0f);
  decltype(v)().swap(v);
  EXPECT_TRUE(v.empty());
}

}  // namespace

// The record addressing of hnsw segments (core/hnsw/hnsw_record_layout.h): which record sizes are packed in groups,
// and, for every layout, that every id's bytes have one place, no two records overlap, groups start on a page and
// segment_pages / segment_records agree with the places.
#include "core/hnsw/hnsw_record_layout.h"

#include <gtest/gtest.h>

#include <vector>

using vx::core::hnsw::packed_group_pages;
using vx::core::hnsw::place_of;
using vx::core::hnsw::record_in_one_page;
using vx::core::hnsw::record_layout;
using vx::core::hnsw::RecordLayout;
using vx::core::hnsw::segment_pages;
using vx::core::hnsw::segment_records;

namespace {

constexpr uint32_t kUsable = 8160;  // an hnsw page's data bytes (hnsw_page.h)
constexpr uint32_t kHeader = 16;

// HalfCopy record at m 16: 16 + 8m + 8 + 2 dims.
uint32_t half_record(uint32_t dims, uint32_t m = 16) { return 16 + 8 * m + 8 + 2 * dims; }

// Marks every byte of records 0..n-1 in a byte map of the segment's pages: each byte at most once, each record's
// bytes consecutive in the logical order of the pages' usable areas; returns false on the first violation.
void check_places(const RecordLayout& l, uint32_t n) {
  const uint32_t pages = segment_pages(l, n);
  std::vector<int32_t> owner(std::size_t(pages) * l.usable, -1);
  for (uint32_t id = 0; id < n; ++id) {
    const auto first = place_of(l, id, 0);
    const auto last = place_of(l, id, l.size - 1);
    ASSERT_LT(last.page, pages) << "id " << id;
    EXPECT_EQ(record_in_one_page(l, id), first.page == last.page) << "id " << id;
    if (l.group >= 1) EXPECT_EQ(first.page / l.group, last.page / l.group) << "id " << id << " leaves its group";
    if (l.group == 1) EXPECT_EQ(first.page, last.page) << "id " << id << " straddles in the per-page layout";
    EXPECT_LE(first.offset + kHeader, l.usable) << "id " << id << " has its header split";
    for (uint32_t b = 0; b < l.size; ++b) {
      const auto p = place_of(l, id, b);
      // consecutive: the next byte of a page, or the first byte of the next page
      if (b > 0) {
        const auto q = place_of(l, id, b - 1);
        const bool next = (p.page == q.page && p.offset == q.offset + 1) ||
                          (p.page == q.page + 1 && p.offset == 0 && q.offset == l.usable - 1);
        ASSERT_TRUE(next) << "id " << id << " byte " << b;
      }
      int32_t& o = owner[std::size_t(p.page) * l.usable + p.offset];
      ASSERT_EQ(o, -1) << "id " << id << " overlaps id " << o << " at page " << p.page << " offset " << p.offset;
      o = int32_t(id);
    }
    // A group's first record starts a page.
    if (l.group >= 1 && id % l.per_group == 0) {
      EXPECT_EQ(first.offset, 0u) << "id " << id;
      EXPECT_EQ(first.page, (id / l.per_group) * l.group) << "id " << id;
    }
  }
  // The segment's pages are exactly what its records need, and hold exactly n records... or more when the last
  // page has room: segment_records of those pages is at least n, and one page fewer holds fewer than n.
  EXPECT_GE(segment_records(l, pages), n);
  if (pages > 0) {
    EXPECT_LT(segment_records(l, pages - 1), n);
    bool last_used = false;
    for (uint32_t b = 0; b < l.usable && !last_used; ++b) last_used = owner[std::size_t(pages - 1) * l.usable + b] >= 0;
    EXPECT_TRUE(last_used);
  }
}

}  // namespace

TEST(HnswRecordLayout, WhichSizesArePacked) {
  // 1,536 dims: 3,224-byte records, 2 a page (21% unused); 5 in a group of 2 pages.
  EXPECT_EQ(half_record(1536), 3224u);
  EXPECT_EQ(packed_group_pages(half_record(1536), kUsable, kHeader), 2u);
  const RecordLayout l = record_layout(half_record(1536), kUsable, kHeader, true);
  EXPECT_EQ(l.group, 2u);
  EXPECT_EQ(l.per_group, 5u);
  // 1,024 dims: 3 a page, 11 in 3 pages (18% fewer pages).
  EXPECT_EQ(packed_group_pages(half_record(1024), kUsable, kHeader), 3u);
  // 768 dims (4 a page; 19 in 4 pages would save 15.8%, 3 of 19 straddling) and below: per page.
  EXPECT_EQ(packed_group_pages(half_record(768), kUsable, kHeader), 0u);
  EXPECT_EQ(packed_group_pages(half_record(784), kUsable, kHeader), 0u);
  EXPECT_EQ(packed_group_pages(half_record(256), kUsable, kHeader), 0u);
  // 2,000 dims: 1 a page (49% unused), 7 in 4 pages.
  EXPECT_EQ(packed_group_pages(half_record(2000), kUsable, kHeader), 4u);
  // wider than a page: spanning, never packed.
  EXPECT_EQ(packed_group_pages(half_record(4100), kUsable, kHeader), 0u);
  EXPECT_EQ(record_layout(half_record(4100), kUsable, kHeader, true).group, 0u);
  // Not packed unless the layout version says so.
  EXPECT_EQ(record_layout(half_record(1536), kUsable, kHeader, false).group, 1u);
  EXPECT_EQ(record_layout(half_record(1536), kUsable, kHeader, false).per_group, 2u);
}

TEST(HnswRecordLayout, PackedGroupsOfOneFiveThreeSixDims) {
  const RecordLayout l = record_layout(half_record(1536), kUsable, kHeader, true);
  // Group of 2 pages: ids 0, 1 on page 0; id 2 straddles pages 0 and 1 (6,448 .. 9,671); ids 3, 4 on page 1.
  EXPECT_EQ(place_of(l, 2, 0).page, 0u);
  EXPECT_EQ(place_of(l, 2, 0).offset, 6448u);
  EXPECT_EQ(place_of(l, 2, l.size - 1).page, 1u);
  EXPECT_FALSE(record_in_one_page(l, 2));
  EXPECT_TRUE(record_in_one_page(l, 3));
  EXPECT_EQ(place_of(l, 3, 0).offset, 9672u - kUsable);
  EXPECT_EQ(place_of(l, 5, 0).page, 2u);  // the next group
  EXPECT_EQ(place_of(l, 5, 0).offset, 0u);
  // 60,000 elements: 24,000 pages (per page: 30,000).
  EXPECT_EQ(segment_pages(l, 60000), 24000u);
  EXPECT_EQ(segment_pages(record_layout(l.size, kUsable, kHeader, false), 60000), 30000u);
  // a last group of 1, 2 or 3 records takes 1 page; of 4, 2 pages
  EXPECT_EQ(segment_pages(l, 6), 3u);
  EXPECT_EQ(segment_pages(l, 7), 3u);
  EXPECT_EQ(segment_pages(l, 8), 4u);
  EXPECT_EQ(segment_records(l, 3), 7u);
  EXPECT_EQ(segment_records(l, 4), 10u);
}

TEST(HnswRecordLayout, EveryIdHasItsOwnPlaceInEveryLayout) {
  std::vector<uint32_t> sizes;
  for (uint32_t dims : {1u, 100u, 256u, 768u, 784u, 1000u, 1024u, 1536u, 2000u, 3072u, 4000u, 4100u, 6000u})
    for (uint32_t m : {2u, 16u, 48u}) sizes.push_back(half_record(dims, m));
  for (uint32_t s : {8160u, 8156u, 4084u, 4080u, 2720u, 16u + kHeader}) sizes.push_back(s);
  for (uint32_t size : sizes)
    for (bool packed : {false, true}) {
      SCOPED_TRACE(testing::Message() << "size " << size << (packed ? " packed" : ""));
      const RecordLayout l = record_layout(size, kUsable, kHeader, packed);
      for (uint32_t n : {1u, 2u, 3u, 5u, 7u, 40u}) check_places(l, n);
    }
}

TEST(HnswRecordLayout, EverySizeAGroupChoosesUsesItsLastPageAndSaves) {
  for (uint32_t size = 20; size <= kUsable; size += 4) {
    const uint32_t g = packed_group_pages(size, kUsable, kHeader);
    if (g == 0) continue;
    SCOPED_TRACE(testing::Message() << "size " << size);
    const RecordLayout l = record_layout(size, kUsable, kHeader, true);
    ASSERT_EQ(l.group, g);
    // The build starts every group with a new page after the last one it filled: the group's last page holds bytes.
    EXPECT_GT(uint64_t(l.per_group) * size, uint64_t(g - 1) * kUsable);
    // at least 1/6 fewer pages than per page
    EXPECT_LE(6ull * g * (kUsable / size), 5ull * l.per_group);
    for (uint32_t k = 0; k < l.per_group; ++k) EXPECT_LE((k * size) % kUsable + kHeader, kUsable);
  }
}

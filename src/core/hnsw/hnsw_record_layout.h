// Where an hnsw element record lies in its segment's pages: the arithmetic of `id -> (page, offset)` for the three
// ways records are laid out (docs/hnsw-internals.md, "Segments"), kept here, free of Postgres, so that it is
// unit-tested on every record size (test/unit/hnsw_record_layout_test.cpp); src/pg/hnsw/hnsw_page.h applies it to
// block numbers with the page's usable bytes.
//
//   per page       a record that fits a page never straddles one: floor(usable / size) records per page, the rest of
//                  each page unused (one pin per record).
//   packed groups  (layout versions 6 and 7) records back to back over the usable areas of a group of `group`
//                  consecutive pages, groups restarting at a page: where the per-page layout wastes a large share of
//                  each page (1,536-dim half copies: 3,224-byte records, 2 a page, 21% unused), `per_group` records
//                  share `group` pages (5 in 2 pages). A record may straddle two pages of its group.
//   spanning       records wider than a page, back to back over the whole segment.
#pragma once

#include <cstdint>

namespace vx::core::hnsw {

struct RecordLayout {
  uint32_t size;       // bytes of a record
  uint32_t usable;     // data bytes of a page
  uint32_t group;      // pages of a group: 1 per page, >= 2 packed groups, 0 spanning (size > usable)
  uint32_t per_group;  // records of a group (0 when spanning)
};

struct PagePlace {
  uint32_t page;    // from the segment's first page
  uint32_t offset;  // within the page's usable bytes
};

// The largest group the packed layout considers, and the share of pages it must save over the per-page layout.
constexpr uint32_t kMaxGroupPages = 4;

// Pages of a packed group for records of `size` bytes, or 0 where packing does not pay. Packing pays where the best
// group of 2..kMaxGroupPages pages (the most records per page; the smallest group among equals) needs at most 5/6 of
// the pages the per-page layout needs (saves >= 1/6: 1,536 dims at m 16, 20%; 1,024 dims, 18%; 768 dims, at most
// 15.8% and only with groups of 4, where 3 records of 19 straddle: stays per page), and where no record of the group
// has its first `header` bytes split over two pages (VACUUM flags a record FREE by rewriting its header on one page).
// Part of layout versions 6 and 7: an index of those versions takes its group from this function, so its result
// for a given size must never change (a new rule needs a new layout version).
inline uint32_t packed_group_pages(uint32_t size, uint32_t usable, uint32_t header) {
  if (size == 0 || size > usable) return 0;
  const uint32_t per_page = usable / size;
  uint32_t best = 0, best_per = 0;
  for (uint32_t g = 2; g <= kMaxGroupPages; ++g) {
    const uint32_t per = uint32_t((uint64_t(g) * usable) / size);
    bool headers_whole = true;
    for (uint32_t k = 0; k < per && headers_whole; ++k)
      headers_whole = (uint64_t(k) * size) % usable + header <= usable;
    if (!headers_whole) continue;
    if (best == 0 || uint64_t(per) * best > uint64_t(best_per) * g) {  // per / g > best_per / best
      best = g;
      best_per = per;
    }
  }
  if (best == 0 || 6ull * best * per_page > 5ull * best_per) return 0;
  return best;
}

// The layout of records of `size` bytes: packed in groups when `packed` (a layout version 6 or 7 index) and
// packed_group_pages says so, else per page or spanning.
inline RecordLayout record_layout(uint32_t size, uint32_t usable, uint32_t header, bool packed) {
  if (size == 0 || size > usable) return RecordLayout{size, usable, 0, 0};
  const uint32_t g = packed ? packed_group_pages(size, usable, header) : 0;
  if (g >= 2) return RecordLayout{size, usable, g, uint32_t((uint64_t(g) * usable) / size)};
  return RecordLayout{size, usable, 1, usable / size};
}

// Byte `byte` (< size) of the record of the segment's `local`-th element. Within one record, bytes are consecutive
// over consecutive pages' usable areas (all in one page for the per-page layout). On the scan's hot path (several
// calls per distance): the per-page case divides by per_group only, as before packing existed; a packed group finds
// the page within the group by subtraction (at most 3), not by a division by the runtime usable size.
inline PagePlace place_of(const RecordLayout& l, uint32_t local, uint32_t byte) {
  if (l.group == 1) return PagePlace{local / l.per_group, (local % l.per_group) * l.size + byte};
  if (l.group == 0) {
    const uint64_t off = uint64_t(local) * l.size + byte;
    return PagePlace{uint32_t(off / l.usable), uint32_t(off % l.usable)};
  }
  uint32_t off = (local % l.per_group) * l.size + byte;  // < group * usable
  uint32_t page = (local / l.per_group) * l.group;
  while (off >= l.usable) {
    off -= l.usable;
    ++page;
  }
  return PagePlace{page, off};
}

// Whether the whole record of the `local`-th element lies on one page.
inline bool record_in_one_page(const RecordLayout& l, uint32_t local) {
  if (l.group <= 1) return l.group == 1;
  const uint32_t off = (local % l.per_group) * l.size % l.usable;
  return off + l.size <= l.usable;
}

// Pages a segment of n records needs (a last group only as long as its records).
inline uint32_t segment_pages(const RecordLayout& l, uint32_t n) {
  if (l.group == 0) return uint32_t((uint64_t(n) * l.size + l.usable - 1) / l.usable);
  const uint32_t rest = n % l.per_group;
  return (n / l.per_group) * l.group + uint32_t((uint64_t(rest) * l.size + l.usable - 1) / l.usable);
}

// Records a segment of `pages` pages holds.
inline uint32_t segment_records(const RecordLayout& l, uint32_t pages) {
  if (l.group == 0) return uint32_t((uint64_t(pages) * l.usable) / l.size);
  return (pages / l.group) * l.per_group + uint32_t((uint64_t(pages % l.group) * l.usable) / l.size);
}

}  // namespace vx::core::hnsw

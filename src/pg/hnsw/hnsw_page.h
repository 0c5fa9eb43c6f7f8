// On-disk layout of the HNSW index (all in ordinary relation pages; see docs/hnsw.md).
//
//   block 0            meta page: magic, layout version, parameters, element count, entry point, segment directory
//   segments           each a run of consecutive blocks holding fixed-size element records (RecordLayout,
//                      core/hnsw/hnsw_record_layout.h). A record that fits in a page never straddles one
//                      (floor(usable / record_size) records per page, the rest of the page unused), so reading an
//                      element costs one pin; except in layout versions 6 and 7 (packed groups), where records are
//                      back to back within groups of 2-4 pages (1,536-dim half copies: 5 records in 2 pages, one of
//                      them straddling); records larger than a page (> ~4,000 dims) are packed back to back over the
//                      pages' usable area (logical offset = local_id * record_size).
//   upper pages        the neighbour lists of levels >= 1 (few elements have them), one block-contained record per
//                      element, found through (upper_block, upper_off) in the element record.
//   value pages        the out-of-line part of elements too large for their fixed form (sparsevec beyond its inline
//                      nonzeros): a chain of pages per element, found through the record's value reference (in the
//                      error slot, which such forms do not use); freed chains form a list from the meta page
//                      (hnsw_values.cpp).
//   directory pages    (indexes with filter columns, built by this version: hnsw_filter_dir.h) each segment's filter
//                      values again, packed (the records' filter areas side by side, in id order), in the blocks right
//                      before the segment's records: what a selective filter reads instead of every record page.
//
// Element record (record_size = 16 + 8m + 8 + element bytes, rounded up to a multiple of 4, + the filter area):
//   uint8 flags | uint8 level | uint16 n0 | ItemPointerData heap tid | uint16 upper_off | uint32 upper_block |
//   int32 level-0 neighbours[2m] | float encode error l2, l1 | element [| filter area]
// The filter area (layout version 5 only: an index with filter columns, hnsw_filter.h) holds the values of the
// index's integer columns after the vector; an index without them has none (version 4, the same bytes as before).
// For types kept as half copies (vector, halfvec: 2 dims bytes) the element is an IEEE half copy of the indexed
// vector (normalised for cosine) and the error core::half::encode reported for it; scans rank by the copy and return
// lower bounds of the exact distance (docs/hnsw.md, Scan). For types that keep their own bytes (bit: dims / 8 bytes,
// rounded up) the element is the operator class's stored form of the value and the error is zero. Which one an index
// holds is its operator class's (the contract's stored form, hnsw.h); the meta page records the record size.
// Upper record: for each level 1..level: uint32 count, int32 ids[m].
//
// Every page ends in a special area (HnswPageOpaque: the page's kind and the hnsw page id, as IVF and bloom pages, for
// pg_filedump-style tools and index_check) and uses the whole area between the page header and it as data
// (pd_lower = pd_upper) so that generic WAL and log_newpage_range log all of it.
#pragma once

#include "core/hnsw/hnsw_record_layout.h"
#include "pg/boundary.h"

extern "C" {
#include "storage/bufpage.h"
#include "storage/itemptr.h"
}

#include <cstdint>
#include <cstring>

namespace vx::pg::hnsw {

constexpr uint32 kMagic = 0x56584857;  // "VXHW"
// 1: float32 vectors packed across pages. 2: half copies + encoding error, records within one page when they fit.
// 3: a special area with the page id on every page.
// 4: value pages (meta: value_free_head, value_pages; sparsevec's form of 300 inline nonzeros, the rest out of line).
// 5 (kFilterLayoutVersion, hnsw_filter.h): version 4 plus filter columns (a filter area in every record; their count
// and widths in the meta page's special area). Indexes without filter columns keep writing version 4.
// 6, 7 (kPackedLayoutVersion, kPackedFilterLayoutVersion): versions 4 and 5 with records in packed groups of pages
// (core::hnsw::packed_group_pages of the record size); written only for record sizes where packing pays (HalfCopy
// at 1,536 dims), every other index keeps writing 4 or 5.
constexpr uint32 kLayoutVersion = 4;
constexpr uint32 kFilterLayoutVersion = 5;
constexpr uint32 kPackedLayoutVersion = 6;
constexpr uint32 kPackedFilterLayoutVersion = 7;
// The versions this build reads and writes.
inline bool layout_version_known(uint32 v) { return v >= kLayoutVersion && v <= kPackedFilterLayoutVersion; }
inline bool layout_packed(uint32 v) { return v == kPackedLayoutVersion || v == kPackedFilterLayoutVersion; }
inline uint32 layout_version_of(bool filters, bool packed) {
  return packed ? (filters ? kPackedFilterLayoutVersion : kPackedLayoutVersion)
                : (filters ? kFilterLayoutVersion : kLayoutVersion);
}
constexpr BlockNumber kMetaBlock = 0;
constexpr uint16 kPageId = 0xFF92;  // the last two bytes of every hnsw page (IVF: 0xFF91)

// Value: hnsw_values.h; Directory: hnsw_filter_dir.h
enum class PageKind : uint16 { Meta = 1, Records = 2, Upper = 3, Value = 4, Directory = 5 };
struct HnswPageOpaque {
  uint16 kind;  // PageKind
  // Meta page of a version 5 index: aux[0] the filter columns' count, aux[1] their widths (4 bits each, column 0 in
  // the low bits; hnsw_filter.h). Zero everywhere else.
  uint16 aux[2];
  uint16 page_id;  // kPageId
};
static_assert(sizeof(HnswPageOpaque) == 8, "the page id is the page's last two bytes");
constexpr uint32 kUsable = BLCKSZ - SizeOfPageHeaderData - MAXALIGN(sizeof(HnswPageOpaque));  // data bytes per page
constexpr uint32 kHeaderBytes = 16;

constexpr uint8 kFlagValid = 1;    // record fully written (neighbour lists and vector)
constexpr uint8 kFlagDeleted = 2;  // heap tuple dead (set by VACUUM): traversed, never returned
constexpr uint8 kFlagFree = 4;     // dead, unreachable, on the free list: its id will be reused by an insert
// Heavyweight page lock (on a block number no page has) that scans hold in share mode while they run; VACUUM
// takes it exclusively (conditionally) before recycling ids, so no running scan can meet a recycled id.
constexpr BlockNumber kScanLockBlock = 0xFFFFFFFE;

struct HnswSegment {
  uint32 start_block;
  uint32 first_id;
  uint32 nelems;
};

struct HnswMeta {
  uint32 magic;
  uint32 version;
  uint32 dims;
  uint32 metric;  // core::Metric
  uint32 m;
  uint32 ef_construction;
  uint32 record_size;
  int32 entry;         // -1 when empty
  int32 max_level;     // -1 when empty
  uint32 count;        // ids 0..count-1 are allocated
  uint32 upper_block;  // upper page currently filled (InvalidBlockNumber: none)
  uint32 upper_used;   // bytes used in its data area
  uint32 deleted;      // elements flagged deleted (including those on the free list)
  int32 free_head;     // first reusable element id (-1: none); a free record's next id is in its tid bytes
  uint32 free_count;   // elements on the free list (deleted - free_count are dead but not yet recycled)
  uint32 next_block;   // first block not yet assigned to a segment, upper or value page (may be beyond the file end)
  uint32 value_free_head;  // first free value page (0, the meta page's block: none); linked by their `next`
  uint32 value_pages;      // value pages ever allocated (in chains of live elements, free, or lost to a crash)
  uint32 nsegments;
  HnswSegment segments[FLEXIBLE_ARRAY_MEMBER];
};

constexpr uint32 kMaxSegments = (kUsable - offsetof(HnswMeta, segments)) / sizeof(HnswSegment);

// The last 8 bytes of the meta page's data area, beyond the room of the segment directory (zero on every meta page
// written before the filter directory existed: PageInit zeroes the page and nothing wrote there): whether the index
// has a filter directory (hnsw_filter_dir.h). Kept out of HnswMeta so that the segment directory does not move and
// indexes of layout versions 4 and 5 written before read as they are (no REINDEX).
struct HnswMetaTail {
  uint32 dir_magic;  // kDirMagic: dir_from is set
  uint32 dir_from;   // 0: no directory; else 1 + the first segment that has one (every later segment has one too)
};
constexpr uint32 kDirMagic = 0x56584644;  // "VXFD"
constexpr uint32 kMetaTailOffset = kUsable - sizeof(HnswMetaTail);
static_assert(offsetof(HnswMeta, segments) + kMaxSegments * sizeof(HnswSegment) <= kMetaTailOffset,
              "the meta page's tail lies beyond the segment directory's room");

struct HnswRecordHeader {
  uint8 flags;
  uint8 level;
  uint16 n0;
  ItemPointerData tid;
  uint16 upper_off;
  uint16 upper_block_lo;  // upper block split in two halves: the struct stays 2-byte aligned and 16 bytes
  uint16 upper_block_hi;
};
static_assert(sizeof(HnswRecordHeader) == kHeaderBytes, "record header is 16 bytes");

inline BlockNumber upper_block_of(const HnswRecordHeader& h) {
  return (BlockNumber(h.upper_block_hi) << 16) | h.upper_block_lo;
}
inline void set_upper_block(HnswRecordHeader& h, BlockNumber b) {
  h.upper_block_lo = uint16(b & 0xffff);
  h.upper_block_hi = uint16(b >> 16);
}

// The filter area of a record (hnsw_filter.h): where each filter column's value is.
constexpr int kMaxFilterColumns = 4;
struct FilterLayout {
  uint16 count;                      // filter columns (index columns 2 ..)
  uint8 width[kMaxFilterColumns];    // bytes of each value: 2, 4, 8
  uint16 offset[kMaxFilterColumns];  // of each value in the filter area (after the uint32 of null bits)
  uint32 bytes;                      // of the filter area (0 without filter columns)
};

constexpr uint32 kErrorBytes = 8;  // core::half::EncodeError {float l2, l1}
inline uint32 record_size(uint32 element_bytes, uint32 m) {
  return (kHeaderBytes + 8 * m + kErrorBytes + element_bytes + 3) & ~3u;
}
inline uint32 neighbors_offset() { return kHeaderBytes; }
inline uint32 error_offset(uint32 m) { return kHeaderBytes + 8 * m; }
inline uint32 vector_offset(uint32 m) { return kHeaderBytes + 8 * m + kErrorBytes; }
using core::hnsw::RecordLayout;
// The layout of an index's records (record_size, and whether its layout version packs them in groups).
inline RecordLayout record_layout(uint32 record_size, bool packed) {
  return core::hnsw::record_layout(record_size, kUsable, kHeaderBytes, packed);
}
// Whether packing pays for this record size (packs_records, hnsw.h, adds the condition on the element's form).
inline bool packing_pays(uint32 record_size) {
  return core::hnsw::packed_group_pages(record_size, kUsable, kHeaderBytes) >= 2;
}
inline uint32 upper_level_bytes(uint32 m) { return 4 * (m + 1); }
// Highest level an element may have so that its upper record fits in one page.
inline int max_level_for(uint32 m) {
  int l = int(kUsable / upper_level_bytes(m));
  return l > 64 ? 64 : l;
}

inline char* page_data(Page page) { return reinterpret_cast<char*>(page) + SizeOfPageHeaderData; }

inline HnswPageOpaque* page_opaque(Page page) { return reinterpret_cast<HnswPageOpaque*>(PageGetSpecialPointer(page)); }

// Initialises a page of `kind` whose whole data area is logged.
inline void init_page(Page page, PageKind kind) {
  PageInit(page, BLCKSZ, sizeof(HnswPageOpaque));
  PageHeader ph = reinterpret_cast<PageHeader>(page);
  ph->pd_lower = ph->pd_upper;
  HnswPageOpaque* op = page_opaque(page);
  op->kind = uint16(kind);
  op->aux[0] = op->aux[1] = 0;
  op->page_id = kPageId;
}

// Location of a byte of an element's record.
struct Location {
  BlockNumber block;
  uint32 offset;  // within the page data area
};

// Finds the segment holding `id` (segments are few; the first one, written by CREATE INDEX, usually holds all).
inline const HnswSegment* find_segment(const HnswSegment* segs, uint32 nsegs, uint32 id) {
  if (nsegs > 0 && id - segs[0].first_id < segs[0].nelems) return &segs[0];
  for (uint32 i = nsegs; i-- > 1;)
    if (id >= segs[i].first_id) return id - segs[i].first_id < segs[i].nelems ? &segs[i] : nullptr;
  return nullptr;
}

// byte < record_size. Within one record the bytes are consecutive over consecutive pages' data areas (for records
// that fit in a page, all in the same page, unless the layout packs them in groups).
inline Location locate(const HnswSegment& seg, const RecordLayout& l, uint32 id, uint32 byte) {
  const core::hnsw::PagePlace p = core::hnsw::place_of(l, id - seg.first_id, byte);
  return Location{seg.start_block + p.page, p.offset};
}

// ---- spans: the one walk over bytes laid out across consecutive pages --------------------------------------------

// One page's part of a span: `len` bytes at `offset` of block's data area, bytes [pos, pos + len) of the span.
struct SpanPiece {
  BlockNumber block;
  uint32 offset;
  uint32 len;
  uint32 pos;
};
// Walks len bytes that start at `start` and continue at the start of the next blocks' data areas, calling
// piece(const SpanPiece&) -> bool for each page in block order; stops (returning false) when it returns false.
template <class F>
inline bool walk_span(Location start, uint32 len, F&& piece) {
  SpanPiece p{start.block, start.offset, 0, 0};
  while (p.pos < len) {
    p.len = len - p.pos < kUsable - p.offset ? len - p.pos : kUsable - p.offset;
    if (!piece(static_cast<const SpanPiece&>(p))) return false;
    p.pos += p.len;
    p.offset = 0;
    ++p.block;
  }
  return true;
}
// The span [byte, byte + len) of record id (len > 0); see locate().
template <class F>
inline bool walk_record(const HnswSegment& seg, const RecordLayout& l, uint32 id, uint32 byte, uint32 len, F&& piece) {
  return walk_span(locate(seg, l, id, byte), len, piece);
}
// The span's bytes copied out of / into pages[0..] (pages[i] is block start.block + i, data areas); a new (all-zero)
// page reads as zeros.
inline void span_gather(const Page* pages, Location start, uint32 len, void* dst) {
  walk_span(start, len, [&](const SpanPiece& p) {
    Page page = pages[p.block - start.block];
    if (PageIsNew(page))
      std::memset(static_cast<char*>(dst) + p.pos, 0, p.len);
    else
      std::memcpy(static_cast<char*>(dst) + p.pos, page_data(page) + p.offset, p.len);
    return true;
  });
}
inline void span_scatter(Page* pages, Location start, uint32 len, const void* src) {
  walk_span(start, len, [&](const SpanPiece& p) {
    std::memcpy(page_data(pages[p.block - start.block]) + p.offset, static_cast<const char*>(src) + p.pos, p.len);
    return true;
  });
}

inline uint32 segment_blocks(uint32 nelems, const RecordLayout& l) { return core::hnsw::segment_pages(l, nelems); }

// Elements a segment of `blocks` blocks holds.
inline uint32 segment_capacity(uint32 blocks, const RecordLayout& l) { return core::hnsw::segment_records(l, blocks); }

}  // namespace vx::pg::hnsw

// The filter directory's pages (layout and rules in hnsw_filter_dir.h): the insert's entry write, the scan's reads,
// and index_check's verification.
#include "pg/hnsw/hnsw_filter_dir.h"
#include "pg/hnsw/hnsw_filter.h"

extern "C" {
#include "access/generic_xlog.h"
#include "access/xloginsert.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
}

#include <algorithm>
#include <cstring>

namespace vx::pg::hnsw {

namespace {

// The segment of id and its index in g's directory, or nullptr.
const HnswSegment* segment_of(const Graph* g, uint32 id, uint32* si) {
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  if (seg) *si = uint32(seg - g->segments);
  return seg;
}

// One directory page at a time, pinned and share-locked while its entries are read.
struct DirCursor {
  Relation index;
  BlockNumber nblocks;  // of the relation when the cursor started (pages beyond hold no entry anyone must find)
  BlockNumber block;
  Buffer buf;
  uint32 pages;
};
void cursor_init(DirCursor* cur, Relation index) {
  cur->index = index;
  cur->nblocks = RelationGetNumberOfBlocks(index);
  cur->block = InvalidBlockNumber;
  cur->buf = InvalidBuffer;
  cur->pages = 0;
}
void cursor_release(DirCursor* cur) {
  if (cur->buf != InvalidBuffer) UnlockReleaseBuffer(cur->buf);
  cur->buf = InvalidBuffer;
  cur->block = InvalidBlockNumber;
}
// The data area of directory page `block`, or nullptr when it holds no entry yet (beyond the relation, or never
// initialised: no insert wrote there, so no element there is valid).
const char* cursor_page(DirCursor* cur, BlockNumber block) {
  if (block != cur->block) {
    cursor_release(cur);
    cur->block = block;
    if (block >= cur->nblocks) return nullptr;
    cur->buf = ReadBufferExtended(cur->index, MAIN_FORKNUM, block, RBM_NORMAL, nullptr);
    LockBuffer(cur->buf, BUFFER_LOCK_SHARE);
    cur->pages++;
  }
  if (cur->buf == InvalidBuffer) return nullptr;
  Page page = BufferGetPage(cur->buf);
  return PageIsNew(page) ? nullptr : page_data(page);
}

#define DIR_CORRUPT(index, ...)                     \
  ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED), \
                  errmsg("index \"%s\" is corrupted", RelationGetRelationName(index)), errdetail(__VA_ARGS__)))

}  // namespace

void dir_write_entry(Graph* g, uint32 id, const char* area) {
  uint32 si;
  const HnswSegment* seg = segment_of(g, id, &si);
  if (seg == nullptr || area == nullptr || !segment_has_dir(g, si)) return;
  const Location loc = dir_locate(dir_start(*seg, g->filters), id - seg->first_id, g->filters);
  ensure_block(g->index, loc.block);
  Buffer buf = ReadBufferExtended(g->index, MAIN_FORKNUM, loc.block, RBM_NORMAL, nullptr);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  GenericXLogState* state = GenericXLogStart(g->index);
  Page page;
  if (PageIsNew(BufferGetPage(buf))) {
    page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
    init_page(page, PageKind::Directory);
  } else {
    // a page due a full image anyway skips GenericXLog's delta of the whole page (as hnsw_storage.cpp's writes)
    page = GenericXLogRegisterBuffer(state, buf, XLogCheckBufferNeedsBackup(buf) ? GENERIC_XLOG_FULL_IMAGE : 0);
    const HnswPageOpaque op = *page_opaque(page);  // a copy: the state (and its page image) goes with an abort
    if (op.kind != uint16(PageKind::Directory) || op.page_id != kPageId) {
      GenericXLogAbort(state);
      UnlockReleaseBuffer(buf);
      DIR_CORRUPT(g->index, "Block %u, the filter directory page of element %u, has page kind %u.", loc.block, id,
                  op.kind);
    }
  }
  std::memcpy(page_data(page) + loc.offset, area, g->filters.bytes);
  GenericXLogFinish(state);
  UnlockReleaseBuffer(buf);
}

void dir_matching_ids(Graph* g, uint32 si, uint32 end_id, uint32** ids, uint32* n, uint32* cap, DirReadStats* st) {
  const HnswSegment& seg = g->segments[si];
  const FilterLayout& f = g->filters;
  const uint32 per = dir_entries_per_page(f);
  const uint32 end = std::min(end_id, seg.first_id + seg.nelems);
  const BlockNumber start = dir_start(seg, g->filters);
  DirCursor cur;
  cursor_init(&cur, g->index);
  for (uint32 id = seg.first_id; id < end;) {
    CHECK_FOR_INTERRUPTS();
    const uint32 local = id - seg.first_id;
    const uint32 on_page = std::min(end - id, per - local % per);
    const char* data = cursor_page(&cur, start + local / per);
    if (data) {
      while (*cap - *n < on_page) {
        *cap *= 2;
        *ids = static_cast<uint32*>(repalloc(*ids, sizeof(uint32) * *cap));
      }
      uint32* out = *ids + *n;
      const uint32 k = filter_matches_run(g->filter, f, data + (local % per) * f.bytes, on_page, out);
      for (uint32 j = 0; j < k; ++j) out[j] += id;  // page positions -> ids
      *n += k;
      st->entries += on_page;
    }
    cursor_release(&cur);  // nothing is held while the caller's next page is read
    id += on_page;
  }
  st->pages += cur.pages;
}

uint32 dir_sample_matches(Graph* g, uint32 samples) {
  const FilterLayout& f = g->filters;
  DirCursor cur;
  cursor_init(&cur, g->index);
  uint32 hits = 0;
  for (uint32 i = 0; i < samples; ++i) {
    const uint32 id = uint32(uint64(i) * g->count / samples);
    uint32 si;
    const HnswSegment* seg = segment_of(g, id, &si);
    if (seg == nullptr || !segment_has_dir(g, si)) continue;
    const Location loc = dir_locate(dir_start(*seg, g->filters), id - seg->first_id, f);
    const char* data = cursor_page(&cur, loc.block);
    if (data && filter_matches(g->filter, f, data + loc.offset)) hits++;
  }
  cursor_release(&cur);
  return hits;
}

void check_filter_dir(Graph* g, const uint8* state, BlockNumber nblocks) {
  const FilterLayout& f = g->filters;
  if (f.count == 0 || g->dir_from == 0) return;
  const uint32 per = dir_entries_per_page(f);
  char have[4 + 8 * kMaxFilterColumns], want[4 + 8 * kMaxFilterColumns];
  for (uint32 si = 0; si < g->nsegments; ++si) {
    if (!segment_has_dir(g, si)) continue;
    const HnswSegment& seg = g->segments[si];
    const BlockNumber start = dir_start(seg, g->filters);
    const uint32 end = std::min(seg.first_id + seg.nelems, g->count);
    for (uint32 id = seg.first_id; id < end;) {
      CHECK_FOR_INTERRUPTS();
      const uint32 local = id - seg.first_id;
      const uint32 on_page = std::min(end - id, per - local % per);
      const BlockNumber block = start + local / per;
      // Copies the page's entries out (no lock held while records are read below).
      char* entries = static_cast<char*>(palloc0(size_t(on_page) * f.bytes));
      bool have_page = false;
      if (block < nblocks) {
        Buffer buf = ReadBufferExtended(g->index, MAIN_FORKNUM, block, RBM_NORMAL, nullptr);
        LockBuffer(buf, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buf);
        if (!PageIsNew(page)) {
          const HnswPageOpaque op = *page_opaque(page);
          if (op.kind != uint16(PageKind::Directory)) {
            UnlockReleaseBuffer(buf);
            DIR_CORRUPT(g->index, "Block %u, a filter directory page of segment %u, has page kind %u.", block, si,
                        op.kind);
          }
          std::memcpy(entries, page_data(page) + (local % per) * f.bytes, size_t(on_page) * f.bytes);
          have_page = true;
        }
        UnlockReleaseBuffer(buf);
      }
      for (uint32 k = 0; k < on_page; ++k) {
        const uint32 eid = id + k;
        const char* e = entries + size_t(k) * f.bytes;
        uint32 nulls;
        std::memcpy(&nulls, e, 4);
        if (nulls >> f.count)
          DIR_CORRUPT(g->index,
                      "The filter directory entry of element %u (block %u) has null bits 0x%08x, the index "
                      "has %u filter columns.",
                      eid, block, nulls, f.count);
        const uint8 flags = state[eid];
        if (!(flags & kFlagValid) || (flags & (kFlagDeleted | kFlagFree))) continue;  // only live elements count
        if (!copy_immutable(g, eid, g->filter_offset, f.bytes, want)) continue;
        if (have_page && std::memcmp(e, want, f.bytes) == 0) continue;
        // Not there, or other values: re-read both (a concurrent VACUUM and insert may have reused the id since the
        // check read its record: the insert writes the entry first, then the record).
        HnswRecordHeader h;
        bool still_live = read_header(g, eid, &h) && (h.flags & kFlagValid) && !(h.flags & (kFlagDeleted | kFlagFree));
        if (!still_live || !copy_immutable(g, eid, g->filter_offset, f.bytes, want)) continue;
        bool found = false;
        if (block < RelationGetNumberOfBlocks(g->index)) {
          Buffer buf = ReadBufferExtended(g->index, MAIN_FORKNUM, block, RBM_NORMAL, nullptr);
          LockBuffer(buf, BUFFER_LOCK_SHARE);
          Page page = BufferGetPage(buf);
          if (!PageIsNew(page)) {
            std::memcpy(have, page_data(page) + ((eid - seg.first_id) % per) * f.bytes, f.bytes);
            found = true;
          }
          UnlockReleaseBuffer(buf);
        }
        if (!found)
          DIR_CORRUPT(g->index, "Element %u is live and has no filter directory entry (block %u is not written).", eid,
                      block);
        if (std::memcmp(have, want, f.bytes) != 0)
          DIR_CORRUPT(g->index,
                      "The filter directory entry of element %u (block %u) differs from its record's filter "
                      "values.",
                      eid, block);
      }
      pfree(entries);
      id += on_page;
    }
  }
}

}  // namespace vx::pg::hnsw

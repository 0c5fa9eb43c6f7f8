// Page access for the HNSW index: reading records (share locks, ascending block order; spans walked with walk_span,
// hnsw_page.h), writing them through GenericXLog, and the page graph as the accessor of core::hnsw's layer search
// (core/hnsw/hnsw_search.h) used by insert, scan and VACUUM. The meta page is hnsw_meta.cpp's. See hnsw_insert.cpp for
// the locking protocol.
#include "pg/hnsw/hnsw.h"
#include "pg/buffer_hints.h"
#include "pg/hnsw/hnsw_filter.h"
#include "pg/hnsw/hnsw_descent_cache.h"
#include "pg/hnsw/hnsw_meta.h"
#include "pg/hnsw/hnsw_values.h"

extern "C" {
#include "access/generic_xlog.h"
#include "access/xloginsert.h"
#include "storage/buf_internals.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
}

#include <algorithm>
#include <cstring>
#include <limits>

namespace vx::pg::hnsw {


void graph_set_element_size(Graph* g) {
  g->element_bytes = element_bytes(*g->contract, g->dims);
  g->width = element_width(*g->contract, g->dims);
  g->filter_offset = record_size(g->element_bytes, g->m);  // the filter area follows the element (hnsw_page.h)
  if (g->scratch == nullptr || g->scratch_bytes < g->element_bytes) {  // an untyped column's first insert sets the dims
    g->scratch = static_cast<uint16*>(palloc(g->element_bytes + 32));
    g->scratch_bytes = g->element_bytes;
  }
}

float element_distance(const Graph* g, const float* a, const float* b) {
  const AnnContract& c = *g->contract;
  if (own_bytes(c))
    return c.stored_rank(reinterpret_cast<const uint8*>(a), reinterpret_cast<const uint8*>(b), int(g->dims));
  return core::rank_distance(g->metric, a, b, g->dims);
}

void graph_load(Graph* g, Relation index) {
  g->index = index;
  g->contract = &index_contract(index);
  g->scratch = nullptr;
  g->segments = static_cast<HnswSegment*>(palloc(sizeof(HnswSegment) * kMaxSegments));
  meta_load(g);
  for (int i = 0; i < kPinSlots; ++i) {
    g->pin_block[i] = InvalidBlockNumber;
    g->pin_buf[i] = InvalidBuffer;
  }
  g->pin_next = 0;
  g->pin_ops = 0;
  g->values = nullptr;
  g->filter = nullptr;
  g->rejected = nullptr;
  g->descent_copies = nullptr;
}

void graph_release(Graph* g) {
  for (int i = 0; i < kPinSlots; ++i) {
    if (g->pin_buf[i] != InvalidBuffer) ReleaseBuffer(g->pin_buf[i]);
    g->pin_buf[i] = InvalidBuffer;
    g->pin_block[i] = InvalidBlockNumber;
  }
}

// Backend-local hints "block -> shared buffer it was last found in" for the index being read (pg/buffer_hints.h):
// ReadRecentBuffer through them spares the buffer-mapping hash lookup, which was the largest cost of a search.
namespace {
BufferHints index_hints = {"vectorext hnsw buffer hints"};

inline Buffer* hint_slot(Relation index, BlockNumber block) {
  return buffer_hint_slot(&index_hints, index->rd_node, block);
}

// A pin of block for a write (the caller locks it, and releases it), through the hints as the reads pin: an insert's
// page writes (~16 a row) each paid ReadBuffer's buffer-mapping hash lookup and partition lock.
Buffer read_block(Relation index, BlockNumber block) {
  Buffer* hint = hint_slot(index, block);
  if (hint && *hint != InvalidBuffer && ReadRecentBuffer(index->rd_node, MAIN_FORKNUM, block, *hint)) return *hint;
  Buffer buf = ReadBufferExtended(index, MAIN_FORKNUM, block, RBM_NORMAL, nullptr);
  if (hint) *hint = buf;
  return buf;
}
}  // namespace

// A pinned buffer for block (kept pinned in the cache; never release it yourself). The cache is tiny on purpose:
// while a backend holds at most 8 pins, Postgres tracks them in a small array; beyond that every pin and unpin
// goes through a hash table (PrivateRefCountHash), which made a 512-slot cache cost more than the pins it saved
// (callgrind: ~45% of a search's instructions in the buffer manager). A record access uses at most 2 pages at a
// time (header + level-0 list, or one page of a vector): round-robin replacement where the slot just used (hit or
// miss) is never the next victim, so of two consecutive calls the second never drops the first one's page.
static Buffer pin_new(Graph* g, BlockNumber block);

static inline Buffer pinned(Graph* g, BlockNumber block) {
  for (int i = 0; i < kPinSlots; ++i)
    if (g->pin_block[i] == block) {
      if (g->pin_next == i) g->pin_next = (i + 1) % kPinSlots;
      return g->pin_buf[i];
    }
  return pin_new(g, block);
}

static Buffer pin_new(Graph* g, BlockNumber block) {
  int slot = g->pin_next;
  g->pin_next = (slot + 1) % kPinSlots;
  if (g->pin_buf[slot] != InvalidBuffer) {
    ReleaseBuffer(g->pin_buf[slot]);
    g->pin_buf[slot] = InvalidBuffer;
    g->pin_block[slot] = InvalidBlockNumber;
  }
  g->pin_ops++;
  Buffer* hint = hint_slot(g->index, block);
  Buffer buf;
  if (hint && *hint != InvalidBuffer && ReadRecentBuffer(g->index->rd_node, MAIN_FORKNUM, block, *hint)) {
    buf = *hint;
  } else {
    buf = ReadBufferExtended(g->index, MAIN_FORKNUM, block, RBM_NORMAL, nullptr);
    if (hint) *hint = buf;
  }
  g->pin_buf[slot] = buf;
  g->pin_block[slot] = block;
  return buf;
}

void graph_refresh(Graph* g) { meta_load(g); }

// Copies [byte, byte+len) of record id with every page involved share-locked at once (ascending), so the copy is
// consistent with writers (who lock the same pages exclusively, ascending).
static bool read_bytes(Graph* g, uint32 id, uint32 byte, uint32 len, void* out) {
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  if (seg == nullptr) return false;
  Location first = locate(*seg, g->layout, id, byte);
  Location last = locate(*seg, g->layout, id, byte + len - 1);
  Buffer bufs[2];
  Page pages[2];
  int nbufs = int(last.block - first.block + 1);
  if (nbufs > 2) elog(ERROR, "hnsw: record read of %u bytes spans %d pages", len, nbufs);  // header + list: <= 816 B
  for (int i = 0; i < nbufs; ++i) bufs[i] = pinned(g, first.block + i);
  for (int i = 0; i < nbufs; ++i) {
    LockBuffer(bufs[i], BUFFER_LOCK_SHARE);
    pages[i] = BufferGetPage(bufs[i]);
  }
  span_gather(pages, first, len, out);
  for (int i = 0; i < nbufs; ++i) LockBuffer(bufs[i], BUFFER_LOCK_UNLOCK);
  return true;
}

bool read_header(Graph* g, uint32 id, HnswRecordHeader* h) {
  if (!read_bytes(g, id, 0, kHeaderBytes, h)) return false;
  return (h->flags & kFlagValid) != 0;
}

bool read_header_and_list0(Graph* g, uint32 id, HnswRecordHeader* h, int32* nbrs) {
  char buf[kHeaderBytes + 8 * kMaxM];
  if (!read_bytes(g, id, 0, kHeaderBytes + 8 * g->m, buf)) return false;
  std::memcpy(h, buf, kHeaderBytes);
  if (!(h->flags & kFlagValid)) return false;
  std::memcpy(nbrs, buf + kHeaderBytes, sizeof(int32) * std::min<uint32>(h->n0, 2 * g->m));
  return true;
}

// The list at `level` (> 0) of the element whose upper lists start at (block, off), under a share lock.
static int read_upper_list(Graph* g, BlockNumber block, uint32 off, int level, int32* out) {
  Buffer buf = pinned(g, block);
  LockBuffer(buf, BUFFER_LOCK_SHARE);
  const char* rec = page_data(BufferGetPage(buf)) + off + (level - 1) * upper_level_bytes(g->m);
  uint32 n;
  std::memcpy(&n, rec, 4);
  n = std::min<uint32>(n, g->m);
  std::memcpy(out, rec + 4, 4 * n);
  LockBuffer(buf, BUFFER_LOCK_UNLOCK);
  return int(n);
}

int read_neighbors(Graph* g, uint32 id, int level, int32* out) {
  HnswRecordHeader h;
  if (level == 0) {
    if (!read_header_and_list0(g, id, &h, out)) return 0;
    return std::min<int>(h.n0, int(2 * g->m));
  }
  if (!read_header(g, id, &h) || h.level < level) return 0;
  return read_upper_list(g, upper_block_of(h), h.upper_off, level, out);
}

// Vectors are immutable once written (the record is published by its VALID flag, and links to it are created
// only afterwards), so they are read with a pin and no content lock: concurrent writers of the same page change
// other bytes only (GenericXLogFinish copies back identical bytes for ours). L2, inner product and L1 are sums
// over the dimensions, so a vector that straddles pages (records wider than a page, and the records of a packed group
// that straddle two of its pages) is computed piecewise, without a copy: one more pin, no more arithmetic.
float distance_to(Graph* g, uint32 id, const float* q) {
  uint8 flags;
  return distance_and_flags(g, id, q, &flags);
}

// Also returns the record's flags byte, read without a lock (a single byte; VACUUM only ever sets DELETED, and
// scans re-check under a lock before returning a TID).
float distance_and_flags(Graph* g, uint32 id, const float* q, uint8* flags) {
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  *flags = 0;
  if (seg == nullptr) return std::numeric_limits<float>::infinity();
  Location head = locate(*seg, g->layout, id, 0);
  Page hpage = BufferGetPage(pinned(g, head.block));
  if (PageIsNew(hpage)) return std::numeric_limits<float>::infinity();
  const char* rec = page_data(hpage) + head.offset;
  *flags = *reinterpret_cast<const volatile uint8*>(rec);
  const AnnContract& c = *g->contract;
  if (own_bytes(c)) {
    const uint8* stored = reinterpret_cast<const uint8*>(rec + vector_offset(g->m));
    if (head.offset + g->record_size > kUsable) {  // a record over two or more pages: its bytes copied together first
      if (!copy_immutable(g, id, vector_offset(g->m), g->element_bytes, g->scratch))
        return std::numeric_limits<float>::infinity();
      stored = reinterpret_cast<const uint8*>(g->scratch);
    }
    stored = resolve_stored(g, id, stored);  // a value with nonzeros in value pages gets them attached
    if (stored == nullptr) return std::numeric_limits<float>::infinity();
    return c.stored_rank(reinterpret_cast<const uint8*>(q), stored, int(g->dims));
  }
  if (head.offset + g->record_size <= kUsable)  // the whole record is on this page
    return core::half_rank(g->metric, q, reinterpret_cast<const uint16*>(rec + vector_offset(g->m)), g->dims);
  float d = 0;
  // Piece lengths are even: record sizes and offsets are multiples of 4.
  bool written = walk_record(*seg, g->layout, id, vector_offset(g->m), g->element_bytes, [&](const SpanPiece& p) {
    Page page = BufferGetPage(pinned(g, p.block));
    if (PageIsNew(page)) return false;
    d += core::half_rank(g->metric, q + p.pos / 2, reinterpret_cast<const uint16*>(page_data(page) + p.offset),
                         p.len / 2);
    return true;
  });
  return written ? d : std::numeric_limits<float>::infinity();
}

// Address of block's page if the backend-local hint knows its buffer, without pinning: only ever used as a prefetch
// address (a stale hint prefetches some other page, which is harmless; the data is read later under a pin).
static inline const char* hinted_page(Graph* g, BlockNumber block, Buffer* buffer) {
  return hinted_page_address(&index_hints, g->index->rd_node, block, buffer);
}

// Asks the CPU to start loading id's record header and the first lines of its vector, so that the DRAM latency of
// several neighbours overlaps (hnswlib does the same with _mm_prefetch). No pin: see hinted_page.
static void prefetch_record(Graph* g, uint32 id) {
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  if (seg == nullptr) return;
  Location head = locate(*seg, g->layout, id, 0);
  Buffer hbuf = InvalidBuffer, vbuf;
  const char* hp = hinted_page(g, head.block, &hbuf);
  if (hp) {
    __builtin_prefetch(hp + SizeOfPageHeaderData + head.offset);
    // The buffer's descriptor too: pinning it (ReadRecentBuffer's header lock, an atomic on that line) was the
    // largest single cost of a search, mostly waiting for the line.
    __builtin_prefetch(GetBufferDescriptor(hbuf - 1), 1);
  }
  Location vec = locate(*seg, g->layout, id, vector_offset(g->m));
  const char* vp = vec.block == head.block ? hp : hinted_page(g, vec.block, &vbuf);
  if (vp == nullptr) return;
  const char* v = vp + SizeOfPageHeaderData + vec.offset;
  uint32 in_page = kUsable - vec.offset;
  uint32 lines = std::min<uint32>(std::min<uint32>(g->element_bytes, in_page), 512);
  for (uint32 k = 0; k < lines; k += 64) __builtin_prefetch(v + k);
}

// Asks the CPU to load the rest of id's vector (beyond what prefetch_record asked for), one cache line at a time, on
// the page that holds its start. The search asks for it one element ahead of the distance it computes: a wide copy
// (3 KB at 1,536 dimensions) streamed from memory otherwise stalls the kernel on every line (perf annotate: ~80% of
// the half kernel's samples sat on its loads), and asking for every neighbour's whole copy at once would exceed what
// the CPU keeps in flight. No pin: see hinted_page.
static void prefetch_vector_rest(Graph* g, uint32 id) {
  if (g->element_bytes <= 512) return;  // prefetch_record asked for all of it
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  if (seg == nullptr) return;
  Location vec = locate(*seg, g->layout, id, vector_offset(g->m));
  Buffer vbuf;
  const char* vp = hinted_page(g, vec.block, &vbuf);
  if (vp == nullptr) return;
  const char* v = vp + SizeOfPageHeaderData + vec.offset;
  uint32 in_page = std::min<uint32>(g->element_bytes, kUsable - vec.offset);
  for (uint32 k = 512; k < in_page; k += 64) __builtin_prefetch(v + k);
  if (in_page < g->element_bytes && g->element_bytes - in_page <= kUsable) {  // the rest on the next page (a straddler)
    const char* np = hinted_page(g, vec.block + 1, &vbuf);
    if (np == nullptr) return;
    const char* w = np + SizeOfPageHeaderData;
    for (uint32 k = 0; k < g->element_bytes - in_page; k += 64) __builtin_prefetch(w + k);
  }
}

// Asks the CPU for id's header and level-0 list (and its buffer's descriptor), which the search reads under a share
// lock when it expands id: a copy from lines not touched since id was evaluated (the copy, memmove, was 4.5% of a
// query's CPU at ef_search 120). No pin: see hinted_page.
static void prefetch_list0(Graph* g, uint32 id) {
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  if (seg == nullptr) return;
  Location head = locate(*seg, g->layout, id, 0);
  Buffer buf;
  const char* hp = hinted_page(g, head.block, &buf);
  if (hp == nullptr) return;
  __builtin_prefetch(GetBufferDescriptor(buf - 1), 1);
  const char* rec = hp + SizeOfPageHeaderData + head.offset;
  const uint32 len = std::min<uint32>(kHeaderBytes + 8 * g->m, kUsable - head.offset);
  for (uint32 k = 0; k < len; k += 64) __builtin_prefetch(rec + k);
  __builtin_prefetch(rec + len - 1);
}

// distance_to for a scan's greedy descent with its backend-local copies (hnsw_descent_cache.h): from the copy when
// the cache holds one, else from the page, and the page's copy kept when the record is live (its copy is then
// immutable until the meta page changes). The same kernel on the same bytes: the same distance as distance_to.
static float descent_distance(Graph* g, core::hnsw::CopyCache* copies, uint32 id, const float* q) {
  if (copies == nullptr) return distance_to(g, id, q);
  if (const uint8* copy = core::hnsw::copy_cache_find(copies, id))
    return core::half_rank(g->metric, q, reinterpret_cast<const uint16*>(copy), g->dims);
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  if (seg == nullptr) return std::numeric_limits<float>::infinity();
  Location head = locate(*seg, g->layout, id, 0);
  // A record of a packed group that straddles two pages (hnsw_record_layout.h) is read as every scan reads it and
  // not copied: the copies hold records that lie on one page (spanning layouts get none: descent_cache_attach).
  if (head.offset + g->record_size > kUsable) return distance_to(g, id, q);
  Page page = BufferGetPage(pinned(g, head.block));
  if (PageIsNew(page)) return std::numeric_limits<float>::infinity();
  const char* rec = page_data(page) + head.offset;
  const uint8 flags = *reinterpret_cast<const volatile uint8*>(rec);
  const uint16* h = reinterpret_cast<const uint16*>(rec + vector_offset(g->m));
  const float d = core::half_rank(g->metric, q, h, g->dims);
  if ((flags & kFlagValid) && !(flags & (kFlagDeleted | kFlagFree))) {
    HnswRecordHeader hdr;
    std::memcpy(&hdr, rec, sizeof(hdr));
    DescentTail tail{hdr.level, 0, hdr.upper_off, upper_block_of(hdr)};
    core::hnsw::copy_cache_put(copies, id, h, g->element_bytes, &tail, sizeof(tail));
  }
  return d;
}

// read_neighbors at an upper level for a scan's greedy descent: the list's place from the element's copy when the
// cache holds it (no read of the record's header), else read_neighbors.
static int descent_neighbors(Graph* g, const core::hnsw::CopyCache* copies, uint32 id, int level, int32* out) {
  const uint8* e = copies ? core::hnsw::copy_cache_find(copies, id) : nullptr;
  if (e == nullptr) return read_neighbors(g, id, level, out);
  DescentTail t;
  std::memcpy(&t, e + g->element_bytes, sizeof(t));
  if (t.level < level) return 0;
  return read_upper_list(g, t.upper_block, t.upper_off, level, out);
}

float descent_distance_to(Graph* g, uint32 id, const float* q) { return descent_distance(g, g->descent_copies, id, q); }

// Asks the CPU for id's copy in the descent's cache; false when the cache has none (prefetch the record instead).
static bool prefetch_copy(const Graph* g, const core::hnsw::CopyCache* copies, uint32 id) {
  const uint8* copy = core::hnsw::copy_cache_find(copies, id);
  if (copy == nullptr) return false;
  for (uint32 k = 0; k < g->element_bytes; k += 64) __builtin_prefetch(copy + k);
  return true;
}

// Page by page (see hnsw.h).
bool copy_immutable(Graph* g, uint32 id, uint32 byte, uint32 len, void* out) {
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  if (seg == nullptr) return false;
  return walk_record(*seg, g->layout, id, byte, len, [&](const SpanPiece& p) {
    Page page = BufferGetPage(pinned(g, p.block));
    if (PageIsNew(page)) return false;
    std::memcpy(static_cast<char*>(out) + p.pos, page_data(page) + p.offset, p.len);
    return true;
  });
}

void read_vector(Graph* g, uint32 id, float* out) {
  if (own_bytes(*g->contract)) {
    std::memset(out, 0, sizeof(float) * g->width);
    if (!copy_immutable(g, id, vector_offset(g->m), g->element_bytes, out))
      std::memset(out, 0, sizeof(float) * g->width);
    attach_element_values(g, id, out);
    return;
  }
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  if (seg == nullptr) {
    std::memset(out, 0, sizeof(float) * g->dims);
    return;
  }
  walk_record(*seg, g->layout, id, vector_offset(g->m), g->element_bytes, [&](const SpanPiece& p) {
    Page page = BufferGetPage(pinned(g, p.block));
    if (PageIsNew(page)) {  // 2 bytes of copy -> 4 bytes of float: the rest of out
      std::memset(out + p.pos / 2, 0, 2 * (g->element_bytes - p.pos));
      return false;
    }
    core::half::decode(reinterpret_cast<const uint16*>(page_data(page) + p.offset), p.len / 2, out + p.pos / 2);
    return true;
  });
}

float read_vector_and_distance(Graph* g, uint32 id, const float* q, float* out) {
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  const Location loc = seg ? locate(*seg, g->layout, id, vector_offset(g->m)) : Location{InvalidBlockNumber, 0};
  if (own_bytes(*g->contract) || seg == nullptr || loc.offset + g->element_bytes > kUsable) {  // not on one page
    read_vector(g, id, out);
    return distance_to(g, id, q);
  }
  Page page = BufferGetPage(pinned(g, loc.block));
  if (PageIsNew(page)) {  // as read_vector and distance_to see an unwritten record
    std::memset(out, 0, sizeof(float) * g->dims);
    return std::numeric_limits<float>::infinity();
  }
  const uint16* h = reinterpret_cast<const uint16*>(page_data(page) + loc.offset);
  core::half::decode(h, g->dims, out);
  return core::half_rank(g->metric, q, h, g->dims);
}

double lower_bound_to(Graph* g, uint32 id, const float* query, double query_norm, float rank, bool* exact_copy,
                      ItemPointer tid_hint) {
  core::half::EncodeError err;
  *exact_copy = false;
  ItemPointerSetInvalid(tid_hint);
  const uint16* h = g->scratch;
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  const Location head = seg ? locate(*seg, g->layout, id, 0) : Location{InvalidBlockNumber, 0};
  if (seg && head.offset + g->record_size <= kUsable) {  // the whole record on one page
    Page page = BufferGetPage(pinned(g, head.block));
    if (PageIsNew(page)) return 0;  // not written: the scan never returns it
    const char* rec = page_data(page) + head.offset;
    std::memcpy(tid_hint, rec + offsetof(HnswRecordHeader, tid), sizeof(ItemPointerData));
    std::memcpy(&err, rec + error_offset(g->m), sizeof(err));
    h = reinterpret_cast<const uint16*>(rec + vector_offset(g->m));
  } else if (!copy_immutable(g, id, error_offset(g->m), sizeof(err), &err)) {
    return 0;
  } else {
    h = nullptr;  // wide record: copied below only if needed
  }
  *exact_copy = core::copy_is_exact(g->metric, err);
  if (core::rank_bound_available(g->metric)) return core::half_lower_bound_from_rank(g->metric, rank, err, g->dims);
  if (h == nullptr) {
    if (!copy_immutable(g, id, vector_offset(g->m), g->element_bytes, g->scratch)) return 0;
    h = g->scratch;
  }
  return core::half_lower_bound(g->metric, query, query_norm, h, g->dims, err);
}

double exact_distance_to(Graph* g, uint32 id, const float* query, float* buf) {
  read_vector(g, id, buf);
  const AnnContract& c = *g->contract;
  if (own_bytes(c))  // operands in the operator's order: indexed column, query
    return c.stored_distance(reinterpret_cast<const uint8*>(buf), reinterpret_cast<const uint8*>(query), int(g->dims));
  return c.exact_from_floats(buf, query, g->dims);
}

static_assert(sizeof(core::half::EncodeError) == kErrorBytes, "record layout holds the error as two floats");

// No Postgres call here: the build calls it from a frame with C++ objects.
void encode_element(char* rec, uint32 m, const float* elem, uint32 dims, const AnnContract& c) {
  if (own_bytes(c)) {  // the error stays zero
    std::memcpy(rec + vector_offset(m), elem, element_bytes(c, dims));
    return;
  }
  core::half::EncodeError err = core::half::encode(elem, dims, reinterpret_cast<uint16*>(rec + vector_offset(m)));
  std::memcpy(rec + error_offset(m), &err, sizeof(err));
}

void ensure_block(Relation index, BlockNumber block) {
  if (block < RelationGetNumberOfBlocks(index)) return;
  LockRelationForExtension(index, ExclusiveLock);
  while (RelationGetNumberOfBlocks(index) <= block) {
    Buffer buf = ReadBufferExtended(index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, nullptr);
    ReleaseBuffer(buf);
  }
  UnlockRelationForExtension(index, ExclusiveLock);
}

// Registers an initialised page `buf` (exclusively locked) for a change. A page whose record will carry a full-page
// image anyway (its first change since the last checkpoint's redo point) is registered as a full image: GenericXLog
// then skips its byte-by-byte delta of the whole page, which the image would make redundant (and which was the
// largest single cost of an insert: docs/benchmarks.md, "Where the time goes: inserts"). Only an optimisation: when
// a checkpoint begins between the check and the record, XLogInsert adds the image to the delta itself.
static Page register_changed(GenericXLogState* state, Buffer buf) {
  return GenericXLogRegisterBuffer(state, buf, XLogCheckBufferNeedsBackup(buf) ? GENERIC_XLOG_FULL_IMAGE : 0);
}

// Registers `buf` (exclusively locked) with the generic WAL state; new pages are logged as full images and
// initialised.
static Page register_page(GenericXLogState* state, Buffer buf, PageKind kind) {
  Page page = BufferGetPage(buf);
  if (PageIsNew(page)) {
    Page copy = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
    init_page(copy, kind);
    return copy;
  }
  return register_changed(state, buf);
}

void write_record_bytes(Relation index, const Graph* g, uint32 id, uint32 byte, uint32 len, const void* src) {
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  if (seg == nullptr) elog(ERROR, "hnsw: element %u has no segment", id);
  const char* from = static_cast<const char*>(src);
  while (len > 0) {
    // One WAL record covers at most MAX_GENERIC_XLOG_PAGES pages.
    Location loc = locate(*seg, g->layout, id, byte);
    uint32 chunk = std::min<uint64>(len, uint64(kUsable) * MAX_GENERIC_XLOG_PAGES - loc.offset);
    Location last = locate(*seg, g->layout, id, byte + chunk - 1);
    int nbufs = int(last.block - loc.block + 1);
    ensure_block(index, last.block);
    Buffer bufs[MAX_GENERIC_XLOG_PAGES];
    for (int i = 0; i < nbufs; ++i) {
      bufs[i] = read_block(index, loc.block + i);
      LockBuffer(bufs[i], BUFFER_LOCK_EXCLUSIVE);
    }
    GenericXLogState* state = GenericXLogStart(index);
    Page pages[MAX_GENERIC_XLOG_PAGES];
    for (int i = 0; i < nbufs; ++i) pages[i] = register_page(state, bufs[i], PageKind::Records);
    span_scatter(pages, loc, chunk, from);
    GenericXLogFinish(state);
    for (int i = 0; i < nbufs; ++i) UnlockReleaseBuffer(bufs[i]);
    from += chunk;
    byte += chunk;
    len -= chunk;
  }
}

void write_upper(Relation index, BlockNumber block, uint32 off, uint32 len, const void* src) {
  ensure_block(index, block);
  Buffer buf = read_block(index, block);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  GenericXLogState* state = GenericXLogStart(index);
  Page page = register_page(state, buf, PageKind::Upper);
  std::memcpy(page_data(page) + off, src, len);
  GenericXLogFinish(state);
  UnlockReleaseBuffer(buf);
}

// Whether a level-0 list as it is on the page (header and list, kHeaderBytes + 8m bytes) may be replaced: it still
// equals what the caller read. A dead element's list is never extended or changed: VACUUM repairs around it and
// recycles it, so a link an insert added there (its search found the element before VACUUM flagged it) would vanish
// with it, and an element whose only in-link it was would be cut off. The flag and the list share the page lock.
static bool list0_unchanged(const char* cur, const int32* expect, int n_expect) {
  const HnswRecordHeader* hp = reinterpret_cast<const HnswRecordHeader*>(cur);
  return (hp->flags & kFlagValid) && !(hp->flags & kFlagDeleted) && hp->n0 == n_expect &&
         std::memcmp(cur + kHeaderBytes, expect, sizeof(int32) * n_expect) == 0;
}

BlockNumber list0_block(const Graph* g, uint32 id) {
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  if (seg == nullptr) return InvalidBlockNumber;
  Location first = locate(*seg, g->layout, id, 0);
  Location last = locate(*seg, g->layout, id, kHeaderBytes + 8 * g->m - 1);
  return first.block == last.block ? first.block : InvalidBlockNumber;
}

void replace_lists0_on_page(Graph* g, BlockNumber block, const ListChange* changes, int n, bool* applied) {
  Buffer buf = read_block(g->index, block);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  GenericXLogState* state = GenericXLogStart(g->index);
  Page page = register_changed(state, buf);
  bool any = false;
  for (int i = 0; i < n; ++i) {
    const ListChange& c = changes[i];
    const HnswSegment* seg = find_segment(g->segments, g->nsegments, c.id);
    Location loc = locate(*seg, g->layout, c.id, 0);  // on `block` (list0_block)
    char* rec = page_data(page) + loc.offset;
    applied[i] = list0_unchanged(rec, c.expect, c.n_expect);
    if (!applied[i]) continue;
    uint16 n0 = uint16(c.n);
    std::memcpy(rec + offsetof(HnswRecordHeader, n0), &n0, sizeof(n0));
    std::memcpy(rec + kHeaderBytes, c.ids, sizeof(int32) * c.n);
    any = true;
  }
  if (any)
    GenericXLogFinish(state);
  else
    GenericXLogAbort(state);
  UnlockReleaseBuffer(buf);
}

bool replace_neighbors(Graph* g, uint32 id, int level, const int32* expect, int n_expect, const int32* ids, int n) {
  HnswRecordHeader h;
  if (level == 0) {
    const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
    if (seg == nullptr) return false;
    uint32 len = kHeaderBytes + 8 * g->m;
    Location first = locate(*seg, g->layout, id, 0);
    Location last = locate(*seg, g->layout, id, len - 1);
    int nbufs = int(last.block - first.block + 1);
    Buffer bufs[2];
    for (int i = 0; i < nbufs; ++i) {
      bufs[i] = read_block(g->index, first.block + i);
      LockBuffer(bufs[i], BUFFER_LOCK_EXCLUSIVE);
    }
    GenericXLogState* state = GenericXLogStart(g->index);
    Page pages[2];
    for (int i = 0; i < nbufs; ++i) pages[i] = register_changed(state, bufs[i]);
    // Gather the current bytes, compare, patch, scatter back.
    char cur[kHeaderBytes + 8 * kMaxM] = {};  // zeroed: GCC cannot see that the gather below fills the header
    span_gather(pages, first, len, cur);
    HnswRecordHeader* hp = reinterpret_cast<HnswRecordHeader*>(cur);
    int32* list = reinterpret_cast<int32*>(cur + kHeaderBytes);
    if (!list0_unchanged(cur, expect, n_expect)) {
      GenericXLogAbort(state);
      for (int i = 0; i < nbufs; ++i) UnlockReleaseBuffer(bufs[i]);
      return false;
    }
    hp->n0 = uint16(n);
    std::memcpy(list, ids, sizeof(int32) * n);
    span_scatter(pages, first, len, cur);
    GenericXLogFinish(state);
    for (int i = 0; i < nbufs; ++i) UnlockReleaseBuffer(bufs[i]);
    return true;
  }
  if (!read_header(g, id, &h) || h.level < level || (h.flags & kFlagDeleted)) return false;
  Buffer buf = read_block(g->index, upper_block_of(h));
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  GenericXLogState* state = GenericXLogStart(g->index);
  Page page = register_changed(state, buf);
  char* rec = page_data(page) + h.upper_off + (level - 1) * upper_level_bytes(g->m);
  uint32 cur_n;
  std::memcpy(&cur_n, rec, 4);
  if (int(cur_n) != n_expect || std::memcmp(rec + 4, expect, sizeof(int32) * n_expect) != 0) {
    GenericXLogAbort(state);
    UnlockReleaseBuffer(buf);
    return false;
  }
  uint32 nn = uint32(n);
  std::memcpy(rec, &nn, 4);
  std::memcpy(rec + 4, ids, sizeof(int32) * n);
  GenericXLogFinish(state);
  UnlockReleaseBuffer(buf);
  return true;
}

void set_record_flags(Graph* g, uint32 id, uint8 set_flags) {
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  if (seg == nullptr) return;
  Location loc = locate(*seg, g->layout, id, 0);  // flags is the first byte: never straddles
  Buffer buf = read_block(g->index, loc.block);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  GenericXLogState* state = GenericXLogStart(g->index);
  Page page = register_changed(state, buf);
  page_data(page)[loc.offset] |= char(set_flags);
  GenericXLogFinish(state);
  UnlockReleaseBuffer(buf);
}

// ---- search -----------------------------------------------------------------------------------------------------

namespace {

// Grows a search buffer (palloc'd in search_init) to at least `need` candidates.
void grow_candidates(Candidate** array, int* capacity, int need) {
  *array =
      static_cast<Candidate*>(*array ? repalloc(*array, sizeof(Candidate) * need) : palloc(sizeof(Candidate) * need));
  *capacity = need;
}

// The page graph as core::hnsw's search accessor (core/hnsw/hnsw_search.h), for one query. Defined here, next to the
// page reads it calls, so the search loop inlines them.
struct PageGraph {
  Graph* g;
  const float* q;
  core::hnsw::CopyCache* copies;  // a scan's greedy descent: its backend-local copies (nullptr: none)
  int neighbors(uint32 id, int level, int32* out) {
    if (level > 0) return descent_neighbors(g, copies, id, level, out);
    HnswRecordHeader h;  // level 0, the hot path: header and list in one lock round trip
    return read_header_and_list0(g, id, &h, out) ? std::min<int>(h.n0, int(2 * g->m)) : 0;
  }
  float distance(uint32 id) { return descent_distance(g, copies, id, q); }
  float distance(uint32 id, bool* excluded) {
    uint8 flags;
    float d = distance_and_flags(g, id, q, &flags);
    // Dead (VACUUMed) or unfinished elements are traversed but take no result slot; so are those a scan's filter
    // rejects (hnsw_filter.h).
    *excluded = (flags & kFlagDeleted) || !(flags & kFlagValid);
    if (g->filter && (flags & kFlagValid) && !element_matches(g, id)) *excluded = true;
    return d;
  }
  void prefetch(uint32 id) {
    if (!copies || !prefetch_copy(g, copies, id)) prefetch_record(g, id);
  }
  void prefetch_vector(uint32 id) { prefetch_vector_rest(g, id); }
  void prefetch_list(uint32 id) { prefetch_list0(g, id); }
  void grow(Candidate** array, int* capacity, int need) { grow_candidates(array, capacity, need); }
};

}  // namespace

void search_init(Search* s, uint32 count, int m, int ef, uint64* visited) {
  s->visited_bits = count;
  if (visited)
    std::memset(visited, 0, sizeof(uint64) * (count / 64 + 1));
  else
    visited = static_cast<uint64*>(palloc0(sizeof(uint64) * (count / 64 + 1)));
  s->visited = visited;
  s->capcand = std::max(64, ef * 4);
  s->cand = static_cast<Candidate*>(palloc(sizeof(Candidate) * s->capcand));
  s->capres = ef + 1;
  s->res = static_cast<Candidate*>(palloc(sizeof(Candidate) * s->capres));
  s->capdisc = 0;
  s->disc = nullptr;
  s->ncand = s->nres = s->ndisc = 0;
  s->keep_discarded = false;
  s->queued = nullptr;
  s->skip_excluded = false;
  s->results_only = nullptr;
  s->nbuf = static_cast<int32*>(palloc(sizeof(int32) * 2 * kMaxM));
  s->evaluated = 0;
  s->seen = nullptr;
  s->seen_bits = s->seen_count = 0;
}

void search_track_seen(Search* s) {
  s->seen_bits = kSeenBits;
  s->seen = static_cast<uint32*>(palloc(sizeof(uint32) << kSeenBits));
  core::hnsw::seen_clear(s);
}

void push_cand(Search* s, Candidate c) {
  PageGraph pg{nullptr, nullptr, nullptr};
  core::hnsw::push_cand(pg, s, c);
}

void push_disc(Search* s, Candidate c) {
  PageGraph pg{nullptr, nullptr, nullptr};
  core::hnsw::push_disc(pg, s, c);
}

void greedy_layer(Graph* g, Search* s, const float* q, int level, int32* cur, float* cur_dist) {
  PageGraph pg{g, q, g->descent_copies};
  core::hnsw::greedy_layer(pg, s, level, g->count, cur, cur_dist);
}

void search_layer(Graph* g, Search* s, const float* q, int level, int ef) {
  PageGraph pg{g, q, nullptr};  // level 0 needs each record's flags: read from the page
  core::hnsw::search_layer(pg, s, level, ef);
}

}  // namespace vx::pg::hnsw

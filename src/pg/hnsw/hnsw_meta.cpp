// The meta page of an hnsw index (contract in hnsw_meta.h): the only file that reads or writes block 0.
#include "pg/hnsw/hnsw_meta.h"
#include "pg/hnsw/hnsw_filter.h"
#include "pg/hnsw/hnsw_filter_dir.h"
#include "pg/hnsw/hnsw_values.h"

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

HnswMeta* page_meta(Page page) { return reinterpret_cast<HnswMeta*>(PageGetContents(page)); }

// The meta page's tail (hnsw_page.h): where the filter directory's presence is recorded.
HnswMetaTail* meta_tail(void* data) {
  return reinterpret_cast<HnswMetaTail*>(static_cast<char*>(data) + kMetaTailOffset);
}
uint32 tail_dir_from(const void* data) {
  const HnswMetaTail* t = meta_tail(const_cast<void*>(data));
  return t->dir_magic == kDirMagic ? t->dir_from : 0;
}

Buffer meta_buffer(Relation index, ForkNumber fork = MAIN_FORKNUM) {
  return ReadBufferExtended(index, fork, kMetaBlock, RBM_NORMAL, nullptr);
}

// The fixed fields of a new meta page (the rest of the page zero); the filter columns in its special area.
// packed: the records lie in packed groups of pages (layout version 6 or 7; packs_records).
void init_meta(Page page, uint32 dims, Metric metric, uint32 m, uint32 efc, uint32 record_size,
               const FilterLayout& filters, bool packed) {
  init_page(page, PageKind::Meta);
  HnswMeta* meta = page_meta(page);
  std::memset(meta, 0, offsetof(HnswMeta, segments));
  meta->magic = kMagic;
  meta->version = layout_version_for(filters, packed);
  page_opaque(page)->aux[0] = filters.count;
  page_opaque(page)->aux[1] = pack_filter_widths(filters);
  meta->dims = dims;
  meta->metric = uint32(metric);
  meta->m = m;
  meta->ef_construction = efc;
  meta->record_size = record_size;
  meta->entry = -1;
  meta->max_level = -1;
  meta->upper_block = InvalidBlockNumber;
  meta->next_block = 1;
  meta->free_head = -1;
  meta->free_count = 0;
  // An index with filter columns has a filter directory in every segment (hnsw_filter_dir.h).
  meta_tail(meta)->dir_magic = filters.count ? kDirMagic : 0;
  meta_tail(meta)->dir_from = filters.count ? 1 : 0;
}

// A free record's link to the next free id is kept in its tid bytes (the heap TID of a dead element is not needed).
int32 free_next(const HnswRecordHeader& h) {
  int32 next;
  std::memcpy(&next, &h.tid, sizeof(int32));
  return next;
}
void set_free_next(char* header, int32 next) {
  std::memcpy(header + offsetof(HnswRecordHeader, tid), &next, sizeof(int32));
}

// The header of id's record on its page (the first 16 bytes never straddle when the offset allows: see callers).
Location header_location(const Graph* g, uint32 id) {
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  if (seg == nullptr) elog(ERROR, "hnsw: element %u has no segment", id);
  return locate(*seg, g->layout, id, 0);
}

}  // namespace

void write_empty_meta(Relation index, ForkNumber fork, int dims, const AnnContract& c, int m, int efc, bool log) {
  Buffer buf = ReadBufferExtended(index, fork, P_NEW, RBM_NORMAL, nullptr);
  Assert(BufferGetBlockNumber(buf) == kMetaBlock);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  GenericXLogState* state = nullptr;
  Page page;
  if (log) {
    state = GenericXLogStart(index);
    page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
  } else {
    page = BufferGetPage(buf);
  }
  const FilterLayout filters = index_filter_layout(index);
  const uint32 rs = record_size(element_bytes(c, uint32(dims)), uint32(m)) + filters.bytes;
  // dims 0 (a column without typmod): the first insert fixes the record size and, with it, the layout.
  init_meta(page, uint32(dims), c.metric, uint32(m), uint32(efc), rs, filters, dims > 0 && new_index_packs(c, rs));
  if (log) {
    GenericXLogFinish(state);
  } else {
    MarkBufferDirty(buf);
  }
  UnlockReleaseBuffer(buf);
}

void write_init_fork_meta(Relation index, int dims, const AnnContract& c, int m, int efc) {
  write_empty_meta(index, INIT_FORKNUM, dims, c, m, efc, false);
  Buffer buf = meta_buffer(index, INIT_FORKNUM);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  START_CRIT_SECTION();
  MarkBufferDirty(buf);
  log_newpage_buffer(buf, true);
  END_CRIT_SECTION();
  UnlockReleaseBuffer(buf);
}

void write_built_meta(Relation index, const BuiltGraph& b) {
  Buffer buf = meta_buffer(index);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  Page page = BufferGetPage(buf);
  init_meta(page, b.dims, b.metric, b.m, b.ef_construction, b.record_size, b.filters, b.packed);
  HnswMeta* meta = page_meta(page);
  meta->entry = b.entry;
  meta->max_level = b.max_level;
  meta->count = b.count;
  meta->upper_block = b.upper_block;
  meta->upper_used = b.upper_block == InvalidBlockNumber ? 0 : b.upper_used;
  meta->next_block = RelationGetNumberOfBlocks(index);
  meta->value_pages = b.value_pages;  // value_free_head stays kNoValuePage (0): nothing freed yet
  if (b.count > 0) {                  // after its filter directory's pages, if any
    meta->segments[0] =
        HnswSegment{1 + b.dir_blocks, 0, segment_capacity(b.segment_blocks, record_layout(b.record_size, b.packed))};
    meta->nsegments = 1;
  }
  MarkBufferDirty(buf);
  UnlockReleaseBuffer(buf);
}

void meta_load(Graph* g) {
  Buffer buf = meta_buffer(g->index);
  LockBuffer(buf, BUFFER_LOCK_SHARE);
  const HnswMeta* meta = page_meta(BufferGetPage(buf));
  const HnswPageOpaque* op = page_opaque(BufferGetPage(buf));
  if (meta->magic != kMagic)
    ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                    errmsg("index \"%s\" is not an hnsw index", RelationGetRelationName(g->index))));
  if (!layout_version_known(meta->version))
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("index \"%s\" has layout version %u, this build reads versions %u to %u",
                           RelationGetRelationName(g->index), meta->version, kLayoutVersion,
                           kPackedFilterLayoutVersion),
                    errhint("REINDEX the index.")));
  // The filter columns as the meta page records them must be the index's own (its columns' types fix them).
  const FilterLayout want = index_filter_layout(g->index);
  FilterLayout have;
  if (!filter_layout_from(op->aux[0], op->aux[1], &have) || have.count != want.count ||
      pack_filter_widths(have) != pack_filter_widths(want) ||
      meta->version != layout_version_for(want, layout_packed(meta->version)))
    ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                    errmsg("index \"%s\" records %u filter columns (widths 0x%x, layout version %u), its columns "
                           "have %u (widths 0x%x)",
                           RelationGetRelationName(g->index), op->aux[0], op->aux[1], meta->version, want.count,
                           pack_filter_widths(want))));
  g->filters = want;
  g->dims = meta->dims;
  g->m = meta->m;
  g->record_size = meta->record_size;
  g->layout = record_layout(meta->record_size, layout_packed(meta->version));
  g->metric = static_cast<Metric>(meta->metric);
  g->entry = meta->entry;
  g->max_level = meta->max_level;
  g->count = meta->count;
  g->nsegments = meta->nsegments;
  std::memcpy(g->segments, meta->segments, sizeof(HnswSegment) * meta->nsegments);
  g->dir_from = want.count ? tail_dir_from(meta) : 0;
  g->meta_lsn = PageGetLSN(BufferGetPage(buf));
  UnlockReleaseBuffer(buf);
  graph_set_element_size(g);
}

MetaState meta_state(Relation index) {
  Buffer buf = meta_buffer(index);
  LockBuffer(buf, BUFFER_LOCK_SHARE);
  const HnswMeta* m = page_meta(BufferGetPage(buf));
  MetaState s{m->count, m->deleted, m->free_count, m->entry, m->max_level};
  UnlockReleaseBuffer(buf);
  return s;
}

void meta_copy(Relation index, HnswMeta* fixed, HnswSegment* segs, uint16* aux, uint32* dir_from) {
  Buffer buf = meta_buffer(index);
  LockBuffer(buf, BUFFER_LOCK_SHARE);
  const HnswMeta* m = page_meta(BufferGetPage(buf));
  std::memcpy(fixed, m, offsetof(HnswMeta, segments));
  if (dir_from) *dir_from = tail_dir_from(m);
  if (aux) std::memcpy(aux, page_opaque(BufferGetPage(buf))->aux, sizeof(uint16) * 2);
  std::memcpy(segs, m->segments, sizeof(HnswSegment) * std::min(m->nsegments, kMaxSegments));
  UnlockReleaseBuffer(buf);
}

bool meta_describe(Page page, uint32* version, uint32* count, uint32* deleted) {
  const HnswMeta* m = page_meta(page);
  if (m->magic != kMagic) return false;
  *version = m->version;
  *count = m->count;
  *deleted = m->deleted;
  return true;
}

void meta_raise_entry(Relation index, uint32 id, int level) {
  Buffer buf = meta_buffer(index);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  if (page_meta(BufferGetPage(buf))->max_level < level) {
    GenericXLogState* state = GenericXLogStart(index);
    HnswMeta* meta = page_meta(GenericXLogRegisterBuffer(state, buf, 0));
    meta->entry = int32(id);
    meta->max_level = level;
    GenericXLogFinish(state);
  }
  UnlockReleaseBuffer(buf);
}

bool meta_move_entry(Relation index, int32 expected, int32 entry, int level) {
  Buffer buf = meta_buffer(index);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  bool moved = page_meta(BufferGetPage(buf))->entry == expected;
  if (moved) {
    GenericXLogState* state = GenericXLogStart(index);
    HnswMeta* meta = page_meta(GenericXLogRegisterBuffer(state, buf, 0));
    meta->entry = entry;
    meta->max_level = level;
    GenericXLogFinish(state);
  }
  UnlockReleaseBuffer(buf);
  return moved;
}

Allocation meta_allocate(Graph* g, uint32 dims, int level_drawn, WriteFirstElement write_first, void* arg) {
  int level = level_drawn;
  Buffer buf = meta_buffer(g->index);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  HnswMeta* cur = page_meta(BufferGetPage(buf));
  // An index on a column without typmod gets its dims from the first element inserted (fixed here, in the same WAL
  // record as its allocation); every other vector must have them.
  if (cur->dims != 0 && cur->dims != dims)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("expected %u dimensions, not %u", cur->dims, dims)));
  Allocation a{};
  a.id = cur->count;
  bool reused = false;
  if (cur->free_head >= 0 && uint32(cur->free_head) < cur->count) {
    // Reuse a recycled id (VACUUM put it there once nothing could reach it).
    HnswRecordHeader fh;
    std::memset(&fh, 0, sizeof(fh));
    a.id = uint32(cur->free_head);
    reused = true;
    (void)read_header(g, a.id, &fh);
    a.next_free = (fh.flags & kFlagFree) ? free_next(fh) : -1;
  }
  if (!reused && cur->count == PG_INT32_MAX)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("hnsw index has too many elements")));
  // Plan the meta change on a copy so the WAL record is built only after the (possible) record write below.
  HnswMeta* next = static_cast<HnswMeta*>(palloc(kUsable));
  std::memcpy(next, cur, kUsable);
  if (next->dims == 0) {
    Assert(next->count == 0);
    next->dims = dims;
    next->record_size = record_size(element_bytes(*g->contract, dims), next->m) + g->filters.bytes;
    // Nothing is written yet: the layout follows the record size, as a build's would.
    next->version = layout_version_for(g->filters, new_index_packs(*g->contract, next->record_size));
  }
  g->dims = next->dims;
  g->record_size = next->record_size;
  g->layout = record_layout(next->record_size, layout_packed(next->version));
  graph_set_element_size(g);
  const HnswSegment* last = next->nsegments ? &next->segments[next->nsegments - 1] : nullptr;
  if (!reused && (last == nullptr || a.id >= last->first_id + last->nelems)) {
    if (next->nsegments >= kMaxSegments)
      ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                      errmsg("hnsw index \"%s\" has no room for more segments", RelationGetRelationName(g->index)),
                      errhint("REINDEX the index.")));
    uint32 want = std::max<uint32>(next->count / 8, (4 * kUsable) / next->record_size + 1);
    uint32 blocks = segment_blocks(want, g->layout);
    const uint32 capacity = segment_capacity(blocks, g->layout);
    // Its filter directory's blocks come first, its records after them (hnsw_filter_dir.h, dir_start).
    const uint32 dir = g->filters.count && tail_dir_from(next) != 0 ? dir_blocks(capacity, g->filters) : 0;
    HnswSegment s{next->next_block + dir, a.id, capacity};
    next->segments[next->nsegments++] = s;
    next->next_block += dir + blocks;
  }
  // A recycled id keeps its old record's level and upper space: levels are drawn independently of the vectors and of
  // which rows get deleted, so the recycled records' levels follow the same distribution as fresh draws, and taking
  // them over keeps the index from growing by upper lists each time its rows are replaced (delete-all + VACUUM +
  // re-insert grew it by 2.5-2.9% per cycle; pgvector: 0%, its TAP 011 allows 2%).
  bool reuse_upper = false;
  if (reused) {
    HnswRecordHeader fh;
    if (read_header(g, a.id, &fh) && (fh.flags & kFlagFree) && int(fh.level) <= max_level_for(next->m)) {
      BlockNumber ub = upper_block_of(fh);
      if (fh.level == 0) {
        level = 0;
      } else if (ub != InvalidBlockNumber && ub != kMetaBlock && ub < next->next_block) {
        level = fh.level;
        a.upper_block = ub;
        a.upper_off = fh.upper_off;
        reuse_upper = true;
      }
    }
  }
  if (level > 0 && !reuse_upper) {
    uint32 need = upper_level_bytes(next->m) * uint32(level);
    if (next->upper_block == InvalidBlockNumber || next->upper_used + need > kUsable) {
      next->upper_block = next->next_block++;
      next->upper_used = 0;
    }
    a.upper_block = next->upper_block;
    a.upper_off = next->upper_used;
    next->upper_used += need;
  }
  if (reused) {
    next->free_head = a.next_free;
    if (next->deleted > 0) next->deleted--;
    if (next->free_count > 0) next->free_count--;
  } else {
    next->count++;
  }
  a.entry = next->entry;
  a.max_level = next->max_level;
  a.level = level;
  if (next->entry < 0) {
    a.became_entry = true;
    next->entry = int32(a.id);
    next->max_level = level;
    // Write our record now (under the meta lock): nobody can start from an entry point that is not on disk.
    g->nsegments = next->nsegments;
    std::memcpy(g->segments, next->segments, sizeof(HnswSegment) * next->nsegments);
    g->count = next->count;
    write_first(g, a, arg);
  }
  GenericXLogState* state = GenericXLogStart(g->index);
  Page page = GenericXLogRegisterBuffer(state, buf, 0);
  std::memcpy(page_meta(page), next, offsetof(HnswMeta, segments) + sizeof(HnswSegment) * next->nsegments);
  GenericXLogFinish(state);
  UnlockReleaseBuffer(buf);
  pfree(next);
  return a;
}

bool free_list_mark(Graph* g, uint32 id, int32 next) {
  Location loc = header_location(g, id);
  if (loc.offset + kHeaderBytes > kUsable) return false;  // a header split over two pages (odd record sizes only)
  Buffer rb = ReadBufferExtended(g->index, MAIN_FORKNUM, loc.block, RBM_NORMAL, nullptr);
  LockBuffer(rb, BUFFER_LOCK_EXCLUSIVE);
  GenericXLogState* state = GenericXLogStart(g->index);
  char* hp = page_data(GenericXLogRegisterBuffer(state, rb, 0)) + loc.offset;
  hp[0] = char(hp[0] | kFlagFree);
  set_free_next(hp, next);
  GenericXLogFinish(state);
  UnlockReleaseBuffer(rb);
  return true;
}

void free_list_push(Graph* g, int32 head, int32 tail, uint32 n) {
  // tail.next = meta.free_head; meta.free_head = head (meta first, then the record page).
  Buffer mb = meta_buffer(g->index);
  LockBuffer(mb, BUFFER_LOCK_EXCLUSIVE);
  Location loc = header_location(g, uint32(tail));
  Buffer rb = ReadBufferExtended(g->index, MAIN_FORKNUM, loc.block, RBM_NORMAL, nullptr);
  LockBuffer(rb, BUFFER_LOCK_EXCLUSIVE);
  GenericXLogState* state = GenericXLogStart(g->index);
  HnswMeta* w = page_meta(GenericXLogRegisterBuffer(state, mb, 0));
  char* hp = page_data(GenericXLogRegisterBuffer(state, rb, 0)) + loc.offset;
  set_free_next(hp, w->free_head);
  w->free_head = head;
  w->free_count += n;
  GenericXLogFinish(state);
  UnlockReleaseBuffer(rb);
  UnlockReleaseBuffer(mb);
}

void meta_count_deleted(Graph* g, uint32 newly, uint32 pending, ReplaceEntry replace_entry, void* arg) {
  Buffer buf = meta_buffer(g->index);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  GenericXLogState* xs = GenericXLogStart(g->index);
  HnswMeta* w = page_meta(GenericXLogRegisterBuffer(xs, buf, 0));
  // (the meta page is locked by us: the callback gets the segment directory from its copy, not a re-read)
  g->nsegments = w->nsegments;
  std::memcpy(g->segments, w->segments, sizeof(HnswSegment) * w->nsegments);
  g->count = w->count;
  int32 entry;
  int level;
  if (replace_entry(g, w->entry, arg, &entry, &level)) {
    w->entry = entry;
    w->max_level = level;
  }
  // Flagged but not recycled: this run's and what an unfinished earlier one flagged without counting.
  w->deleted = std::max(w->deleted + newly, w->free_count + pending + newly);
  GenericXLogFinish(xs);
  UnlockReleaseBuffer(buf);
}

// ---- value pages (hnsw_values.h) --------------------------------------------------------------------------------

void meta_take_value_pages(Relation index, BlockNumber* blocks, uint32 n) {
  Buffer mb = meta_buffer(index);
  LockBuffer(mb, BUFFER_LOCK_EXCLUSIVE);
  GenericXLogState* state = GenericXLogStart(index);
  HnswMeta* meta = page_meta(GenericXLogRegisterBuffer(state, mb, 0));
  const BlockNumber nblocks = RelationGetNumberOfBlocks(index);
  for (uint32 i = 0; i < n; ++i) {
    const BlockNumber head = meta->value_free_head;
    BlockNumber next;
    if (head != kNoValuePage && head < nblocks && value_page_next(index, head, &next)) {
      blocks[i] = head;
      meta->value_free_head = next;
      continue;
    }
    meta->value_free_head = kNoValuePage;  // empty (or damaged: what it held is lost, never reused twice)
    blocks[i] = meta->next_block++;
    meta->value_pages++;
  }
  GenericXLogFinish(state);
  UnlockReleaseBuffer(mb);
}

void meta_free_value_chain(Relation index, BlockNumber head, BlockNumber last, const Location& ref) {
  Buffer mb = meta_buffer(index);
  LockBuffer(mb, BUFFER_LOCK_EXCLUSIVE);
  Buffer rb = ReadBufferExtended(index, MAIN_FORKNUM, ref.block, RBM_NORMAL, nullptr);
  LockBuffer(rb, BUFFER_LOCK_EXCLUSIVE);
  Buffer lb = InvalidBuffer;
  if (last != kNoValuePage) {
    lb = ReadBufferExtended(index, MAIN_FORKNUM, last, RBM_NORMAL, nullptr);
    LockBuffer(lb, BUFFER_LOCK_EXCLUSIVE);
  }
  GenericXLogState* state = GenericXLogStart(index);
  HnswMeta* meta = page_meta(GenericXLogRegisterBuffer(state, mb, 0));
  const ValueRef none{kNoValuePage, 0};
  std::memcpy(page_data(GenericXLogRegisterBuffer(state, rb, 0)) + ref.offset, &none, sizeof(none));
  if (lb != InvalidBuffer) {  // last.next = old head; head = the chain's first page
    auto* lh = reinterpret_cast<ValuePageHeader*>(page_data(GenericXLogRegisterBuffer(state, lb, 0)));
    lh->next = meta->value_free_head;
    meta->value_free_head = head;
  }
  GenericXLogFinish(state);
  if (lb != InvalidBuffer) UnlockReleaseBuffer(lb);
  UnlockReleaseBuffer(rb);
  UnlockReleaseBuffer(mb);
}

}  // namespace vx::pg::hnsw

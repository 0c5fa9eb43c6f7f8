// The hnsw checker of vectorext.index_check (contract: index_check.h; documented in docs/index_check.md). Read-only,
// page by page under share buffer locks, while readers and writers go on. Checks, in order:
//   meta page   magic, layout version, parameters (dims, m, metric, record size), filter columns (count and widths
//               those of the index's columns, layout version 5 exactly when there are some), counts, entry point,
//               segment directory and free list;
//   pages       every initialised page's special area: the hnsw page id, and its kind (meta at block 0 only);
//   elements    every written record: level within bounds, neighbour counts, every neighbour id allocated and
//               written, neighbours at an upper level present at that level, upper records inside their page, the
//               filter area's null bits only for filter columns and a NULL's bytes zero;
//   directory   (filter columns) every filter directory entry's null bits only for filter columns, its pages of
//               their kind, and every live element's entry equal to its record's filter area (hnsw_filter_dir.h);
//   reachable   every live element reachable at level 0 from the entry point, walking as a scan does (through live
//               elements and through dead ones VACUUM has not recycled yet); an element not reached counts only if
//               the check's snapshot sees its heap row (an insert killed before it linked its element left a row
//               that never committed; VACUUM flags such elements dead);
//   heap        with heapallindexed, every live element's heap TID is a row the table still stores (VACUUM flags
//               an element before it frees its row's line pointer), and every row visible to the check's snapshot
//               that the index covers is the heap TID of exactly one live element, whose filter values are the row's.
// The first inconsistency raises XX002 naming the index, the element and its block. Whatever a concurrent insert may
// show half-done (an allocated id not written yet, a written element not linked yet, an entry point not raised yet)
// is re-read before it counts as corruption.
#include "pg/hnsw/hnsw.h"
#include "pg/hnsw/hnsw_filter.h"
#include "pg/hnsw/hnsw_filter_dir.h"
#include "pg/hnsw/hnsw_meta.h"
#include "pg/hnsw/hnsw_values.h"
#include "pg/ann/index_check.h"

extern "C" {
#include "access/tableam.h"
#include "catalog/index.h"
#include "executor/tuptable.h"
#include "storage/bufmgr.h"
#include "utils/snapmgr.h"
}

#include <algorithm>
#include <cstring>

namespace vx::pg {

namespace {

using namespace vx::pg::hnsw;

#define CORRUPT(index, ...)                         \
  ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED), \
                  errmsg("index \"%s\" is corrupted", RelationGetRelationName(index)), errdetail(__VA_ARGS__)))

struct Check {
  Relation index;
  Graph g;
  BlockNumber nblocks;
  HnswMeta* meta;  // fixed part of the meta page as read at the start (no segments)
  uint8* state;    // per id: kUnwritten, or the record's flags
  uint8* level;    // per id
  int32* nbrs;     // 2m
};
constexpr uint8 kUnwritten = 0;

BlockNumber block_of(Check* c, uint32 id) {
  const HnswSegment* seg = find_segment(c->g.segments, c->g.nsegments, id);
  return seg ? locate(*seg, c->g.layout, id, 0).block : InvalidBlockNumber;
}

// Whether the record of id lies inside the relation (an insert extends it before writing there).
bool on_disk(Check* c, uint32 id) {
  const HnswSegment* seg = find_segment(c->g.segments, c->g.nsegments, id);
  return seg && locate(*seg, c->g.layout, id, c->g.record_size - 1).block < c->nblocks;
}

void check_meta(Check* c) {
  Relation index = c->index;
  c->meta = static_cast<HnswMeta*>(palloc(sizeof(HnswMeta)));
  HnswSegment* segs = static_cast<HnswSegment*>(palloc(sizeof(HnswSegment) * kMaxSegments));
  uint16 aux[2];
  uint32 dir_from = 0;
  meta_copy(index, c->meta, segs, aux, &dir_from);
  uint32 nsegs = std::min(c->meta->nsegments, kMaxSegments);
  const HnswMeta& mt = *c->meta;
  if (mt.magic != kMagic) CORRUPT(index, "Meta page (block 0) has magic 0x%08x, expected 0x%08x.", mt.magic, kMagic);
  if (mt.version >= 1 && mt.version < kLayoutVersion)  // an older build's pages, not damage: what scans say
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("index \"%s\" has layout version %u, this build reads versions %u to %u",
                           RelationGetRelationName(index), mt.version, kLayoutVersion, kPackedFilterLayoutVersion),
                    errhint("REINDEX the index.")));
  if (!layout_version_known(mt.version))
    CORRUPT(index, "Meta page (block 0) has unknown layout version %u, this build reads versions %u to %u.",
            mt.version, kLayoutVersion, kPackedFilterLayoutVersion);
  // Filter columns (hnsw_filter.h): the meta page's count and widths are those of the index's columns.
  const FilterLayout filters = index_filter_layout(index);
  FilterLayout recorded;
  if (!filter_layout_from(aux[0], aux[1], &recorded))
    CORRUPT(index, "Meta page (block 0) records %u filter columns of widths 0x%04x, not a valid filter layout.", aux[0],
            aux[1]);
  if (recorded.count != filters.count || pack_filter_widths(recorded) != pack_filter_widths(filters))
    CORRUPT(index, "Meta page (block 0) records %u filter columns of widths 0x%04x, the index has %u of widths 0x%04x.",
            recorded.count, pack_filter_widths(recorded), filters.count, pack_filter_widths(filters));
  const bool packed = layout_packed(mt.version);
  if (mt.version != layout_version_for(filters, packed))
    CORRUPT(index, "Meta page (block 0) has layout version %u with %u filter columns, expected version %u.", mt.version,
            filters.count, layout_version_for(filters, packed));
  if (!core::metric_is_valid(mt.metric)) CORRUPT(index, "Meta page (block 0) has unknown metric %u.", mt.metric);
  const AnnContract& contract = index_contract(index);
  if (mt.metric != uint32(contract.metric))
    CORRUPT(index, "Meta page (block 0) has metric %u, the operator class orders by metric %u.", mt.metric,
            uint32(contract.metric));
  if (mt.m < uint32(kMinM) || mt.m > uint32(kMaxM)) CORRUPT(index, "Meta page (block 0) has m = %u.", mt.m);
  const uint32 want_size = record_size(element_bytes(contract, mt.dims), mt.m) + filters.bytes;
  if (mt.dims != 0 && mt.record_size != want_size)
    CORRUPT(index, "Meta page (block 0) has record size %u, %u dimensions and m = %u need %u.", mt.record_size, mt.dims,
            mt.m, want_size);
  // Packed groups (versions 6, 7) are written only where they pay for the record size (and so have a group size).
  if (packed && (mt.dims == 0 || !packs_records(contract, mt.record_size)))
    CORRUPT(index, "Meta page (block 0) has layout version %u (packed groups), records of %u bytes are not packed.",
            mt.version, mt.record_size);
  const RecordLayout layout = record_layout(mt.record_size, packed);
  if (mt.nsegments > kMaxSegments)
    CORRUPT(index, "Meta page (block 0) lists %u segments, at most %u fit.", mt.nsegments, kMaxSegments);
  if (mt.count > 0 && mt.dims == 0) CORRUPT(index, "Meta page (block 0) has %u elements but no dimensions.", mt.count);
  if (mt.entry < -1 || (mt.entry >= 0 && uint32(mt.entry) >= mt.count))
    CORRUPT(index, "Meta page (block 0) has entry point %d, %u elements are allocated.", mt.entry, mt.count);
  if ((mt.entry < 0) != (mt.max_level < 0))
    CORRUPT(index, "Meta page (block 0) has entry point %d with top level %d.", mt.entry, mt.max_level);
  if (mt.free_count > mt.deleted)
    CORRUPT(index, "Meta page (block 0) counts %u recycled elements but only %u deleted.", mt.free_count, mt.deleted);
  if (mt.deleted > mt.count)
    CORRUPT(index, "Meta page (block 0) counts %u deleted elements, %u are allocated.", mt.deleted, mt.count);
  uint32 next_id = 0;
  for (uint32 i = 0; i < nsegs; ++i) {
    const HnswSegment& s = segs[i];
    uint32 blocks = segment_blocks(s.nelems, layout);
    // a segment's filter directory lies right before its records (hnsw_filter_dir.h)
    const uint32 dir = filters.count && dir_from != 0 && i + 1 >= dir_from ? dir_blocks(s.nelems, filters) : 0;
    if (s.first_id != next_id)
      CORRUPT(index, "HnswSegment %u of the meta page starts at element %u, expected %u.", i, s.first_id, next_id);
    if (s.start_block <= dir || uint64(s.start_block) + blocks > mt.next_block)
      CORRUPT(index, "HnswSegment %u of the meta page (blocks %u..%u) lies outside the allocated blocks 1..%u.", i,
              s.start_block - dir, s.start_block + blocks - 1, mt.next_block - 1);
    next_id = s.first_id + s.nelems;
  }
  if (mt.count > next_id)
    CORRUPT(index, "Meta page (block 0) has %u elements, its segments hold %u.", mt.count, next_id);
  if (filters.count == 0 && dir_from != 0)
    CORRUPT(index, "Meta page (block 0) records a filter directory from segment %u, the index has no filter columns.",
            dir_from - 1);
  if (dir_from > nsegs + 1)
    CORRUPT(index, "Meta page (block 0) records a filter directory from segment %u, it lists %u segments.",
            dir_from - 1, nsegs);
  c->g.index = index;
  c->g.dims = mt.dims;
  c->g.m = mt.m;
  c->g.record_size = mt.record_size;
  c->g.layout = layout;
  c->g.metric = static_cast<Metric>(mt.metric);
  c->g.contract = &contract;
  c->g.scratch = nullptr;
  graph_set_element_size(&c->g);
  c->g.entry = mt.entry;
  c->g.max_level = mt.max_level;
  c->g.count = mt.count;
  c->g.nsegments = nsegs;
  c->g.segments = segs;
  for (int i = 0; i < kPinSlots; ++i) {
    c->g.pin_block[i] = InvalidBlockNumber;
    c->g.pin_buf[i] = InvalidBuffer;
  }
  c->g.pin_next = 0;
  c->g.pin_ops = 0;
  c->g.values = nullptr;
  c->g.filters = filters;
  c->g.filter = nullptr;
  c->g.rejected = nullptr;
  c->g.dir_from = dir_from;
}

// Every initialised page carries the hnsw special area: page id, and its kind (the meta page at block 0 only). Pages
// not initialised yet (the relation extended by an insert that has not written them) are skipped.
void check_pages(Check* c) {
  for (BlockNumber b = 0; b < c->nblocks; ++b) {
    CHECK_FOR_INTERRUPTS();
    Buffer buf = ReadBufferExtended(c->index, MAIN_FORKNUM, b, RBM_NORMAL, nullptr);
    LockBuffer(buf, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buf);
    bool fresh = PageIsNew(page);
    uint32 special = fresh ? 0 : PageGetSpecialSize(page);
    HnswPageOpaque op{};
    if (!fresh && special == MAXALIGN(sizeof(HnswPageOpaque))) op = *page_opaque(page);
    UnlockReleaseBuffer(buf);
    if (fresh) continue;
    if (special != MAXALIGN(sizeof(HnswPageOpaque)))
      CORRUPT(c->index, "Block %u has a special area of %u bytes, expected %u.", b, special,
              uint32(MAXALIGN(sizeof(HnswPageOpaque))));
    if (op.page_id != kPageId)
      CORRUPT(c->index, "Block %u has page id 0x%04x, expected 0x%04x.", b, op.page_id, kPageId);
    bool meta_kind = op.kind == uint16(PageKind::Meta);
    if (meta_kind != (b == kMetaBlock) ||
        (!meta_kind && op.kind != uint16(PageKind::Records) && op.kind != uint16(PageKind::Upper) &&
         op.kind != uint16(PageKind::Value) && op.kind != uint16(PageKind::Directory)))
      CORRUPT(c->index, "Block %u has page kind %u.", b, op.kind);
  }
}

// Re-reads the meta page's count and entry point (a concurrent insert may have moved them).
void refresh_meta(Check* c, uint32* count, int32* entry, int32* max_level) {
  MetaState m = meta_state(c->index);
  *count = m.count;
  *entry = m.entry;
  *max_level = m.max_level;
}

// A record's filter area (hnsw_filter.h): null bits only for the filter columns, a NULL value's bytes zero.
void check_filter_area(Check* c, uint32 id, BlockNumber blk) {
  const FilterLayout& f = c->g.filters;
  if (f.count == 0) return;
  char area[4 + 8 * kMaxFilterColumns];
  if (!copy_immutable(&c->g, id, c->g.filter_offset, f.bytes, area)) return;
  uint32 nulls;
  std::memcpy(&nulls, area, 4);
  if (nulls >> f.count)
    CORRUPT(c->index, "Element %u (block %u) has filter null bits 0x%08x, the index has %u filter columns.", id, blk,
            nulls, f.count);
  for (int i = 0; i < f.count; ++i) {
    if (!(nulls & (1u << i))) continue;
    for (int b = 0; b < f.width[i]; ++b)
      if (area[f.offset[i] + b] != 0)
        CORRUPT(c->index, "Element %u (block %u) has a NULL in filter column %d whose bytes are not zero.", id, blk,
                i + 1);
  }
}

// Pass 1: every record's header and lists.
void check_elements(Check* c, IndexCheckCounts* out) {
  Relation index = c->index;
  Graph* g = &c->g;
  const uint32 count = g->count;
  const int maxl = max_level_for(g->m);
  for (uint32 id = 0; id < count; ++id) {
    CHECK_FOR_INTERRUPTS();
    if (!on_disk(c, id)) continue;  // allocated, page not written yet (an insert in progress)
    HnswRecordHeader h;
    if (!read_header(g, id, &h)) continue;  // not published yet
    c->state[id] = h.flags;
    c->level[id] = h.level;
    out->entries++;
    if (h.flags & kFlagFree) continue;  // recycled: its bytes wait for reuse
    if (!(h.flags & kFlagDeleted)) out->live++;
    BlockNumber blk = block_of(c, id);
    if (h.level > maxl)
      CORRUPT(index, "Element %u (block %u) has level %u, at most %d fit with m = %u.", id, blk, h.level, maxl, g->m);
    if (h.n0 > 2 * g->m)
      CORRUPT(index, "Element %u (block %u) has %u level-0 neighbours, at most %u.", id, blk, h.n0, 2 * g->m);
    if (h.level > 0) {
      BlockNumber ub = upper_block_of(h);
      if (ub == kMetaBlock || ub >= c->nblocks || h.upper_off + upper_level_bytes(g->m) * h.level > kUsable)
        CORRUPT(index, "Element %u (block %u) has its level 1..%u lists at block %u offset %u, outside the index.", id,
                blk, h.level, ub, h.upper_off);
    }
    if (!(h.flags & kFlagDeleted) && !ItemPointerIsValid(&h.tid))
      CORRUPT(index, "Element %u (block %u) is live and has an invalid heap TID.", id, blk);
    check_filter_area(c, id, blk);
  }
}

// Whether `to` may be linked: allocated and written (links to an element are made only after it is written). An id
// beyond the first snapshot of the meta page was allocated by a concurrent insert if the meta page now counts it.
bool linkable(Check* c, uint32 to) {
  if (to >= c->meta->count) {
    uint32 count;
    int32 e, l;
    refresh_meta(c, &count, &e, &l);
    return to < count;
  }
  if (c->state[to] != kUnwritten) return true;
  HnswRecordHeader h;
  c->nblocks = RelationGetNumberOfBlocks(c->index);
  return on_disk(c, to) && read_header(&c->g, to, &h);
}

// Pass 2: every neighbour id of every written, unrecycled element.
void check_links(Check* c) {
  Relation index = c->index;
  Graph* g = &c->g;
  const uint32 count = c->meta->count;
  for (uint32 id = 0; id < count; ++id) {
    CHECK_FOR_INTERRUPTS();
    if (c->state[id] == kUnwritten || (c->state[id] & kFlagFree)) continue;
    for (int l = 0; l <= c->level[id]; ++l) {
      int n = read_neighbors(g, id, l, c->nbrs);
      if (l > 0) {
        // read_neighbors clamps: look at the stored count itself.
        HnswRecordHeader h;
        if (read_header(g, id, &h)) {
          Buffer buf = ReadBufferExtended(index, MAIN_FORKNUM, upper_block_of(h), RBM_NORMAL, nullptr);
          LockBuffer(buf, BUFFER_LOCK_SHARE);
          uint32 stored;
          std::memcpy(&stored, page_data(BufferGetPage(buf)) + h.upper_off + (l - 1) * upper_level_bytes(g->m), 4);
          UnlockReleaseBuffer(buf);
          if (stored > g->m)
            CORRUPT(index, "Element %u (block %u) has %u neighbours at level %d, at most %u.", id, block_of(c, id),
                    stored, l, g->m);
        }
      }
      for (int i = 0; i < n; ++i) {
        int32 to = c->nbrs[i];
        if (to < 0 || uint32(to) == id || !linkable(c, uint32(to)))
          CORRUPT(index, "Element %u (block %u) links at level %d to element %d, which %s.", id, block_of(c, id), l, to,
                  to < 0             ? "is not an element id"
                  : uint32(to) == id ? "is itself"
                                     : "was never written");
        if (l > 0 && uint32(to) < count && c->state[to] != kUnwritten && !(c->state[to] & kFlagFree) &&
            c->level[to] < l)
          CORRUPT(index, "Element %u (block %u) links at level %d to element %d, whose top level is %u.", id,
                  block_of(c, id), l, to, c->level[to]);
      }
    }
  }
}

// Pass 3: breadth-first from the entry point at level 0 through unrecycled elements, as a scan walks. Returns the
// number of live elements not reached.
int64 walk_level0(Check* c, int32 entry, bool* reached, uint32* queue) {
  Graph* g = &c->g;
  const uint32 count = c->meta->count;
  std::memset(reached, 0, count + 1);
  uint32 head = 0, tail = 0;
  if (entry >= 0 && uint32(entry) < count) {
    reached[entry] = true;
    queue[tail++] = uint32(entry);
  }
  while (head < tail) {
    CHECK_FOR_INTERRUPTS();
    uint32 id = queue[head++];
    int n = read_neighbors(g, id, 0, c->nbrs);
    for (int i = 0; i < n; ++i) {
      int32 to = c->nbrs[i];
      if (to < 0 || uint32(to) >= count || reached[to]) continue;
      if (c->state[to] == kUnwritten || (c->state[to] & kFlagFree)) {
        // Written, or reused by an insert, since pass 1? (A link to a free id is stale: it leads nowhere.)
        HnswRecordHeader h;
        c->nblocks = RelationGetNumberOfBlocks(c->index);
        if (!on_disk(c, uint32(to)) || !read_header(g, uint32(to), &h) || (h.flags & kFlagFree)) continue;
        c->state[to] = h.flags;
        c->level[to] = h.level;
      }
      reached[to] = true;
      queue[tail++] = uint32(to);
    }
  }
  int64 missing = 0;
  for (uint32 id = 0; id < count; ++id)
    if (c->state[id] != kUnwritten && !(c->state[id] & (kFlagDeleted | kFlagFree)) && !reached[id]) ++missing;
  return missing;
}

// Whether the heap row at tid is visible to snapshot (an element whose row is not, e.g. an insert that aborted or
// crashed before it linked its element, or one still in progress, is not a live row: nothing has to find it).
bool row_visible(Relation heap, Snapshot snapshot, ItemPointer tid, IndexFetchTableData* fetch, TupleTableSlot* slot) {
  bool call_again = false, all_dead = false;
  ItemPointerData t = *tid;
  bool found = table_index_fetch_tuple(fetch, &t, snapshot, slot, &call_again, &all_dead);
  ExecClearTuple(slot);
  return found;
}

void check_reachable(Check* c, Relation heap, IndexCheckCounts* out) {
  Relation index = c->index;
  const uint32 count = c->meta->count;
  if (out->live == 0) return;
  int32 entry = c->meta->entry;
  if (entry < 0)
    CORRUPT(index, "Meta page (block 0) has no entry point, %lld elements are live.", (long long)out->live);
  bool* reached = static_cast<bool*>(palloc(count + 1));
  uint32* queue = static_cast<uint32*>(palloc(sizeof(uint32) * (count + 1)));
  // An insert writes its element before linking it: a walk that misses elements is repeated (lists re-read) before
  // they count; an element missed three times while its record still says live is not reachable.
  int64 missing = 0;
  for (int round = 0; round < 3; ++round) {
    uint32 cnt;
    int32 e, l;
    refresh_meta(c, &cnt, &e, &l);
    if (e >= 0 && uint32(e) < count) entry = e;
    missing = walk_level0(c, entry, reached, queue);
    if (missing == 0) break;
    for (uint32 id = 0; id < count; ++id) {
      if (c->state[id] == kUnwritten || (c->state[id] & (kFlagDeleted | kFlagFree)) || reached[id]) continue;
      HnswRecordHeader h;
      if (read_header(&c->g, id, &h)) c->state[id] = h.flags;
    }
  }
  if (missing == 0) return;
  // Only elements of rows the check's snapshot sees count (VACUUM flags the others once their rows are dead).
  Snapshot snapshot = RegisterSnapshot(GetTransactionSnapshot());
  IndexFetchTableData* fetch = table_index_fetch_begin(heap);
  TupleTableSlot* slot = table_slot_create(heap, nullptr);
  int64 unreachable = 0;
  uint32 first = 0;
  for (uint32 id = 0; id < count; ++id) {
    if (c->state[id] == kUnwritten || (c->state[id] & (kFlagDeleted | kFlagFree)) || reached[id]) continue;
    HnswRecordHeader h;
    if (!read_header(&c->g, id, &h) || (h.flags & (kFlagDeleted | kFlagFree))) continue;
    if (!row_visible(heap, snapshot, &h.tid, fetch, slot)) continue;
    if (unreachable++ == 0) first = id;
  }
  ExecDropSingleTupleTableSlot(slot);
  table_index_fetch_end(fetch);
  UnregisterSnapshot(snapshot);
  if (unreachable == 0) return;
  out->unreachable = unreachable;
  CORRUPT(index,
          "Live element %u (block %u) is not reachable at level 0 from the entry point %d (%lld live elements are "
          "not).",
          first, block_of(c, first), entry, (long long)unreachable);
}

// Pass 4 (heapallindexed): live heap TIDs of the index, sorted; every row the snapshot sees must be one of them,
// exactly once.
// A live element by its heap TID (filter columns: heap_row compares its values with the row's).
struct TidId {
  ItemPointerData tid;
  uint32 id;
};

struct HeapCheck {
  Check* c;
  ItemPointerData* tids;
  int64 ntids;
  TidId* by_tid;  // sorted by tid; nullptr without filter columns
  int64 rows;
  float* vec;
  IndexCheckCounts* out;
};

int tid_cmp(const void* a, const void* b) {
  return ItemPointerCompare(static_cast<ItemPointer>(const_cast<void*>(a)),
                            static_cast<ItemPointer>(const_cast<void*>(b)));
}

void heap_row(Relation index, ItemPointer tid, Datum* values, bool* isnull, bool alive, void* arg) {
  auto* hc = static_cast<HeapCheck*>(arg);
  if (!alive || isnull[0]) return;
  Check* c = hc->c;
  // What the index leaves out: zero vectors under cosine (datum_to_element refuses them). An index that has no dims
  // yet (empty, column without typmod) indexes nothing: every other row is missing.
  if (c->g.dims == 0) {
    uint32 dims = uint32(datum_dims(*c->g.contract, values[0]));
    float* v = static_cast<float*>(palloc(sizeof(float) * element_width(*c->g.contract, dims)));
    bool indexable = datum_to_element(*c->g.contract, values[0], dims, v);
    pfree(v);
    if (!indexable) return;
  } else if (!datum_to_element(*c->g.contract, values[0], c->g.dims, hc->vec)) {
    return;
  }
  hc->rows++;
  ItemPointerData key = *tid;
  auto* found =
      static_cast<ItemPointerData*>(bsearch(&key, hc->tids, size_t(hc->ntids), sizeof(ItemPointerData), tid_cmp));
  if (found == nullptr)
    CORRUPT(index, "Heap row (%u,%u) is not indexed by any live element.", ItemPointerGetBlockNumber(tid),
            ItemPointerGetOffsetNumber(tid));
  int64 i = found - hc->tids;
  int64 lo = i, hi = i;
  while (lo > 0 && ItemPointerEquals(&hc->tids[lo - 1], tid)) --lo;
  while (hi + 1 < hc->ntids && ItemPointerEquals(&hc->tids[hi + 1], tid)) ++hi;
  if (hi > lo)
    CORRUPT(index, "Heap row (%u,%u) is indexed by %lld live elements.", ItemPointerGetBlockNumber(tid),
            ItemPointerGetOffsetNumber(tid), (long long)(hi - lo + 1));
  if (hc->by_tid) {  // its element's filter values are the row's
    const FilterLayout& f = c->g.filters;
    auto* e = static_cast<TidId*>(bsearch(&key, hc->by_tid, size_t(hc->ntids), sizeof(TidId), tid_cmp));
    char want[4 + 8 * kMaxFilterColumns], have[4 + 8 * kMaxFilterColumns];
    encode_filter_values(want, f, values, isnull);
    if (e && copy_immutable(&c->g, e->id, c->g.filter_offset, f.bytes, have) && std::memcmp(want, have, f.bytes) != 0)
      CORRUPT(index, "Element %u (block %u) holds filter column values that are not those of its heap row (%u,%u).",
              e->id, block_of(c, e->id), ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid));
  }
}

// Whether the heap line pointer at tid still holds a row (a tuple, a HOT chain's redirect, or a line pointer pruning
// marked dead, which VACUUM gives the index before it frees it). A free line pointer, or one beyond the page's items or
// the table's blocks, held a row VACUUM removed.
bool heap_stores(Relation heap, ItemPointer tid, BlockNumber* nblocks, BufferAccessStrategy strategy) {
  BlockNumber blk = ItemPointerGetBlockNumber(tid);
  if (blk >= *nblocks) {
    *nblocks = RelationGetNumberOfBlocks(heap);
    if (blk >= *nblocks) return false;
  }
  Buffer buf = ReadBufferExtended(heap, MAIN_FORKNUM, blk, RBM_NORMAL, strategy);
  LockBuffer(buf, BUFFER_LOCK_SHARE);
  Page page = BufferGetPage(buf);
  OffsetNumber off = ItemPointerGetOffsetNumber(tid);
  bool stored =
      off >= FirstOffsetNumber && off <= PageGetMaxOffsetNumber(page) && ItemIdIsUsed(PageGetItemId(page, off));
  UnlockReleaseBuffer(buf);
  return stored;
}

// Pass 4a (heapallindexed, heap tables): every live element's row is still stored. VACUUM flags the elements of the
// rows it removes before it frees their line pointers, so a live element whose line pointer is free was missed by a
// VACUUM: a scan would return whatever row an insert puts at that TID next. A row VACUUM could not remove yet (an
// older snapshot still sees it) keeps its element live, correctly. tids: the live elements' TIDs, sorted.
void check_rows_stored(Check* c, Relation heap, ItemPointerData* tids, int64 ntids) {
  if (heap->rd_tableam != GetHeapamTableAmRoutine()) return;  // line pointers are the heap's
  BufferAccessStrategy strategy = GetAccessStrategy(BAS_BULKREAD);
  BlockNumber nblocks = RelationGetNumberOfBlocks(heap);
  for (int64 i = 0; i < ntids; ++i) {
    CHECK_FOR_INTERRUPTS();
    if (i > 0 && ItemPointerEquals(&tids[i], &tids[i - 1])) continue;
    ItemPointerData tid = tids[i];
    if (heap_stores(heap, &tid, &nblocks, strategy)) continue;
    // Read since pass 1: a concurrent VACUUM may have flagged the element and freed the line pointer meanwhile.
    for (uint32 id = 0; id < c->meta->count; ++id) {
      HnswRecordHeader h;
      if (c->state[id] == kUnwritten || !read_header(&c->g, id, &h) || (h.flags & (kFlagDeleted | kFlagFree)) ||
          !ItemPointerEquals(&h.tid, &tid))
        continue;
      if (heap_stores(heap, &tid, &nblocks, strategy)) break;  // an insert reused the line pointer meanwhile
      CORRUPT(c->index,
              "Live element %u (block %u) has heap TID (%u,%u), which holds no row: VACUUM removed the row without "
              "flagging the element.",
              id, block_of(c, id), ItemPointerGetBlockNumber(&tid), ItemPointerGetOffsetNumber(&tid));
    }
  }
  FreeAccessStrategy(strategy);
}

void check_heap(Check* c, Relation heap, IndexCheckCounts* out) {
  Graph* g = &c->g;
  const uint32 count = c->meta->count;
  HeapCheck hc{};
  hc.c = c;
  hc.out = out;
  hc.tids = static_cast<ItemPointerData*>(
      MemoryContextAllocHuge(CurrentMemoryContext, sizeof(ItemPointerData) * (size_t(count) + 1)));
  // The snapshot first: a row it sees was indexed (and its element written) before the snapshot was taken.
  Snapshot snapshot = RegisterSnapshot(GetTransactionSnapshot());
  for (uint32 id = 0; id < count; ++id) {
    CHECK_FOR_INTERRUPTS();
    if (c->state[id] == kUnwritten) {
      // Written since pass 1?
      c->nblocks = RelationGetNumberOfBlocks(c->index);
      HnswRecordHeader h;
      if (!on_disk(c, id) || !read_header(g, id, &h)) continue;
      c->state[id] = h.flags;
    }
    HnswRecordHeader h;
    if (!read_header(g, id, &h) || (h.flags & (kFlagDeleted | kFlagFree))) continue;
    if (g->filters.count) {
      if (hc.by_tid == nullptr)
        hc.by_tid =
            static_cast<TidId*>(MemoryContextAllocHuge(CurrentMemoryContext, sizeof(TidId) * (size_t(count) + 1)));
      hc.by_tid[hc.ntids] = TidId{h.tid, id};
    }
    hc.tids[hc.ntids++] = h.tid;
  }
  qsort(hc.tids, size_t(hc.ntids), sizeof(ItemPointerData), tid_cmp);
  if (hc.by_tid) qsort(hc.by_tid, size_t(hc.ntids), sizeof(TidId), tid_cmp);  // the tid is the first member
  check_rows_stored(c, heap, hc.tids, hc.ntids);
  hc.vec = static_cast<float*>(palloc(sizeof(float) * (g->width + 1)));
  IndexInfo* info = BuildIndexInfo(c->index);
  info->ii_Concurrent = true;  // visibility by the snapshot: no waits, no warnings about concurrent inserts
  TableScanDesc scan = table_beginscan_strat(heap, snapshot, 0, nullptr, true, false);
  table_index_build_scan(heap, c->index, info, true, false, heap_row, &hc, scan);
  UnregisterSnapshot(snapshot);
  out->heap_rows = hc.rows;
}

}  // namespace

void hnsw_check_index(Relation index, Relation heap, bool heapallindexed, IndexCheckCounts* out) {
  MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw index_check", ALLOCSET_DEFAULT_SIZES);
  MemoryContext old = MemoryContextSwitchTo(cxt);
  Check c{};
  c.index = index;
  c.nblocks = RelationGetNumberOfBlocks(index);
  if (c.nblocks == 0) CORRUPT(index, "The index has no meta page (0 blocks).");
  check_meta(&c);
  check_pages(&c);
  const uint32 count = c.meta->count;
  c.state = static_cast<uint8*>(palloc0(count + 1));
  c.level = static_cast<uint8*>(palloc0(count + 1));
  c.nbrs = static_cast<int32*>(palloc(sizeof(int32) * 2 * kMaxM));
  *out = IndexCheckCounts{};
  out->pages = c.nblocks;
  check_elements(&c, out);
  check_element_values(&c.g, c.state, c.nblocks);  // value pages: chains and their free list
  check_filter_dir(&c.g, c.state, c.nblocks);      // the filter directory: every live element's entry
  // The entry point: written, and at the top level.
  if (c.meta->entry >= 0) {
    uint32 e = uint32(c.meta->entry);
    if (c.state[e] == kUnwritten)
      CORRUPT(index, "Entry point %u (block %u) has no written record.", e, block_of(&c, e));
    if (int(c.level[e]) != c.meta->max_level) {
      uint32 cnt;
      int32 e2, l2;
      refresh_meta(&c, &cnt, &e2, &l2);
      if (e2 == c.meta->entry && int(c.level[e]) != l2)
        CORRUPT(index, "Entry point %u (block %u) has level %u, the meta page says %d.", e, block_of(&c, e), c.level[e],
                l2);
    }
  }
  check_links(&c);
  check_reachable(&c, heap, out);
  if (heapallindexed) check_heap(&c, heap, out);
  graph_release(&c.g);
  MemoryContextSwitchTo(old);
  MemoryContextDelete(cxt);
}

}  // namespace vx::pg

// The ivfflat / ivf checker of vectorext.index_check (contract: index_check.h; what it checks: docs/index_check.md).
//   meta page      magic, layout version, every field consistent with the others and with the access method
//   model pages    centroid, codebook and directory pages where the meta page says, of their kind, values finite
//   lists          each list's chain from its directory slot: posting pages of the posting area, none reached twice
//                  (no cycle, no page in two lists), the insert page on the chain, every posting of the code size,
//                  a valid heap TID, flat codes with finite halves and encoding errors, bit codes with zero padding
//   orphans        posting pages with postings that no list reaches (WAL-logged indexes; pages written after the
//                  check began are skipped: a concurrent insert may be linking them)
//   heapallindexed every live heap row (the check's MVCC snapshot, the index's predicate, NULLs and zero vectors
//                  under cosine skipped as the access method skips them) indexed exactly once; flat and bit codes
//                  equal the encoding of the row's vector
// Read-only: share locks on one page at a time, under the entry point's AccessShareLocks. C-style (palloc, no
// object with a destructor): every problem is an ereport, XX002 for corruption.
#include "pg/ann/index_check.h"
#include "pg/ivf/ivf.h"
#include "pg/type/vector_type.h"

#include "core/half_copy.h"

#include <cmath>
#include <cstdarg>
#include <cstring>

extern "C" {
#include "access/heapam.h"
#include "access/tableam.h"
#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
}

namespace vx::pg {

namespace {

using namespace ivf;

// One posting seen in the index, for heapallindexed: its heap TID and a hash of its code.
struct Entry {
  uint64 tid;
  uint32 code_hash;
  bool matched;
};

struct Checker {
  Relation index;
  Relation heap;
  IvfMeta meta;
  BlockNumber nblocks;
  BlockNumber heap_nblocks;
  BufferAccessStrategy strategy;
  bool* visited;  // per index block: reached by a list's chain
  BlockNumber visited_len;
  IndexCheckCounts* out;
  // heapallindexed
  bool collect;
  Entry* entries;
  int64 nentries, capentries;
  const AnnContract* contract;
  float* scratch;  // dim floats
  uint8* code;     // code_size bytes
  MemoryContext tuple_cxt;
};

uint64 tid_key(const ItemPointerData* tid) {
  return (static_cast<uint64>(ItemPointerGetBlockNumberNoCheck(tid)) << 16) | ItemPointerGetOffsetNumberNoCheck(tid);
}

// XX002 naming the index and what is wrong where.
[[noreturn]] pg_attribute_printf(2, 3) void corrupt(const Checker& c, const char* fmt, ...) {
  StringInfoData what;
  initStringInfo(&what);
  for (;;) {
    va_list args;
    va_start(args, fmt);
    int needed = appendStringInfoVA(&what, fmt, args);
    va_end(args);
    if (needed == 0) break;
    enlargeStringInfo(&what, needed);
  }
  ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                  errmsg("index \"%s\" is corrupted: %s", RelationGetRelationName(c.index), what.data),
                  errhint("REINDEX the index to rebuild it from the table.")));
  pg_unreachable();
}

const char* kind_name(uint16 kind) {
  switch (static_cast<PageKind>(kind)) {
    case PageKind::Meta:
      return "meta";
    case PageKind::Centroids:
      return "centroid";
    case PageKind::Codebook:
      return "codebook";
    case PageKind::Directory:
      return "directory";
    case PageKind::Posting:
      return "posting";
  }
  return "unknown";
}

// Reads and share-locks `block`, which must be an initialised page of `kind`.
Buffer read_page(Checker& c, BlockNumber block, PageKind kind, const char* why) {
  if (block >= c.nblocks) c.nblocks = RelationGetNumberOfBlocks(c.index);
  if (block >= c.nblocks) corrupt(c, "%s: block %u is beyond the end of the index (%u blocks)", why, block, c.nblocks);
  CHECK_FOR_INTERRUPTS();
  Buffer buf = ReadBufferExtended(c.index, MAIN_FORKNUM, block, RBM_NORMAL, c.strategy);
  LockBuffer(buf, BUFFER_LOCK_SHARE);
  c.out->pages += 1;
  Page page = BufferGetPage(buf);
  if (PageIsNew(page))
    corrupt(c, "%s: block %u is an uninitialised page, expected a %s page", why, block, kind_name(uint16(kind)));
  if (PageGetSpecialSize(page) != MAXALIGN(sizeof(IvfPageOpaque)))
    corrupt(c, "block %u has a special area of %u bytes, expected %zu", block,
            static_cast<unsigned>(PageGetSpecialSize(page)), static_cast<size_t>(MAXALIGN(sizeof(IvfPageOpaque))));
  const IvfPageOpaque* op = page_opaque(page);
  if (op->page_id != kPageId) corrupt(c, "block %u has page id 0x%04x, expected 0x%04x", block, op->page_id, kPageId);
  if (op->kind != static_cast<uint16>(kind))
    corrupt(c, "%s: block %u is a %s page, expected a %s page", why, block, kind_name(op->kind),
            kind_name(uint16(kind)));
  return buf;
}

// A content page (meta, centroids, codebook, directory) must cover `bytes` of contents with pd_lower, or full-page
// images and generic WAL would not keep them.
void check_covered(Checker& c, Page page, BlockNumber block, Size bytes) {
  Size lower = reinterpret_cast<PageHeader>(page)->pd_lower;
  if (lower < MAXALIGN(SizeOfPageHeaderData) + bytes)
    corrupt(c, "block %u keeps %zu bytes of contents, expected at least %zu", block,
            static_cast<size_t>(lower - std::min<Size>(lower, MAXALIGN(SizeOfPageHeaderData))),
            static_cast<size_t>(bytes));
}

void check_meta(Checker& c) {
  Buffer buf = read_page(c, kMetaBlock, PageKind::Meta, "meta page");
  Page page = BufferGetPage(buf);
  memcpy(&c.meta, page_meta(page), sizeof(IvfMeta));
  check_covered(c, page, kMetaBlock, sizeof(IvfMeta));
  UnlockReleaseBuffer(buf);
  const IvfMeta& m = c.meta;
  if (m.magic != kMagic) corrupt(c, "meta page has magic 0x%08x, expected 0x%08x", m.magic, kMagic);
  if (m.version >= 1 && m.version < kLayoutVersion)  // an older build's pages, not damage: what scans say
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("index \"%s\" has layout version %u, this build reads version %u",
                           RelationGetRelationName(c.index), m.version, kLayoutVersion),
                    errhint("REINDEX the index.")));
  if (m.version != kLayoutVersion) corrupt(c, "meta page has unknown layout version %u", m.version);

  const AmKind am = read_build_options(c.index).am;
  if (m.am != static_cast<uint8>(am))
    corrupt(c, "meta page says access method %u, the index is %s", m.am, am == AmKind::IvfFlat ? "ivfflat" : "ivf");
  if (m.metric < static_cast<uint8>(Metric::L2) || m.metric > static_cast<uint8>(Metric::Cosine))
    corrupt(c, "meta page has unknown metric %u", m.metric);
  if (m.metric != static_cast<uint8>(c.contract->metric))
    corrupt(c, "meta page has metric %u, the operator class another", m.metric);
  const core::ivf::CodecInfo* codec = core::ivf::codec_info(static_cast<uint32>(m.quantizer));
  if (codec == nullptr) corrupt(c, "meta page has unknown quantizer %u", m.quantizer);
  const CentroidForm form = centroid_form_for(*c.contract);
  if (m.centroid_form != static_cast<uint8>(form))
    corrupt(c, "meta page has centroid form %u, the column's type %u", m.centroid_form, static_cast<unsigned>(form));
  const auto flat = static_cast<uint8>(stored_quantizer(Quantizer::Flat, form, m.dim));
  if (form == CentroidForm::Bits ? m.quantizer != flat : m.quantizer == static_cast<uint8>(Quantizer::Bits))
    corrupt(c, "meta page has quantizer %u for centroid form %u", m.quantizer, m.centroid_form);
  // heap postings exactly where a code would not fit a posting page (a flat one never does then)
  const bool heap = m.quantizer == static_cast<uint8>(Quantizer::Heap);
  if (heap ? flat != static_cast<uint8>(Quantizer::Heap) : !posting_fits_page(static_cast<Size>(m.code_size)))
    corrupt(c, "meta page has quantizer %u with %d-byte codes for %d dimensions", m.quantizer, m.code_size, m.dim);
  if (am == AmKind::IvfFlat && m.quantizer != flat)
    corrupt(c, "meta page of an ivfflat index has quantizer %u", m.quantizer);
  if (m.dim < 0 || m.dim > max_dims(form)) corrupt(c, "meta page has %d dimensions (0..%d)", m.dim, max_dims(form));
  if (m.trained > 1) corrupt(c, "meta page has trained = %u", m.trained);
  if (m.lists < 1 || m.lists > kMaxLists) corrupt(c, "meta page has %d lists (1..%d)", m.lists, kMaxLists);
  if (!m.trained && (m.lists != 1 || m.quantizer != flat))
    corrupt(c, "meta page of an untrained index has %d lists and quantizer %u (expected 1 list, flat)", m.lists,
            m.quantizer);
  const bool pq = m.quantizer == static_cast<uint8>(Quantizer::Pq);
  if (pq ? (m.pq_m < 1 || m.dim % m.pq_m != 0) : m.pq_m != 0)
    corrupt(c, "meta page has pq_m = %d for quantizer %u and %d dimensions", m.pq_m, m.quantizer, m.dim);
  if (m.rerank < 0) corrupt(c, "meta page has rerank = %d", m.rerank);
  const int expect_code = code_size(static_cast<Quantizer>(m.quantizer), m.dim, m.pq_m);
  if (m.code_size != expect_code) corrupt(c, "meta page has code size %d, expected %d", m.code_size, expect_code);

  // block ranges, in the order the build writes them: the layout ivf_model.cpp plans for these parameters
  IvfMeta e = m;
  plan_layout(&e);
  if (m.centroids_per_page != e.centroids_per_page)
    corrupt(c, "meta page has %d centroids per page, expected %d", m.centroids_per_page, e.centroids_per_page);
  if (m.centroid_start != e.centroid_start)
    corrupt(c, "meta page puts the centroids at block %u, expected 1", m.centroid_start);
  if (m.centroid_pages != e.centroid_pages)
    corrupt(c, "meta page has %u centroid pages for %d lists, expected %u", m.centroid_pages, m.lists,
            e.centroid_pages);
  const uint64 book = codec->codebook_bytes(m.dim, m.pq_m);
  if (m.codebook_bytes != book)
    corrupt(c, "meta page has a codebook of %u bytes, expected %llu", m.codebook_bytes, (unsigned long long)book);
  if (m.codebook_start != e.codebook_start || m.codebook_pages != e.codebook_pages)
    corrupt(c, "meta page puts %u codebook pages at block %u, expected %u at block %u", m.codebook_pages,
            m.codebook_start, e.codebook_pages, e.codebook_start);
  if (m.slots_per_page != e.slots_per_page)
    corrupt(c, "meta page has %d list slots per page, expected %d", m.slots_per_page, e.slots_per_page);
  if (m.directory_start != e.directory_start || m.directory_pages != e.directory_pages)
    corrupt(c, "meta page puts %u directory pages at block %u, expected %u at block %u", m.directory_pages,
            m.directory_start, e.directory_pages, e.directory_start);
  if (m.first_posting != e.first_posting)
    corrupt(c, "meta page starts the postings at block %u, expected %u", m.first_posting, e.first_posting);
  if (m.first_posting > c.nblocks)
    corrupt(c, "meta page starts the postings at block %u, the index has %u blocks", m.first_posting, c.nblocks);
}

void check_floats(Checker& c, const char* what, BlockNumber block, const char* data, Size bytes) {
  for (Size i = 0; i + sizeof(float) <= bytes; i += sizeof(float)) {
    float v;
    memcpy(&v, data + i, sizeof(float));
    if (!std::isfinite(v))
      corrupt(c, "%s page %u holds a non-finite value at byte %zu", what, block, static_cast<size_t>(i));
  }
}

// The bits past `dims` of a packed bit string must be zero (the popcount kernels count them).
bool padding_clear(const uint8* bits, int dims) {
  return dims % 8 == 0 || (bits[dims / 8] & (0xffu >> (dims % 8))) == 0;
}

// `count` centroids in the index's centroid form: finite floats or halves, bit strings with zero padding.
void check_centroids(Checker& c, BlockNumber block, const char* data, int count) {
  const IvfMeta& m = c.meta;
  const auto form = static_cast<CentroidForm>(m.centroid_form);
  const Size one = core::ivf::centroid_bytes(form, m.dim);
  if (form == CentroidForm::Float32) return check_floats(c, "centroid", block, data, count * one);
  for (int i = 0; i < count; ++i) {
    const auto* centroid = reinterpret_cast<const uint8*>(data + i * one);
    if (form == CentroidForm::Bits) {
      if (m.dim > 0 && !padding_clear(centroid, m.dim))
        corrupt(c, "centroid page %u holds a bit centroid with padding bits set", block);
      continue;
    }
    for (int d = 0; d < m.dim; ++d) {
      uint16 h;
      memcpy(&h, centroid + d * sizeof(uint16), sizeof(h));
      if ((h & 0x7c00) == 0x7c00) corrupt(c, "centroid page %u holds a non-finite half at dimension %d", block, d + 1);
    }
  }
}

// Centroid and codebook pages; returns the directory's slots (palloc'd, meta.lists of them).
ListSlot* check_model(Checker& c) {
  const IvfMeta& m = c.meta;
  const Size one = core::ivf::centroid_bytes(static_cast<CentroidForm>(m.centroid_form), m.dim);
  const bool stored = m.trained && m.dim > 0;  // an untrained index's one zero centroid is implied (empty page)
  const uint32 run = centroid_run(m);
  char* spanning = stored && m.centroids_per_page == 0 ? static_cast<char*>(palloc(one)) : nullptr;
  for (uint32 p = 0; p < m.centroid_pages; ++p) {
    const BlockNumber block = m.centroid_start + p;
    Buffer buf = read_page(c, block, PageKind::Centroids, "centroids");
    if (spanning != nullptr) {  // page p % run of a centroid's run: check the centroid once its run is read
      const Size at = (p % run) * contents_capacity();
      const Size n = std::min<Size>(contents_capacity(), one - at);
      check_covered(c, BufferGetPage(buf), block, n);
      memcpy(spanning + at, page_contents(BufferGetPage(buf)), n);
      if (p % run == run - 1) check_centroids(c, block, spanning, 1);
    } else if (stored) {
      const int first = static_cast<int>(p) * m.centroids_per_page;
      const int count = std::min(m.centroids_per_page, m.lists - first);
      check_covered(c, BufferGetPage(buf), block, count * one);
      check_centroids(c, block, page_contents(BufferGetPage(buf)), count);
    }
    UnlockReleaseBuffer(buf);
  }
  if (spanning != nullptr) pfree(spanning);
  for (uint32 p = 0; p < m.codebook_pages; ++p) {
    const BlockNumber block = m.codebook_start + p;
    Buffer buf = read_page(c, block, PageKind::Codebook, "codebook");
    const Size bytes = std::min<Size>(contents_capacity(), m.codebook_bytes - p * contents_capacity());
    check_covered(c, BufferGetPage(buf), block, bytes);
    check_floats(c, "codebook", block, page_contents(BufferGetPage(buf)), bytes);
    UnlockReleaseBuffer(buf);
  }
  auto* slots = static_cast<ListSlot*>(palloc(sizeof(ListSlot) * m.lists));
  for (uint32 p = 0; p < m.directory_pages; ++p) {
    const BlockNumber block = m.directory_start + p;
    Buffer buf = read_page(c, block, PageKind::Directory, "directory");
    const int first = static_cast<int>(p) * m.slots_per_page;
    const int count = std::min(m.slots_per_page, m.lists - first);
    check_covered(c, BufferGetPage(buf), block, count * sizeof(ListSlot));
    memcpy(slots + first, directory_slots(BufferGetPage(buf)), count * sizeof(ListSlot));
    UnlockReleaseBuffer(buf);
  }
  return slots;
}

void mark_visited(Checker& c, BlockNumber block, int list) {
  if (block >= c.visited_len) {
    BlockNumber len = std::max<BlockNumber>(block + 1, c.visited_len * 2);
    c.visited = static_cast<bool*>(repalloc_huge(c.visited, len));
    memset(c.visited + c.visited_len, 0, len - c.visited_len);
    c.visited_len = len;
  }
  if (c.visited[block])
    corrupt(c, "list %d reaches block %u, which a list reached before (a cycle or a shared page)", list, block);
  c.visited[block] = true;
}

// One posting: size, TID, (flat) a sane half copy; remembered for heapallindexed.
void check_posting(Checker& c, Page page, BlockNumber block, OffsetNumber off, int list) {
  ItemId id = PageGetItemId(page, off);
  if (!ItemIdIsNormal(id)) corrupt(c, "list %d, block %u, item %u is not a normal line pointer", list, block, off);
  const Size expect = kTupleHeader + c.meta.code_size;
  if (ItemIdGetLength(id) != expect)
    corrupt(c, "list %d, block %u, item %u has %u bytes, expected %zu", list, block, off, ItemIdGetLength(id),
            static_cast<size_t>(expect));
  if (static_cast<Size>(ItemIdGetOffset(id)) + ItemIdGetLength(id) > BLCKSZ - MAXALIGN(sizeof(IvfPageOpaque)) ||
      ItemIdGetOffset(id) < reinterpret_cast<PageHeader>(page)->pd_upper)
    corrupt(c, "list %d, block %u, item %u lies outside the page's item space", list, block, off);
  const auto* t = reinterpret_cast<const IvfTuple*>(PageGetItem(page, id));
  ItemPointerData tid = t->tid;
  const OffsetNumber hoff = ItemPointerGetOffsetNumberNoCheck(&tid);
  const BlockNumber hblock = ItemPointerGetBlockNumberNoCheck(&tid);
  if (hoff < FirstOffsetNumber || hoff > MaxHeapTuplesPerPage)
    corrupt(c, "list %d, block %u, item %u points at heap item %u of block %u, not a valid item number", list, block,
            off, hoff, hblock);
  if (hblock >= c.heap_nblocks) c.heap_nblocks = RelationGetNumberOfBlocks(c.heap);
  if (hblock >= c.heap_nblocks)
    corrupt(c, "list %d, block %u, item %u points at heap block %u, the table has %u", list, block, off, hblock,
            c.heap_nblocks);
  if (t->pad != 0) corrupt(c, "list %d, block %u, item %u has padding 0x%04x, expected 0", list, block, off, t->pad);
  const auto* code = reinterpret_cast<const uint8*>(t) + kTupleHeader;
  if (c.meta.quantizer == static_cast<uint8>(Quantizer::Flat)) {
    float err[2];
    memcpy(err, code, sizeof(err));
    if (!(err[0] >= 0 && std::isfinite(err[0]) && err[1] >= 0 && std::isfinite(err[1])))
      corrupt(c, "list %d, block %u, item %u has encoding errors %g and %g", list, block, off, err[0], err[1]);
    for (int i = 0; i < c.meta.dim; ++i) {
      uint16 h;
      memcpy(&h, code + core::kHalfCopyHeader + i * sizeof(uint16), sizeof(h));
      if ((h & 0x7c00) == 0x7c00)
        corrupt(c, "list %d, block %u, item %u holds a non-finite half at dimension %d", list, block, off, i + 1);
    }
  } else if (c.meta.quantizer == static_cast<uint8>(Quantizer::Bits) && !padding_clear(code, c.meta.dim)) {
    corrupt(c, "list %d, block %u, item %u has padding bits set", list, block, off);
  }
  c.out->entries += 1;
  c.out->live += 1;  // ivf postings carry no deleted flag: VACUUM removes them
  if (c.collect) {
    if (c.nentries == c.capentries) {
      c.capentries *= 2;
      c.entries = static_cast<Entry*>(repalloc_huge(c.entries, sizeof(Entry) * c.capentries));
    }
    c.entries[c.nentries++] = Entry{tid_key(&tid), hash_bytes(code, c.meta.code_size), false};
  }
}

void check_lists(Checker& c, const ListSlot* slots) {
  for (int list = 0; list < c.meta.lists; ++list) {
    const ListSlot s = slots[list];
    if ((s.first == InvalidBlockNumber) != (s.insert == InvalidBlockNumber))
      corrupt(c, "list %d has first page %u and insert page %u (both or neither must be set)", list, s.first, s.insert);
    if (s.first == InvalidBlockNumber) continue;
    for (BlockNumber b : {s.first, s.insert})
      if (b < c.meta.first_posting)
        corrupt(c, "list %d points at block %u, before the posting pages (from block %u)", list, b,
                c.meta.first_posting);
    bool met_insert = false;
    for (BlockNumber block = s.first; block != InvalidBlockNumber;) {
      if (block < c.meta.first_posting)
        corrupt(c, "list %d links to block %u, before the posting pages (from block %u)", list, block,
                c.meta.first_posting);
      mark_visited(c, block, list);
      char why[64];
      snprintf(why, sizeof(why), "list %d", list);
      Buffer buf = read_page(c, block, PageKind::Posting, why);
      Page page = BufferGetPage(buf);
      const OffsetNumber max = PageGetMaxOffsetNumber(page);
      for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off))
        check_posting(c, page, block, off, list);
      met_insert = met_insert || block == s.insert;
      block = page_opaque(page)->next;
      UnlockReleaseBuffer(buf);
    }
    if (!met_insert) corrupt(c, "list %d has insert page %u, which is not on its chain", list, s.insert);
  }
}

// Posting pages no list reaches must hold no posting (scans would never see it). Only pages last written before the
// check began: one written since may be a new tail a concurrent insert is linking. Unlogged indexes have no LSNs to
// tell, so they are not checked for orphans.
void check_orphans(Checker& c, BlockNumber nblocks, XLogRecPtr start) {
  if (!RelationNeedsWAL(c.index)) return;
  for (BlockNumber block = c.meta.first_posting; block < nblocks; ++block) {
    if (block < c.visited_len && c.visited[block]) continue;
    CHECK_FOR_INTERRUPTS();
    Buffer buf = ReadBufferExtended(c.index, MAIN_FORKNUM, block, RBM_NORMAL, c.strategy);
    LockBuffer(buf, BUFFER_LOCK_SHARE);
    c.out->pages += 1;
    Page page = BufferGetPage(buf);
    const bool stale = !PageIsNew(page) && PageGetLSN(page) <= start;
    const bool posting = stale && PageGetSpecialSize(page) == MAXALIGN(sizeof(IvfPageOpaque)) &&
                         page_opaque(page)->kind == static_cast<uint16>(PageKind::Posting);
    const int items = posting ? PageGetMaxOffsetNumber(page) : 0;
    UnlockReleaseBuffer(buf);
    if (stale && !posting) corrupt(c, "block %u among the posting pages is not a posting page", block);
    if (items > 0) corrupt(c, "block %u holds %d postings, but no list reaches it", block, items);
  }
}

int compare_entries(const void* a, const void* b) {
  uint64 x = static_cast<const Entry*>(a)->tid, y = static_cast<const Entry*>(b)->tid;
  return x < y ? -1 : x > y ? 1 : 0;
}

// table_index_build_scan callback: each live row (the check's snapshot) the access method would index.
void heap_row(Relation, ItemPointer tid, Datum* values, bool* isnull, bool, void* arg) {
  auto* c = static_cast<Checker*>(arg);
  if (isnull[0]) return;  // NULLs are not indexed
  MemoryContext old = MemoryContextSwitchTo(c->tuple_cxt);
  const void* v = c->contract->type->detoast(values[0]);
  const int dims = c->contract->type->dims(v);
  if (dims != c->meta.dim)
    corrupt(*c, "heap row (%u,%u) has %d dimensions, the index %d", ItemPointerGetBlockNumber(tid),
            ItemPointerGetOffsetNumber(tid), dims, c->meta.dim);
  const bool indexable = ann_value_to_float(*c->contract, v, c->scratch, dims);
  MemoryContextSwitchTo(old);
  MemoryContextReset(c->tuple_cxt);
  if (!indexable) return;  // a zero vector under cosine is not indexed (as pgvector)

  const uint64 key = tid_key(tid);
  int64 lo = 0, hi = c->nentries;
  while (lo < hi) {
    int64 mid = lo + (hi - lo) / 2;
    if (c->entries[mid].tid < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == c->nentries || c->entries[lo].tid != key)
    corrupt(*c, "heap row (%u,%u) is not in the index", ItemPointerGetBlockNumber(tid),
            ItemPointerGetOffsetNumber(tid));
  Entry& e = c->entries[lo];
  e.matched = true;
  c->out->heap_rows += 1;
  // flat codes are a deterministic encoding of the (normalised) vector: the posting must hold exactly that
  const bool bits = c->meta.quantizer == static_cast<uint8>(Quantizer::Bits);
  if (c->meta.quantizer == static_cast<uint8>(Quantizer::Flat) || bits) {
    if (bits)
      core::ivf::pack_bits(c->scratch, c->meta.dim, c->code);
    else
      core::encode_half_copy(c->scratch, c->meta.dim, c->code);
    if (hash_bytes(c->code, c->meta.code_size) != e.code_hash)
      corrupt(*c, "the posting of heap row (%u,%u) does not hold the encoding of the row's vector",
              ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid));
  }
}

void check_heap(Checker& c, Snapshot snapshot) {
  qsort(c.entries, c.nentries, sizeof(Entry), compare_entries);
  for (int64 i = 1; i < c.nentries; ++i)
    if (c.entries[i].tid == c.entries[i - 1].tid)
      corrupt(c, "heap row (%u,%u) is indexed twice", static_cast<BlockNumber>(c.entries[i].tid >> 16),
              static_cast<unsigned>(c.entries[i].tid & 0xffff));
  c.scratch = static_cast<float*>(palloc(sizeof(float) * std::max(c.meta.dim, 1)));
  c.code = static_cast<uint8*>(palloc(std::max(c.meta.code_size, 1)));
  c.tuple_cxt = AllocSetContextCreate(CurrentMemoryContext, "ivf check row", ALLOCSET_DEFAULT_SIZES);
  // As contrib/amcheck: a scan with the check's MVCC snapshot, run like the first scan of CREATE INDEX
  // CONCURRENTLY, so only rows visible to it are reported (HOT chains by their root TID, as the index holds them).
  IndexInfo* info = BuildIndexInfo(c.index);
  info->ii_Concurrent = true;
  info->ii_Unique = false;
  info->ii_ExclusionOps = nullptr;
  info->ii_ExclusionProcs = nullptr;
  info->ii_ExclusionStrats = nullptr;
  TableScanDesc scan = table_beginscan_strat(c.heap, snapshot, 0, nullptr, true, true);
  table_index_build_scan(c.heap, c.index, info, true, false, heap_row, &c, scan);
  MemoryContextDelete(c.tuple_cxt);
}

}  // namespace

void ivf_check_index(Relation index, Relation heap, bool heapallindexed, IndexCheckCounts* out) {
  Checker c;
  memset(&c, 0, sizeof(c));
  c.index = index;
  c.heap = heap;
  c.out = out;
  c.strategy = GetAccessStrategy(BAS_BULKREAD);
  c.nblocks = RelationGetNumberOfBlocks(index);
  c.heap_nblocks = RelationGetNumberOfBlocks(heap);
  c.contract = &ann_contract(index);
  if (c.nblocks == 0) corrupt(c, "the index has no meta page (0 blocks)");
  const XLogRecPtr start = RelationNeedsWAL(index) ? GetXLogInsertRecPtr() : InvalidXLogRecPtr;
  const BlockNumber start_blocks = c.nblocks;

  // heapallindexed: the snapshot comes first, so every row it sees was in the index before the index is read
  Snapshot snapshot = nullptr;
  if (heapallindexed) {
    snapshot = RegisterSnapshot(GetTransactionSnapshot());
    if (IsolationUsesXactSnapshot() && index->rd_index->indcheckxmin &&
        !TransactionIdPrecedes(HeapTupleHeaderGetXmin(index->rd_indextuple->t_data), snapshot->xmin))
      ereport(ERROR,
              (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
               errmsg("index \"%s\" cannot be verified using transaction snapshot", RelationGetRelationName(index))));
  }

  check_meta(c);
  ListSlot* slots = check_model(c);

  if (heapallindexed) {
    // the TIDs of every posting are kept: refuse up front what maintenance_work_mem cannot hold
    const Size posting = MAXALIGN(kTupleHeader + c.meta.code_size) + sizeof(ItemIdData);
    const double most = static_cast<double>(c.nblocks - std::min(c.nblocks, c.meta.first_posting)) *
                        static_cast<double>(contents_capacity() / posting);
    const double need = most * sizeof(Entry), limit = static_cast<double>(maintenance_work_mem) * 1024.0;
    if (need > limit)
      ereport(
          ERROR,
          (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
           errmsg("heapallindexed check of index \"%s\" needs up to %.0f MB, more than maintenance_work_mem (%d MB)",
                  RelationGetRelationName(index), need / (1024.0 * 1024.0), maintenance_work_mem / 1024),
           errhint("Raise maintenance_work_mem for this session, or check without heapallindexed.")));
    c.collect = true;
    c.capentries = 1024;
    c.entries = static_cast<Entry*>(palloc(sizeof(Entry) * c.capentries));
  }

  c.visited_len = std::max<BlockNumber>(c.nblocks, 1);
  c.visited = static_cast<bool*>(
      MemoryContextAllocExtended(CurrentMemoryContext, c.visited_len, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO));
  check_lists(c, slots);
  check_orphans(c, start_blocks, start);
  if (heapallindexed) {
    check_heap(c, snapshot);
    UnregisterSnapshot(snapshot);
  }
  FreeAccessStrategy(c.strategy);
}

}  // namespace vx::pg

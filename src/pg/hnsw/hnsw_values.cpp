// Value pages of the HNSW index (layout and protocol: hnsw_values.h; docs/hnsw.md, "Wide sparse values"). Writing a
// chain, reading it back for the kernels, freeing it when VACUUM recycles its element, checking chains and the free
// list for index_check.
//
// Locks: the meta page, then record pages, then value pages (as the rest of hnsw: nobody waits for the meta page
// while holding another page). A chain being written belongs to nobody else yet (its pages came off the free list or
// past next_block under the meta page's lock); readers take one value page's share lock at a time.
#include "pg/hnsw/hnsw_values.h"
#include "pg/hnsw/hnsw_meta.h"

extern "C" {
#include "access/generic_xlog.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
}

#include <algorithm>
#include <cstring>

namespace vx::pg::hnsw {

// Per-Graph buffers for out-of-line parts read back (g->values), in the memory context the Graph was loaded in.
struct ValueBuffers {
  MemoryContext cxt;
  struct Slot {
    const void* key;  // the element buffer the part is attached to
    uint8* data;
    uint32 cap;
  };
  Slot* slots;
  int nslots, capslots;
  uint8* form;  // resolve_stored's copy of a form
  uint8* data;  // and its part
  uint32 cap;
  ValueRef pending;  // prepare_element_values -> take_value_ref
};

namespace {

#define VALUES_CORRUPT(index, ...)                  \
  ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED), \
                  errmsg("index \"%s\" is corrupted", RelationGetRelationName(index)), errdetail(__VA_ARGS__)))

ValueBuffers* buffers(Graph* g) {
  if (g->values == nullptr) {
    MemoryContext cxt = GetMemoryChunkContext(g->segments);
    auto* vb = static_cast<ValueBuffers*>(MemoryContextAllocZero(cxt, sizeof(ValueBuffers)));
    vb->cxt = cxt;
    g->values = vb;
  }
  return g->values;
}

uint8* grow(MemoryContext cxt, uint8* p, uint32* cap, uint32 want) {
  if (want <= *cap) return p;
  if (p) pfree(p);
  *cap = std::max<uint32>(want, 8192);
  return static_cast<uint8*>(MemoryContextAlloc(cxt, *cap));
}

// The buffer owned by element buffer `key` (at least `bytes`).
uint8* buffer_for(ValueBuffers* vb, const void* key, uint32 bytes) {
  for (int i = 0; i < vb->nslots; ++i)
    if (vb->slots[i].key == key) {
      vb->slots[i].data = grow(vb->cxt, vb->slots[i].data, &vb->slots[i].cap, bytes);
      return vb->slots[i].data;
    }
  if (vb->nslots == vb->capslots) {
    vb->capslots = vb->capslots ? 2 * vb->capslots : 16;
    size_t sz = sizeof(ValueBuffers::Slot) * vb->capslots;
    vb->slots = static_cast<ValueBuffers::Slot*>(vb->slots ? repalloc(vb->slots, sz) : MemoryContextAlloc(vb->cxt, sz));
  }
  ValueBuffers::Slot& s = vb->slots[vb->nslots++];
  s.key = key;
  s.data = nullptr;
  s.cap = 0;
  s.data = grow(vb->cxt, nullptr, &s.cap, bytes);
  return s.data;
}

const ValuePageHeader* value_header(Page page) { return reinterpret_cast<const ValuePageHeader*>(page_data(page)); }

// Reads a chain into out (ref.bytes); false when it is not the owner's complete chain (a stale reference to an
// element VACUUM recycled meanwhile, or damage).
bool read_chain(Relation index, const ValueRef& ref, const ItemPointerData& owner, uint8* out) {
  const BlockNumber nblocks = RelationGetNumberOfBlocks(index);
  const uint32 pages = value_chain_pages(ref.bytes);
  BlockNumber block = ref.head;
  uint32 done = 0;
  for (uint32 i = 0; i < pages; ++i) {
    if (block == kNoValuePage || block >= nblocks) return false;
    Buffer buf = ReadBufferExtended(index, MAIN_FORKNUM, block, RBM_NORMAL, nullptr);
    LockBuffer(buf, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buf);
    const ValuePageHeader* h = value_header(page);
    const uint32 want = std::min(kValuePayload, ref.bytes - done);
    const bool ok = !PageIsNew(page) && h->magic == kValueMagic &&
                    ItemPointerEquals(const_cast<ItemPointer>(&h->owner), const_cast<ItemPointer>(&owner)) &&
                    h->used == want;
    if (ok) std::memcpy(out + done, page_data(page) + sizeof(ValuePageHeader), want);
    block = h->next;
    UnlockReleaseBuffer(buf);
    if (!ok) return false;
    done += want;
  }
  return done == ref.bytes;
}

// The record's reference and heap TID (ref.head == kNoValuePage: none, or the record cannot be read).
ValueRef record_ref(Graph* g, uint32 id, ItemPointerData* owner) {
  ValueRef ref{kNoValuePage, 0};
  HnswRecordHeader h;
  if (!read_header(g, id, &h) || !copy_immutable(g, id, error_offset(g->m), sizeof(ref), &ref))
    return ValueRef{kNoValuePage, 0};
  *owner = h.tid;
  return ref;
}

// Reads id's part (extra bytes, as its form says) into the buffer for `key`; nullptr when it cannot be read.
const uint8* read_part(Graph* g, uint32 id, uint32 extra, const void* key) {
  ItemPointerData owner;
  const ValueRef ref = record_ref(g, id, &owner);
  if (ref.head == kNoValuePage || ref.bytes != extra) return nullptr;
  ValueBuffers* vb = buffers(g);
  uint8* data = key ? buffer_for(vb, key, extra) : (vb->data = grow(vb->cxt, vb->data, &vb->cap, extra));
  return read_chain(g->index, ref, owner, data) ? data : nullptr;
}

}  // namespace

// ---- no Postgres call ----

uint32 element_extra_bytes(const AnnContract& c, const float* elem) {
  return c.extra_bytes ? c.extra_bytes(reinterpret_cast<const uint8*>(elem)) : 0;
}

const uint8* element_extra(const AnnContract& c, const float* elem) {
  return c.extra ? c.extra(reinterpret_cast<const uint8*>(elem)) : nullptr;
}

void format_value_chain(char* areas, BlockNumber head, const ItemPointerData& owner, const uint8* data, uint32 bytes) {
  const uint32 pages = value_chain_pages(bytes);
  for (uint32 i = 0; i < pages; ++i) {
    char* area = areas + size_t(i) * kUsable;
    const uint32 n = std::min(kValuePayload, bytes - i * kValuePayload);
    ValuePageHeader h{kValueMagic, i + 1 < pages ? head + i + 1 : kNoValuePage, owner, uint16(n)};
    std::memcpy(area, &h, sizeof(h));
    std::memcpy(area + sizeof(h), data + size_t(i) * kValuePayload, n);
  }
}

void set_value_ref(char* rec, uint32 m, const ValueRef& ref) { std::memcpy(rec + error_offset(m), &ref, sizeof(ref)); }

// ---- Postgres side ----

uint32 keep_element_extra(const AnnContract& c, float* elem, MemoryContext cxt) {
  const uint32 bytes = element_extra_bytes(c, elem);
  const uint8* src = element_extra(c, elem);
  if (bytes == 0 || src == nullptr) return 0;
  auto* copy = static_cast<uint8*>(MemoryContextAlloc(cxt, bytes));
  std::memcpy(copy, src, bytes);
  c.attach_extra(reinterpret_cast<uint8*>(elem), copy);
  return bytes;
}

void prepare_element_values(Graph* g, const float* elem, ItemPointer owner) {
  ValueBuffers* vb = buffers(g);
  vb->pending = ValueRef{kNoValuePage, 0};
  const uint32 bytes = element_extra_bytes(*g->contract, elem);
  const uint8* data = element_extra(*g->contract, elem);
  if (bytes == 0 || data == nullptr) return;
  Relation index = g->index;
  const uint32 pages = value_chain_pages(bytes);
  auto* blocks = static_cast<BlockNumber*>(palloc(sizeof(BlockNumber) * pages));
  meta_take_value_pages(index, blocks, pages);
  ensure_block(index, *std::max_element(blocks, blocks + pages));
  // Full page images, at most MAX_GENERIC_XLOG_PAGES pages a WAL record; the chain is only reachable once the
  // record that points at it is written (after this).
  for (uint32 i = 0; i < pages; i += MAX_GENERIC_XLOG_PAGES) {
    const uint32 k = std::min<uint32>(MAX_GENERIC_XLOG_PAGES, pages - i);
    Buffer bufs[MAX_GENERIC_XLOG_PAGES];
    for (uint32 j = 0; j < k; ++j) {
      bufs[j] = ReadBufferExtended(index, MAIN_FORKNUM, blocks[i + j], RBM_NORMAL, nullptr);
      LockBuffer(bufs[j], BUFFER_LOCK_EXCLUSIVE);
    }
    GenericXLogState* state = GenericXLogStart(index);
    for (uint32 j = 0; j < k; ++j) {
      Page page = GenericXLogRegisterBuffer(state, bufs[j], GENERIC_XLOG_FULL_IMAGE);
      init_page(page, PageKind::Value);
      const uint32 at = (i + j) * kValuePayload;
      const uint32 n = std::min(kValuePayload, bytes - at);
      ValuePageHeader h{kValueMagic, i + j + 1 < pages ? blocks[i + j + 1] : kNoValuePage, *owner, uint16(n)};
      std::memcpy(page_data(page), &h, sizeof(h));
      std::memcpy(page_data(page) + sizeof(h), data + at, n);
    }
    GenericXLogFinish(state);
    for (uint32 j = 0; j < k; ++j) UnlockReleaseBuffer(bufs[j]);
  }
  vb->pending = ValueRef{blocks[0], bytes};
  pfree(blocks);
}

void take_value_ref(Graph* g, char* rec) {
  const AnnContract& c = *g->contract;
  if (!c.extra_bytes) return;
  c.attach_extra(reinterpret_cast<uint8*>(rec + vector_offset(g->m)), nullptr);  // a page holds no pointer
  ValueBuffers* vb = buffers(g);
  set_value_ref(rec, g->m, vb->pending);
  vb->pending = ValueRef{kNoValuePage, 0};
}

const uint8* resolve_stored(Graph* g, uint32 id, const uint8* stored) {
  const AnnContract& c = *g->contract;
  const uint32 extra = c.extra_bytes ? c.extra_bytes(stored) : 0;
  if (extra == 0) return stored;
  ValueBuffers* vb = buffers(g);
  if (vb->form == nullptr) vb->form = static_cast<uint8*>(MemoryContextAlloc(vb->cxt, g->element_bytes));
  std::memcpy(vb->form, stored, g->element_bytes);
  const uint8* part = read_part(g, id, extra, nullptr);
  if (part == nullptr) return nullptr;
  c.attach_extra(vb->form, part);
  return vb->form;
}

void attach_element_values(Graph* g, uint32 id, float* out) {
  const AnnContract& c = *g->contract;
  const uint32 extra = element_extra_bytes(c, out);
  if (extra == 0) return;
  c.attach_extra(reinterpret_cast<uint8*>(out), read_part(g, id, extra, out));  // nullptr: no nonzeros
}

bool value_page_next(Relation index, BlockNumber block, BlockNumber* next) {
  Buffer buf = ReadBufferExtended(index, MAIN_FORKNUM, block, RBM_NORMAL, nullptr);
  LockBuffer(buf, BUFFER_LOCK_SHARE);
  Page page = BufferGetPage(buf);
  const bool ok = !PageIsNew(page) && value_header(page)->magic == kValueMagic;
  if (ok) *next = value_header(page)->next;
  UnlockReleaseBuffer(buf);
  return ok;
}

void release_element_values(Relation index, Graph* g, uint32 id) {
  if (!g->contract->extra_bytes) return;
  const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
  if (seg == nullptr) return;
  const Location loc = locate(*seg, g->layout, id, error_offset(g->m));
  if (loc.offset + sizeof(ValueRef) > kUsable) return;  // never: such forms fit a page and are never packed
  ValueRef ref;
  Buffer rb = ReadBufferExtended(index, MAIN_FORKNUM, loc.block, RBM_NORMAL, nullptr);
  LockBuffer(rb, BUFFER_LOCK_SHARE);
  std::memcpy(&ref, page_data(BufferGetPage(rb)) + loc.offset, sizeof(ref));
  LockBuffer(rb, BUFFER_LOCK_UNLOCK);
  if (ref.head == kNoValuePage) {
    ReleaseBuffer(rb);
    return;
  }
  // The chain's last page (the chain is immutable while its element is dead and not recycled).
  const BlockNumber nblocks = RelationGetNumberOfBlocks(index);
  BlockNumber last = kNoValuePage;
  BlockNumber block = ref.head;
  for (uint32 i = 0, pages = value_chain_pages(ref.bytes); i < pages && block != kNoValuePage && block < nblocks; ++i) {
    Buffer buf = ReadBufferExtended(index, MAIN_FORKNUM, block, RBM_NORMAL, nullptr);
    LockBuffer(buf, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buf);
    const bool ok = !PageIsNew(page) && value_header(page)->magic == kValueMagic;
    const BlockNumber next = ok ? value_header(page)->next : kNoValuePage;
    UnlockReleaseBuffer(buf);
    if (!ok) break;
    last = block;
    if (next == kNoValuePage) break;
    block = next;
  }
  ReleaseBuffer(rb);
  meta_free_value_chain(index, ref.head, last, loc);  // last == kNoValuePage: a damaged chain, only the reference goes
}

void check_element_values(Graph* g, const uint8* state, BlockNumber nblocks) {
  const AnnContract& c = *g->contract;
  if (!c.extra_bytes) return;
  Relation index = g->index;
  auto* seen = static_cast<uint8*>(palloc0(nblocks + 1));
  auto* form = static_cast<uint8*>(palloc(g->element_bytes));
  uint64 chained = 0;
  for (uint32 id = 0; id < g->count; ++id) {
    CHECK_FOR_INTERRUPTS();
    if (state[id] == 0) continue;  // unwritten
    if (state[id] & kFlagFree) {   // recycled: VACUUM released its chain first
      ValueRef ref{kNoValuePage, 0};
      if (copy_immutable(g, id, error_offset(g->m), sizeof(ref), &ref) && ref.head != kNoValuePage)
        VALUES_CORRUPT(index, "Recycled element %u still points at value page %u (a chain VACUUM did not free).", id,
                       ref.head);
      continue;
    }
    ItemPointerData owner;
    ValueRef ref = record_ref(g, id, &owner);
    if (!copy_immutable(g, id, vector_offset(g->m), g->element_bytes, form)) continue;
    const uint32 extra = c.extra_bytes(form);
    if (extra == 0) {
      if (ref.head != kNoValuePage)
        VALUES_CORRUPT(index, "Element %u keeps its whole value in its record and points at value page %u.", id,
                       ref.head);
      continue;
    }
    // Dead and unreachable, its chain already released: VACUUM frees the chain and then marks the element free, in two
    // WAL records; one stopped in between (cancel, crash) leaves this state, which the next VACUUM completes.
    if (ref.head == kNoValuePage && (state[id] & kFlagDeleted)) continue;
    if (ref.head == kNoValuePage || ref.bytes != extra)
      VALUES_CORRUPT(index, "Element %u needs %u bytes in value pages, its reference says %u at block %u.", id, extra,
                     ref.bytes, ref.head);
    BlockNumber block = ref.head;
    uint32 done = 0;
    for (uint32 i = 0, pages = value_chain_pages(extra); i < pages; ++i) {
      if (block == kNoValuePage || block >= nblocks)
        VALUES_CORRUPT(index, "Element %u's value chain leaves the index at page %u of %u (block %u).", id, i + 1,
                       pages, block);
      if (seen[block]) VALUES_CORRUPT(index, "Value page %u is in two chains (element %u's and another).", block, id);
      seen[block] = 1;
      Buffer buf = ReadBufferExtended(index, MAIN_FORKNUM, block, RBM_NORMAL, nullptr);
      LockBuffer(buf, BUFFER_LOCK_SHARE);
      Page page = BufferGetPage(buf);
      ValuePageHeader h{};
      uint16 kind = 0;
      if (!PageIsNew(page)) {
        std::memcpy(&h, page_data(page), sizeof(h));
        kind = page_opaque(page)->kind;
      }
      UnlockReleaseBuffer(buf);
      if (kind != uint16(PageKind::Value))
        VALUES_CORRUPT(index, "Value page %u (page %u of element %u's chain) has page kind %u.", block, i + 1, id,
                       kind);
      const uint32 want = std::min(kValuePayload, extra - done);
      if (h.magic != kValueMagic || h.used != want || !ItemPointerEquals(&h.owner, &owner))
        VALUES_CORRUPT(index,
                       "Value page %u (page %u of element %u's chain) has magic 0x%08x, %u bytes and owner (%u,%u); "
                       "expected %u bytes of (%u,%u).",
                       block, i + 1, id, h.magic, h.used, ItemPointerGetBlockNumberNoCheck(&h.owner),
                       ItemPointerGetOffsetNumberNoCheck(&h.owner), want, ItemPointerGetBlockNumberNoCheck(&owner),
                       ItemPointerGetOffsetNumberNoCheck(&owner));
      done += want;
      ++chained;
      if (i + 1 == pages && h.next != kNoValuePage)
        VALUES_CORRUPT(index, "Element %u's value chain goes on after its last page (block %u -> %u).", id, block,
                       h.next);
      block = h.next;
    }
  }
  // The free list: value pages in no chain, no cycle.
  HnswMeta fixed;
  auto* segs = static_cast<HnswSegment*>(palloc(sizeof(HnswSegment) * kMaxSegments));
  meta_copy(index, &fixed, segs);
  BlockNumber block = fixed.value_free_head;
  const uint32 allocated = fixed.value_pages;
  uint64 free_pages = 0;
  while (block != kNoValuePage) {
    CHECK_FOR_INTERRUPTS();
    if (block >= nblocks || seen[block] || free_pages > allocated)
      VALUES_CORRUPT(index, "The free list of value pages reaches block %u, %s.", block,
                     block >= nblocks ? "outside the index" : "which is in a chain or seen before");
    seen[block] = 1;
    ++free_pages;
    Buffer buf = ReadBufferExtended(index, MAIN_FORKNUM, block, RBM_NORMAL, nullptr);
    LockBuffer(buf, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buf);
    ValuePageHeader h{};
    if (!PageIsNew(page)) std::memcpy(&h, page_data(page), sizeof(h));
    UnlockReleaseBuffer(buf);
    if (h.magic != kValueMagic) VALUES_CORRUPT(index, "Free value page %u has magic 0x%08x.", block, h.magic);
    block = h.next;
  }
  if (chained + free_pages > allocated)
    VALUES_CORRUPT(index, "%llu value pages are in chains and %llu free, the meta page allocated %u.",
                   (unsigned long long)chained, (unsigned long long)free_pages, allocated);
  pfree(seen);
  pfree(form);
  pfree(segs);
}

}  // namespace vx::pg::hnsw

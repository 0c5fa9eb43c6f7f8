// The meta page (block 0) of an hnsw index: the only code that reads or writes it (layout in hnsw_page.h). It owns
// the page's initialisation (CREATE INDEX, an empty index, the init fork), loading it into a Graph, the entry point
// and top level, id allocation (segments, upper-page space) and the free list of recycled ids, whose links live in
// the free records' tid bytes (pushed by VACUUM, popped by inserts). Locks: the meta page alone, or meta first and
// then record pages (docs/hnsw.md, Locking); every change is one GenericXLog record. C-style, like every AM file.
#pragma once

#include "pg/hnsw/hnsw.h"

namespace vx::pg::hnsw {

// ---- initialisation -------------------------------------------------------------------------------------------

// An empty index: the meta page as block 0 of `fork` (log: through GenericXLog, else only marked dirty).
void write_empty_meta(Relation index, ForkNumber fork, int dims, const AnnContract& c, int m, int efc, bool log);

// An unlogged index's init fork (ambuildempty): the empty meta page, WAL-logged as a full page.
void write_init_fork_meta(Relation index, int dims, const AnnContract& c, int m, int efc);

// What CREATE INDEX wrote (the filter directory's pages from block 1, one segment after them, then upper pages): the meta page is written unlogged over the
// page the build reserved as block 0 (log_newpage_range logs every page afterwards).
struct BuiltGraph {
  uint32 dims, m, ef_construction, record_size;
  Metric metric;
  int32 entry, max_level;  // -1, -1 when empty
  uint32 count;
  uint32 segment_blocks;    // of the segment at block 1 + dir_blocks (0 when empty)
  uint32 dir_blocks;        // of its filter directory, at block 1 (hnsw_filter_dir.h; 0: none)
  BlockNumber upper_block;  // InvalidBlockNumber: no upper page
  uint32 upper_used;
  uint32 value_pages;  // value pages written after the upper pages (hnsw_values.h)
  bool packed;         // records in packed groups of pages (layout version 6 or 7, packs_records)
  FilterLayout filters;
};
void write_built_meta(Relation index, const BuiltGraph& b);

// ---- reading --------------------------------------------------------------------------------------------------

// Copies parameters, count, entry point and segment directory into g (share lock). ERROR for a page that is not an
// hnsw meta page (XX002) or of another layout version (0A000, with the REINDEX hint).
void meta_load(Graph* g);

// Counters and entry point, as one share-locked read.
struct MetaState {
  uint32 count, deleted, free_count;
  int32 entry, max_level;
};
MetaState meta_state(Relation index);

// The page as it is (no validation): its fixed part into *fixed, min(nsegments, kMaxSegments) segments into segs
// (kMaxSegments room), and (aux not nullptr) its special area's aux fields (the filter columns, hnsw_page.h). For
// index_check, which reports what it finds instead of refusing.
// dir_from (not nullptr): the meta page's tail's dir_from (hnsw_page.h; 0 when its magic is not set).
void meta_copy(Relation index, HnswMeta* fixed, HnswSegment* segs, uint16* aux = nullptr, uint32* dir_from = nullptr);

// For vectorext.index_health, on block 0 its caller holds share-locked: false when the page is not an hnsw meta page;
// else its layout version and, for the current version, its count and deleted counters.
bool meta_describe(Page page, uint32* version, uint32* count, uint32* deleted);

// ---- entry point ----------------------------------------------------------------------------------------------

// An insert of an element of `level` above the top: it becomes the entry point unless another one rose higher.
void meta_raise_entry(Relation index, uint32 id, int level);
// VACUUM: the entry point becomes `entry` (of `level`) if it is still `expected`; whether it moved.
bool meta_move_entry(Relation index, int32 expected, int32 entry, int level);

// ---- id allocation --------------------------------------------------------------------------------------------

struct Allocation {
  uint32 id;
  int32 next_free;
  bool became_entry;
  int32 entry;
  int max_level;
  BlockNumber upper_block;
  uint32 upper_off;
  int level;  // the element's level: the one drawn, or a recycled record's own
};
// Writes the first element of an empty index while the meta page is still locked (a.id, a.level, a.upper_*).
typedef void (*WriteFirstElement)(Graph* g, const Allocation& a, void* arg);

// Takes an id for an element of `dims` (a recycled one from the free list, else the next; reserving segment and
// upper-page space) under the meta page's exclusive lock. An index without dims takes `dims` (22000 for any other
// dims). On an empty index the element is written right there by write_first (it becomes the entry point, so no
// inserter starts from a record that is not on disk). g's sizes and segments follow the meta page.
Allocation meta_allocate(Graph* g, uint32 dims, int level_drawn, WriteFirstElement write_first, void* arg);

// ---- free list (VACUUM) ---------------------------------------------------------------------------------------

// Flags id's record FREE with `next` as its free-list link (one WAL record on its header's page). False (nothing
// done) when its header straddles two pages.
bool free_list_mark(Graph* g, uint32 id, int32 next);
// Puts the chain head -> ... -> tail (n ids, marked by free_list_mark) in front of the free list.
void free_list_push(Graph* g, int32 head, int32 tail, uint32 n);

// The end of a VACUUM pass that flagged `newly` elements (`pending` were flagged before and not recycled): counts
// them as deleted. When replace_entry says so (called with the meta page locked and g's segments and count taken from
// it), the entry point becomes *entry (of *level; -1, -1: none).
typedef bool (*ReplaceEntry)(Graph* g, int32 entry, void* arg, int32* new_entry, int* new_level);
void meta_count_deleted(Graph* g, uint32 newly, uint32 pending, ReplaceEntry replace_entry, void* arg);

// ---- value pages (hnsw_values.h) --------------------------------------------------------------------------------

// n pages for a new value chain, under the meta page's exclusive lock (one WAL record): from the free list first (its
// links read from the free pages), then past next_block.
void meta_take_value_pages(Relation index, BlockNumber* blocks, uint32 n);
// VACUUM, before it recycles an element: its chain (head .. last; last == kNoValuePage: a damaged chain, only the
// reference goes) in front of the free list, and the record's reference (at `ref`) cleared, in one WAL record
// (meta page, then the record's page, then the chain's last page).
void meta_free_value_chain(Relation index, BlockNumber head, BlockNumber last, const Location& ref);

}  // namespace vx::pg::hnsw

// The filter directory of an hnsw index with filter columns: every element's filter values again, packed, so that a
// selective filter reads them from a few pages instead of from every record page (hnsw_filter.h,
// filter_all_matching). This file is the only one that reads or writes directory pages.
//
//   directory pages   for each segment (hnsw_page.h) a run of consecutive blocks right before the segment's record
//                     blocks, page kind PageKind::Directory, holding one entry per id of the segment, in id order:
//                     entry (id) = the record's filter area (hnsw_filter.h: uint32 null bits, the values, f.bytes
//                     bytes), at page (id - first_id) / E, offset ((id - first_id) % E) * f.bytes, E = kUsable /
//                     f.bytes entries a page (one int4 column: 8 bytes, 1,020 a page; 60,000 elements: 59 pages).
//
// The entry of an id is found by arithmetic, as its record is, so nothing links the pages (no chain to walk or
// repair) and an id that VACUUM recycles gets its new values in the same slot: the directory never grows with churn
// and VACUUM never touches it (a dead element's entry stays until the id is reused; the record says it is dead).
//
// The directory is a superset of the live elements' filter values, never the truth: an insert writes its entry (one
// GenericXLog record) after taking the id and before writing the record that makes the element valid, so a crash
// or a concurrent reader sees at worst an entry whose record is not valid yet (or still free, or dead), never a valid
// record without its entry. Whoever uses an entry re-checks the record (flags and filter area) before counting it.
//
// Which segments have a directory: the meta page's tail (hnsw_page.h, HnswMetaTail; Graph::dir_from). An index with
// filter columns built or created empty by this version has one in every segment; one built before has none and is
// read page by page as before (REINDEX gives it a directory). C-style, like every AM file.
#pragma once

#include "pg/hnsw/hnsw.h"

namespace vx::pg::hnsw {

// ---- layout (no Postgres call: the bulk build uses these from frames with C++ objects) ----
inline uint32 dir_entries_per_page(const FilterLayout& f) { return kUsable / f.bytes; }
// Directory pages of a segment of nelems elements.
inline uint32 dir_blocks(uint32 nelems, const FilterLayout& f) {
  const uint32 per = dir_entries_per_page(f);
  return (nelems + per - 1) / per;
}
// The first directory block of a segment: its directory pages lie right before its record blocks (so that writing
// the first entry extends the relation by the directory alone, not by the segment's records not written yet).
inline BlockNumber dir_start(const HnswSegment& seg, const FilterLayout& f) {
  return seg.start_block - dir_blocks(seg.nelems, f);
}
// Where entry `local` (id - first_id) of a segment lies: page `local / E` of its directory, at offset.
inline Location dir_locate(BlockNumber start, uint32 local, const FilterLayout& f) {
  const uint32 per = dir_entries_per_page(f);
  return Location{start + local / per, (local % per) * f.bytes};
}
// Whether segment `si` of g has a directory.
inline bool segment_has_dir(const Graph* g, uint32 si) { return g->dir_from != 0 && si + 1 >= g->dir_from; }
// Whether every segment of g has one (the whole index can be read through it).
inline bool index_has_dir(const Graph* g) { return g->filters.count > 0 && g->dir_from == 1; }

// ---- Postgres side ----
// Insert: writes the entry of id (area: its record's filter area), one WAL record, before the record is written.
// Nothing for an id whose segment has no directory.
void dir_write_entry(Graph* g, uint32 id, const char* area);

// What a read of the directory did (the DEBUG1 line of filter_all_matching, which tests read).
struct DirReadStats {
  uint32 pages;    // directory pages read
  uint32 entries;  // entries evaluated
};
// Every id of segment si (which has a directory), below end_id, whose entry satisfies g->filter, in ascending order,
// appended to *ids (palloc'd, *cap grown). Each directory page is read once under a share lock.
void dir_matching_ids(Graph* g, uint32 si, uint32 end_id, uint32** ids, uint32* n, uint32* cap, DirReadStats* st);
// How many of `samples` ids spread over the index (every count / samples-th, as filter_prefers_exhaustive picks
// them) have an entry that satisfies g->filter; the index has a directory in every segment (index_has_dir).
uint32 dir_sample_matches(Graph* g, uint32 samples);

// index_check: every entry's null bits only for the filter columns, every initialised directory page of kind
// Directory, and every live element's entry equal to its record's filter area. state: per id the record's flags as
// the check read them (0: unwritten); a mismatch is re-read (a concurrent insert may be reusing the id) before it
// counts. Raises XX002.
void check_filter_dir(Graph* g, const uint8* state, BlockNumber nblocks);

}  // namespace vx::pg::hnsw

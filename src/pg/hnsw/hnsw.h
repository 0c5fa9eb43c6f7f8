// Internal API shared by the HNSW access method's files (build, insert, scan, vacuum, storage).
// Everything here is "C-style": no object with a destructor lives in these frames, so Postgres errors may longjmp
// through them (docs/architecture.md, "The dialect rule: one dialect per layer"); callers reach them from inside
// guard().
#pragma once

#include "pg/ann/ann_contract.h"
#include "pg/hnsw/hnsw_page.h"
#include "pg/tuning/tuned_params.h"
#include "core/half_copy.h"
#include "core/hnsw/copy_cache.h"
#include "core/hnsw/hnsw_search.h"
#include "core/hnsw/hnsw_select.h"
#include "core/metric.h"

extern "C" {
#include "access/amapi.h"
#include "access/reloptions.h"
#include "utils/rel.h"
}

namespace vx::pg::hnsw {

struct ValueBuffers;  // hnsw_values.cpp
struct ScanFilter;    // hnsw_filter.cpp

using core::Metric;
using core::hnsw::Candidate;

// Settings (hnsw.*).
enum IterativeScan { kIterOff = 0, kIterRelaxed = 1, kIterStrict = 2 };
extern int hnsw_ef_search;
extern int hnsw_iterative_scan;
extern int hnsw_max_scan_tuples;
extern double hnsw_scan_mem_multiplier;
// vectorext.hnsw_packed_records (on): whether new indexes may pack their records in groups of pages (off: the
// per-page layout, versions 4 and 5, for A/B comparisons and the tests that compare both layouts).
extern bool hnsw_packed_records;
// vectorext.hnsw_clustered_inserts (on): whether CREATE INDEX adds each chunk of rows to its in-memory graph sorted
// so that consecutive insertions are near each other (core/hnsw/hnsw_insert_order.h); off: heap order (A/B).
extern bool hnsw_clustered_inserts;

// Reloptions.
struct Options {
  int32 vl_len_;
  int m;
  int ef_construction;
  tuning::TunedOptions tuned;  // ef_search, recall_curve (tuned_params.h)
};
constexpr int kDefaultM = 16, kMinM = 2, kMaxM = 100;
constexpr int kDefaultEfc = 64, kMinEfc = 4, kMaxEfc = 1000;
int index_m(Relation index);
int index_ef_construction(Relation index);
bytea* options(Datum reloptions, bool validate);

// The column (src/pg/ann/ann_contract.h): the type-and-metric contract of the index's operator class (support function
// 3). What an element is, by the contract's stored form:
//   HalfCopy (vector, halfvec): in memory (build arrays, insert buffers, queries) its dims floats, normalised for
//     cosine; on the page their half copy and its encoding error (hnsw_page.h). Ranked by core::rank_distance /
//     core::half_rank; a scan returns lower bounds or, for exact copies, the exact value.
//   OwnBytes (bit): in memory and on the page the contract's stored form (the value's own bytes), held in memory in
//     a float array of element_width floats (the walk's buffers are float arrays), its tail zero. Ranked by
//     stored_rank; a scan returns the exact value (stored_distance).
const AnnContract& index_contract(Relation index);
inline bool own_bytes(const AnnContract& c) { return c.stored == StoredForm::OwnBytes; }
// Whether a new index of the contract's type whose records have record_size bytes packs them in groups of pages
// (layout versions 6, 7; hnsw_page.h). Never for forms with an out-of-line part: their value reference must not
// straddle pages.
inline bool packs_records(const AnnContract& c, uint32 record_size) {
  return c.extra_bytes == nullptr && packing_pays(record_size);
}
// Whether an index written now (CREATE INDEX, or the first insert fixing an untyped column's dims) packs them.
inline bool new_index_packs(const AnnContract& c, uint32 record_size) {
  return hnsw_packed_records && packs_records(c, record_size);
}
// Bytes of an element's form on the page, and floats it takes in memory.
inline uint32 element_bytes(const AnnContract& c, uint32 dims) {
  return own_bytes(c) ? c.stored_bytes(int(dims)) : 2 * dims;
}
inline uint32 element_width(const AnnContract& c, uint32 dims) {
  return own_bytes(c) ? (element_bytes(c, dims) + 3) / 4 : dims;
}
// hnsw's dimension limit for the contract's type (pgvector's for each type where ours is not higher).
int max_dims(const AnnContract& c);
// Dims of the column: the typmod, or 0 when the column has none (then the first value built or inserted fixes the
// dims in the meta page). Refuses (54000) more than max_dims.
int index_dims(Relation index, const AnnContract& c);
// Dimensions of a datum of the contract's type.
int datum_dims(const AnnContract& c, Datum d);
// The element of a datum for the index into out (element_width floats); 22000 "expected N dimensions, not M" for
// other dims. Returns false for a value the index does not hold (a zero vector under cosine).
bool datum_to_element(const AnnContract& c, Datum d, uint32 dims, float* out);
// The datum's float form as the executor sees it (not normalised), dims floats; the caller checked the dims.
// HalfCopy types only.
void datum_to_floats(const AnnContract& c, Datum d, float* out);

// A read-mostly view of the index for one operation: parameters and segment directory copied from the meta page.
struct Graph {
  Relation index;
  uint32 dims, m, record_size;
  RecordLayout layout;  // how the records lie in a segment's pages (record_layout of record_size and the version)
  Metric metric;
  const AnnContract* contract;  // the column's type and metric (index_contract)
  uint32 element_bytes;         // of an element on the page (element_bytes)
  uint32 width;                 // floats an element takes in memory (element_width)
  int32 entry, max_level;
  uint32 count;
  uint32 nsegments;
  HnswSegment* segments;
  uint16* scratch;  // element_bytes + 32 bytes (a copy of an element that straddles pages), graph_set_element_size's
  uint32 scratch_bytes;
  // A few pins kept across record accesses (round robin; see pinned() in hnsw_storage.cpp for why so few).
  // Released by graph_release (or by resource-owner cleanup).
  BlockNumber pin_block[4];
  Buffer pin_buf[4];
  int pin_next;
  uint64 pin_ops;        // pins taken (statistics)
  ValueBuffers* values;  // out-of-line parts read back (hnsw_values.h); nullptr until the first
  // Filter columns (hnsw_filter.h): the record's filter area at filter_offset; a scan with conditions on them sets
  // `filter` (elements that fail are traversed, never results) and `rejected` (one bit per id: failed).
  FilterLayout filters;
  uint32 filter_offset;
  const ScanFilter* filter;
  uint64* rejected;
  // Filter directory (hnsw_filter_dir.h): 0 none, else 1 + the first segment that has one (the meta page's tail).
  uint32 dir_from;
  XLogRecPtr meta_lsn;  // the meta page's LSN when meta_load read it (what the descent copies are valid for)
  // A scan's descent only: backend-local copies of the elements it evaluates (hnsw_descent_cache.h); nullptr: none.
  core::hnsw::CopyCache* descent_copies;
};
constexpr int kPinSlots = 4;

// Reads the meta page (share lock) into g; memory from CurrentMemoryContext.
void graph_load(Graph* g, Relation index);
// Sets g's element sizes (and scratch) from g->contract and g->dims (graph_load does; whoever changes g->dims calls it
// again).
void graph_set_element_size(Graph* g);
// The ranking key between two elements in memory (width floats each): what the insert and VACUUM heuristics compare.
float element_distance(const Graph* g, const float* a, const float* b);
void graph_refresh(Graph* g);  // re-reads count / entry / segments (meta_load)
void graph_release(Graph* g);  // drops the cached pins

// Record access. Returns false when the id has no written record (not valid yet / beyond the relation).
bool read_header(Graph* g, uint32 id, HnswRecordHeader* h);
// Header and level-0 list together (one lock round trip); nbrs must hold 2m ids.
bool read_header_and_list0(Graph* g, uint32 id, HnswRecordHeader* h, int32* nbrs);
// Neighbours at `level` (0 or upper); returns count (0 when missing).
int read_neighbors(Graph* g, uint32 id, int level, int32* out);
// Ranking distance (core::half_rank, or the contract's stored_rank) from q (an element in memory) to element id, read
// on the page(s) with a pin.
float distance_to(Graph* g, uint32 id, const float* q);
float distance_and_flags(Graph* g, uint32 id, const float* q, uint8* flags);
// distance_to, from g->descent_copies when it holds id's copy (and keeping the copy there when the record is live):
// what a scan's greedy descent computes (hnsw_descent_cache.h). distance_to when g->descent_copies is nullptr.
float descent_distance_to(Graph* g, uint32 id, const float* q);
// The element in memory (width floats): the vector as its half copy decodes, or the stored bytes (what inserts and
// VACUUM compute neighbour distances with).
void read_vector(Graph* g, uint32 id, float* out);
// read_vector(g, id, out) and distance_to(g, id, q) together, the record's page pinned once when it holds the whole
// element (the same values as the two calls).
float read_vector_and_distance(Graph* g, uint32 id, const float* q, float* out);
// Copies [byte, byte + len) of id's record with a pin and no lock (its immutable parts: the element, its error or
// value reference); false when the id has no segment or a page is not initialised.
bool copy_immutable(Graph* g, uint32 id, uint32 byte, uint32 len, void* out);
// Lower bound of the SQL distance between element id's original vector and `query` (as the executor sees it,
// not normalised; query_norm its norm), from its half copy: what a scan returns as the ORDER BY value. `rank` is
// the walk's distance_to(id) with that same query (used instead of re-reading the copy where the metric allows:
// L2, L1). *exact_copy: the copy decodes to the original bit for bit (core::copy_is_exact). *tid_hint: the record's
// heap TID as read without a lock, to prefetch the heap row only (invalid where it was not at hand: a wide record).
double lower_bound_to(Graph* g, uint32 id, const float* query, double query_norm, float rank, bool* exact_copy,
                      ItemPointer tid_hint);
// The SQL operator's exact value for an element whose copy is exact (the contract's exact_from_floats on the decoded
// copy), or an OwnBytes element (stored_distance; query is then the query's element); buf holds dims floats.
double exact_distance_to(Graph* g, uint32 id, const float* query, float* buf);
// Writes an element (width floats) into a zeroed record buffer: the half copy of the floats (normalised for cosine)
// and its encoding error, or the stored bytes. No Postgres call (the build calls it from a frame with C++ objects).
void encode_element(char* rec, uint32 m, const float* elem, uint32 dims, const AnnContract& c);

// Writes: every change goes through GenericXLog (<= 4 buffers per record), pages locked in ascending order.
void write_record_bytes(Relation index, const Graph* g, uint32 id, uint32 byte, uint32 len, const void* src);
void write_upper(Relation index, BlockNumber block, uint32 off, uint32 len, const void* src);
// Replaces the neighbour list of id at level if it still equals `expect` (n_expect ids); false if it changed.
bool replace_neighbors(Graph* g, uint32 id, int level, const int32* expect, int n_expect, const int32* ids, int n);
// The block that holds id's header and level-0 list, or InvalidBlockNumber when they straddle two pages (or id has no
// segment).
BlockNumber list0_block(const Graph* g, uint32 id);
// Level-0 list replacements of several elements whose header and list lie on `block` (list0_block), in one WAL
// record: each as replace_neighbors would (only if the list still equals `expect`); applied[i] says which were.
struct ListChange {
  uint32 id;
  const int32* expect;
  int n_expect;
  const int32* ids;
  int n;
};
void replace_lists0_on_page(Graph* g, BlockNumber block, const ListChange* changes, int n, bool* applied);
// Sets/clears flags in a record header.
void set_record_flags(Graph* g, uint32 id, uint8 set_flags);
// Makes sure block exists (relation extended with zero pages up to it).
void ensure_block(Relation index, BlockNumber block);

// The layer search is core::hnsw's (core/hnsw/hnsw_search.h) over the pages: a Search is its caller-owned buffers
// (palloc'd here), and the functions below run it with the page graph as accessor (hnsw_storage.cpp).
using Search = core::hnsw::SearchState;
using core::hnsw::heap_pop_max;
using core::hnsw::heap_pop_min;
using core::hnsw::heap_push_max;
using core::hnsw::heap_push_min;
using core::hnsw::search_reset;     // clears visited and heaps
using core::hnsw::sort_candidates;  // ascending dist
using core::hnsw::visited_test_set;
// visited: count / 64 + 1 words the search may use (it zeroes them), or nullptr to allocate them.
void search_init(Search* s, uint32 count, int m, int ef, uint64* visited = nullptr);
// Gives s the set of ids a greedy descent evaluated (core::hnsw::greedy_layer skips them when met again), empty:
// 2^kSeenBits slots, of which half are used at most (a descent evaluates ~70-110 elements on 60,000 at m 16).
constexpr uint32 kSeenBits = 10;
void search_track_seen(Search* s);
// Pushes c onto the candidate heap (grows it; marks it queued when s->queued is set).
void push_cand(Search* s, Candidate c);
// Keeps c among the discarded (when s->keep_discarded; grows the list).
void push_disc(Search* s, Candidate c);
// Greedy descent from (*cur, *cur_dist) on `level` with ef = 1 (ids up to g->count).
void greedy_layer(Graph* g, Search* s, const float* q, int level, int32* cur, float* cur_dist);
// Beam search at `level`: s->cand / s->res hold the entry points (already marked visited) on entry; on exit s->res
// holds up to ef nearest found. With s->skip_excluded, deleted and unfinished elements are traversed, not results.
void search_layer(Graph* g, Search* s, const float* q, int level, int ef);

// Insert one element (width floats: datum_to_element's). Used by aminsert and by the page-level build path.
// dims: the value's; must equal the index's (fixed by this insert when the index has none yet). filter_area: the
// record's filter area (hnsw_filter.h), nullptr for an index without filter columns. kept: buffers kept between
// inserts (aminsert's, see insert()), grown here as needed in kept->cxt; nullptr to allocate them per call.
struct InsertBuffers {
  MemoryContext cxt;  // never reset: the buffers keep their largest size
  float* mat;         // the candidates' elements (mat_floats floats)
  size_t mat_floats;
  uint64* visited;  // the search's visited bitset (visited_words words)
  size_t visited_words;
};
void insert_element(Relation index, const float* vec, uint32 dims, ItemPointer tid, const char* filter_area,
                    InsertBuffers* kept = nullptr);

// AM callbacks (one file each).
IndexBuildResult* build(Relation heap, Relation index, IndexInfo* info);
void build_empty(Relation index);
bool insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation heap, IndexUniqueCheck check,
            bool indexUnchanged, IndexInfo* info);
IndexBulkDeleteResult* bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                   IndexBulkDeleteCallback callback, void* callback_state);
IndexBulkDeleteResult* vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats);
void cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup, Cost* total,
                   Selectivity* selectivity, double* correlation, double* pages);
// The AM's amcostestimate as its routine holds it (how the planner hook of hnsw_filter_paths.cpp knows hnsw indexes).
amcostestimate_function hnsw_amcostestimate();
IndexScanDesc begin_scan(Relation index, int nkeys, int norderbys);
void rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool get_tuple(IndexScanDesc scan, ScanDirection dir);
void end_scan(IndexScanDesc scan);

}  // namespace vx::pg::hnsw

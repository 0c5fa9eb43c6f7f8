// Internal API shared by the HNSW access method's files (build, insert, scan, vacuum, storage).
// Everything here is "C-style": no object with a destructor lives in these frames, so Postgres errors may longjmp
// through them (DESIGN.md §3 rule of thumb); callers reach them from inside guard().
#pragma once

#include "pg/hnsw_page.h"
#include "pg/tuned_params.h"
#include "core/hnsw_distance.h"
#include "core/hnsw_select.h"

extern "C" {
#include "access/amapi.h"
#include "access/reloptions.h"
#include "utils/rel.h"
}

namespace vx::pg::hnsw {

using core::hnsw::Candidate;
using core::hnsw::Metric;

// Settings (hnsw.*).
enum IterativeScan { kIterOff = 0, kIterRelaxed = 1, kIterStrict = 2 };
extern int g_ef_search;
extern int g_iterative_scan;
extern int g_max_scan_tuples;
extern double g_scan_mem_multiplier;

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
// Metric of the index's operator class (support function 3), dims of its column: the typmod, or 0 when the
// column has none (then the first vector built or inserted fixes the dims in the meta page).
Metric index_metric(Relation index);
int index_dims(Relation index);
// Dimensions of a vector datum.
int datum_dims(Datum d);

// A read-mostly view of the index for one operation: parameters and segment directory copied from the meta page.
struct Graph {
  Relation index;
  uint32 dims, m, record_size;
  Metric metric;
  int32 entry, max_level;
  uint32 count;
  uint32 nsegments;
  Segment* segments;
  uint16* scratch;  // dims halves (a copy of a vector that straddles pages)
  // A few pins kept across record accesses (round robin; see pinned() in hnsw_storage.cpp for why so few).
  // Released by graph_release (or by resource-owner cleanup).
  BlockNumber pin_block[4];
  Buffer pin_buf[4];
  int pin_next;
  uint64 pin_ops;  // pins taken (statistics)
};
constexpr int kPinSlots = 4;

// Reads the meta page (share lock) into g; memory from CurrentMemoryContext.
void graph_load(Graph* g, Relation index);
void graph_refresh(Graph* g);  // re-reads count / entry / segments
void graph_release(Graph* g);  // drops the cached pins

// Record access. Returns false when the id has no written record (not valid yet / beyond the relation).
bool read_header(Graph* g, uint32 id, RecordHeader* h);
// Header and level-0 list together (one lock round trip); nbrs must hold 2m ids.
bool read_header_and_list0(Graph* g, uint32 id, RecordHeader* h, int32* nbrs);
// Neighbours at `level` (0 or upper); returns count (0 when missing).
int read_neighbors(Graph* g, uint32 id, int level, int32* out);
// Ranking distance (core::hnsw::half_distance) from q to element id's half copy, read on the page(s) with a pin.
float distance_to(Graph* g, uint32 id, const float* q);
float distance_and_flags(Graph* g, uint32 id, const float* q, uint8* flags);
// The element's vector as its half copy decodes (what inserts and VACUUM compute neighbour distances with).
void read_vector(Graph* g, uint32 id, float* out);
// Lower bound of the SQL distance between element id's original vector and `query` (as the executor sees it,
// not normalised; query_norm its norm), from its half copy: what a scan returns as the ORDER BY value. `rank` is
// the walk's distance_to(id) with that same query (used instead of re-reading the copy where the metric allows:
// L2, L1). *exact_copy: the copy decodes to the original bit for bit (core::hnsw::copy_is_exact).
double lower_bound_to(Graph* g, uint32 id, const float* query, double query_norm, float rank, bool* exact_copy);
// The SQL operator's exact value for an element whose copy is exact; buf holds dims floats.
double exact_distance_to(Graph* g, uint32 id, const float* query, float* buf);
// Writes the half copy of vec (dims floats, normalised for cosine) and its encoding error into a record buffer.
void encode_vector(char* rec, uint32 m, const float* vec, uint32 dims);

// Writes: every change goes through GenericXLog (<= 4 buffers per record), pages locked in ascending order.
void write_record_bytes(Relation index, const Graph* g, uint32 id, uint32 byte, uint32 len, const void* src);
void write_upper(Relation index, BlockNumber block, uint32 off, uint32 len, const void* src);
// Replaces the neighbour list of id at level if it still equals `expect` (n_expect ids); false if it changed.
bool replace_neighbors(Graph* g, uint32 id, int level, const int32* expect, int n_expect, const int32* ids, int n);
// Sets/clears flags in a record header.
void set_record_flags(Graph* g, uint32 id, uint8 set_flags);
// Makes sure block exists (relation extended with zero pages up to it).
void ensure_block(Relation index, BlockNumber block);

// Search buffers, reused across layers and calls (no allocation per candidate).
struct Search {
  uint64* visited;
  uint32 visited_bits;
  Candidate* cand;  // min-heap by dist: to expand
  int ncand, capcand;
  Candidate* res;  // max-heap by dist: best ef found
  int nres, capres;
  Candidate* disc;  // evaluated but not kept (iterative scans resume from them)
  int ndisc, capdisc;
  bool keep_discarded;
  uint64* queued;  // iterative scans: pushed to cand once already (a discarded element re-enters cand only once)
  bool skip_deleted;  // deleted elements are traversed but not put in res
  int32* nbuf;
  uint64 evaluated;  // distance computations (memory / tuple budget for iterative scans)
};
void search_init(Search* s, uint32 count, int m, int ef);
void search_reset(Search* s);  // clears visited and heaps
bool visited_test_set(Search* s, uint32 id);
// Pushes c onto the candidate heap (grows it; marks it queued when s->queued is set).
void push_cand(Search* s, Candidate c);
// Greedy descent from (*cur, *cur_dist) on `level` with ef = 1.
void greedy_layer(Graph* g, Search* s, const float* q, int level, int32* cur, float* cur_dist);
// Beam search at `level`: s->cand / s->res hold the entry points (already marked visited) on entry; on exit s->res
// holds up to ef nearest found.
void search_layer(Graph* g, Search* s, const float* q, int level, int ef);

// Heap helpers over Candidate arrays.
void heap_push_min(Candidate* h, int* n, Candidate c);
Candidate heap_pop_min(Candidate* h, int* n);
void heap_push_max(Candidate* h, int* n, Candidate c);
Candidate heap_pop_max(Candidate* h, int* n);
void sort_candidates(Candidate* c, int n);  // ascending dist

// Insert one vector (already normalised for cosine). Used by aminsert and by the page-level build path.
// dims: the vector's; must equal the index's (fixed by this insert when the index has none yet).
void insert_element(Relation index, const float* vec, uint32 dims, ItemPointer tid);
// Initialise an empty index: meta page (block 0) in the given fork.
void write_empty_meta(Relation index, ForkNumber fork, int dims, Metric metric, int m, int efc, bool log);

// AM callbacks (one file each).
IndexBuildResult* build(Relation heap, Relation index, IndexInfo* info);
void build_empty(Relation index);
bool insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation heap,
            IndexUniqueCheck check, bool indexUnchanged, IndexInfo* info);
IndexBulkDeleteResult* bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                   IndexBulkDeleteCallback callback, void* callback_state);
IndexBulkDeleteResult* vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats);
void cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup, Cost* total,
                   Selectivity* selectivity, double* correlation, double* pages);
IndexScanDesc begin_scan(Relation index, int nkeys, int norderbys);
void rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool get_tuple(IndexScanDesc scan, ScanDirection dir);
void end_scan(IndexScanDesc scan);

// Converts a vector datum to a float array for this index (copy, normalised for cosine). Returns false for a
// vector that cannot be indexed (zero norm under cosine).
bool datum_to_query(Datum d, Metric metric, uint32 dims, float* out);

}  // namespace vx::pg::hnsw

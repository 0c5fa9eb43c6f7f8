// Shared declarations of the IVF access methods (ivfflat: pgvector-compatible; ivf: quantizers + re-ranking).
#pragma once

#include "core/ivf_quant.h"
#include "pg/ivf_page.h"

#include <memory>
#include <vector>

extern "C" {
#include "access/amapi.h"
#include "access/reloptions.h"
#include "nodes/pathnodes.h"
#include "utils/rel.h"
}

namespace vx::pg::ivf {

using core::ivf::Metric;

// reloptions (both AMs share one struct; ivfflat only exposes `lists`)
struct IvfOptions {
  int32 vl_len_;
  int lists;         // ivf: -1 = from the row count
  int quantizer;     // offset of the string option (ivf only), 0 when unset
  int pq_m;          // 0 = default
  int rerank;        // -1 = default
};

// settings
extern int ivfflat_probes, ivfflat_max_probes, ivfflat_iterative_scan;
extern int ivf_probes, ivf_max_probes, ivf_iterative_scan;
enum IterativeScan { kIterativeOff = 0, kIterativeRelaxed = 1 };

constexpr int kDefaultRerank = 100;

// Parsed options for a build.
struct BuildOptions {
  AmKind am;
  int lists;  // -1 = auto
  Quantizer quantizer;
  int pq_m;   // 0 = auto
  int rerank;
};
BuildOptions read_build_options(Relation index);
Quantizer parse_quantizer(const char* value);  // ereports for unknown values

// Metric from the operator class' support functions (proc 1 l2 -> L2; proc 2 present -> cosine; else ip).
Metric opclass_metric(Relation index);

// Everything a scan or insert needs besides the posting pages; immutable after the build and cached per backend.
struct Model {
  IvfMeta meta;
  std::vector<float> centroids;  // lists x dim
  core::ivf::Sq8 sq8;
  core::ivf::Pq pq;
  Metric metric() const { return static_cast<Metric>(meta.metric); }
  Quantizer quantizer() const { return static_cast<Quantizer>(meta.quantizer); }
};
// Reads the meta page (share lock) and returns the cached model for this relfilenode + build id, loading it from
// the centroid and codebook pages on a miss. Postgres errors surface as PgError.
std::shared_ptr<const Model> load_model(Relation index);
IvfMeta read_meta(Relation index);  // ereports on a bad magic/version
// Candidates a lossy scan re-ranks per window: the reloption (ALTER INDEX ... SET applies at once), else the build's.
int effective_rerank(Relation index, const IvfMeta& meta);

// Normalises (cosine) and encodes a vector for its list; returns false when the vector cannot be indexed (a zero
// vector under cosine). `code` must hold meta.code_size bytes; `scratch` dim floats.
bool prepare_vector(const Model& model, const float* in, float* normalized);
void encode(const Model& model, const float* x, int list, uint8_t* code, float* scratch);

// Directory helpers
inline BlockNumber directory_block(const IvfMeta& m, int list) {
  return m.directory_start + static_cast<BlockNumber>(list / m.slots_per_page);
}
inline ListSlot* directory_slots(Page page) { return reinterpret_cast<ListSlot*>(page_contents(page)); }
inline ListSlot& directory_slot(Page page, const IvfMeta& m, int list) {
  return directory_slots(page)[list % m.slots_per_page];
}
// The list's slot, read under a share lock on its directory page.
ListSlot read_slot(Relation index, const IvfMeta& meta, int list);
// Points the list's inserts at page `to` if the slot still says `from` (any page: InvalidBlockNumber); WAL-logged,
// locks only the directory page.
void move_insert_page(Relation index, const IvfMeta& meta, int list, BlockNumber from, BlockNumber to);

// AM callbacks
IndexBuildResult* build(Relation heap, Relation index, IndexInfo* info);
void build_empty(Relation index);
bool insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation heap,
            IndexUniqueCheck check, bool indexUnchanged, IndexInfo* info);
IndexBulkDeleteResult* bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                   IndexBulkDeleteCallback callback, void* callback_state);
IndexBulkDeleteResult* vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats);
void cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup, Cost* total,
                   Selectivity* selectivity, double* correlation, double* pages);  // ann_cost.cpp
IndexScanDesc begin_scan(Relation index, int nkeys, int norderbys);
void rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool get_tuple(IndexScanDesc scan, ScanDirection dir);
void end_scan(IndexScanDesc scan);

}  // namespace vx::pg::ivf

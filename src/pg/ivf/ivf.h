// Shared declarations of the IVF access methods (ivfflat: pgvector-compatible; ivf: quantizers + re-ranking); how
// the files divide the work, the page layout, locking and WAL: docs/ivf-internals.md.
//
// Dialect (docs/architecture.md, "The dialect rule"): every file here is C-style over palloc, as contrib/bloom and pgvector: no object
// with a destructor lives in a frame, so Postgres may longjmp through any of them, and they call Postgres directly.
// The C++ state (the trained model: core::ivf::Model with its codec; a scan's ListScanner; the training sample's
// k-means) lives in core objects owned by memory contexts (make_context_owned), reached through the named calls
// below marked "guarded", which turn C++ exceptions into ereports. Calls into core that cannot throw (scoring a page,
// encoding a vector, finding the nearest list: no allocation) are made directly.
#pragma once

#include "core/ivf/ivf_model.h"
#include "pg/ann/ann_contract.h"
#include "pg/ivf/ivf_page.h"
#include "pg/tuning/tuned_params.h"

extern "C" {
#include "access/amapi.h"
#include "access/reloptions.h"
#include "nodes/pathnodes.h"
#include "utils/rel.h"
}

namespace vx::pg::ivf {

using core::Metric;

// reloptions (both AMs share one struct; ivfflat only exposes `lists`)
struct IvfOptions {
  int32 vl_len_;
  int lists;                   // ivf: -1 = from the row count
  int quantizer;               // offset of the string option (ivf only), 0 when unset
  int pq_m;                    // 0 = default
  int rerank;                  // -1 = default
  tuning::TunedOptions tuned;  // probes, recall_curve (tuned_params.h)
};

// settings
extern int ivfflat_probes, ivfflat_max_probes, ivfflat_iterative_scan;
extern int ivf_probes, ivf_max_probes, ivf_iterative_scan;
enum IterativeScan { kIterativeOff = 0, kIterativeRelaxed = 1 };

constexpr int kDefaultRerank = 100;

// The centroid form of a column type: its own compact form (halfvec: halves, bit: packed bits), floats otherwise.
inline CentroidForm centroid_form_for(const AnnContract& c) {
  return c.type->element == ElementKind::Float16 ? CentroidForm::Half
         : c.type->element == ElementKind::Bit   ? CentroidForm::Bits
                                                 : CentroidForm::Float32;
}
// Refuses (54000, pgvector's message) `dims` above the limit of the index's centroid form; `what` is "column" (the
// typmod) or "vector" (a row fixing the dimensions of a column without typmod).
void check_dims_limit(Relation index, CentroidForm form, int dims, const char* what);

// Parsed options for a build.
struct BuildOptions {
  AmKind am;
  int lists;  // -1 = auto
  Quantizer quantizer;
  int pq_m;  // 0 = auto
  int rerank;
};
BuildOptions read_build_options(Relation index);
Quantizer parse_quantizer(const char* value);  // ereports for unknown values
// Candidates a lossy scan re-ranks per window: the reloption (ALTER INDEX ... SET applies at once), else the build's.
int effective_rerank(Relation index, const IvfMeta& meta);

// ---- ivf_model.cpp: the only reader and writer of the meta, centroid, codebook and directory pages ----

// Reads the meta page (share lock); ereports on a bad magic or another layout version.
IvfMeta read_meta(Relation index);
// Lays a model out: fills meta's block ranges and per-page counts from dim, lists and codebook_bytes.
void plan_layout(IvfMeta* meta);
// Writes a new index's meta, centroid, codebook and directory pages (every list empty) from block 0 on. MAIN_FORKNUM:
// through shared buffers without WAL (the build logs the whole relation at the end); INIT_FORKNUM: straight to the
// init fork, WAL-logged (ambuildempty).
// The centroids come from `model` in meta's centroid form (nullptr: zero centroids, an untrained index).
void write_model(Relation index, ForkNumber fork, const IvfMeta& meta, const core::ivf::Model* model,
                 const uint8_t* codebook);
// Sets every list's directory slot (end of a build; no WAL, as write_model).
void write_directory(Relation index, const IvfMeta& meta, const ListSlot* slots);
// An index on a column without typmod built without rows has dim 0: the first insert fixes the dimensions (meta and
// the zero centroid, one GenericXLog record). A no-op if another backend did it first.
void fix_dims(Relation index, int dim);

// The immutable state a scan or insert needs besides the posting pages, cached per backend (backend_cache.h) by
// relfilenode and the meta page's build id, so a rebuilt, truncated or reused relation never serves stale centroids.
struct IvfModel {
  IvfMeta meta;
  const core::ivf::Model* core;  // centroids and codec, owned by the cache entry
  Metric metric() const { return static_cast<Metric>(meta.metric); }
  Quantizer quantizer() const { return static_cast<Quantizer>(meta.quantizer); }
};
// Reads the meta page and returns the model of this build, loading it from its pages on a miss (guarded). Pinned
// (never freed) until `owner` is reset or deleted.
const IvfModel* model_acquire(Relation index, MemoryContext owner);
// A new core model in `cxt` (guarded): untrained, `lists` zero centroids in meta's centroid form and the codec of
// meta's quantizer. `training`: float centroids for k-means whatever the form (Model::settle_centroids converts).
core::ivf::Model* new_core_model(const IvfMeta& meta, MemoryContext cxt, bool training);

// The list's slot, read under a share lock on its directory page.
ListSlot read_slot(Relation index, const IvfMeta& meta, int list);
// Points the list's inserts at page `to` if the slot still says `from` (any page: InvalidBlockNumber); WAL-logged,
// locks only the directory page.
void move_insert_page(Relation index, const IvfMeta& meta, int list, BlockNumber from, BlockNumber to);

// ---- ivf_train.cpp (guarded): training on worker threads through the separately loaded Faiss module ----
struct TrainInput {
  const float* data;  // rows x dim (normalised for cosine)
  std::size_t rows;
  int dim;
  Metric metric;
};
// k-means centroids of the lists into model->centroids (model->lists of them); cancellable between iterations.
void train_centroids(const TrainInput& in, core::ivf::Model* model);
// The codec's own training (core::ivf::Codec::train) on the sample and the trained centroids.
void train_codec(const TrainInput& in, core::ivf::Model* model);

// AM callbacks
IndexBuildResult* build(Relation heap, Relation index, IndexInfo* info);
void build_empty(Relation index);
bool insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation heap, IndexUniqueCheck check,
            bool indexUnchanged, IndexInfo* info);
IndexBulkDeleteResult* bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                   IndexBulkDeleteCallback callback, void* callback_state);
IndexBulkDeleteResult* vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats);
void cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup, Cost* total,
                   Selectivity* selectivity, double* correlation, double* pages);  // ann_cost.cpp
IndexScanDesc begin_scan(Relation index, int nkeys, int norderbys);
void rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool get_tuple(IndexScanDesc scan, ScanDirection dir);
void end_scan(IndexScanDesc scan);

// Directory helpers
inline BlockNumber directory_block(const IvfMeta& m, int list) {
  return m.directory_start + static_cast<BlockNumber>(list / m.slots_per_page);
}
inline ListSlot* directory_slots(Page page) { return reinterpret_cast<ListSlot*>(page_contents(page)); }
inline ListSlot& directory_slot(Page page, const IvfMeta& m, int list) {
  return directory_slots(page)[list % m.slots_per_page];
}

}  // namespace vx::pg::ivf

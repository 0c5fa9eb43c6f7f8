// CREATE INDEX for ivfflat / ivf: sample the table, train centroids (and the codec: SQ8 / PQ codebooks) with Faiss
// k-means on worker threads, then assign every row to its nearest list and write the posting pages. Pages are written
// without WAL and logged once with log_newpage_range at the end. C-style (ivf.h); the C++ work is behind the guarded
// calls train_centroids / train_codec (ivf_train.cpp) and assign_batch below.
#include "pg/context_owned.h"
#include "pg/ivf/ivf.h"
#include "pg/type/type_checks.h"
#include "pg/workers.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <new>
#include <random>
#include <vector>

extern "C" {
#include "access/heaptoast.h"
#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/defrem.h"
#include "commands/progress.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/backend_progress.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
}

namespace vx::pg::ivf {

namespace {

constexpr int kPhaseSample = 2, kPhaseKmeans = 3, kPhaseQuantizer = 4, kPhaseLoad = 5;
constexpr int kSamplesPerList = 50;

// palloc'd in the build's memory context; every member is trivially destructible.
struct BuildState {
  Relation index;
  const AnnContract* contract;
  BuildOptions options;
  int dim;
  MemoryContext cxt, tmp;
  // pass 1
  float* sample;
  std::size_t sample_cap, sample_rows;
  double rows;                  // indexable rows seen
  std::size_t sample_cap_rows;  // before the memory bound, which needs the dimensions
  std::mt19937_64 rng;          // fixed seed: reproducible builds
  // pass 2
  IvfMeta meta;
  core::ivf::Model* model;  // owned by cxt
  ListSlot* slots;          // per list: first page and tail (the insert page once built)
  float* vec;               // dim floats: the current row
  double indexed;
  double assign_ms;  // in assign_batch (DEBUG1)
  // rows buffered for parallel assignment
  std::size_t batch_rows, batch_count;
  ItemPointerData* batch_tids;
  float* batch_vecs;
  int* batch_lists;
  char* batch_items;
};

void check_options(Relation index, const AnnContract& c, BuildOptions* o, int dim);

// Sizes the sample and the row buffers once the dimensions are known (from the typmod or the first row).
void set_dims(BuildState* st, int dim) {
  st->dim = dim;
  std::size_t mem_cap = static_cast<std::size_t>(maintenance_work_mem) * 1024 / (sizeof(float) * dim);
  st->sample_cap = std::max<std::size_t>(1, std::min(st->sample_cap_rows, mem_cap));
  st->sample = static_cast<float*>(MemoryContextAllocHuge(st->cxt, st->sample_cap * dim * sizeof(float)));
  st->vec = static_cast<float*>(MemoryContextAlloc(st->cxt, dim * sizeof(float)));
}

// Reads the vector of a build callback into st->vec (normalised for cosine). False: skip the row.
bool load_row(BuildState* st, Datum value) {
  const AnnContract& c = *st->contract;
  const void* v = c.type->detoast(value);
  const int dims = c.type->dims(v);
  if (st->dim <= 0) {  // no typmod: the first non-NULL vector fixes the dimensions of the index
    check_dims_limit(st->index, centroid_form_for(c), dims, "vector");
    check_options(st->index, c, &st->options, dims);
    set_dims(st, dims);
  }
  if (dims != st->dim) check_expected_dims(st->dim, dims);
  return ann_value_to_float(c, v, st->vec, dims);
}

void sample_callback(Relation, ItemPointer, Datum* values, bool* isnull, bool, void* arg) {
  auto* st = static_cast<BuildState*>(arg);
  if (isnull[0]) return;
  MemoryContext old = MemoryContextSwitchTo(st->tmp);
  if (load_row(st, values[0])) {
    std::size_t slot = st->sample_rows;
    bool keep = true;
    if (st->sample_rows < st->sample_cap) {
      st->sample_rows++;
    } else {
      std::uniform_int_distribution<uint64> pick(0, static_cast<uint64>(st->rows));
      uint64 j = pick(st->rng);
      keep = j < st->sample_cap;
      slot = static_cast<std::size_t>(j);
    }
    if (keep) memcpy(st->sample + slot * st->dim, st->vec, sizeof(float) * st->dim);
    st->rows += 1;
  }
  MemoryContextSwitchTo(old);
  MemoryContextReset(st->tmp);
}

// Appends one posting to the tail of list `list` during the build (no WAL: the whole relation is logged at the end).
void build_append(BuildState* st, int list, const char* item, Size size) {
  ListSlot& slot = st->slots[list];
  Buffer tail = InvalidBuffer;
  if (slot.insert != InvalidBlockNumber) {
    tail = ReadBuffer(st->index, slot.insert);
    LockBuffer(tail, BUFFER_LOCK_EXCLUSIVE);
    Page page = BufferGetPage(tail);
    if (PageGetFreeSpace(page) >= MAXALIGN(size) &&
        PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false) != InvalidOffsetNumber) {
      MarkBufferDirty(tail);
      UnlockReleaseBuffer(tail);
      return;
    }
  }
  Buffer buf = ReadBufferExtended(st->index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, nullptr);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  Page page = BufferGetPage(buf);
  init_page(page, PageKind::Posting);
  if (PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
    elog(ERROR, "ivf posting of %zu bytes does not fit an empty page", size);
  MarkBufferDirty(buf);
  const BlockNumber block = BufferGetBlockNumber(buf);
  UnlockReleaseBuffer(buf);
  if (tail != InvalidBuffer) {  // link the new page after the full tail
    page_opaque(BufferGetPage(tail))->next = block;
    MarkBufferDirty(tail);
    UnlockReleaseBuffer(tail);
  } else {
    slot.first = block;
  }
  slot.insert = block;
}

// Assigns the buffered rows to their lists and encodes them on worker threads (guarded; pure C++, no Postgres call).
void assign_batch(BuildState* st, std::size_t n, std::size_t item) {
  const core::ivf::Model& m = *st->model;
  const std::size_t dim = static_cast<std::size_t>(st->dim);
  const int threads = std::max(1, std::min<int>(maintenance_thread_count(), static_cast<int>(n / 256) + 1));
  guard([&] {
    // Four consecutive rows at a time: Model::nearest_lists reads each centroid once for the four (the centroids,
    // lists x dims floats, do not stay in cache between rows: 80% of the load's time went to that stream).
    constexpr std::size_t kRows = 4;
    auto work = [&](int worker, const std::atomic<bool>& stop) {
      std::vector<float> scratch(dim);
      std::size_t lists[kRows];
      for (std::size_t r0 = static_cast<std::size_t>(worker) * kRows; r0 < n && !stop.load();
           r0 += static_cast<std::size_t>(threads) * kRows) {
        const std::size_t rows = std::min(kRows, n - r0);
        m.nearest_lists(st->batch_vecs + r0 * dim, rows, lists);
        for (std::size_t j = 0; j < rows; ++j) {
          const std::size_t r = r0 + j;
          const float* x = st->batch_vecs + r * dim;
          st->batch_lists[r] = static_cast<int>(lists[j]);
          char* it = st->batch_items + r * item;
          reinterpret_cast<IvfTuple*>(it)->tid = st->batch_tids[r];
          m.codec->encode(x, m.centroid(lists[j]), reinterpret_cast<uint8_t*>(it + kTupleHeader), scratch.data());
        }
      }
    };
    if (threads > 1)
      run_workers(threads, work, {});
    else
      work(0, std::atomic<bool>{false});
  });
}

void flush_batch(BuildState* st) {
  const std::size_t n = st->batch_count;
  if (n == 0) return;
  const std::size_t item = kTupleHeader + st->meta.code_size;
  memset(st->batch_items, 0, n * item);
  const TimestampTz start = GetCurrentTimestamp();
  assign_batch(st, n, item);
  st->assign_ms += (GetCurrentTimestamp() - start) / 1000.0;
  for (std::size_t r = 0; r < n; ++r) build_append(st, st->batch_lists[r], st->batch_items + r * item, item);
  st->indexed += n;
  pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, static_cast<int64>(st->indexed));
  st->batch_count = 0;
}

void load_callback(Relation, ItemPointer tid, Datum* values, bool* isnull, bool, void* arg) {
  auto* st = static_cast<BuildState*>(arg);
  if (isnull[0]) return;
  MemoryContext old = MemoryContextSwitchTo(st->tmp);
  if (load_row(st, values[0])) {
    st->batch_tids[st->batch_count] = *tid;
    memcpy(st->batch_vecs + st->batch_count * st->dim, st->vec, sizeof(float) * st->dim);
    if (++st->batch_count >= st->batch_rows) flush_batch(st);
  }
  MemoryContextSwitchTo(old);
  MemoryContextReset(st->tmp);
}

// The column's dimensions, or 0 when it has no typmod (then the data fixes them, see docs/ivf.md).
int dims_of(Relation index, const AnnContract& c) {
  int dim = TupleDescAttr(index->rd_att, 0)->atttypmod;
  if (dim < 0) return 0;
  check_dims_limit(index, centroid_form_for(c), dim, "column");
  return dim;
}

uint64 new_build_id() {
  std::random_device rd;
  return (static_cast<uint64>(rd()) << 32) ^ rd() ^ static_cast<uint64>(GetCurrentTimestamp());
}

IvfMeta base_meta(const BuildOptions& o, const AnnContract& c, int dim) {
  IvfMeta meta;
  memset(&meta, 0, sizeof(meta));
  meta.magic = kMagic;
  meta.version = kLayoutVersion;
  meta.build_id = guard([] { return new_build_id(); });
  meta.dim = dim;
  meta.metric = static_cast<uint8>(c.metric);
  meta.centroid_form = static_cast<uint8>(centroid_form_for(c));
  meta.quantizer = static_cast<uint8>(stored_quantizer(o.quantizer, centroid_form_for(c), dim));
  meta.am = static_cast<uint8>(o.am);
  meta.rerank = o.rerank;
  meta.pq_m = 0;
  return meta;
}

// The contract of the index, if IVF can hold it: half copies (ann_require_half_copy) ranked by l2 or the inner
// product (cosine: over unit vectors), which is what k-means, list assignment and the quantizers' tables compute.
const AnnContract& ivf_contract(Relation index) {
  const AnnContract& c = ann_contract(index);
  ann_require_half_copy(index, c);
  if (c.metric != Metric::L2 && c.metric != Metric::InnerProduct && c.metric != Metric::Cosine)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("access method \"%s\" does not support the %s metric", get_am_name(index->rd_rel->relam),
                           core::metric_name(c.metric))));
  return c;
}

// Checks the options against the column; fills in defaults that do not depend on the data.
void check_options(Relation index, const AnnContract& c, BuildOptions* o, int dim) {
  // bit columns are stored as packed bits (one bit per dimension, exact): no quantizer code is smaller
  if (o->quantizer != Quantizer::Flat && centroid_form_for(c) == CentroidForm::Bits)
    ereport(ERROR,
            (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
             errmsg("quantizer \"%s\" is not supported for bit columns", core::ivf::codec_info(o->quantizer)->name),
             errdetail("ivf stores bit vectors as packed bits, one bit per dimension, scored exactly."),
             errhint("Use quantizer = 'flat'.")));
  if (o->quantizer == Quantizer::Pq) {
    // dim 0 (no typmod): checked again once the first row fixed the dimensions
    if (dim > 0 && o->pq_m == 0) o->pq_m = static_cast<int>(core::ivf::default_pq_m(dim));
    if (dim > 0 && (o->pq_m > dim || dim % o->pq_m != 0))
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("pq_m must divide the number of dimensions (%d), got %d", dim, o->pq_m)));
  } else if (o->pq_m != 0) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("pq_m requires quantizer = 'pq'")));
  }
  const core::ivf::CodecInfo* info = core::ivf::codec_info(o->quantizer);
  if (info->lossy && index->rd_index->indkey.values[0] == 0)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("quantizer \"%s\" needs an index on a plain column", info->name),
                    errdetail("Re-ranking reads the exact vector from the table.")));
}

// Re-ranking reads the exact vector of every candidate from the table. A vector stored out of line (TOAST) costs a
// TOAST index lookup and two more page reads per candidate: ~60 % of a pq query at 784 dims (docs/ivf.md). The
// type's default STORAGE main keeps vectors inline up to about a page; a column set to external or extended moves
// them out of line above toast_tuple_target.
void notice_toasted_rerank(Relation heap, Relation index, const AnnContract& c, int dim) {
  AttrNumber attno = index->rd_index->indkey.values[0];
  char storage = TupleDescAttr(RelationGetDescr(heap), attno - 1)->attstorage;
  Size bytes = c.type->value_bytes(dim);
  Size target = storage == TYPSTORAGE_MAIN ? TOAST_TUPLE_TARGET_MAIN
                                           : static_cast<Size>(RelationGetToastTupleTarget(heap, TOAST_TUPLE_TARGET));
  if (storage != TYPSTORAGE_PLAIN && bytes > target)
    ereport(NOTICE,
            (errmsg("re-ranking may read %d-dimensional vectors from TOAST", dim),
             errdetail("Vectors of %zu bytes are stored out of line; re-ranking then detoasts every candidate.", bytes),
             storage == TYPSTORAGE_MAIN
                 ? errhint("Vectors this long do not fit a heap page; keep rerank small or use quantizer = 'flat'.")
                 : errhint("ALTER TABLE %s ALTER COLUMN %s SET STORAGE MAIN (the type's default) stores them inline "
                           "(rows written afterwards).",
                           RelationGetRelationName(heap),
                           NameStr(TupleDescAttr(RelationGetDescr(heap), attno - 1)->attname))));
}

// The number of lists, the quantizer actually used and the little-data notices, once the sample is in.
void settle_shape(BuildState* st, BuildOptions* options, int* lists, bool* trained) {
  // Lists: the option, or rows/1000 (sqrt(rows) beyond a million rows), never more than the rows available.
  int n = options->lists;
  if (n <= 0) {
    double r = st->rows;
    n = r <= 1e6 ? static_cast<int>(r / 1000) : static_cast<int>(std::sqrt(r));
    n = std::clamp(n, 1, kMaxLists);
  }
  *trained = st->sample_rows > 0;
  // Fewer sampled rows than lists (an empty table too: CREATE INDEX before loading, or TRUNCATE): the centroids
  // cannot describe the data that comes later. ivfflat says so in pgvector's words; ivf stays quiet only when an
  // untrained index is what was asked for (one list of flat codes).
  const bool as_requested =
      !*trained && options->am == AmKind::Ivf && options->lists == 1 && options->quantizer == Quantizer::Flat;
  if ((!*trained || static_cast<std::size_t>(n) > st->sample_rows) && !as_requested) {
    if (options->am == AmKind::IvfFlat)
      ereport(NOTICE, (errmsg("ivfflat index created with little data"), errdetail("This will cause low recall."),
                       errhint("Drop the index until the table has more data.")));
    else if (*trained)
      ereport(NOTICE, (errmsg("ivf index created with little data"),
                       errdetail("%d lists requested for %.0f rows; using %zu lists.", n, st->rows, st->sample_rows),
                       errhint("REINDEX once the table has more data.")));
    else
      ereport(NOTICE, (errmsg("ivf index created with little data"),
                       errdetail("The table has no rows: one list of unquantized vectors until the index is rebuilt."),
                       errhint("REINDEX once the table has more data.")));
  }
  *lists = *trained ? static_cast<int>(std::min<std::size_t>(n, st->sample_rows)) : 1;
  const core::ivf::CodecInfo* info = core::ivf::codec_info(options->quantizer);
  if (st->sample_rows < info->min_train_rows) {  // pq: 256 rows for its 256 centroids per sub-quantizer
    if (*trained)
      ereport(NOTICE, (errmsg("too few rows to train %s, using sq8", info->name),
                       errdetail("%s needs at least %zu rows, the table has %.0f.", info->name, info->min_train_rows,
                                 st->rows)));
    options->quantizer = Quantizer::Sq8;
    options->pq_m = 0;
  }
  if (!*trained) options->quantizer = Quantizer::Flat;  // nothing to train on: store exact vectors until REINDEX
  if (st->dim == 0) options->pq_m = 0;                  // no typmod and no row: the first insert fixes the dimensions
}

}  // namespace

IndexBuildResult* build(Relation heap, Relation index, IndexInfo* info) {
  if (RelationGetNumberOfBlocks(index) != 0)
    elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
  BuildOptions options = read_build_options(index);
  const AnnContract& contract = ivf_contract(index);
  int dim = dims_of(index, contract);  // 0: no typmod, fixed by the first non-NULL row
  check_options(index, contract, &options, dim);

  MemoryContext build_cxt = AllocSetContextCreate(CurrentMemoryContext, "ivf build", ALLOCSET_DEFAULT_SIZES);
  auto* st = static_cast<BuildState*>(MemoryContextAllocZero(build_cxt, sizeof(BuildState)));
  new (&st->rng) std::mt19937_64(0x5eed1f);
  st->index = index;
  st->contract = &contract;
  st->options = options;
  st->cxt = build_cxt;
  st->tmp = AllocSetContextCreate(build_cxt, "ivf build tuple", ALLOCSET_DEFAULT_SIZES);

  // Pass 1: a bounded reservoir sample (deterministic seed, so builds are reproducible).
  pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseSample);
  double estimate = std::max<double>(heap->rd_rel->reltuples, 0);
  int lists_hint =
      options.lists > 0 ? options.lists : std::max(1, static_cast<int>(std::max(estimate, 100000.0) / 1000));
  std::size_t cap = static_cast<std::size_t>(lists_hint) * kSamplesPerList;
  st->sample_cap_rows = std::max(cap, core::ivf::codec_info(options.quantizer)->min_sample_rows);
  if (dim > 0) set_dims(st, dim);
  TimestampTz t0 = GetCurrentTimestamp();
  table_index_build_scan(heap, index, info, true, true, sample_callback, st, nullptr);
  TimestampTz t1 = GetCurrentTimestamp();
  dim = st->dim;          // fixed by the data when the column has no typmod (0: no non-NULL row)
  options = st->options;  // check_options may have filled in defaults (pq_m)

  int lists;
  bool trained;
  settle_shape(st, &options, &lists, &trained);
  IvfMeta& meta = st->meta;
  meta = base_meta(options, contract, dim);
  const auto stored = static_cast<Quantizer>(meta.quantizer);
  const core::ivf::CodecInfo* codec = core::ivf::codec_info(stored);
  meta.lists = lists;
  meta.trained = trained ? 1 : 0;
  meta.pq_m = options.quantizer == Quantizer::Pq ? options.pq_m : 0;
  meta.code_size = code_size(stored, dim, meta.pq_m);
  meta.codebook_bytes = trained ? static_cast<uint32>(codec->codebook_bytes(dim, meta.pq_m)) : 0;
  plan_layout(&meta);
  st->model = new_core_model(meta, build_cxt, true);
  const TrainInput in{st->sample, st->sample_rows, dim, contract.metric};
  if (trained) {
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseKmeans);
    train_centroids(in, st->model);
  }
  // the centroids as the pages will hold them (halves, packed bits): the rows are assigned, and the codec trained,
  // by what scans and inserts read
  guard([&] { st->model->settle_centroids(); });
  if (trained && codec->codebook_bytes(dim, meta.pq_m) > 0) {
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseQuantizer);
    train_codec(in, st->model);
  }
  if (st->sample != nullptr) pfree(st->sample);  // none when no row fixed the dimensions
  st->sample = nullptr;
  uint8_t* codebook = nullptr;
  if (meta.codebook_bytes > 0) {
    codebook = static_cast<uint8_t*>(palloc(meta.codebook_bytes));
    st->model->codec->write_codebook(codebook);
  }
  write_model(index, MAIN_FORKNUM, meta, st->model, codebook);
  st->slots = static_cast<ListSlot*>(palloc(sizeof(ListSlot) * lists));
  for (int l = 0; l < lists; ++l) st->slots[l] = ListSlot{InvalidBlockNumber, InvalidBlockNumber};

  // (heap postings re-rank from the table by design: docs/ivf-internals.md)
  if (trained && codec->lossy && stored != Quantizer::Heap && options.rerank != 0)
    notice_toasted_rerank(heap, index, contract, dim);

  TimestampTz t2 = GetCurrentTimestamp();
  // Pass 2: every row to its nearest list, in batches of up to 8192 rows bounded by a quarter of maintenance_work_mem
  pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseLoad);
  pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, static_cast<int64>(st->rows));
  const std::size_t item = kTupleHeader + meta.code_size;
  st->batch_rows = std::clamp<std::size_t>(
      static_cast<std::size_t>(maintenance_work_mem) * 1024 / 4 / (sizeof(float) * dim + item), 1, 8192);
  st->batch_tids = static_cast<ItemPointerData*>(palloc(sizeof(ItemPointerData) * st->batch_rows));
  st->batch_vecs =
      static_cast<float*>(MemoryContextAllocHuge(build_cxt, sizeof(float) * std::max(dim, 1) * st->batch_rows));
  st->batch_lists = static_cast<int*>(palloc(sizeof(int) * st->batch_rows));
  st->batch_items = static_cast<char*>(MemoryContextAllocHuge(build_cxt, item * st->batch_rows));
  double heap_tuples = table_index_build_scan(heap, index, info, true, true, load_callback, st, nullptr);
  flush_batch(st);

  write_directory(index, meta, st->slots);
  TimestampTz t3 = GetCurrentTimestamp();
  if (RelationNeedsWAL(index)) log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);
  report_build_threads(maintenance_thread_count());  // k-means and the codec's training ran on these threads
  elog(DEBUG1, "ivf build: sample %.0f ms (%zu rows), train %.0f ms, load %.0f ms (assigning rows to lists %.0f ms), wal %.0f ms",
       (t1 - t0) / 1000.0, st->sample_rows, (t2 - t1) / 1000.0, (t3 - t2) / 1000.0, st->assign_ms,
       (GetCurrentTimestamp() - t3) / 1000.0);

  auto* result = static_cast<IndexBuildResult*>(palloc(sizeof(IndexBuildResult)));
  result->heap_tuples = heap_tuples;
  result->index_tuples = st->indexed;
  MemoryContextDelete(build_cxt);
  return result;
}

// The init fork of an UNLOGGED index: an untrained index (one zero centroid, exact vectors) that inserts can use
// after a crash reset the table to empty.
void build_empty(Relation index) {
  BuildOptions options = read_build_options(index);
  const AnnContract& contract = ivf_contract(index);
  int dim = dims_of(index, contract);  // 0: no typmod, the first insert fixes the dimensions
  check_options(index, contract, &options, dim);
  options.quantizer = Quantizer::Flat;
  IvfMeta meta = base_meta(options, contract, dim);
  meta.lists = 1;
  meta.trained = 0;
  meta.code_size = code_size(static_cast<Quantizer>(meta.quantizer), dim, 0);
  plan_layout(&meta);
  write_model(index, INIT_FORKNUM, meta, nullptr, nullptr);
}

}  // namespace vx::pg::ivf

// CREATE INDEX for ivfflat / ivf: sample the table, train centroids (and SQ8 / PQ codebooks) with Faiss k-means on
// worker threads, then assign every row to its nearest list and write the posting pages. Pages are written without
// WAL and logged once with log_newpage_range at the end.
#include "pg/ivf.h"
#include "pg/ivf_train.h"
#include "pg/context_owned.h"
#include "pg/workers.h"

#include <atomic>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

extern "C" {
#include "access/heaptoast.h"
#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "storage/smgr.h"
#include "utils/backend_progress.h"
#include "commands/defrem.h"
#include "utils/timestamp.h"
}

#include "pg/vector_type.h"

namespace vx::pg::ivf {

namespace {

constexpr int kPhaseSample = 2, kPhaseKmeans = 3, kPhaseQuantizer = 4, kPhaseLoad = 5;
constexpr int kSamplesPerList = 50;
constexpr int kPqSampleCap = 256 * 40;

struct BuildState {
  Relation index = nullptr;
  Metric metric = Metric::L2;
  BuildOptions options{};
  int dim = 0;
  MemoryContext tmp = nullptr;
  // pass 1
  std::vector<float> sample;
  std::size_t sample_cap = 0, sample_rows = 0;
  double rows = 0;  // indexable rows seen
  std::size_t sample_cap_rows = 0;  // before the memory bound, which needs the dimensions
  bool check_dims_options = false;  // the column has no typmod: options are checked once the data fixed the dims
  std::mt19937_64 rng{0x5eed1f};
  // pass 2
  std::shared_ptr<Model> model;
  std::vector<ListSlot> slots;  // per list: first page and tail (the insert page once built)
  std::vector<float> vec, scratch;
  std::vector<char> tuple;
  double indexed = 0;
  // rows buffered for parallel assignment
  std::size_t batch_rows = 1;
  std::vector<ItemPointerData> batch_tids;
  std::vector<float> batch_vecs;
  std::vector<int> batch_lists;
  std::vector<char> batch_items;
};

void check_options(Relation index, BuildOptions& o, int dim);

// Sizes the sample and the row buffers once the dimensions are known (from the typmod or the first row).
void set_dims(BuildState& st, int dim) {
  st.dim = dim;
  std::size_t mem_cap = static_cast<std::size_t>(maintenance_work_mem) * 1024 / (sizeof(float) * dim);
  st.sample_cap = std::max<std::size_t>(1, std::min(st.sample_cap_rows, mem_cap));
  st.sample.resize(st.sample_cap * dim);
  st.vec.resize(dim);
  st.scratch.resize(dim);
}

// Reads the vector of a build/insert callback into state.vec (normalised for cosine). False: skip the row.
bool load_row(BuildState& st, Datum value) {
  Vector* v = datum_get_vector(value);
  if (st.dim <= 0) {  // no typmod: the first non-NULL vector fixes the dimensions of the index
    call([&] {
      if (v->dim > kMaxDims)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("vector cannot have more than %d dimensions for %s index", kMaxDims,
                               get_am_name(st.index->rd_rel->relam))));
      check_options(st.index, st.options, v->dim);
    });
    set_dims(st, v->dim);
  }
  if (v->dim != st.dim) call([&] { check_expected_dims(st.dim, v->dim); });
  std::memcpy(st.vec.data(), v->x, sizeof(float) * st.dim);
  if (st.metric == Metric::Cosine) return core::normalize(st.vec.data(), st.dim);
  return true;
}

void sample_callback(Relation, ItemPointer, Datum* values, bool* isnull, bool, void* arg) {
  auto* st = static_cast<BuildState*>(arg);
  if (isnull[0]) return;
  MemoryContext old = MemoryContextSwitchTo(st->tmp);
  guard([&] {
    if (!load_row(*st, values[0])) return;
    std::size_t slot;
    if (st->sample_rows < st->sample_cap) {
      slot = st->sample_rows++;
    } else {
      std::uniform_int_distribution<uint64> pick(0, static_cast<uint64>(st->rows));
      uint64 j = pick(st->rng);
      if (j >= st->sample_cap) {
        st->rows += 1;
        return;
      }
      slot = j;
    }
    std::memcpy(st->sample.data() + slot * st->dim, st->vec.data(), sizeof(float) * st->dim);
    st->rows += 1;
  });
  MemoryContextSwitchTo(old);
  MemoryContextReset(st->tmp);
}

// Appends one posting to the tail of list `list` during the build (no WAL: the whole relation is logged at the end).
void build_append(BuildState& st, int list, const char* item, Size size) {
  ListSlot& slot = st.slots[list];
  Buffer tail = InvalidBuffer;
  if (slot.insert != InvalidBlockNumber) {
    tail = ReadBuffer(st.index, slot.insert);
    LockBuffer(tail, BUFFER_LOCK_EXCLUSIVE);
    Page page = BufferGetPage(tail);
    if (PageGetFreeSpace(page) >= MAXALIGN(size) &&
        PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false) != InvalidOffsetNumber) {
      MarkBufferDirty(tail);
      UnlockReleaseBuffer(tail);
      return;
    }
  }
  Buffer buf = ReadBufferExtended(st.index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, nullptr);
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

// Assigns and encodes the buffered rows on worker threads (pure C++), then appends them on the main thread.
void flush_batch(BuildState& st) {
  const std::size_t n = st.batch_tids.size();
  if (n == 0) return;
  const Model& m = *st.model;
  const std::size_t code = m.meta.code_size, item = kTupleHeader + code, dim = st.dim;
  st.batch_items.assign(n * item, 0);
  st.batch_lists.assign(n, 0);
  const int threads = std::max(1, std::min<int>(maintenance_thread_count(), static_cast<int>(n / 256) + 1));
  auto work = [&](int worker, const std::atomic<bool>& stop) {
    std::vector<float> scratch(dim);
    for (std::size_t r = worker; r < n && !stop.load(); r += threads) {
      const float* x = st.batch_vecs.data() + r * dim;
      int list = static_cast<int>(core::ivf::nearest_centroid(st.metric, x, m.centroids.data(), m.meta.lists, dim));
      st.batch_lists[r] = list;
      char* it = st.batch_items.data() + r * item;
      reinterpret_cast<IvfTuple*>(it)->tid = st.batch_tids[r];
      encode(m, x, list, reinterpret_cast<uint8_t*>(it + kTupleHeader), scratch.data());
    }
  };
  if (threads > 1)
    run_workers(threads, work, {});
  else
    work(0, std::atomic<bool>{false});
  call([&] {
    for (std::size_t r = 0; r < n; ++r) build_append(st, st.batch_lists[r], st.batch_items.data() + r * item, item);
    st.indexed += n;
    pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, static_cast<int64>(st.indexed));
  });
  st.batch_tids.clear();
  st.batch_vecs.clear();
}

void load_callback(Relation, ItemPointer tid, Datum* values, bool* isnull, bool, void* arg) {
  auto* st = static_cast<BuildState*>(arg);
  if (isnull[0]) return;
  MemoryContext old = MemoryContextSwitchTo(st->tmp);
  guard([&] {
    if (!load_row(*st, values[0])) return;
    st->batch_tids.push_back(*tid);
    st->batch_vecs.insert(st->batch_vecs.end(), st->vec.begin(), st->vec.end());
    if (st->batch_tids.size() >= st->batch_rows) flush_batch(*st);
  });
  MemoryContextSwitchTo(old);
  MemoryContextReset(st->tmp);
}

// Writes `bytes` from data into new content pages of `kind`, `per_page` bytes each; returns the page count.
uint32 write_stream(Relation index, PageKind kind, const char* data, std::size_t bytes, std::size_t per_page) {
  uint32 pages = 0;
  std::size_t done = 0;
  do {
    std::size_t n = std::min(per_page, bytes - done);
    Buffer buf = ReadBufferExtended(index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, nullptr);
    LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
    Page page = BufferGetPage(buf);
    init_page(page, kind, n);
    if (n) memcpy(page_contents(page), data + done, n);
    MarkBufferDirty(buf);
    UnlockReleaseBuffer(buf);
    done += n;
    ++pages;
  } while (done < bytes);
  return pages;
}

// The column's dimensions, or 0 when it has no typmod (then the data fixes them, see docs/ivf.md).
int dims_of(Relation index) {
  int dim = TupleDescAttr(index->rd_att, 0)->atttypmod;
  if (dim < 0) return 0;
  if (dim > kMaxDims)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("column cannot have more than %d dimensions for %s index", kMaxDims,
                           index->rd_rel->relam ? get_am_name(index->rd_rel->relam) : "ivf")));
  return dim;
}

// Writes meta, centroid, codebook and directory pages for a trained model into `fork` through shared buffers
// (MAIN_FORKNUM, build) and fills in the meta's block numbers.
void write_model_pages(Relation index, Model& m) {
  IvfMeta& meta = m.meta;
  const std::size_t dim = meta.dim;
  // block 0: meta, rewritten at the end once everything is placed
  Buffer metabuf = ReadBufferExtended(index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, nullptr);
  Assert(BufferGetBlockNumber(metabuf) == kMetaBlock);
  ReleaseBuffer(metabuf);

  meta.centroids_per_page = dim ? static_cast<int32>(contents_capacity() / (dim * sizeof(float))) : 1;
  meta.centroid_start = kMetaBlock + 1;
  meta.centroid_pages = 0;
  for (int first = 0; first < meta.lists; first += meta.centroids_per_page) {
    int count = std::min(meta.centroids_per_page, meta.lists - first);
    meta.centroid_pages += write_stream(index, PageKind::Centroids,
                                        reinterpret_cast<const char*>(m.centroids.data() + first * dim),
                                        count * dim * sizeof(float), contents_capacity());
  }
  std::vector<float> codebook;
  if (m.quantizer() == Quantizer::Sq8) {
    codebook = m.sq8.vmin;
    codebook.insert(codebook.end(), m.sq8.step.begin(), m.sq8.step.end());
  } else if (m.quantizer() == Quantizer::Pq) {
    codebook = m.pq.codebook;
  }
  meta.codebook_start = meta.centroid_start + meta.centroid_pages;
  meta.codebook_bytes = static_cast<uint32>(codebook.size() * sizeof(float));
  meta.codebook_pages = codebook.empty() ? 0
                                         : write_stream(index, PageKind::Codebook,
                                                        reinterpret_cast<const char*>(codebook.data()),
                                                        meta.codebook_bytes, contents_capacity());
  meta.slots_per_page = static_cast<int32>(contents_capacity() / sizeof(ListSlot));
  meta.directory_start = meta.codebook_start + meta.codebook_pages;
  std::vector<ListSlot> slots(meta.lists, ListSlot{InvalidBlockNumber, InvalidBlockNumber});
  meta.directory_pages = 0;
  for (int first = 0; first < meta.lists; first += meta.slots_per_page) {
    int count = std::min(meta.slots_per_page, meta.lists - first);
    meta.directory_pages += write_stream(index, PageKind::Directory, reinterpret_cast<const char*>(slots.data() + first),
                                         count * sizeof(ListSlot), contents_capacity());
  }
  meta.first_posting = meta.directory_start + meta.directory_pages;
}

void write_meta(Relation index, const IvfMeta& meta) {
  Buffer buf = ReadBuffer(index, kMetaBlock);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  Page page = BufferGetPage(buf);
  init_page(page, PageKind::Meta, sizeof(IvfMeta));
  memcpy(page_meta(page), &meta, sizeof(IvfMeta));
  MarkBufferDirty(buf);
  UnlockReleaseBuffer(buf);
}

void write_slots(Relation index, const IvfMeta& meta, const std::vector<ListSlot>& slots) {
  for (uint32 p = 0; p < meta.directory_pages; ++p) {
    int first = static_cast<int>(p) * meta.slots_per_page;
    int count = std::min(meta.slots_per_page, meta.lists - first);
    Buffer buf = ReadBuffer(index, meta.directory_start + p);
    LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
    memcpy(directory_slots(BufferGetPage(buf)), slots.data() + first, count * sizeof(ListSlot));
    MarkBufferDirty(buf);
    UnlockReleaseBuffer(buf);
  }
}

uint64 new_build_id() {
  std::random_device rd;
  return (static_cast<uint64>(rd()) << 32) ^ rd() ^ static_cast<uint64>(GetCurrentTimestamp());
}

IvfMeta base_meta(Relation index, const BuildOptions& o, Metric metric, int dim) {
  IvfMeta meta;
  memset(&meta, 0, sizeof(meta));
  meta.magic = kMagic;
  meta.version = kLayoutVersion;
  meta.build_id = new_build_id();
  meta.dim = dim;
  meta.metric = static_cast<uint8>(metric);
  meta.quantizer = static_cast<uint8>(o.quantizer);
  meta.am = static_cast<uint8>(o.am);
  meta.rerank = o.rerank;
  meta.pq_m = 0;
  return meta;
}

// Checks the options against the column; fills in defaults that do not depend on the data.
void check_options(Relation index, BuildOptions& o, int dim) {
  if (o.quantizer == Quantizer::Pq) {
    // dim 0 (no typmod): checked again once the first row fixed the dimensions
    if (dim > 0 && o.pq_m == 0) o.pq_m = static_cast<int>(core::ivf::default_pq_m(dim));
    if (dim > 0 && (o.pq_m > dim || dim % o.pq_m != 0))
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("pq_m must divide the number of dimensions (%d), got %d", dim, o.pq_m)));
  } else if (o.pq_m != 0) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("pq_m requires quantizer = 'pq'")));
  }
  if (o.quantizer != Quantizer::Flat && index->rd_index->indkey.values[0] == 0)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("quantizer \"%s\" needs an index on a plain column", o.quantizer == Quantizer::Pq ? "pq" : "sq8"),
                    errdetail("Re-ranking reads the exact vector from the table.")));
}

}  // namespace

IndexBuildResult* build(Relation heap, Relation index, IndexInfo* info) {
  if (RelationGetNumberOfBlocks(index) != 0)
    elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
  BuildOptions options = read_build_options(index);
  int dim = dims_of(index);  // 0: no typmod, fixed by the first non-NULL row
  check_options(index, options, dim);
  Metric metric = opclass_metric(index);

  MemoryContext build_cxt = AllocSetContextCreate(CurrentMemoryContext, "ivf build", ALLOCSET_DEFAULT_SIZES);
  BuildState* st = make_context_owned<BuildState>(build_cxt);
  st->index = index;
  st->metric = metric;
  st->options = options;
  st->tmp = AllocSetContextCreate(build_cxt, "ivf build tuple", ALLOCSET_DEFAULT_SIZES);

  // Pass 1: a bounded reservoir sample (deterministic seed, so builds are reproducible).
  pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseSample);
  double estimate = std::max<double>(heap->rd_rel->reltuples, 0);
  int lists_hint = options.lists > 0 ? options.lists : std::max(1, static_cast<int>(std::max(estimate, 100000.0) / 1000));
  std::size_t cap = static_cast<std::size_t>(lists_hint) * kSamplesPerList;
  cap = std::max<std::size_t>(cap, options.quantizer == Quantizer::Pq ? kPqSampleCap : 0);
  st->sample_cap_rows = cap;
  if (dim > 0) call([&] { set_dims(*st, dim); });
  TimestampTz t0 = GetCurrentTimestamp();
  table_index_build_scan(heap, index, info, true, true, sample_callback, st, nullptr);
  TimestampTz t1 = GetCurrentTimestamp();
  dim = st->dim;              // fixed by the data when the column has no typmod (0: no non-NULL row)
  options = st->options;      // check_options may have filled in defaults (pq_m)

  // Lists: the option, or rows/1000 (sqrt(rows) beyond a million rows), never more than the rows available.
  int lists = options.lists;
  if (lists <= 0) {
    double r = st->rows;
    lists = r <= 1e6 ? static_cast<int>(r / 1000) : static_cast<int>(std::sqrt(r));
    lists = std::clamp(lists, 1, kMaxLists);
  }
  bool trained = st->sample_rows > 0;
  // Fewer sampled rows than lists (an empty table too: CREATE INDEX before loading, or TRUNCATE): the centroids
  // cannot describe the data that comes later. ivfflat says so in pgvector's words; ivf stays quiet only when an
  // untrained index is what was asked for (one list of flat codes).
  const bool as_requested = !trained && options.am == AmKind::Ivf && options.lists == 1 &&
                            options.quantizer == Quantizer::Flat;
  if ((!trained || static_cast<std::size_t>(lists) > st->sample_rows) && !as_requested) {
    if (options.am == AmKind::IvfFlat)
      ereport(NOTICE, (errmsg("ivfflat index created with little data"), errdetail("This will cause low recall."),
                       errhint("Drop the index until the table has more data.")));
    else if (trained)
      ereport(NOTICE, (errmsg("ivf index created with little data"),
                       errdetail("%d lists requested for %.0f rows; using %zu lists.", lists, st->rows, st->sample_rows),
                       errhint("REINDEX once the table has more data.")));
    else
      ereport(NOTICE, (errmsg("ivf index created with little data"),
                       errdetail("The table has no rows: one list of unquantized vectors until the index is rebuilt."),
                       errhint("REINDEX once the table has more data.")));
  }
  lists = trained ? static_cast<int>(std::min<std::size_t>(lists, st->sample_rows)) : 1;
  if (options.quantizer == Quantizer::Pq && st->sample_rows < core::ivf::Pq::ksub) {
    if (trained)
      ereport(NOTICE, (errmsg("too few rows to train pq, using sq8"),
                       errdetail("pq needs at least %zu rows, the table has %.0f.", core::ivf::Pq::ksub, st->rows)));
    options.quantizer = Quantizer::Sq8;
    options.pq_m = 0;
  }
  if (!trained) options.quantizer = Quantizer::Flat;  // nothing to train on: store exact vectors until REINDEX
  if (dim == 0) options.pq_m = 0;  // no typmod and no row: the first insert fixes the dimensions

  call([&] {
    st->model = std::make_shared<Model>();
    Model& m = *st->model;
    m.meta = base_meta(index, options, metric, dim);
    m.meta.lists = lists;
    m.meta.trained = trained ? 1 : 0;
    m.meta.quantizer = static_cast<uint8>(options.quantizer);
    m.meta.pq_m = options.quantizer == Quantizer::Pq ? options.pq_m : 0;
    m.meta.code_size = code_size(options.quantizer, dim, m.meta.pq_m);
    m.centroids.assign(static_cast<std::size_t>(lists) * dim, 0.f);
    TrainInput in{st->sample.data(), st->sample_rows, dim, metric};
    if (trained) {
      pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseKmeans);
      train_centroids(in, lists, m.centroids.data());
      if (options.quantizer != Quantizer::Flat)
        pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseQuantizer);
      if (options.quantizer == Quantizer::Sq8) m.sq8.train(st->sample.data(), st->sample_rows, dim);
      if (options.quantizer == Quantizer::Pq) {
        m.pq.init(dim, options.pq_m);
        train_pq(in, m.centroids.data(), lists, m.pq);
        m.pq.finalize();
      }
    }
    std::vector<float>().swap(st->sample);
    st->slots.assign(lists, ListSlot{InvalidBlockNumber, InvalidBlockNumber});
    st->tuple.assign(kTupleHeader + m.meta.code_size, 0);
    write_model_pages(index, m);
  });

  // Re-ranking reads the exact vector of every candidate from the table. A vector stored out of line (TOAST) costs
  // a TOAST index lookup and two more page reads per candidate: ~60 % of a pq query at 784 dims (docs/ivf.md).
  // The type's default STORAGE main keeps vectors inline up to about a page; a column set to external or extended
  // moves them out of line above toast_tuple_target.
  if (trained && options.quantizer != Quantizer::Flat && options.rerank != 0) {
    AttrNumber attno = index->rd_index->indkey.values[0];
    char storage = TupleDescAttr(RelationGetDescr(heap), attno - 1)->attstorage;
    Size bytes = offsetof(Vector, x) + sizeof(float) * static_cast<Size>(dim);
    Size target = storage == TYPSTORAGE_MAIN ? TOAST_TUPLE_TARGET_MAIN
                                             : static_cast<Size>(RelationGetToastTupleTarget(heap, TOAST_TUPLE_TARGET));
    if (storage != TYPSTORAGE_PLAIN && bytes > target)
      ereport(NOTICE,
              (errmsg("re-ranking may read %d-dimensional vectors from TOAST", dim),
               errdetail("Vectors of %zu bytes are stored out of line; re-ranking then detoasts every candidate.",
                         bytes),
               storage == TYPSTORAGE_MAIN
                   ? errhint("Vectors this long do not fit a heap page; keep rerank small or use quantizer = 'flat'.")
                   : errhint("ALTER TABLE %s ALTER COLUMN %s SET STORAGE MAIN (the type's default) stores them inline "
                             "(rows written afterwards).",
                             RelationGetRelationName(heap),
                             NameStr(TupleDescAttr(RelationGetDescr(heap), attno - 1)->attname))));
  }

  TimestampTz t2 = GetCurrentTimestamp();
  // Pass 2: every row to its nearest list.
  pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseLoad);
  pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, static_cast<int64>(st->rows));
  // batches of up to 8192 rows, bounded by a quarter of maintenance_work_mem
  st->batch_rows = std::clamp<std::size_t>(
      static_cast<std::size_t>(maintenance_work_mem) * 1024 / 4 / (sizeof(float) * dim + kTupleHeader + st->model->meta.code_size),
      1, 8192);
  double heap_tuples = table_index_build_scan(heap, index, info, true, true, load_callback, st, nullptr);
  guard([&] { flush_batch(*st); });

  call([&] {
    write_slots(index, st->model->meta, st->slots);
    write_meta(index, st->model->meta);
  });
  TimestampTz t3 = GetCurrentTimestamp();
  if (RelationNeedsWAL(index))
    log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);
  elog(DEBUG1, "ivf build: sample %.0f ms (%zu rows), train %.0f ms, load %.0f ms, wal %.0f ms",
       (t1 - t0) / 1000.0, st->sample_rows, (t2 - t1) / 1000.0, (t3 - t2) / 1000.0,
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
  int dim = dims_of(index);  // 0: no typmod, the first insert fixes the dimensions
  check_options(index, options, dim);
  IvfMeta meta = base_meta(index, options, opclass_metric(index), dim);
  meta.lists = 1;
  meta.trained = 0;
  meta.quantizer = static_cast<uint8>(Quantizer::Flat);
  meta.code_size = code_size(Quantizer::Flat, dim, 0);
  meta.centroids_per_page = dim ? static_cast<int32>(contents_capacity() / (dim * sizeof(float))) : 1;
  meta.centroid_start = 1;
  meta.centroid_pages = 1;
  meta.codebook_start = 2;
  meta.codebook_pages = 0;
  meta.slots_per_page = static_cast<int32>(contents_capacity() / sizeof(ListSlot));
  meta.directory_start = 2;
  meta.directory_pages = 1;
  meta.first_posting = 3;

  PGAlignedBlock blocks[3];
  Page meta_page = blocks[0].data, centroid_page = blocks[1].data, dir_page = blocks[2].data;
  init_page(meta_page, PageKind::Meta, sizeof(IvfMeta));
  memcpy(page_meta(meta_page), &meta, sizeof(IvfMeta));
  init_page(centroid_page, PageKind::Centroids, dim * sizeof(float));
  memset(page_contents(centroid_page), 0, dim * sizeof(float));
  init_page(dir_page, PageKind::Directory, sizeof(ListSlot));
  directory_slots(dir_page)[0] = ListSlot{InvalidBlockNumber, InvalidBlockNumber};
  for (BlockNumber b = 0; b < 3; ++b) {
    Page page = blocks[b].data;
    PageSetChecksumInplace(page, b);
    smgrwrite(RelationGetSmgr(index), INIT_FORKNUM, b, page, true);
    log_newpage(&(RelationGetSmgr(index))->smgr_rnode.node, INIT_FORKNUM, b, page, true);
  }
  smgrimmedsync(RelationGetSmgr(index), INIT_FORKNUM);
}

}  // namespace vx::pg::ivf

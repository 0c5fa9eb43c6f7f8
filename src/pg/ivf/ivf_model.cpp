// The IVF model pages, one owner (as nbtpage.c is for nbtree's meta page): the only code that lays out, writes and
// reads the meta page, the centroid and codebook pages and the directory, and the backend-local cache of the trained
// model those pages hold (backend_cache.h: the pages stay the only durable copy). Layout: ivf_page.h; how the pages
// are locked and logged: docs/ivf-internals.md.
#include "pg/ivf/ivf.h"

#include "pg/backend_cache.h"
#include "pg/context_owned.h"

#include <algorithm>
#include <cstring>

extern "C" {
#include "access/generic_xlog.h"
#include "access/xloginsert.h"
#include "commands/defrem.h"
#include "storage/bufmgr.h"
#include "storage/smgr.h"
#include "utils/lsyscache.h"
}

namespace vx::pg::ivf {

IvfMeta read_meta(Relation index) {
  Buffer buf = ReadBuffer(index, kMetaBlock);
  LockBuffer(buf, BUFFER_LOCK_SHARE);
  IvfMeta meta;
  memcpy(&meta, page_meta(BufferGetPage(buf)), sizeof(IvfMeta));
  UnlockReleaseBuffer(buf);
  if (meta.magic != kMagic)
    ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                    errmsg("index \"%s\" is not an ivf index", RelationGetRelationName(index))));
  if (meta.version != kLayoutVersion)  // an older (or newer) build's pages, not damage: same wording as hnsw
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("index \"%s\" has layout version %u, this build reads version %u",
                           RelationGetRelationName(index), meta.version, kLayoutVersion),
                    errhint("REINDEX the index.")));
  return meta;
}

void check_dims_limit(Relation index, CentroidForm form, int dims, const char* what) {
  const int limit = max_dims(form);
  if (dims > limit)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("%s cannot have more than %d dimensions for %s index", what, limit,
                           index->rd_rel->relam ? get_am_name(index->rd_rel->relam) : "ivf")));
}

namespace {

uint32 pages_for(uint64 items, uint64 per_page) { return static_cast<uint32>((items + per_page - 1) / per_page); }

}  // namespace

void plan_layout(IvfMeta* m) {
  const Size capacity = contents_capacity();
  const Size centroid = core::ivf::centroid_bytes(static_cast<CentroidForm>(m->centroid_form), m->dim);
  m->centroid_start = kMetaBlock + 1;
  if (!m->trained || m->dim == 0) {  // one zero centroid, implied: one empty page (fix_dims needs no other)
    m->centroids_per_page = 1;
    m->centroid_pages = 1;
  } else {  // whole centroids per page, or (0 per page) a run of pages per centroid
    m->centroids_per_page = static_cast<int32>(capacity / centroid);
    m->centroid_pages = m->centroids_per_page > 0 ? pages_for(m->lists, m->centroids_per_page)
                                                  : static_cast<uint32>(m->lists) * centroid_run(*m);
  }
  m->codebook_start = m->centroid_start + m->centroid_pages;
  m->codebook_pages = pages_for(m->codebook_bytes, capacity);
  m->slots_per_page = static_cast<int32>(capacity / sizeof(ListSlot));
  m->directory_start = m->codebook_start + m->codebook_pages;
  m->directory_pages = pages_for(m->lists, m->slots_per_page);
  m->first_posting = m->directory_start + m->directory_pages;
}

namespace {

// Where write_model puts pages: the main fork through shared buffers (unlogged; the build logs the relation at the
// end) or the init fork directly, each page WAL-logged.
struct PageSink {
  Relation index;
  ForkNumber fork;
  BlockNumber next;
  PGAlignedBlock page;
};

// Starts the next page of `kind` whose contents (the first `used` bytes are copied from `data`, if given) are covered
// by pd_lower, so full-page images and generic WAL keep them.
Page sink_page(PageSink* s, PageKind kind, const void* data, Size used) {
  Page page = s->page.data;
  init_page(page, kind, used);
  if (used > 0 && data != nullptr) memcpy(page_contents(page), data, used);
  return page;
}

void sink_emit(PageSink* s) {
  const BlockNumber block = s->next++;
  if (s->fork == INIT_FORKNUM) {
    PageSetChecksumInplace(s->page.data, block);
    smgrextend(RelationGetSmgr(s->index), INIT_FORKNUM, block, s->page.data, true);
    log_newpage(&RelationGetSmgr(s->index)->smgr_rnode.node, INIT_FORKNUM, block, s->page.data, true);
    return;
  }
  Buffer buf = ReadBufferExtended(s->index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, nullptr);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  if (BufferGetBlockNumber(buf) != block)
    elog(ERROR, "ivf index \"%s\": model page %u written at block %u", RelationGetRelationName(s->index), block,
         BufferGetBlockNumber(buf));
  memcpy(BufferGetPage(buf), s->page.data, BLCKSZ);
  MarkBufferDirty(buf);
  UnlockReleaseBuffer(buf);
}

// `bytes` of data over `pages` content pages of `kind`, `per_page` bytes each (an empty stream: one empty page when
// pages says so, e.g. the one centroid page of an index without dimensions).
void emit_stream(PageSink* s, PageKind kind, uint32 pages, const char* data, Size bytes, Size per_page) {
  Size done = 0;
  for (uint32 p = 0; p < pages; ++p) {
    const Size n = std::min(per_page, bytes - done);
    sink_page(s, kind, data ? data + done : nullptr, n);
    sink_emit(s);
    done += n;
  }
}

}  // namespace

void write_model(Relation index, ForkNumber fork, const IvfMeta& meta, const core::ivf::Model* model,
                 const uint8_t* codebook) {
  auto* s = static_cast<PageSink*>(palloc0(sizeof(PageSink)));
  s->index = index;
  s->fork = fork;
  s->next = kMetaBlock;
  sink_page(s, PageKind::Meta, &meta, sizeof(IvfMeta));
  sink_emit(s);
  const Size centroid = core::ivf::centroid_bytes(static_cast<CentroidForm>(meta.centroid_form), meta.dim);
  if (!meta.trained || meta.dim == 0 || model == nullptr) {  // an untrained index: its one zero centroid is implied
    sink_page(s, PageKind::Centroids, nullptr, 0);
    sink_emit(s);
  } else if (meta.centroids_per_page > 0) {  // whole centroids per page, in the column type's form
    for (uint32 p = 0; p < meta.centroid_pages; ++p) {
      const int first = static_cast<int>(p) * meta.centroids_per_page;
      const int count = std::min(meta.centroids_per_page, meta.lists - first);
      Page page = sink_page(s, PageKind::Centroids, nullptr, count * centroid);
      model->write_centroids(first, count, reinterpret_cast<uint8_t*>(page_contents(page)));
      sink_emit(s);
    }
  } else {  // each centroid over a run of pages, as a byte stream
    auto* bytes = static_cast<uint8_t*>(palloc(centroid));
    for (int l = 0; l < meta.lists; ++l) {
      model->write_centroids(l, 1, bytes);
      emit_stream(s, PageKind::Centroids, centroid_run(meta), reinterpret_cast<const char*>(bytes), centroid,
                  contents_capacity());
    }
    pfree(bytes);
  }
  emit_stream(s, PageKind::Codebook, meta.codebook_pages, reinterpret_cast<const char*>(codebook), meta.codebook_bytes,
              contents_capacity());
  for (uint32 p = 0; p < meta.directory_pages; ++p) {
    const int first = static_cast<int>(p) * meta.slots_per_page;
    const int count = std::min(meta.slots_per_page, meta.lists - first);
    Page page = sink_page(s, PageKind::Directory, nullptr, count * sizeof(ListSlot));
    for (int i = 0; i < count; ++i) directory_slots(page)[i] = ListSlot{InvalidBlockNumber, InvalidBlockNumber};
    sink_emit(s);
  }
  if (s->next != meta.first_posting)
    elog(ERROR, "ivf index \"%s\": %u model pages written, the layout has %u", RelationGetRelationName(index), s->next,
         meta.first_posting);
  if (fork == INIT_FORKNUM) smgrimmedsync(RelationGetSmgr(index), INIT_FORKNUM);
  pfree(s);
}

void write_directory(Relation index, const IvfMeta& meta, const ListSlot* slots) {
  for (uint32 p = 0; p < meta.directory_pages; ++p) {
    const int first = static_cast<int>(p) * meta.slots_per_page;
    const int count = std::min(meta.slots_per_page, meta.lists - first);
    Buffer buf = ReadBuffer(index, meta.directory_start + p);
    LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
    memcpy(directory_slots(BufferGetPage(buf)), slots + first, count * sizeof(ListSlot));
    MarkBufferDirty(buf);
    UnlockReleaseBuffer(buf);
  }
}

void fix_dims(Relation index, int dim) {
  Buffer metabuf = ReadBuffer(index, kMetaBlock);
  LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
  const IvfMeta* cur = page_meta(BufferGetPage(metabuf));
  if (cur->dim != 0) {
    UnlockReleaseBuffer(metabuf);
    return;
  }
  const auto form = static_cast<CentroidForm>(cur->centroid_form);
  if (dim > max_dims(form)) {
    UnlockReleaseBuffer(metabuf);
    check_dims_limit(index, form, dim, "vector");
  }
  // untrained (one implied zero centroid on its empty page): only the meta page changes
  GenericXLogState* state = GenericXLogStart(index);
  IvfMeta* meta = page_meta(GenericXLogRegisterBuffer(state, metabuf, 0));
  const Quantizer stored = stored_quantizer(Quantizer::Flat, form, dim);  // untrained: flat codes, or heap postings
  meta->dim = dim;
  meta->quantizer = static_cast<uint8>(stored);
  meta->code_size = code_size(stored, dim, 0);
  meta->build_id += 1;  // new cache key: backends drop their dim-0 model
  GenericXLogFinish(state);
  UnlockReleaseBuffer(metabuf);
}

ListSlot read_slot(Relation index, const IvfMeta& meta, int list) {
  Buffer dir = ReadBuffer(index, directory_block(meta, list));
  LockBuffer(dir, BUFFER_LOCK_SHARE);
  ListSlot slot = directory_slot(BufferGetPage(dir), meta, list);
  UnlockReleaseBuffer(dir);
  return slot;
}

void move_insert_page(Relation index, const IvfMeta& meta, int list, BlockNumber from, BlockNumber to) {
  Buffer dir = ReadBuffer(index, directory_block(meta, list));
  LockBuffer(dir, BUFFER_LOCK_EXCLUSIVE);
  const BlockNumber now = directory_slot(BufferGetPage(dir), meta, list).insert;
  if (now != to && (from == InvalidBlockNumber || now == from)) {
    GenericXLogState* state = GenericXLogStart(index);
    directory_slot(GenericXLogRegisterBuffer(state, dir, 0), meta, list).insert = to;
    GenericXLogFinish(state);
  }
  UnlockReleaseBuffer(dir);
}

core::ivf::Model* new_core_model(const IvfMeta& meta, MemoryContext cxt, bool training) {
  const core::ivf::CodecInfo* info = core::ivf::codec_info(static_cast<uint32>(meta.quantizer));
  if (info == nullptr)
    ereport(ERROR,
            (errcode(ERRCODE_INDEX_CORRUPTED), errmsg("ivf meta page has unknown quantizer %u", meta.quantizer)));
  return guard([&] {
    auto* model = make_context_owned<core::ivf::Model>(cxt);
    model->metric = static_cast<Metric>(meta.metric);
    model->dims = static_cast<std::size_t>(meta.dim);
    model->lists = static_cast<std::size_t>(meta.lists);
    model->form = static_cast<CentroidForm>(meta.centroid_form);
    if (training || model->form != CentroidForm::Bits)  // k-means works on floats; settle_centroids packs them
      model->centroids.assign(model->lists * model->dims, 0.f);
    else
      model->bit_centroids.assign(model->lists * core::ivf::packed_bytes(model->dims), 0);
    model->codec = info->create(model->dims, static_cast<std::size_t>(meta.pq_m));
    return model;
  });
}

namespace {

RelationCache g_models = {"vectorext ivf models", 16};

// Reads `bytes` of a byte stream stored in consecutive content pages from `start`.
void read_stream(Relation index, BlockNumber start, uint32 pages, char* out, Size bytes) {
  Size done = 0;
  for (uint32 p = 0; p < pages && done < bytes; ++p) {
    Buffer buf = ReadBuffer(index, start + p);
    LockBuffer(buf, BUFFER_LOCK_SHARE);
    const Size n = std::min<Size>(contents_capacity(), bytes - done);
    memcpy(out + done, page_contents(BufferGetPage(buf)), n);
    UnlockReleaseBuffer(buf);
    done += n;
  }
}

// The model of `meta`'s build from its pages, in `cxt`.
IvfModel* read_model(Relation index, const IvfMeta& meta, MemoryContext cxt) {
  auto* m = static_cast<IvfModel*>(MemoryContextAllocZero(cxt, sizeof(IvfModel)));
  m->meta = meta;
  core::ivf::Model* core = new_core_model(meta, cxt, false);
  // an untrained index's one centroid is zero, as new_core_model made it
  const bool stored = meta.trained && meta.dim > 0;
  for (uint32 p = 0; p < meta.centroid_pages && stored && meta.centroids_per_page > 0; ++p) {
    const Size first = static_cast<Size>(p) * meta.centroids_per_page;
    const Size count = std::min<Size>(meta.centroids_per_page, meta.lists - first);
    Buffer buf = ReadBuffer(index, meta.centroid_start + p);
    LockBuffer(buf, BUFFER_LOCK_SHARE);
    core->read_centroids(first, count, reinterpret_cast<const uint8_t*>(page_contents(BufferGetPage(buf))));
    UnlockReleaseBuffer(buf);
  }
  if (stored && meta.centroids_per_page == 0) {  // a run of pages per centroid, copied into the float model
    const Size bytes = core::ivf::centroid_bytes(static_cast<CentroidForm>(meta.centroid_form), meta.dim);
    const uint32 run = centroid_run(meta);
    auto* one = static_cast<char*>(palloc(bytes));
    for (int l = 0; l < meta.lists; ++l) {
      read_stream(index, meta.centroid_start + static_cast<BlockNumber>(l) * run, run, one, bytes);
      core->read_centroids(static_cast<std::size_t>(l), 1, reinterpret_cast<const uint8_t*>(one));
    }
    pfree(one);
  }
  if (meta.codebook_bytes > 0) {
    if (meta.codebook_bytes != core->codec->codebook_bytes())
      ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                      errmsg("index \"%s\" has a codebook of %u bytes, its quantizer needs %zu",
                             RelationGetRelationName(index), meta.codebook_bytes, core->codec->codebook_bytes())));
    auto* bytes = static_cast<char*>(palloc(meta.codebook_bytes));
    read_stream(index, meta.codebook_start, meta.codebook_pages, bytes, meta.codebook_bytes);
    guard([&] { core->codec->read_codebook(reinterpret_cast<const uint8_t*>(bytes)); });
    pfree(bytes);
  }
  m->core = core;
  return m;
}

}  // namespace

const IvfModel* model_acquire(Relation index, MemoryContext owner) {
  const IvfMeta meta = read_meta(index);
  if (void* hit = relation_cache_get(&g_models, index->rd_node, meta.build_id, owner))
    return static_cast<const IvfModel*>(hit);
  MemoryContext cxt = relation_cache_new_context(&g_models);
  MemoryContextSetIdentifier(cxt, MemoryContextStrdup(cxt, RelationGetRelationName(index)));
  IvfModel* model = read_model(index, meta, cxt);
  return static_cast<const IvfModel*>(relation_cache_put(&g_models, index->rd_node, meta.build_id, cxt, model, owner));
}

}  // namespace vx::pg::ivf

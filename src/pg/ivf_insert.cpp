// aminsert: the new row goes to the posting chain of its nearest list (its insert page, space VACUUM freed, or a
// new page at the tail), WAL-logged with GenericXLog.
#include "pg/ivf.h"

#include <cstring>

extern "C" {
#include "access/generic_xlog.h"
#include "commands/defrem.h"
#include "storage/lmgr.h"
}

#include "pg/vector_type.h"

namespace vx::pg::ivf {

namespace {

// Adds `item` to list `list`: into the list's insert page or the first page after it with room (1 buffer per WAL
// record; the directory's insert pointer then moves on in a record of its own), else into a new page linked after the
// list's tail, with the tail's link and the directory in the same record (3 buffers). Lock order: directory page
// before posting pages, one posting page at a time otherwise (VACUUM and scans take them in the same order).
void add_to_page(Relation index, Buffer buf, const char* item, Size size) {
  GenericXLogState* state = GenericXLogStart(index);
  Page page = GenericXLogRegisterBuffer(state, buf, 0);
  if (PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
    elog(ERROR, "failed to add posting to ivf index \"%s\"", RelationGetRelationName(index));
  GenericXLogFinish(state);
}

// A new posting page holding `item`, linked after `tail` (or the list's first page when tail is invalid). The
// directory's insert pointer moves to it if it still is `from` (VACUUM may have pointed it back at freed space
// meanwhile). Called with the directory page and the tail locked exclusively.
void extend_list(Relation index, const IvfMeta& meta, int list, Buffer dir, Buffer tail, BlockNumber from,
                 const char* item, Size size) {
  LockRelationForExtension(index, ExclusiveLock);
  Buffer buf = ReadBuffer(index, P_NEW);
  LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
  UnlockRelationForExtension(index, ExclusiveLock);
  const BlockNumber block = BufferGetBlockNumber(buf);

  GenericXLogState* state = GenericXLogStart(index);
  ListSlot& slot = directory_slot(GenericXLogRegisterBuffer(state, dir, 0), meta, list);
  if (tail != InvalidBuffer) page_opaque(GenericXLogRegisterBuffer(state, tail, 0))->next = block;
  Page page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
  init_page(page, PageKind::Posting);
  if (PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
    elog(ERROR, "failed to add posting to ivf index \"%s\"", RelationGetRelationName(index));
  if (tail == InvalidBuffer) slot.first = block;
  if (slot.insert == from) slot.insert = block;
  GenericXLogFinish(state);
  UnlockReleaseBuffer(buf);
}

void append_logged(Relation index, const IvfMeta& meta, int list, const char* item, Size size) {
  for (;;) {
    const BlockNumber start = read_slot(index, meta, list).insert;
    if (start == InvalidBlockNumber) {  // the list's first posting
      Buffer dir = ReadBuffer(index, directory_block(meta, list));
      LockBuffer(dir, BUFFER_LOCK_EXCLUSIVE);
      const bool still_empty = directory_slot(BufferGetPage(dir), meta, list).insert == InvalidBlockNumber;
      if (still_empty) extend_list(index, meta, list, dir, InvalidBuffer, InvalidBlockNumber, item, size);
      UnlockReleaseBuffer(dir);
      if (still_empty) return;
      continue;  // another backend created the list's first page meanwhile
    }
    // from the insert page on, the first page with room; pages after the insert page hold space VACUUM freed
    BlockNumber block = start;
    for (;;) {
      Buffer buf = ReadBuffer(index, block);
      LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
      if (PageGetFreeSpace(BufferGetPage(buf)) >= MAXALIGN(size)) {
        add_to_page(index, buf, item, size);
        UnlockReleaseBuffer(buf);
        if (block != start) move_insert_page(index, meta, list, start, block);
        return;
      }
      const BlockNumber next = page_opaque(BufferGetPage(buf))->next;
      UnlockReleaseBuffer(buf);
      if (next != InvalidBlockNumber) {
        block = next;
        continue;
      }
      // the tail is full: lock the directory, then the tail again, and extend unless someone else did
      Buffer dir = ReadBuffer(index, directory_block(meta, list));
      LockBuffer(dir, BUFFER_LOCK_EXCLUSIVE);
      buf = ReadBuffer(index, block);
      LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
      const BlockNumber now_next = page_opaque(BufferGetPage(buf))->next;
      const bool room = PageGetFreeSpace(BufferGetPage(buf)) >= MAXALIGN(size);  // VACUUM freed some meanwhile
      if (room)
        add_to_page(index, buf, item, size);
      else if (now_next == InvalidBlockNumber)
        extend_list(index, meta, list, dir, buf, start, item, size);
      UnlockReleaseBuffer(buf);
      UnlockReleaseBuffer(dir);
      if (room || now_next == InvalidBlockNumber) return;
      block = now_next;  // another backend appended a page: go on from there
    }
  }
}

// An index on a column without typmod built on a table without rows has dim 0: the first insert fixes the
// dimensions in the meta page and sizes the (zero) centroid, in one GenericXLog record. Another backend may have
// done it first; then this is a no-op and the caller checks its vector against the new dimensions.
void fix_dims(Relation index, int dim) {
  if (dim > kMaxDims)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("vector cannot have more than %d dimensions for %s index", kMaxDims,
                           get_am_name(index->rd_rel->relam))));
  Buffer metabuf = ReadBuffer(index, kMetaBlock);
  LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
  const IvfMeta* cur = page_meta(BufferGetPage(metabuf));
  if (cur->dim != 0) {
    UnlockReleaseBuffer(metabuf);
    return;
  }
  Buffer cbuf = ReadBuffer(index, cur->centroid_start);
  LockBuffer(cbuf, BUFFER_LOCK_EXCLUSIVE);
  GenericXLogState* state = GenericXLogStart(index);
  Page meta_page = GenericXLogRegisterBuffer(state, metabuf, 0);
  Page centroid_page = GenericXLogRegisterBuffer(state, cbuf, 0);
  IvfMeta* meta = page_meta(meta_page);
  const Size bytes = static_cast<Size>(dim) * sizeof(float);
  meta->dim = dim;
  meta->code_size = code_size(Quantizer::Flat, dim, 0);  // untrained: flat codes
  meta->centroids_per_page = static_cast<int32>(contents_capacity() / bytes);
  meta->build_id += 1;  // new cache key: backends drop their dim-0 model
  memset(page_contents(centroid_page), 0, bytes);
  reinterpret_cast<PageHeader>(centroid_page)->pd_lower = static_cast<LocationIndex>(MAXALIGN(SizeOfPageHeaderData) + bytes);
  GenericXLogFinish(state);
  UnlockReleaseBuffer(cbuf);
  UnlockReleaseBuffer(metabuf);
}

}  // namespace

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

bool insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation, IndexUniqueCheck, bool,
            IndexInfo*) {
  if (isnull[0]) return false;
  MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ivf insert", ALLOCSET_SMALL_SIZES);
  MemoryContext old = MemoryContextSwitchTo(cxt);
  Vector* v = datum_get_vector(values[0]);
  // C++ state from here on: Postgres is reached through call().
  [&] {
    std::shared_ptr<const Model> model = load_model(index);
    if (model->meta.dim == 0) {  // no typmod, no row yet: this vector fixes the dimensions
      call([&] { fix_dims(index, v->dim); });
      model = load_model(index);
    }
    const IvfMeta& meta = model->meta;
    if (v->dim != meta.dim) call([&] { check_expected_dims(meta.dim, v->dim); });
    std::vector<float> x(meta.dim), scratch(meta.dim);
    if (!prepare_vector(*model, v->x, x.data())) return;  // zero vector under cosine: not indexed (as pgvector)
    int list = static_cast<int>(
        core::ivf::nearest_centroid(model->metric(), x.data(), model->centroids.data(), meta.lists, meta.dim));
    std::vector<char> item(kTupleHeader + meta.code_size, 0);
    reinterpret_cast<IvfTuple*>(item.data())->tid = *heap_tid;
    encode(*model, x.data(), list, reinterpret_cast<uint8_t*>(item.data() + kTupleHeader), scratch.data());
    call([&] { append_logged(index, meta, list, item.data(), item.size()); });
  }();
  MemoryContextSwitchTo(old);
  MemoryContextDelete(cxt);
  return false;
}

}  // namespace vx::pg::ivf

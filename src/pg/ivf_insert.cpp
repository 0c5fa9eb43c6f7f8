// aminsert: the new row goes to the posting chain of its nearest list, WAL-logged with GenericXLog.
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

// Adds `item` to list `list`: into the head page when it fits (1 buffer), else into a new head page linked to the
// old one, updating the directory in the same record (2 buffers).
void append_logged(Relation index, const IvfMeta& meta, int list, const char* item, Size size) {
  const BlockNumber dir_block = directory_block(meta, list);
  const int slot = list % meta.heads_per_page;
  for (;;) {
    Buffer dir = ReadBuffer(index, dir_block);
    LockBuffer(dir, BUFFER_LOCK_SHARE);
    BlockNumber head = directory_heads(BufferGetPage(dir))[slot];
    UnlockReleaseBuffer(dir);

    if (head != InvalidBlockNumber) {
      Buffer buf = ReadBuffer(index, head);
      LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
      if (PageGetFreeSpace(BufferGetPage(buf)) >= MAXALIGN(size)) {
        GenericXLogState* state = GenericXLogStart(index);
        Page page = GenericXLogRegisterBuffer(state, buf, 0);
        if (PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
          elog(ERROR, "failed to add posting to ivf index \"%s\"", RelationGetRelationName(index));
        GenericXLogFinish(state);
        UnlockReleaseBuffer(buf);
        return;
      }
      UnlockReleaseBuffer(buf);
    }

    dir = ReadBuffer(index, dir_block);
    LockBuffer(dir, BUFFER_LOCK_EXCLUSIVE);
    if (directory_heads(BufferGetPage(dir))[slot] != head) {  // another backend added a page meanwhile
      UnlockReleaseBuffer(dir);
      continue;
    }
    LockRelationForExtension(index, ExclusiveLock);
    Buffer buf = ReadBuffer(index, P_NEW);
    LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
    UnlockRelationForExtension(index, ExclusiveLock);

    GenericXLogState* state = GenericXLogStart(index);
    Page dir_page = GenericXLogRegisterBuffer(state, dir, 0);
    Page page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
    init_page(page, PageKind::Posting);
    page_opaque(page)->next = head;
    if (PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
      elog(ERROR, "failed to add posting to ivf index \"%s\"", RelationGetRelationName(index));
    directory_heads(dir_page)[slot] = BufferGetBlockNumber(buf);
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buf);
    UnlockReleaseBuffer(dir);
    return;
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

// aminsert: the new row goes to the posting chain of its nearest list (its insert page, space VACUUM freed, or a
// new page at the tail), WAL-logged with GenericXLog. C-style (ivf.h).
#include "pg/ivf/ivf.h"
#include "pg/type/type_checks.h"

#include <cstring>

extern "C" {
#include "access/generic_xlog.h"
#include "commands/defrem.h"
#include "storage/lmgr.h"
}

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

}  // namespace

bool insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation, IndexUniqueCheck, bool,
            IndexInfo*) {
  if (isnull[0]) return false;
  MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ivf insert", ALLOCSET_SMALL_SIZES);
  MemoryContext old = MemoryContextSwitchTo(cxt);
  const AnnContract& contract = ann_contract(index);
  const void* value = contract.type->detoast(values[0]);
  const int dims = contract.type->dims(value);
  const IvfModel* model = model_acquire(index, cxt);
  if (model->meta.dim == 0) {  // no typmod, no row yet: this vector fixes the dimensions
    fix_dims(index, dims);
    model = model_acquire(index, cxt);
  }
  const IvfMeta& meta = model->meta;
  if (dims != meta.dim) check_expected_dims(meta.dim, dims);
  auto* x = static_cast<float*>(palloc(sizeof(float) * meta.dim));
  // a zero vector under cosine is not indexed (as pgvector)
  if (ann_value_to_float(contract, value, x, dims)) {
    const core::ivf::Model& m = *model->core;
    const std::size_t list = m.nearest_list(x);
    const Size size = kTupleHeader + meta.code_size;
    auto* item = static_cast<char*>(palloc0(size));
    reinterpret_cast<IvfTuple*>(item)->tid = *heap_tid;
    auto* scratch = static_cast<float*>(palloc(sizeof(float) * meta.dim));
    m.codec->encode(x, m.centroid(list), reinterpret_cast<uint8_t*>(item + kTupleHeader), scratch);
    append_logged(index, meta, static_cast<int>(list), item, size);
  }
  MemoryContextSwitchTo(old);
  MemoryContextDelete(cxt);  // unpins the model
  return false;
}

}  // namespace vx::pg::ivf

// BulkPageWriter (hnsw_bulk_write.h): the new pages of an in-memory build, WAL-logged in batches, written with smgr.
// Called only through call() by the build (it holds C++ objects); raises Postgres errors.
#include "pg/hnsw/hnsw_bulk_write.h"

extern "C" {
#include "access/xlog.h"
#include "access/xloginsert.h"
#include "access/xlogrecord.h"
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "storage/proc.h"
#include "storage/smgr.h"
#include "utils/rel.h"
}

#include <cstring>

namespace vx::pg::hnsw {

namespace {
constexpr int kBatch = XLR_MAX_BLOCK_ID;  // pages one log_newpages record holds
}

BulkPageWriter::BulkPageWriter(Relation index)
    : index_(index),
      wal_(RelationNeedsWAL(index)),
      start_redo_(wal_ ? GetRedoRecPtr() : InvalidXLogRecPtr),
      pages_(static_cast<char*>(palloc(std::size_t(kBatch) * BLCKSZ))) {
  if (RelationGetNumberOfBlocks(index) != 0)
    elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
}

BlockNumber BulkPageWriter::append(const char* page) {
  if (count_ == 0) first_ = next_;
  std::memcpy(pages_ + std::size_t(count_) * BLCKSZ, page, BLCKSZ);
  if (++count_ == kBatch) write_batch();
  return next_++;
}

void BulkPageWriter::write_batch() {
  if (count_ == 0) return;
  BlockNumber blocks[kBatch];
  char* pages[kBatch];
  for (int i = 0; i < count_; i++) {
    blocks[i] = first_ + BlockNumber(i);
    pages[i] = pages_ + std::size_t(i) * BLCKSZ;
  }
  // Our pages keep pd_lower == pd_upper (init_page): "standard" with no hole, so nothing is left out of the record.
  if (wal_) log_newpages(&index_->rd_node, MAIN_FORKNUM, count_, blocks, pages, true);
  for (int i = 0; i < count_; i++) {
    PageSetChecksumInplace(pages[i], blocks[i]);
    smgrextend(RelationGetSmgr(index_), MAIN_FORKNUM, blocks[i], pages[i], true);
  }
  count_ = 0;
}

// PostgreSQL 15 has no call that only registers a fork's fsync with the checkpointer; smgrwrite without skipFsync
// registers the segment it writes. So the first block of every segment is written again, unchanged (read back from
// the page cache first: nothing that can fail for want of memory runs between the check and the writes). The
// check and the writes run with DELAY_CHKPT_START set: a checkpoint that has not moved the redo pointer by the
// check cannot start syncing before our requests are queued, and one that has moved it is seen by the check.
// Transaction end clears the flag, also after an ERROR. Returns false when a checkpoint began during the build.
bool BulkPageWriter::hand_sync_to_checkpointer() {
  SMgrRelation smgr = RelationGetSmgr(index_);
  const BlockNumber segments = (next_ + RELSEG_SIZE - 1) / RELSEG_SIZE;
  char* copies = static_cast<char*>(palloc(std::size_t(segments) * BLCKSZ));
  for (BlockNumber s = 0; s < segments; s++) smgrread(smgr, MAIN_FORKNUM, s * RELSEG_SIZE, copies + std::size_t(s) * BLCKSZ);
  MyProc->delayChkptFlags |= DELAY_CHKPT_START;
  const bool quiet = GetRedoRecPtr() == start_redo_;
  if (quiet)
    for (BlockNumber s = 0; s < segments; s++)
      smgrwrite(smgr, MAIN_FORKNUM, s * RELSEG_SIZE, copies + std::size_t(s) * BLCKSZ, false);
  MyProc->delayChkptFlags &= ~DELAY_CHKPT_START;
  pfree(copies);
  return quiet;
}

void BulkPageWriter::finish() {
  write_batch();
  instr_time start, done;
  INSTR_TIME_SET_CURRENT(start);
  if (wal_ && next_ > 0) handed_over_ = hand_sync_to_checkpointer();
  if (wal_ && !handed_over_) smgrimmedsync(RelationGetSmgr(index_), MAIN_FORKNUM);
  INSTR_TIME_SET_CURRENT(done);
  INSTR_TIME_SUBTRACT(done, start);
  sync_ms_ = INSTR_TIME_GET_MILLISEC(done);
}

}  // namespace vx::pg::hnsw

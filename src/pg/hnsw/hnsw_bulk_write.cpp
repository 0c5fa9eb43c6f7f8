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
#include "storage/smgr.h"
#include "utils/rel.h"
}

#include <cstring>

namespace vx::pg::hnsw {

namespace {
constexpr int kBatch = XLR_MAX_BLOCK_ID;  // pages one log_newpages record holds
}

BulkPageWriter::BulkPageWriter(Relation index)
    : index_(index), wal_(RelationNeedsWAL(index)), pages_(static_cast<char*>(palloc(std::size_t(kBatch) * BLCKSZ))) {
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

void BulkPageWriter::finish() {
  write_batch();
  instr_time start, done;
  INSTR_TIME_SET_CURRENT(start);
  if (wal_) smgrimmedsync(RelationGetSmgr(index_), MAIN_FORKNUM);
  INSTR_TIME_SET_CURRENT(done);
  INSTR_TIME_SUBTRACT(done, start);
  sync_ms_ = INSTR_TIME_GET_MILLISEC(done);
}

}  // namespace vx::pg::hnsw

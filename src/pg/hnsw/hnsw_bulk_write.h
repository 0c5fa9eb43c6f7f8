// Writes the pages of an hnsw index that CREATE INDEX builds in memory, outside shared buffers, as nbtree's sorted
// build does: pages are appended in block order, each batch of up to XLR_MAX_BLOCK_ID pages WAL-logged with one
// log_newpages record before it goes to smgrextend. The pages must reach disk before a checkpoint whose redo starts
// after our records (it never saw them in shared buffers, and redo would not replay them): finish() hands the fsync
// to the checkpointer when no checkpoint began during the build (the next one then syncs the fork first), else it
// fsyncs the fork itself, as PostgreSQL 17's bulk writes do (PostgreSQL 15's nbtree always waits for the fsync).
// Going through the buffer manager instead (ReadBuffer(P_NEW) per page) wrote every block twice, zeros at extension
// and the page later, and log_newpage_range read every block back to log it (docs/benchmarks.md, "Build: pages and load").
#pragma once

#include "pg/hnsw/hnsw.h"

namespace vx::pg::hnsw {

class BulkPageWriter {
 public:
  // index: the index being built, still without blocks. Memory from the current memory context.
  explicit BulkPageWriter(Relation index);
  // Copies a whole page (BLCKSZ bytes) as the next block; returns its block number.
  BlockNumber append(const char* page);
  BlockNumber next_block() const { return next_; }
  // Writes what is batched and makes sure the fork is synced (now or by the next checkpoint) if WAL was written;
  // before anything reads the index's blocks.
  void finish();
  double sync_ms() const { return sync_ms_; }  // finish()'s wait for the fork's fsync (or for handing it over)
  bool sync_handed_over() const { return handed_over_; }

 private:
  void write_batch();
  bool hand_sync_to_checkpointer();
  Relation index_;
  bool wal_;
  XLogRecPtr start_redo_;  // the redo pointer before our first record
  char* pages_;            // kBatch pages
  BlockNumber first_ = 0;  // block number of the batch's first page
  int count_ = 0;
  BlockNumber next_ = 0;
  double sync_ms_ = 0;
  bool handed_over_ = false;
};

}  // namespace vx::pg::hnsw

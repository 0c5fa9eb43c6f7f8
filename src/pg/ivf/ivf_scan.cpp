// Ordered scans: probe the nearest lists, score their postings with the codec's list scanner (one call per page:
// half copies, SQ8, PQ tables), return TIDs in distance order. Flat (half) codes are returned with lower bounds of the
// exact distance as ORDER BY values and "recheck", so the executor's reorder queue emits rows in exact order; where a
// copy is exact (zero encoding error, not cosine) the scan computes the operator's value itself from the copy and
// returns it without recheck (core::settle_next). sq8/pq candidates are re-ranked here with exact vectors read from
// the table. With iterative_scan = relaxed_order, more lists are probed when the executor asks for more rows
// (filtered queries). C-style (ivf.h): the scanner is the scan's only C++ object, owned by its memory context.
#include "pg/context_owned.h"
#include "pg/ivf/ivf.h"
#include "pg/order_value/order_value_handover.h"

#include "core/ann_order.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <memory>

extern "C" {
#include "access/relscan.h"
#include "access/tableam.h"
#include "commands/defrem.h"
#include "executor/tuptable.h"
#include "pgstat.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
}

namespace vx::pg::ivf {

namespace {

// distance: flat: lower bound in SQL operator units, or the operator's exact value once settled; sq8/pq: approximate,
// then exact, in ranking units (squared l2, negative inner product)
struct Candidate {
  double distance;
  ItemPointerData tid;
  OffsetNumber off;  // flat: where the posting was (block, off), to read its copy again when it is settled
  BlockNumber block;
  uint8 state;  // a CandidateState
};
enum CandidateState : uint8 { kBound = 0, kExactCopy = 1, kExact = 2 };

// A growable palloc'd array of candidates.
struct Candidates {
  Candidate* items;
  std::size_t n, cap;
};

// The scanner of a scan's query, owned by the scan's memory context.
struct ScannerHolder {
  std::unique_ptr<core::ivf::ListScanner> scanner;
};

struct ScanState {
  MemoryContext cxt, batch_cxt;
  MemoryContext handover_cxt;    // holds `handover`; reset by rescan (a new query)
  MemoryContext query_cxt;       // the model pin and the scanner of the current query; reset by rescan
  OrderValueHandover* handover;  // exact values for the projection (order_value_handover.h)
  const AnnContract* contract;
  const IvfModel* model;
  core::ivf::ListScanner* scanner;
  float* query;  // dims floats, normalised for cosine
  int* lists;    // nearest lists first (at most max_probes)
  std::size_t nlists, next_list;
  int probes, max_probes;
  int rerank;  // candidates re-ranked per window: the index's current rerank option (ALTER INDEX ... SET)
  bool lossy;  // the codec's scores are approximate (sq8, pq): re-ranked, no ORDER BY values
  bool iterative, started, null_query;
  bool scores_exact;  // the scanner's scores are the operator's values (bits): no posting is read again
  Candidates ready;   // returned next; ordered up to ready_sorted (sorted lazily)
  std::size_t ready_pos, ready_sorted;
  Candidates pending;  // approximate distances, waiting for re-ranking (selected per window)
  std::size_t pending_pos;
  float* exact;  // dims floats: re-ranking and decoding exact copies
  // one page's codes and their scores (scan_list)
  const uint8_t** codes;
  double* scores;
  uint8_t* exact_flags;
  OffsetNumber* offsets;
  // heap access for re-ranking (released in end_scan)
  IndexFetchTableData* fetch;
  TupleTableSlot* slot;
};

// Distance order, ties by heap TID (a total order: the result does not depend on how the candidates were selected).
inline uint64 tid_key(const ItemPointerData& t) {
  return (static_cast<uint64>(ItemPointerGetBlockNumberNoCheck(&t)) << 16) | ItemPointerGetOffsetNumberNoCheck(&t);
}
inline bool closer(const Candidate& a, const Candidate& b) {
  return a.distance < b.distance || (a.distance == b.distance && tid_key(a.tid) < tid_key(b.tid));
}

void reserve(Candidates* c, std::size_t more, MemoryContext cxt) {
  if (c->n + more <= c->cap) return;
  std::size_t cap = std::max<std::size_t>({c->cap * 2, c->n + more, 64});
  c->items = static_cast<Candidate*>(c->items ? repalloc_huge(c->items, cap * sizeof(Candidate))
                                              : MemoryContextAllocHuge(cxt, cap * sizeof(Candidate)));
  c->cap = cap;
}

void ensure_sorted(ScanState* s, std::size_t upto) {
  core::ensure_sorted(s->ready.items, s->ready.n, &s->ready_sorted, upto, closer);
}

// Scores every posting of one list into `out`.
void scan_list(Relation index, ScanState* s, int list, Candidates* out) {
  const IvfMeta& meta = s->model->meta;
  core::ivf::ListScanner* scanner = s->scanner;
  scanner->set_list(s->model->core->centroid(static_cast<std::size_t>(list)));
  BlockNumber block = read_slot(index, meta, list).first;
  if (block == InvalidBlockNumber) return;
  Buffer buf = ReadBuffer(index, block);
  LockBuffer(buf, BUFFER_LOCK_SHARE);
  for (;;) {
    Page page = BufferGetPage(buf);
    // Pin the next page of the chain while this one is scored; the scanner prefetches it into the CPU cache.
    const BlockNumber next = page_opaque(page)->next;
    Buffer next_buf = next != InvalidBlockNumber ? ReadBuffer(index, next) : InvalidBuffer;
    const OffsetNumber max = std::min<OffsetNumber>(PageGetMaxOffsetNumber(page), MaxOffsetNumber);
    std::size_t n = 0;
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
      ItemId id = PageGetItemId(page, off);
      if (!ItemIdIsUsed(id)) continue;
      s->codes[n] = reinterpret_cast<const uint8_t*>(PageGetItem(page, id)) + kTupleHeader;
      s->offsets[n++] = off;
    }
    core::ivf::PagePrefetch prefetch(next_buf != InvalidBuffer ? BufferGetPage(next_buf) : nullptr, BLCKSZ, n);
    scanner->scan_page(s->codes, n, s->scores, s->exact_flags, prefetch);
    reserve(out, n, s->cxt);
    for (std::size_t i = 0; i < n; ++i) {
      Candidate& c = out->items[out->n++];
      c.tid = reinterpret_cast<const IvfTuple*>(s->codes[i] - kTupleHeader)->tid;
      c.distance = s->scores[i];
      c.state = s->scores_exact ? kExact : s->exact_flags[i] ? kExactCopy : kBound;
      c.block = block;
      c.off = s->offsets[i];
    }
    UnlockReleaseBuffer(buf);
    if (next_buf == InvalidBuffer) break;
    LockBuffer(next_buf, BUFFER_LOCK_SHARE);
    buf = next_buf;
    block = next;
  }
}

// The exact value of an exact copy, from the posting the scan scored (found again by its heap TID: a concurrent
// VACUUM may have compacted the page). False if the posting is gone (then the bound is returned with recheck).
bool exact_from_posting(Relation index, ScanState* s, const Candidate& c, double* value) {
  Buffer buf = ReadBuffer(index, c.block);
  LockBuffer(buf, BUFFER_LOCK_SHARE);
  Page page = BufferGetPage(buf);
  const OffsetNumber max = PageGetMaxOffsetNumber(page);
  const IvfTuple* found = nullptr;
  for (OffsetNumber i = 0; i < max && !found; ++i) {  // the recorded offset first, then the rest of the page
    OffsetNumber off = c.off <= max ? static_cast<OffsetNumber>((c.off - 1 + i) % max + 1) : i + 1;
    ItemId id = PageGetItemId(page, off);
    if (!ItemIdIsUsed(id)) continue;
    auto* t = reinterpret_cast<const IvfTuple*>(PageGetItem(page, id));
    if (ItemPointerEquals(const_cast<ItemPointer>(&t->tid), const_cast<ItemPointer>(&c.tid))) found = t;
  }
  const auto* code = found ? reinterpret_cast<const uint8_t*>(found) + kTupleHeader : nullptr;
  bool ok = code && s->scanner->exact_copy(code);
  if (ok) *value = s->scanner->exact_value(code, s->exact);
  UnlockReleaseBuffer(buf);
  return ok;
}

// Probes the next `count` lists (bounded by max_probes) into the pending / ready queues.
bool probe_more(IndexScanDesc scan, ScanState* s, int count) {
  if (s->next_list >= s->nlists) return false;
  const std::size_t end = std::min(s->nlists, s->next_list + static_cast<std::size_t>(count));
  const bool rerank = s->lossy && s->rerank > 0;
  Candidates* found = rerank ? &s->pending : &s->ready;
  found->n = 0;
  for (; s->next_list < end; ++s->next_list) scan_list(scan->indexRelation, s, s->lists[s->next_list], found);
  if (rerank) {
    s->pending_pos = 0;
  } else {
    s->ready_pos = 0;
    s->ready_sorted = 0;
  }
  return true;
}

// The table's value of a candidate under the scan's snapshot, as floats in s->exact (normalised for cosine). False:
// not visible to the snapshot (the executor would drop it anyway), NULL, other dimensions, or a zero vector under
// cosine.
bool fetch_exact(IndexScanDesc scan, ScanState* s, const ItemPointerData& candidate) {
  if (!s->fetch) {
    MemoryContext old = MemoryContextSwitchTo(s->cxt);
    s->fetch = table_index_fetch_begin(scan->heapRelation);
    s->slot = table_slot_create(scan->heapRelation, nullptr);
    MemoryContextSwitchTo(old);
  }
  MemoryContext old = MemoryContextSwitchTo(s->batch_cxt);
  bool call_again = false, all_dead = false;
  ItemPointerData tid = candidate;
  bool ok = table_index_fetch_tuple(s->fetch, &tid, scan->xs_snapshot, s->slot, &call_again, &all_dead);
  if (ok) {
    bool isnull;
    Datum value = slot_getattr(s->slot, scan->indexRelation->rd_index->indkey.values[0], &isnull);
    ok = !isnull;
    if (ok) {
      const void* v = s->contract->type->detoast(value);
      ok = s->contract->type->dims(v) == s->model->meta.dim &&
           ann_value_to_float(*s->contract, v, s->exact, s->model->meta.dim);
    }
    ExecClearTuple(s->slot);
  }
  MemoryContextSwitchTo(old);
  MemoryContextReset(s->batch_cxt);
  return ok;
}

// Exact distance of the candidates in the next re-rank window, from the vectors stored in the table.
void rerank_next(IndexScanDesc scan, ScanState* s) {
  const std::size_t dims = static_cast<std::size_t>(s->model->meta.dim);
  const std::size_t end = std::min(s->pending.n, s->pending_pos + static_cast<std::size_t>(s->rerank));
  s->ready.n = 0;
  s->ready_pos = 0;
  // the window: the next `rerank` candidates by approximate distance, fetched in heap order (neighbouring rows
  // share a heap page: one buffer lookup and prune check less); s->ready is sorted by exact distance below
  Candidate* first = s->pending.items + s->pending_pos;
  Candidate* last = s->pending.items + end;
  if (last != s->pending.items + s->pending.n) std::nth_element(first, last, s->pending.items + s->pending.n, closer);
  std::sort(first, last, [](const Candidate& a, const Candidate& b) { return tid_key(a.tid) < tid_key(b.tid); });
  reserve(&s->ready, end - s->pending_pos, s->cxt);
  for (; s->pending_pos < end; ++s->pending_pos) {
    Candidate c = s->pending.items[s->pending_pos];
    if (!fetch_exact(scan, s, c.tid)) continue;
    // the ranking key of the exact vectors (cosine: of unit vectors); where it gives the operator's value bit for
    // bit (sql_from_rank: l2 and ip over `vector`) the row is handed over as exact
    c.distance = core::rank_distance(s->model->metric(), s->query, s->exact, dims);
    if (s->contract->sql_from_rank != nullptr) c.state = kExact;
    s->ready.items[s->ready.n++] = c;
  }
  std::sort(s->ready.items, s->ready.items + s->ready.n, closer);
  s->ready_sorted = s->ready.n;
}

// The scanner of this query (guarded: the codec allocates its per-query tables), owned by query_cxt.
core::ivf::ListScanner* open_scanner(ScanState* s) {
  const core::ivf::Model& m = *s->model->core;
  const core::ivf::ExactFn exact = s->contract->exact_from_floats;
  return guard([&] {
    auto* holder = make_context_owned<ScannerHolder>(s->query_cxt);
    holder->scanner = m.codec->scanner(m.metric, s->query, exact);
    return holder->scanner.get();
  });
}

// The `keep` lists nearest to the query, nearest first.
void rank_lists(ScanState* s, std::size_t keep) {
  const core::ivf::Model& m = *s->model->core;
  struct Ranked {
    float distance;
    int list;
  };
  auto* ranked = static_cast<Ranked*>(palloc(sizeof(Ranked) * m.lists));
  uint8_t* packed = nullptr;  // bit centroids: the query packed once
  if (m.form == core::ivf::CentroidForm::Bits) {
    packed = static_cast<uint8_t*>(palloc(core::ivf::packed_bytes(m.dims)));
    core::ivf::pack_bits(s->query, m.dims, packed);
  }
  for (std::size_t l = 0; l < m.lists; ++l) ranked[l] = {m.rank(s->query, packed, l), static_cast<int>(l)};
  std::partial_sort(ranked, ranked + keep, ranked + m.lists, [](const Ranked& a, const Ranked& b) {
    return a.distance < b.distance || (a.distance == b.distance && a.list < b.list);
  });
  s->lists = static_cast<int*>(MemoryContextAlloc(s->query_cxt, sizeof(int) * std::max<std::size_t>(keep, 1)));
  for (std::size_t i = 0; i < keep; ++i) s->lists[i] = ranked[i].list;
  s->nlists = keep;
  pfree(ranked);
}

void start(IndexScanDesc scan, ScanState* s) {
  Relation index = scan->indexRelation;
  MemoryContext old = MemoryContextSwitchTo(s->query_cxt);
  s->contract = &ann_contract(index);
  s->model = model_acquire(index, s->query_cxt);
  const IvfMeta& meta = s->model->meta;
  const std::size_t dims = static_cast<std::size_t>(meta.dim);
  pgstat_count_index_scan(index);  // pg_stat_user_indexes.idx_scan, once per scan (as pgvector)
  s->started = true;
  s->nlists = s->next_list = 0;
  if (dims == 0) {  // no typmod and never a row: the dimensions are not fixed yet, nothing to return
    MemoryContextSwitchTo(old);
    return;
  }
  s->query = static_cast<float*>(palloc0(sizeof(float) * dims));
  s->exact = static_cast<float*>(palloc(sizeof(float) * dims));
  s->null_query = (scan->orderByData[0].sk_flags & SK_ISNULL) != 0;
  if (!s->null_query) {
    const void* v = s->contract->type->detoast(scan->orderByData[0].sk_argument);
    const int qdims = s->contract->type->dims(v);
    if (qdims != meta.dim) s->contract->type->check_same_dims(meta.dim, qdims);
    ann_value_to_float(*s->contract, v, s->query, qdims);  // a zero query under cosine stays zero
  }
  s->lossy = s->model->core->codec->lossy();
  const bool flat = !s->lossy;
  s->scanner = open_scanner(s);
  // a NULL query's values are NULL: its rows go back with recheck (the executor sorts them last)
  s->scores_exact = s->scanner->scores_exact() && !s->null_query;
  if (!s->null_query && (flat || s->contract->sql_from_rank != nullptr))
    s->handover = handover_open(index, &scan->orderByData[0], s->handover_cxt);

  // heap postings carry no score: every candidate of the probed lists is re-ranked at once (exact over them)
  s->rerank = s->model->core->codec->rerank_all() ? INT_MAX : effective_rerank(index, meta);
  const bool flat_am = meta.am == static_cast<uint8>(AmKind::IvfFlat);
  s->probes = std::min(tuning::ivf_probes(index, flat_am).value, meta.lists);
  s->iterative = (flat_am ? ivfflat_iterative_scan : ivf_iterative_scan) != kIterativeOff;
  s->max_probes = s->iterative ? std::max(s->probes, flat_am ? ivfflat_max_probes : ivf_max_probes) : s->probes;
  rank_lists(s, std::min<std::size_t>(meta.lists, static_cast<std::size_t>(s->max_probes)));

  // one page's postings at most (scan_list clamps a damaged page's item count to it)
  const std::size_t per_page = MaxOffsetNumber;
  s->codes = static_cast<const uint8_t**>(palloc(sizeof(uint8_t*) * per_page));
  s->scores = static_cast<double*>(palloc(sizeof(double) * per_page));
  s->exact_flags = static_cast<uint8_t*>(palloc(per_page));
  s->offsets = static_cast<OffsetNumber*>(palloc(sizeof(OffsetNumber) * per_page));
  MemoryContextSwitchTo(old);
  probe_more(scan, s, s->probes);
}

// Flat: makes the next candidate final (core::settle_next): an exact copy's bound becomes the operator's exact value.
void settle_next(IndexScanDesc scan, ScanState* s) {
  core::settle_next(
      s->ready.items, s->ready_pos, s->ready.n, closer,
      [&](Candidate& c) {
        if (c.state != kExactCopy) return false;
        double exact;
        if (exact_from_posting(scan->indexRelation, s, c, &exact)) {
          c.distance = exact;
          c.state = kExact;
        } else {
          c.state = kBound;
        }
        return true;
      },
      [&](std::size_t upto) { ensure_sorted(s, upto); });
}

bool next(IndexScanDesc scan, ScanState* s) {
  for (;;) {
    if (s->ready_pos < s->ready.n) {
      const bool flat = !s->lossy;
      if (flat && !s->null_query) settle_next(scan, s);
      ensure_sorted(s, s->ready_pos + 1);
      const Candidate& c = s->ready.items[s->ready_pos++];
      scan->xs_heaptid = c.tid;
      scan->xs_recheck = false;
      // Flat: the value is a lower bound of the exact distance, or the exact distance itself (no recheck), and the
      // values come in nondecreasing order, which is what the executor's reorder queue needs to emit rows in exact
      // order. A NULL query has NULL exact values, which the executor orders after any bound.
      scan->xs_recheckorderby = flat && c.state != kExact;
      if (flat) {
        scan->xs_orderbyvals[0] = Float8GetDatum(c.distance);
        scan->xs_orderbynulls[0] = false;
      }
      // the exact value for the projection (order_value_handover.h): flat values are in operator units already;
      // re-ranked sq8/pq values are ranking keys
      if (c.state != kExact)
        handover_forget(s->handover);
      else if (flat)
        handover_publish(s->handover, &scan->xs_heaptid, c.distance);
      else
        handover_publish(s->handover, &scan->xs_heaptid, s->contract->sql_from_rank(static_cast<float>(c.distance)));
      return true;
    }
    if (s->pending_pos < s->pending.n) {
      rerank_next(scan, s);
      continue;
    }
    if (!s->iterative || !probe_more(scan, s, s->probes)) {
      handover_forget(s->handover);  // out of rows: the last one published may have been invisible in the heap
      return false;
    }
  }
}

}  // namespace

IndexScanDesc begin_scan(Relation index, int nkeys, int norderbys) {
  IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
  MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ivf scan", ALLOCSET_DEFAULT_SIZES);
  auto* s = static_cast<ScanState*>(MemoryContextAllocZero(cxt, sizeof(ScanState)));
  s->cxt = cxt;
  s->batch_cxt = AllocSetContextCreate(cxt, "ivf scan batch", ALLOCSET_DEFAULT_SIZES);
  s->handover_cxt = AllocSetContextCreate(cxt, "ivf scan handover", ALLOCSET_SMALL_SIZES);
  s->query_cxt = AllocSetContextCreate(cxt, "ivf scan query", ALLOCSET_DEFAULT_SIZES);
  // ORDER BY values handed to the executor with xs_recheckorderby (flat codes); NULL until a row is returned
  if (norderbys > 0) {
    scan->xs_orderbyvals = static_cast<Datum*>(palloc0(sizeof(Datum) * norderbys));
    scan->xs_orderbynulls = static_cast<bool*>(palloc(sizeof(bool) * norderbys));
    memset(scan->xs_orderbynulls, true, sizeof(bool) * norderbys);
  }
  scan->opaque = s;
  return scan;
}

void rescan(IndexScanDesc scan, ScanKey keys, int, ScanKey orderbys, int) {
  auto* s = static_cast<ScanState*>(scan->opaque);
  if (keys && scan->numberOfKeys > 0) memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
  if (orderbys && scan->numberOfOrderBys > 0)
    memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
  s->started = false;
  MemoryContextReset(s->handover_cxt);  // unlinks the old query's handover
  s->handover = nullptr;
  MemoryContextReset(s->query_cxt);  // unpins the model, deletes the scanner
  s->model = nullptr;
  s->scanner = nullptr;
  s->ready.n = s->ready_pos = s->ready_sorted = 0;
  s->pending.n = s->pending_pos = 0;
  s->nlists = s->next_list = 0;
}

bool get_tuple(IndexScanDesc scan, ScanDirection) {
  auto* s = static_cast<ScanState*>(scan->opaque);
  if (scan->numberOfOrderBys == 0 || !scan->orderByData)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("cannot scan %s index without order", get_am_name(scan->indexRelation->rd_rel->relam))));
  if (!s->started) start(scan, s);
  return next(scan, s);
}

void end_scan(IndexScanDesc scan) {
  auto* s = static_cast<ScanState*>(scan->opaque);
  if (s->slot) ExecDropSingleTupleTableSlot(s->slot);
  if (s->fetch) table_index_fetch_end(s->fetch);
  MemoryContextDelete(s->cxt);  // unpins the model, deletes the scanner and the ScanState
  scan->opaque = nullptr;
}

}  // namespace vx::pg::ivf

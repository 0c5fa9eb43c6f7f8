// Ordered scans: probe the nearest lists, score their postings with our kernels (half copies, SQ8 SIMD, PQ tables),
// return TIDs in distance order. Flat (half) codes are returned with lower bounds of the exact distance as ORDER BY
// values and "recheck", so the executor's reorder queue emits rows in exact order; where a copy is exact (zero
// encoding error, not cosine) the scan computes the operator's value itself from the copy and returns it without
// recheck (see settle_next). sq8/pq candidates are re-ranked here with exact vectors read from the table. With
// iterative_scan = relaxed_order, more lists are probed when the executor asks for more rows (filtered queries).
#include "pg/ivf.h"
#include "pg/context_owned.h"
#include "pg/order_value_handover.h"

#include <algorithm>
#include <cmath>
#include <cstring>

extern "C" {
#include "access/relscan.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "pgstat.h"
#include "utils/snapmgr.h"
#include "commands/defrem.h"
}

#include "core/distance.h"
#include "pg/vector_type.h"

namespace vx::pg::ivf {

namespace {

// distance: flat: lower bound in SQL operator units (see core/half_copy.h), or the operator's exact value once settled;
// sq8/pq: approximate, then exact, in internal units (squared l2, negative inner product)
struct Candidate {
  double distance;
  ItemPointerData tid;
  OffsetNumber off;   // flat: where the posting was (block, off), to read its copy again when it is settled
  BlockNumber block;
  uint8 state;        // flat: a CandidateState
};
enum CandidateState : uint8 { kBound = 0, kExactCopy = 1, kExact = 2 };

struct ScanState {
  MemoryContext cxt = nullptr, batch_cxt = nullptr;
  MemoryContext handover_cxt = nullptr;  // holds `handover`; reset by rescan (a new query)
  OrderValueHandover* handover = nullptr;  // exact values for the projection (order_value_handover.h)
  std::shared_ptr<const Model> model;
  std::vector<float> query;
  std::vector<std::pair<float, int>> lists;  // (coarse distance, list), nearest first
  std::size_t next_list = 0;
  int probes = 1, max_probes = 1;
  int rerank = 0;  // candidates re-ranked per window: the index's current rerank option (ALTER INDEX ... SET)
  bool iterative = false, started = false, null_query = false;
  std::vector<Candidate> ready;    // returned next; ordered up to ready_sorted (sorted lazily, see ensure_sorted)
  std::size_t ready_pos = 0, ready_sorted = 0;
  std::vector<Candidate> pending;  // approximate distances, waiting for re-ranking (selected per window)
  std::size_t pending_pos = 0;
  core::HalfCopyQuery half;
  core::ivf::Sq8Query sq8;
  core::ivf::PqQuery pq;
  std::vector<float> exact;  // scratch for re-ranking and for decoding exact copies
  // heap access for re-ranking (released in end_scan, never by a destructor)
  IndexFetchTableData* fetch = nullptr;
  TupleTableSlot* slot = nullptr;
};

bool lossy(const Model& m) { return m.quantizer() != Quantizer::Flat; }

// Distance order, ties by heap TID (a total order: the result does not depend on how the candidates were selected).
inline uint64 tid_key(const ItemPointerData& t) {
  return (static_cast<uint64>(ItemPointerGetBlockNumberNoCheck(&t)) << 16) | ItemPointerGetOffsetNumberNoCheck(&t);
}
inline bool closer(const Candidate& a, const Candidate& b) {
  return a.distance < b.distance || (a.distance == b.distance && tid_key(a.tid) < tid_key(b.tid));
}

void sort_candidates(std::vector<Candidate>& c) { std::sort(c.begin(), c.end(), closer); }

// Candidates [sorted, upto) become the next ones in order. A query usually consumes a few (LIMIT k) of the
// ~probes * rows/lists candidates, so they are selected (nth_element) and sorted in growing chunks instead of
// sorting all of them (a full sort was ~5 % of a pq query).
void ensure_sorted(std::vector<Candidate>& c, std::size_t& sorted, std::size_t upto) {
  if (upto <= sorted) return;
  upto = std::min(c.size(), std::max({upto, sorted * 2, std::size_t{32}}));
  auto first = c.begin() + sorted, mid = c.begin() + upto;
  if (mid != c.end()) std::nth_element(first, mid, c.end(), closer);
  std::sort(first, mid, closer);
  sorted = upto;
}

// Scores every posting of one list into `out`.
void scan_list(Relation index, ScanState& s, int list, std::vector<Candidate>& out) {
  const Model& m = *s.model;
  const IvfMeta& meta = m.meta;
  const std::size_t dim = meta.dim;
  const Quantizer q = m.quantizer();
  if (q == Quantizer::Pq) s.pq.set_list(m.centroids.data() + static_cast<std::size_t>(list) * dim, dim);
  BlockNumber block = call([&] { return read_slot(index, meta, list).first; });
  if (block == InvalidBlockNumber) return;
  // Postgres calls only through call(); the scoring loop touches only page memory and `out`.
  Buffer buf = call([&] {
    Buffer b = ReadBuffer(index, block);
    LockBuffer(b, BUFFER_LOCK_SHARE);
    return b;
  });
  for (;;) {
    Page page = BufferGetPage(buf);
    // Pin the next page of the chain and prefetch it into the CPU cache while this one is scored: a posting page is a
    // random place in shared buffers, and the hardware prefetcher stops at 4 kB boundaries. The prefetches are
    // spread over the tuples of this page: issued as one burst of 128, they stalled on full miss buffers (perf:
    // ~11 % of an ivfflat query on the instruction after the burst).
    const BlockNumber next = page_opaque(page)->next;
    Buffer next_buf = InvalidBuffer;
    if (next != InvalidBlockNumber) next_buf = call([&] { return ReadBuffer(index, next); });
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    std::size_t base = out.size();
    try {
      out.resize(base + max);
    } catch (...) {
      call([&] {
        UnlockReleaseBuffer(buf);
        if (next_buf != InvalidBuffer) ReleaseBuffer(next_buf);
      });
      throw;
    }
    std::size_t n = base;
    const char* ahead = next_buf != InvalidBuffer ? static_cast<const char*>(BufferGetPage(next_buf)) : nullptr;
    const std::size_t ahead_step = max > 0 ? (BLCKSZ / max + 63) / 64 * 64 : BLCKSZ;
    std::size_t ahead_off = 0;
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
      if (ahead)
        for (std::size_t end = std::min<std::size_t>(BLCKSZ, ahead_off + ahead_step); ahead_off < end; ahead_off += 64)
          __builtin_prefetch(ahead + ahead_off);
      ItemId id = PageGetItemId(page, off);
      if (!ItemIdIsUsed(id)) continue;
      auto* t = reinterpret_cast<const IvfTuple*>(PageGetItem(page, id));
      const auto* code = reinterpret_cast<const uint8_t*>(t) + kTupleHeader;
      Candidate& c = out[n++];
      c.tid = t->tid;
      c.state = kBound;
      if (q == Quantizer::Flat) {
        c.distance = s.half.lower_bound(code);
        c.block = block;
        c.off = off;
        if (s.half.exact_copy(code)) c.state = kExactCopy;
      } else if (q == Quantizer::Sq8) {
        c.distance = s.sq8.distance(code);
      } else {
        c.distance = s.pq.distance(code);
      }
    }
    out.resize(n);
    call([&] {
      UnlockReleaseBuffer(buf);
      if (next_buf != InvalidBuffer) LockBuffer(next_buf, BUFFER_LOCK_SHARE);
    });
    if (next_buf == InvalidBuffer) break;
    buf = next_buf;
    block = next;
  }
}

// The exact value of an exact copy, from the posting the scan scored (found again by its heap TID: a concurrent
// VACUUM may have compacted the page). False if the posting is gone (then the bound is returned with recheck).
bool exact_from_posting(Relation index, ScanState& s, const Candidate& c, double* value) {
  s.exact.resize(s.model->meta.dim);
  return call([&] {
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
    bool ok = code && s.half.exact_copy(code);
    if (ok) *value = s.half.exact_value(code, s.exact.data());
    UnlockReleaseBuffer(buf);
    return ok;
  });
}

// Probes the next `count` lists (bounded by max_probes) into the pending / ready queues.
bool probe_more(IndexScanDesc scan, ScanState& s, int count) {
  std::size_t limit = std::min<std::size_t>(s.lists.size(), static_cast<std::size_t>(s.max_probes));
  if (s.next_list >= limit) return false;
  std::size_t end = std::min(limit, s.next_list + static_cast<std::size_t>(count));
  std::vector<Candidate> found;
  for (; s.next_list < end; ++s.next_list) scan_list(scan->indexRelation, s, s.lists[s.next_list].second, found);
  if (lossy(*s.model) && s.rerank > 0) {
    s.pending = std::move(found);
    s.pending_pos = 0;
  } else {
    s.ready = std::move(found);
    s.ready_pos = 0;
    s.ready_sorted = 0;
  }
  return true;
}

// Exact distance of the candidates in the next re-rank window, from the vectors stored in the table.
void rerank_next(IndexScanDesc scan, ScanState& s) {
  const Model& m = *s.model;
  const std::size_t dim = m.meta.dim;
  const std::size_t end = std::min(s.pending.size(), s.pending_pos + static_cast<std::size_t>(s.rerank));
  AttrNumber attno = scan->indexRelation->rd_index->indkey.values[0];
  const core::DistanceKernels& k = core::kernels();
  s.ready.clear();
  s.ready_pos = 0;
  s.exact.resize(dim);
  // the window: the next `rerank` candidates by approximate distance, fetched in heap order (neighbouring rows
  // share a heap page: one buffer lookup and prune check less); s.ready is sorted by exact distance below
  auto wfirst = s.pending.begin() + s.pending_pos, wlast = s.pending.begin() + end;
  if (wlast != s.pending.end()) std::nth_element(wfirst, wlast, s.pending.end(), closer);
  std::sort(wfirst, wlast, [](const Candidate& a, const Candidate& b) { return tid_key(a.tid) < tid_key(b.tid); });
  for (; s.pending_pos < end; ++s.pending_pos) {
    Candidate c = s.pending[s.pending_pos];
    bool found = call([&] {
      MemoryContext old = MemoryContextSwitchTo(s.batch_cxt);
      if (!s.fetch) {
        MemoryContextSwitchTo(s.cxt);
        s.fetch = table_index_fetch_begin(scan->heapRelation);
        s.slot = table_slot_create(scan->heapRelation, nullptr);
        MemoryContextSwitchTo(s.batch_cxt);
      }
      bool call_again = false, all_dead = false;
      ItemPointerData tid = c.tid;
      bool ok = table_index_fetch_tuple(s.fetch, &tid, scan->xs_snapshot, s.slot, &call_again, &all_dead);
      if (ok) {
        bool isnull;
        Datum value = slot_getattr(s.slot, attno, &isnull);
        ok = !isnull;
        if (ok) {
          Vector* v = datum_get_vector(value);
          ok = v->dim == static_cast<int>(dim);
          if (ok) memcpy(s.exact.data(), v->x, dim * sizeof(float));
        }
        ExecClearTuple(s.slot);
      }
      MemoryContextSwitchTo(old);
      MemoryContextReset(s.batch_cxt);
      return ok;
    });
    if (!found) continue;  // not visible to this snapshot: the executor would drop it anyway
    if (m.metric() == Metric::L2) {
      c.distance = k.l2_squared(s.query.data(), s.exact.data(), dim);
    } else {
      if (m.metric() == Metric::Cosine && !core::normalize(s.exact.data(), dim)) continue;
      c.distance = -k.inner_product(s.query.data(), s.exact.data(), dim);
    }
    // l2 and ip: the operator's own kernel on the same two vectors (operand order does not change a product or a
    // difference's square), so sql_value() of it is bit-identical to the operator's result
    if (m.metric() != Metric::Cosine) c.state = kExact;
    s.ready.push_back(c);
  }
  sort_candidates(s.ready);
  s.ready_sorted = s.ready.size();
}

void start(IndexScanDesc scan, ScanState& s) {
  Relation index = scan->indexRelation;
  s.model = load_model(index);
  const Model& m = *s.model;
  const IvfMeta& meta = m.meta;
  const std::size_t dim = meta.dim;
  call([&] { pgstat_count_index_scan(index); });  // pg_stat_user_indexes.idx_scan, once per scan (as pgvector)
  if (dim == 0) {  // no typmod and never a row: the dimensions are not fixed yet, nothing to return
    s.lists.clear();
    s.started = true;
    return;
  }
  s.query.assign(dim, 0.f);
  if (!(scan->orderByData[0].sk_flags & SK_ISNULL)) {
    call([&] {
      Vector* v = datum_get_vector(scan->orderByData[0].sk_argument);
      if (v->dim != meta.dim)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("different vector dimensions %d and %d", meta.dim, v->dim)));
      memcpy(s.query.data(), v->x, dim * sizeof(float));
    });
  }
  if (m.metric() == Metric::Cosine) core::normalize(s.query.data(), dim);
  s.null_query = (scan->orderByData[0].sk_flags & SK_ISNULL) != 0;
  if (m.quantizer() == Quantizer::Flat) s.half.prepare(m.metric(), s.query.data(), dim);
  if (!s.null_query && (m.quantizer() == Quantizer::Flat || m.metric() != Metric::Cosine))
    s.handover = call([&] { return handover_open(index, &scan->orderByData[0], s.handover_cxt); });
  if (m.quantizer() == Quantizer::Sq8) s.sq8.prepare(m.metric(), m.sq8, s.query.data());
  if (m.quantizer() == Quantizer::Pq) s.pq.prepare(m.metric(), m.pq, s.query.data());

  s.rerank = effective_rerank(index, meta);
  bool flat_am = meta.am == static_cast<uint8>(AmKind::IvfFlat);
  s.probes = std::min(flat_am ? ivfflat_probes : ivf_probes, meta.lists);
  s.iterative = (flat_am ? ivfflat_iterative_scan : ivf_iterative_scan) != kIterativeOff;
  s.max_probes = s.iterative ? std::max(s.probes, flat_am ? ivfflat_max_probes : ivf_max_probes) : s.probes;

  s.lists.resize(meta.lists);
  for (int l = 0; l < meta.lists; ++l)
    s.lists[l] = {core::rank_distance(m.metric(), s.query.data(), m.centroids.data() + l * dim, dim), l};
  std::size_t keep = std::min<std::size_t>(s.lists.size(), static_cast<std::size_t>(s.max_probes));
  std::partial_sort(s.lists.begin(), s.lists.begin() + keep, s.lists.end());
  s.lists.resize(keep);
  s.next_list = 0;
  s.started = true;
  probe_more(scan, s, s.probes);
}

// Flat: makes the next candidate final. An exact copy's bound is replaced by the operator's exact value (never
// smaller) and the candidate moves back to its place among the rest, until the next one is final; so the values
// handed to the executor stay nondecreasing, exact ones and bounds alike. An exact value needs no recheck: the
// executor neither detoasts the row nor evaluates the operator again, and returns the row at once.
void settle_next(IndexScanDesc scan, ScanState& s) {
  for (;;) {
    ensure_sorted(s.ready, s.ready_sorted, s.ready_pos + 1);
    Candidate c = s.ready[s.ready_pos];
    if (c.state != kExactCopy) return;
    double exact;
    if (exact_from_posting(scan->indexRelation, s, c, &exact)) {
      c.distance = exact;
      c.state = kExact;
    } else {
      c.state = kBound;
    }
    std::size_t i = s.ready_pos;
    for (;;) {
      ensure_sorted(s.ready, s.ready_sorted, i + 2);  // [i + 1] is in the sorted part (or past the end)
      if (i + 1 >= s.ready.size() || !closer(s.ready[i + 1], c)) break;
      s.ready[i] = s.ready[i + 1];
      ++i;
    }
    s.ready[i] = c;
  }
}

bool next(IndexScanDesc scan, ScanState& s) {
  for (;;) {
    if (s.ready_pos < s.ready.size()) {
      const bool flat = !lossy(*s.model);
      if (flat && !s.null_query) settle_next(scan, s);
      ensure_sorted(s.ready, s.ready_sorted, s.ready_pos + 1);
      const Candidate& c = s.ready[s.ready_pos++];
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
      // re-ranked sq8/pq values are squared l2 or negative inner product
      if (c.state != kExact)
        handover_forget(s.handover);
      else if (flat || s.model->metric() != Metric::L2)
        handover_publish(s.handover, &scan->xs_heaptid, c.distance);
      else
        handover_publish(s.handover, &scan->xs_heaptid, std::sqrt(c.distance));
      return true;
    }
    if (s.pending_pos < s.pending.size()) {
      rerank_next(scan, s);
      continue;
    }
    if (!s.iterative || !probe_more(scan, s, s.probes)) {
      handover_forget(s.handover);  // out of rows: the last one published may have been invisible in the heap
      return false;
    }
  }
}

}  // namespace

IndexScanDesc begin_scan(Relation index, int nkeys, int norderbys) {
  IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
  MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ivf scan", ALLOCSET_DEFAULT_SIZES);
  ScanState* s = make_context_owned<ScanState>(cxt);
  s->cxt = cxt;
  s->batch_cxt = AllocSetContextCreate(cxt, "ivf scan batch", ALLOCSET_DEFAULT_SIZES);
  s->handover_cxt = AllocSetContextCreate(cxt, "ivf scan handover", ALLOCSET_SMALL_SIZES);
  // ORDER BY values handed to the executor with xs_recheckorderby (flat codes); NULL until a row is returned
  if (norderbys > 0) {
    scan->xs_orderbyvals = static_cast<Datum*>(palloc0(sizeof(Datum) * norderbys));
    scan->xs_orderbynulls = static_cast<bool*>(palloc(sizeof(bool) * norderbys));
    memset(scan->xs_orderbynulls, true, sizeof(bool) * norderbys);
  }
  scan->opaque = s;
  return scan;
}

void rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
  auto* s = static_cast<ScanState*>(scan->opaque);
  if (keys && scan->numberOfKeys > 0) memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
  if (orderbys && scan->numberOfOrderBys > 0)
    memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
  s->started = false;
  MemoryContextReset(s->handover_cxt);  // unlinks the old query's handover
  s->handover = nullptr;
  s->ready.clear();
  s->ready_pos = 0;
  s->ready_sorted = 0;
  s->pending.clear();
  s->pending_pos = 0;
  s->lists.clear();
  s->next_list = 0;
}

bool get_tuple(IndexScanDesc scan, ScanDirection) {
  auto* s = static_cast<ScanState*>(scan->opaque);
  if (scan->numberOfOrderBys == 0 || !scan->orderByData)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("cannot scan %s index without order", get_am_name(scan->indexRelation->rd_rel->relam))));
  if (!s->started) start(scan, *s);
  return next(scan, *s);
}

void end_scan(IndexScanDesc scan) {
  auto* s = static_cast<ScanState*>(scan->opaque);
  if (s->slot) ExecDropSingleTupleTableSlot(s->slot);
  if (s->fetch) table_index_fetch_end(s->fetch);
  s->slot = nullptr;
  s->fetch = nullptr;
  MemoryContextDelete(s->cxt);  // deletes the ScanState
  scan->opaque = nullptr;
}

}  // namespace vx::pg::ivf

// Index scans (ORDER BY embedding <op> $1 [LIMIT k]); the planner cost estimate is in ann_cost.cpp.
// A scan descends greedily through the upper levels, runs a beam search with ef = hnsw.ef_search at level 0 and
// returns the ef best in distance order. With hnsw.iterative_scan on, when the executor asks for more rows (a
// filter rejected some), the search resumes from the candidates it had not expanded and from those it had
// discarded, batch after batch, until hnsw.max_scan_tuples elements were evaluated or the memory budget
// (work_mem * hnsw.scan_mem_multiplier) is used. relaxed_order returns each batch sorted (a later batch may hold
// a slightly closer row); strict_order holds rows back until no later batch is expected to hold a closer one (the
// horizon, take_batch) and drops the rare row that is closer than one already returned. Visibility is decided by the
// heap (xs_heaptid); elements flagged deleted by VACUUM are skipped, re-checked just before their TID is returned.
//
// Exact order from half copies: the walk ranks by distances to the elements' half copies; each batch is returned
// sorted by a lower bound of the exact distance (core::half_lower_bound: absorbs the copy's encoding error
// and float rounding) with xs_recheckorderby, so the executor's reorder queue recomputes the exact distance from
// the heap row and emits rows in exact order (it ERRORs if a bound ever exceeded the exact value). Where a copy is
// exact (zero encoding error, e.g. integer pixels; not cosine, whose copy is of x / |x|), the scan computes the
// operator's value itself from the decoded copy, bit-identical to the executor's, and returns it without the
// re-check: that spares the executor a second detoast + distance per row (measured: the re-check cost more than
// the half copies saved on Fashion-MNIST). Elements kept as their own bytes (bit) are always exact: their values come
// back without the re-check. Either way each value is a lower bound of the exact distance, and a
// batch is returned in nondecreasing order of them. "Closer than one already returned" above is in those values:
// a row whose value is below the last one returned may be closer than a row the executor already emitted.
// Conditions on filter columns (hnsw_filter.h) are evaluated on the records: the walk passes through the elements
// that fail them without returning them, or, for a filter that keeps few elements, the scan reads every element's
// filter values and ranks only the matching ones.
#include "pg/hnsw/hnsw.h"
#include "pg/heap_prefetch.h"
#include "pg/hnsw/hnsw_descent_cache.h"
#include "pg/hnsw/hnsw_filter.h"
#include "pg/order_value/order_value_handover.h"

extern "C" {
#include "access/relscan.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "storage/lmgr.h"
#include "catalog/pg_type.h"
#include "optimizer/optimizer.h"
#include "pgstat.h"
#include "utils/float.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"
#include "utils/spccache.h"
}

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

namespace vx::pg::hnsw {

namespace {

// A batch entry: a lower bound of its exact distance, or the exact distance (the ORDER BY value handed to the
// executor; exact ones need no re-check).
struct Ranked {
  double bound;
  double upper;  // an estimate of an upper bound of the exact distance (strict_order's "certainly closer" test)
  int32 id;
  bool exact_copy;  // the exact distance can be computed from the copy
  bool exact;       // bound is the exact distance
  ItemPointerData tid_hint;  // the heap TID as read without a lock (to prefetch the row; invalid: not read)
};

// Rows whose heap lines are asked for ahead of their return (pg/heap_prefetch.h): a batch's first ones when it is
// sorted, then each row this many places ahead of the one returned.
constexpr int kHeapPrefetchAhead = 8;

// The SQL operator's value as the walk's ranking key approximates it (before the encoding-error slack the lower
// bound subtracts): the rank is l2 squared, l1, the negative inner product, or (cosine) minus the cosine.
double approx_from_rank(Metric metric, float rank) {
  switch (metric) {
    case Metric::L2:
      return std::sqrt(std::max(double(rank), 0.0));
    case Metric::Cosine:
      return 1.0 + double(rank);
    default:
      return double(rank);
  }
}

bool before(const Ranked& a, const Ranked& b) { return a.bound < b.bound || (a.bound == b.bound && a.id < b.id); }

struct ScanState {
  MemoryContext cxt;
  bool started;
  bool done;
  Graph g;
  Search s;
  float* q;        // what the walk ranks with (normalised for cosine)
  float* q_exact;  // the query as the executor sees it (== q except for cosine)
  double q_norm;   // |q_exact|
  float* xbuf;     // width floats: a decoded copy, or an element's stored form
  bool null_query;
  Ranked* out;
  int nout, pos, capout;
  double last_bound;
  // strict_order: rows are held back until their bound is at most `horizon`, the least a row the walk has not put
  // in a batch yet can be expected to have (see take_batch); +inf in the other modes and once the search is over.
  double horizon;
  double max_slack;  // largest (approximation - lower bound) seen: how far below its rank a row's bound can lie
  int ef;
  bool scan_locked;              // holds the share-mode scan lock (see kScanLockBlock)
  OrderValueHandover* handover;  // exact values for the projection (order_value_handover.h)
  uint64 upper_evaluated;        // distance computations of the greedy descent (statistics)
  // strict_order: heap access for the exact distance of a row whose bound straddles the last one returned.
  IndexFetchTableData* fetch;
  TupleTableSlot* slot;
  // Conditions on the filter columns (hnsw_filter.h): rows that fail are never returned; nullptr: none.
  ScanFilter* filter;
  bool filter_never;  // a condition nothing matches: the scan returns no row
};

// The exact SQL distance of the row at tid (the indexed column of its visible version), for strict_order. Returns
// false when it cannot be had: the row is not visible to the scan's snapshot (the executor would skip it too), or
// the index is on an expression.
bool heap_exact_distance(IndexScanDesc scan, ScanState* so, ItemPointer tid, double* out) {
  Relation index = scan->indexRelation;
  AttrNumber attno = index->rd_index->indkey.values[0];
  if (own_bytes(*so->g.contract)) return false;  // never needed: their values are exact
  if (attno <= 0 || scan->heapRelation == nullptr || scan->xs_snapshot == nullptr) return false;
  if (so->fetch == nullptr) {
    so->fetch = table_index_fetch_begin(scan->heapRelation);
    so->slot = table_slot_create(scan->heapRelation, nullptr);
  }
  bool call_again = false, all_dead = false;
  ItemPointerData t = *tid;
  if (!table_index_fetch_tuple(so->fetch, &t, scan->xs_snapshot, so->slot, &call_again, &all_dead)) return false;
  bool isnull;
  Datum d = slot_getattr(so->slot, attno, &isnull);
  const AnnContract& c = *so->g.contract;
  bool ok = !isnull && uint32(datum_dims(c, d)) == so->g.dims;
  if (ok) {
    datum_to_floats(c, d, so->xbuf);  // as stored: no normalisation
    *out = c.exact_from_floats(so->xbuf, so->q_exact, so->g.dims);
  }
  ExecClearTuple(so->slot);
  return ok;
}

void end_heap_access(ScanState* so) {
  if (so->slot) ExecDropSingleTupleTableSlot(so->slot);
  if (so->fetch) table_index_fetch_end(so->fetch);
  so->slot = nullptr;
  so->fetch = nullptr;
}

void release_scan_lock(IndexScanDesc scan, ScanState* so) {
  if (so->scan_locked) UnlockPage(scan->indexRelation, kScanLockBlock, ShareLock);
  so->scan_locked = false;
}

bool budget_left(ScanState* so) {
  if (so->s.evaluated >= uint64(hnsw_max_scan_tuples)) return false;
  double bytes = double(so->s.capcand + so->s.capdisc + so->capout) * sizeof(Candidate) + so->s.visited_bits / 4.0;
  return bytes <= double(work_mem) * 1024.0 * hnsw_scan_mem_multiplier;
}

// Moves the ef best of the walk into the output batch, sorted by the lower bounds of their exact distances.
// strict_order keeps the rows of earlier batches not returned yet (held back by the horizon) in the batch, and moves
// the horizon up to what the rows of later batches can be expected to be at least: every element a later batch
// returns was discarded by this one (ranked at least as far as this batch's farthest) or is found from them, so its
// bound is at least this batch's farthest approximation less the largest slack seen. Returning every row of a batch
// at once (as before) let the executor's reorder queue emit rows up to the batch's farthest bound, and the next batch
// then held rows closer than those: where bounds are loose (cosine over half copies of 3-d data, whose slack exceeds
// the distances themselves) strict_order dropped them by the dozen (pgvector's TAP 044: recall 0.92).
void take_batch(IndexScanDesc scan, ScanState* so) {
  Search* s = &so->s;
  const bool hold = hnsw_iterative_scan == kIterStrict && !so->null_query;
  int keep = hold ? so->nout - so->pos : 0;
  if (keep > 0) std::memmove(so->out, so->out + so->pos, sizeof(Ranked) * keep);
  if (so->capout < keep + s->nres) {
    so->capout = keep + s->nres;
    so->out = static_cast<Ranked*>(repalloc(so->out, sizeof(Ranked) * so->capout));
  }
  double farthest = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < s->nres; ++i) {
    Candidate c = s->res[i];
    Ranked r{0.0, 0.0, c.id, false, false, {}};
    ItemPointerSetInvalid(&r.tid_hint);
    if (!so->null_query && own_bytes(*so->g.contract)) {
      // the element's own bytes: its exact value right away
      r.bound = r.upper = exact_distance_to(&so->g, uint32(c.id), so->q_exact, so->xbuf);
      r.exact_copy = r.exact = true;
      if (std::isnan(r.bound)) {  // a zero sparsevec query under cosine: NaN sorts last; the executor computes it
        r.bound = r.upper = 0;
        r.exact_copy = r.exact = false;
      }
    } else if (!so->null_query) {
      r.bound = lower_bound_to(&so->g, uint32(c.id), so->q_exact, so->q_norm, c.dist, &r.exact_copy, &r.tid_hint);
      // The slack below the approximation is as wide above it (the encoding error and rounding are symmetric).
      double approx = approx_from_rank(so->g.metric, c.dist);
      r.upper = std::max(approx + (approx - r.bound), r.bound);
      so->max_slack = std::max(so->max_slack, approx - r.bound);
      farthest = std::max(farthest, approx);
    }
    so->out[keep + i] = r;
  }
  so->nout = keep + s->nres;
  so->pos = 0;
  s->nres = 0;
  std::sort(so->out, so->out + so->nout, before);
  for (int i = 0; i < std::min(so->nout, kHeapPrefetchAhead); ++i) heap_prefetch_row(scan, &so->out[i].tid_hint);
  if (hold)
    so->horizon = std::max(so->horizon, farthest - so->max_slack);
  else
    so->horizon = std::numeric_limits<double>::infinity();
}

// Makes the next entry final: an exact copy's bound is replaced by its exact distance (never smaller), and the entry
// moves back to its place among the rest, until the first entry is final.
void settle_next(ScanState* so) {
  while (so->pos < so->nout) {
    Ranked v = so->out[so->pos];
    if (!v.exact_copy || v.exact) return;
    v.bound = exact_distance_to(&so->g, uint32(v.id), so->q_exact, so->xbuf);
    v.upper = v.bound;
    v.exact = true;
    int i = so->pos;
    while (i + 1 < so->nout && before(so->out[i + 1], v)) {
      so->out[i] = so->out[i + 1];
      ++i;
    }
    so->out[i] = v;
  }
}

void first_batch(IndexScanDesc scan, ScanState* so) {
  Graph* g = &so->g;
  LockPage(scan->indexRelation, kScanLockBlock, ShareLock);
  so->scan_locked = true;
  graph_load(g, scan->indexRelation);
  if (g->filters.count && scan->numberOfKeys > 0)
    so->filter = scan_filter_build(g->filters, scan->keyData, scan->numberOfKeys, &so->filter_never);
  if (g->entry < 0 || so->filter_never) {
    so->done = true;
    return;
  }
  if (so->filter) {
    g->filter = so->filter;
    g->rejected = static_cast<uint64*>(palloc0(sizeof(uint64) * (g->count / 64 + 1)));
  }
  so->q = static_cast<float*>(palloc0(sizeof(float) * g->width));
  if (scan->numberOfOrderBys > 0 && !(scan->orderByData[0].sk_flags & SK_ISNULL)) {
    Datum arg = scan->orderByData[0].sk_argument;
    const AnnContract& c = *g->contract;
    // pgvector's message and SQLSTATE (22000, "different <type> dimensions A and B"), query first: its scan computes
    // distance(query, element)
    const int qdims = datum_dims(c, arg);
    if (qdims != int(g->dims)) c.type->check_same_dims(qdims, int(g->dims));
    datum_to_element(c, arg, g->dims, so->q);
    so->q_exact = so->q;
    if (!own_bytes(c) && ann_normalizes(c)) {
      so->q_exact = static_cast<float*>(palloc(sizeof(float) * g->dims));
      datum_to_floats(c, arg, so->q_exact);  // as given, not normalised
    }
    double n2 = 0;
    for (uint32 i = 0; i < g->dims && !own_bytes(c); ++i) n2 += double(so->q_exact[i]) * so->q_exact[i];
    so->q_norm = std::sqrt(n2);
    so->handover = handover_open(scan->indexRelation, &scan->orderByData[0], so->cxt);
  } else {
    so->null_query = true;  // ORDER BY NULL: every row's value is NULL
  }
  so->xbuf = static_cast<float*>(palloc(sizeof(float) * g->width));
  so->ef = tuning::hnsw_ef_search(scan->indexRelation).value;
  search_init(&so->s, g->count, int(g->m), so->ef);
  so->s.keep_discarded = hnsw_iterative_scan != kIterOff;
  if (so->s.keep_discarded) so->s.queued = static_cast<uint64*>(palloc0(sizeof(uint64) * (g->count / 64 + 1)));
  so->s.skip_excluded = true;
  so->capout = so->ef + 1;
  so->out = static_cast<Ranked*>(palloc(sizeof(Ranked) * so->capout));
  if (so->filter && filter_prefers_exhaustive(g, so->ef)) {
    // A filter that keeps few elements: every matching element at once, exact, instead of walking the whole graph
    // for them (hnsw_filter.h); no later batch (nothing left to walk from).
    filter_all_matching(g, &so->s, so->q);
    take_batch(scan, so);
    return;
  }
  int32 cur = g->entry;
  // The descent reads the elements it evaluates from the backend's copies where it can (hnsw_descent_cache.h): they
  // are valid for the meta page graph_load read, under the scan lock this scan holds.
  g->descent_copies = descent_cache_attach(g);
  float cur_dist = descent_distance_to(g, uint32(cur), so->q);
  search_track_seen(&so->s);  // the descent evaluates each element once (core::hnsw::greedy_layer)
  core::hnsw::seen_test_set(&so->s, uint32(cur));
  for (int l = g->max_level; l > 0; --l) greedy_layer(g, &so->s, so->q, l, &cur, &cur_dist);
  g->descent_copies = nullptr;  // the next scan's attach may empty or move them
  so->upper_evaluated = so->s.evaluated;
  so->s.evaluated = 0;  // hnsw.max_scan_tuples counts the level-0 elements visited, as pgvector does
  visited_test_set(&so->s, uint32(cur));
  Candidate c0{cur_dist, cur};
  heap_push_min(so->s.cand, &so->s.ncand, c0);
  HnswRecordHeader h0;
  const bool matches = !g->filter || element_matches(g, uint32(cur));
  if (read_header(g, uint32(cur), &h0) && !(h0.flags & kFlagDeleted) && matches)
    heap_push_max(so->s.res, &so->s.nres, c0);
  search_layer(g, &so->s, so->q, 0, so->ef);
  take_batch(scan, so);
}

// Resumes the level-0 search for the next ef elements (iterative scans). Once hnsw.max_scan_tuples or the memory
// budget is used, the elements found but not returned yet (discarded by earlier batches) still come out, nearest
// first, as pgvector does: the limit stops the search, not the rows it already found (pgvector's TAP 043).
bool next_batch(IndexScanDesc scan, ScanState* so) {
  Search* s = &so->s;
  if (!budget_left(so)) {
    s->nres = 0;
    for (int i = 0; i < s->ndisc; ++i) {
      HnswRecordHeader h;
      if (filter_rejected(&so->g, uint32(s->disc[i].id))) continue;  // traversed only (hnsw_filter.h)
      if (!read_header(&so->g, uint32(s->disc[i].id), &h) || (h.flags & kFlagDeleted)) continue;
      s->disc[s->nres++] = s->disc[i];
    }
    if (s->nres == 0) return false;
    // take_batch reads s->res: hand it the survivors (disc has room for all of them)
    std::swap(s->res, s->disc);
    std::swap(s->capres, s->capdisc);
    s->ndisc = 0;
    s->ncand = 0;
    take_batch(scan, so);
    return true;
  }
  int nd = s->ndisc;
  if (nd == 0 && s->ncand == 0) return false;
  // The discarded elements re-enter as candidates; the worst that do not fit in res are discarded again.
  Candidate* disc = static_cast<Candidate*>(palloc(sizeof(Candidate) * (nd + 1)));
  std::memcpy(disc, s->disc, sizeof(Candidate) * nd);
  s->ndisc = 0;
  s->nres = 0;
  for (int i = 0; i < nd; ++i) {
    // Only what was never queued goes to the candidates (an element evicted from res was queued when found; pushing
    // it again every batch grew the heap until the memory budget stopped the scan: TAP 043 got 2 rows of 10).
    uint32 id = uint32(disc[i].id);
    if (!((s->queued[id >> 6] >> (id & 63)) & 1)) push_cand(s, disc[i]);
    if (filter_rejected(&so->g, id)) continue;  // a candidate to walk through, never a result (hnsw_filter.h)
    heap_push_max(s->res, &s->nres, disc[i]);
    if (s->nres > so->ef) push_disc(s, heap_pop_max(s->res, &s->nres));  // keep_discarded: an iterative scan
  }
  pfree(disc);
  search_layer(&so->g, s, so->q, 0, so->ef);
  if (s->nres == 0) return false;
  take_batch(scan, so);
  return true;
}

}  // namespace

IndexScanDesc begin_scan(Relation index, int nkeys, int norderbys) {
  IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
  auto* so = static_cast<ScanState*>(palloc0(sizeof(ScanState)));
  so->cxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw scan", ALLOCSET_DEFAULT_SIZES);
  scan->opaque = so;
  // The ORDER BY values (lower bounds) handed to the executor's reorder queue.
  scan->xs_orderbyvals = static_cast<Datum*>(palloc0(sizeof(Datum) * std::max(norderbys, 1)));
  scan->xs_orderbynulls = static_cast<bool*>(palloc(sizeof(bool) * std::max(norderbys, 1)));
  for (int i = 0; i < std::max(norderbys, 1); ++i) scan->xs_orderbynulls[i] = true;
  return scan;
}

void rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
  auto* so = static_cast<ScanState*>(scan->opaque);
  if (keys && scan->numberOfKeys > 0) std::memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
  if (orderbys && scan->numberOfOrderBys > 0)
    std::memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
  graph_release(&so->g);
  release_scan_lock(scan, so);
  end_heap_access(so);
  MemoryContextReset(so->cxt);
  MemoryContext cxt = so->cxt;
  std::memset(so, 0, sizeof(ScanState));
  so->cxt = cxt;
}

bool get_tuple(IndexScanDesc scan, ScanDirection dir) {
  auto* so = static_cast<ScanState*>(scan->opaque);
  if (so->done) {
    handover_forget(so->handover);
    return false;
  }
  MemoryContext old = MemoryContextSwitchTo(so->cxt);
  heap_prefetch_learn(scan);  // the executor just fetched the row returned last
  if (!so->started) {
    if (scan->orderByData == nullptr)
      ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot scan hnsw index without order")));
    so->started = true;
    pgstat_count_index_scan(scan->indexRelation);  // pg_stat_user_indexes.idx_scan, once per scan (as pgvector)
    so->last_bound = -std::numeric_limits<double>::infinity();
    so->horizon = -std::numeric_limits<double>::infinity();
    first_batch(scan, so);
  }
  bool found = false;
  while (!so->done) {
    while (so->pos < so->nout) {
      settle_next(so);
      if (so->out[so->pos].bound > so->horizon) break;  // strict_order: a later batch may still hold a closer row
      Ranked c = so->out[so->pos++];
      if (so->pos + kHeapPrefetchAhead - 1 < so->nout) heap_prefetch_row(scan, &so->out[so->pos + kHeapPrefetchAhead - 1].tid_hint);
      HnswRecordHeader h;
      if (!read_header(&so->g, uint32(c.id), &h) || (h.flags & kFlagDeleted)) continue;
      // The filter decides on the record itself (an element unfinished when the walk met it was not tested).
      if (so->filter && !element_matches(&so->g, uint32(c.id))) continue;
      // strict_order: the values handed to the executor never decrease, so its reorder queue emits rows in exact
      // order. A row whose lower bound is below the last value returned is decided by its exact distance, read from
      // the heap: below that value, it is dropped (closer than a row that may already be out, as pgvector drops
      // it); otherwise it comes back with the last value as its bound (still a lower bound; its exact one would
      // move the executor's horizon past rows not returned yet). Deciding by the lower bound alone dropped true
      // neighbours by the dozen when the bounds are loose (cosine over half copies of 3-d data: recall 0.5,
      // pgvector's TAP 044).
      if (hnsw_iterative_scan == kIterStrict && c.bound < so->last_bound) {
        double exact;
        if (c.exact || c.upper < so->last_bound || !heap_exact_distance(scan, so, &h.tid, &exact)) continue;
        if (exact < so->last_bound) continue;
        c.bound = so->last_bound;
      }
      scan->xs_heaptid = h.tid;
      scan->xs_recheck = false;
      if (scan->numberOfOrderBys > 0) {
        scan->xs_orderbyvals[0] = Float8GetDatum(c.bound);
        scan->xs_orderbynulls[0] = so->null_query;
      }
      scan->xs_recheckorderby = !so->null_query && !c.exact;
      if (c.exact)
        handover_publish(so->handover, &h.tid, c.bound);
      else
        handover_forget(so->handover);
      so->last_bound = std::max(so->last_bound, c.bound);
      found = true;
      break;
    }
    if (found) break;
    if (hnsw_iterative_scan == kIterOff || !next_batch(scan, so)) {
      // The search is over: what it held back comes out, in order.
      if (so->pos < so->nout && so->horizon < std::numeric_limits<double>::infinity())
        so->horizon = std::numeric_limits<double>::infinity();
      else
        so->done = true;
    }
  }
  // Out of rows: the last one published may have been invisible in the heap; nothing of this scan applies any more.
  if (!found) handover_forget(so->handover);
  MemoryContextSwitchTo(old);
  return found;
}

void end_scan(IndexScanDesc scan) {
  auto* so = static_cast<ScanState*>(scan->opaque);
  if (so->started)
    elog(DEBUG2, "hnsw scan: %llu elements evaluated, %llu buffer pins",
         (unsigned long long)(so->s.evaluated + so->upper_evaluated), (unsigned long long)so->g.pin_ops);
  graph_release(&so->g);
  release_scan_lock(scan, so);
  end_heap_access(so);
  MemoryContextDelete(so->cxt);
  pfree(so);
  scan->opaque = nullptr;
}

}  // namespace vx::pg::hnsw

// Index scans (ORDER BY embedding <op> $1 [LIMIT k]); the planner cost estimate is in ann_cost.cpp.
// A scan descends greedily through the upper levels, runs a beam search with ef = hnsw.ef_search at level 0 and
// returns the ef best in distance order. With hnsw.iterative_scan on, when the executor asks for more rows (a
// filter rejected some), the search resumes from the candidates it had not expanded and from those it had
// discarded, batch after batch, until hnsw.max_scan_tuples elements were evaluated or the memory budget
// (work_mem * hnsw.scan_mem_multiplier) is used. relaxed_order returns each batch sorted (a later batch may hold
// a slightly closer row); strict_order drops rows closer than one already returned. Visibility is decided by the
// heap (xs_heaptid); elements flagged deleted by VACUUM are skipped, re-checked just before their TID is returned.
//
// Exact order from half copies: the walk ranks by distances to the elements' half copies; each batch is returned
// sorted by a lower bound of the exact distance (core::hnsw::half_lower_bound: absorbs the copy's encoding error
// and float rounding) with xs_recheckorderby, so the executor's reorder queue recomputes the exact distance from
// the heap row and emits rows in exact order (it ERRORs if a bound ever exceeded the exact value). Where a copy is
// exact (zero encoding error, e.g. integer pixels; not cosine, whose copy is of x / |x|), the scan computes the
// operator's value itself from the decoded copy, bit-identical to the executor's, and returns it without the
// re-check: that spares the executor a second detoast + distance per row (measured: the re-check cost more than
// the half copies saved on Fashion-MNIST). Either way each value is a lower bound of the exact distance, and a
// batch is returned in nondecreasing order of them. "Closer than one already returned" above is in those values:
// a row whose value is below the last one returned may be closer than a row the executor already emitted.
#include "pg/hnsw.h"
#include "pg/order_value_handover.h"

extern "C" {
#include "access/relscan.h"
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
  int32 id;
  bool exact_copy;  // the exact distance can be computed from the copy
  bool exact;       // bound is the exact distance
};

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
  float* xbuf;     // dims floats: a decoded copy
  bool null_query;
  Ranked* out;
  int nout, pos, capout;
  double last_bound;
  int ef;
  bool scan_locked;  // holds the share-mode scan lock (see kScanLockBlock)
  OrderValueHandover* handover;  // exact values for the projection (order_value_handover.h)
};

void release_scan_lock(IndexScanDesc scan, ScanState* so) {
  if (so->scan_locked) UnlockPage(scan->indexRelation, kScanLockBlock, ShareLock);
  so->scan_locked = false;
}

bool budget_left(ScanState* so) {
  if (so->s.evaluated >= uint64(g_max_scan_tuples)) return false;
  double bytes = double(so->s.capcand + so->s.capdisc + so->capout) * sizeof(Candidate) + so->s.visited_bits / 8.0;
  return bytes <= double(work_mem) * 1024.0 * g_scan_mem_multiplier;
}

// Moves the ef best of the walk into the output batch, sorted by the lower bounds of their exact distances.
void take_batch(ScanState* so) {
  Search* s = &so->s;
  if (so->capout < s->nres) {
    so->capout = s->nres;
    so->out = static_cast<Ranked*>(repalloc(so->out, sizeof(Ranked) * so->capout));
  }
  for (int i = 0; i < s->nres; ++i) {
    Candidate c = s->res[i];
    Ranked r{0.0, c.id, false, false};
    if (!so->null_query) r.bound = lower_bound_to(&so->g, uint32(c.id), so->q_exact, so->q_norm, c.dist, &r.exact_copy);
    so->out[i] = r;
  }
  so->nout = s->nres;
  so->pos = 0;
  s->nres = 0;
  std::sort(so->out, so->out + so->nout, before);
}

// Makes the next entry final: an exact copy's bound is replaced by its exact distance (never smaller), and the entry
// moves back to its place among the rest, until the first entry is final.
void settle_next(ScanState* so) {
  while (so->pos < so->nout) {
    Ranked v = so->out[so->pos];
    if (!v.exact_copy || v.exact) return;
    v.bound = exact_distance_to(&so->g, uint32(v.id), so->q_exact, so->xbuf);
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
  if (g->entry < 0) {
    so->done = true;
    return;
  }
  so->q = static_cast<float*>(palloc0(sizeof(float) * g->dims));
  if (scan->numberOfOrderBys > 0 && !(scan->orderByData[0].sk_flags & SK_ISNULL)) {
    Datum arg = scan->orderByData[0].sk_argument;
    int qdims = datum_dims(arg);
    if (uint32(qdims) != g->dims)
      ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                      errmsg("query vector has %d dimensions but the index has %u", qdims, g->dims)));
    datum_to_query(arg, g->metric, g->dims, so->q);
    so->q_exact = so->q;
    if (g->metric == Metric::Cosine) {
      so->q_exact = static_cast<float*>(palloc(sizeof(float) * g->dims));
      datum_to_query(arg, Metric::L2, g->dims, so->q_exact);  // as given, not normalised
    }
    double n2 = 0;
    for (uint32 i = 0; i < g->dims; ++i) n2 += double(so->q_exact[i]) * so->q_exact[i];
    so->q_norm = std::sqrt(n2);
    so->handover = handover_open(scan->indexRelation, &scan->orderByData[0], so->cxt);
  } else {
    so->null_query = true;  // ORDER BY NULL: every row's value is NULL
  }
  so->xbuf = static_cast<float*>(palloc(sizeof(float) * g->dims));
  so->ef = g_ef_search;
  search_init(&so->s, g->count, int(g->m), so->ef);
  so->s.keep_discarded = g_iterative_scan != kIterOff;
  so->s.skip_deleted = true;
  so->capout = so->ef + 1;
  so->out = static_cast<Ranked*>(palloc(sizeof(Ranked) * so->capout));
  int32 cur = g->entry;
  float cur_dist = distance_to(g, uint32(cur), so->q);
  for (int l = g->max_level; l > 0; --l) greedy_layer(g, &so->s, so->q, l, &cur, &cur_dist);
  visited_test_set(&so->s, uint32(cur));
  Candidate c0{cur_dist, cur};
  heap_push_min(so->s.cand, &so->s.ncand, c0);
  RecordHeader h0;
  if (read_header(g, uint32(cur), &h0) && !(h0.flags & kFlagDeleted)) heap_push_max(so->s.res, &so->s.nres, c0);
  search_layer(g, &so->s, so->q, 0, so->ef);
  take_batch(so);
}

// Resumes the level-0 search for the next ef elements (iterative scans).
bool next_batch(ScanState* so) {
  Search* s = &so->s;
  if (!budget_left(so)) return false;
  int nd = s->ndisc;
  if (nd == 0 && s->ncand == 0) return false;
  // The discarded elements re-enter as candidates; the worst that do not fit in res are discarded again.
  Candidate* disc = static_cast<Candidate*>(palloc(sizeof(Candidate) * (nd + 1)));
  std::memcpy(disc, s->disc, sizeof(Candidate) * nd);
  s->ndisc = 0;
  s->nres = 0;
  for (int i = 0; i < nd; ++i) {
    if (s->ncand == s->capcand) {
      s->capcand *= 2;
      s->cand = static_cast<Candidate*>(repalloc(s->cand, sizeof(Candidate) * s->capcand));
    }
    heap_push_min(s->cand, &s->ncand, disc[i]);
    heap_push_max(s->res, &s->nres, disc[i]);
    if (s->nres > so->ef) {
      Candidate worst = heap_pop_max(s->res, &s->nres);
      if (s->ndisc == s->capdisc) {
        s->capdisc = s->capdisc ? s->capdisc * 2 : 256;
        s->disc = static_cast<Candidate*>(s->disc ? repalloc(s->disc, sizeof(Candidate) * s->capdisc)
                                                  : palloc(sizeof(Candidate) * s->capdisc));
      }
      s->disc[s->ndisc++] = worst;
    }
  }
  pfree(disc);
  search_layer(&so->g, s, so->q, 0, so->ef);
  if (s->nres == 0) return false;
  take_batch(so);
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
  if (!so->started) {
    if (scan->orderByData == nullptr)
      ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot scan hnsw index without order")));
    so->started = true;
    pgstat_count_index_scan(scan->indexRelation);  // pg_stat_user_indexes.idx_scan, once per scan (as pgvector)
    so->last_bound = -std::numeric_limits<double>::infinity();
    first_batch(scan, so);
  }
  bool found = false;
  while (!so->done) {
    while (so->pos < so->nout) {
      settle_next(so);
      Ranked c = so->out[so->pos++];
      if (g_iterative_scan == kIterStrict && c.bound < so->last_bound) continue;
      RecordHeader h;
      if (!read_header(&so->g, uint32(c.id), &h) || (h.flags & kFlagDeleted)) continue;
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
      so->last_bound = c.bound;
      found = true;
      break;
    }
    if (found) break;
    if (g_iterative_scan == kIterOff || !next_batch(so)) so->done = true;
  }
  // Out of rows: the last one published may have been invisible in the heap; nothing of this scan applies any more.
  if (!found) handover_forget(so->handover);
  MemoryContextSwitchTo(old);
  return found;
}

void end_scan(IndexScanDesc scan) {
  auto* so = static_cast<ScanState*>(scan->opaque);
  if (so->started)
    elog(DEBUG2, "hnsw scan: %llu elements evaluated, %llu buffer pins", (unsigned long long) so->s.evaluated,
         (unsigned long long) so->g.pin_ops);
  graph_release(&so->g);
  release_scan_lock(scan, so);
  MemoryContextDelete(so->cxt);
  pfree(so);
  scan->opaque = nullptr;
}

}  // namespace vx::pg::hnsw

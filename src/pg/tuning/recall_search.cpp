// The two sides of a recall measurement (see recall_measure.h): exact search by sequential heap passes with the
// index's ORDER BY operator, and the same queries through the index, with the executor's reorder queue emulated
// (core/recall.h: may_emit) so that the k rows counted are those the executor would return for
// `ORDER BY key <op> q LIMIT k` through this index, filter applied, at the settings in force.
#include "pg/tuning/recall_measure.h"

#include "core/recall.h"

extern "C" {
#include "access/relscan.h"
#include "access/tableam.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/float.h"
}

#include <algorithm>

namespace vx::pg::recall {

namespace {

void bind_params(Filter* f, const QuerySet* q, int i, ExprContext* econtext) {
  econtext->ecxt_param_list_info = f->params;
  if (f->params == nullptr) return;
  for (int j = 0; j < q->nparams; ++j) {
    f->params->params[j].value = q->params[i * q->nparams + j];
    f->params->params[j].isnull = q->param_nulls[i * q->nparams + j];
  }
}

bool per_query_filter(const Filter* f) { return f->qual != nullptr && f->params != nullptr; }

double distance(Target* t, Datum key, Datum query) {
  return DatumGetFloat8(FunctionCall2Coll(&t->distance, t->collation, key, query));
}

}  // namespace

void exact_search(Target* t, const QuerySet* q, Filter* f, int k, Truth* out, const char* function) {
  const int batch = std::min(q->n, kBatch);
  double* heaps = static_cast<double*>(palloc(sizeof(double) * std::max(batch, 1) * k));
  int* counts = static_cast<int*>(palloc(sizeof(int) * std::max(batch, 1)));
  MemoryContext per_tuple = t->econtext->ecxt_per_tuple_memory;
  for (int base = 0; base < q->n; base += batch) {
    const int nb = std::min(batch, q->n - base);
    memset(counts, 0, sizeof(int) * nb);
    TableScanDesc scan = table_beginscan(t->heap, t->snapshot, 0, nullptr);
    while (table_scan_getnextslot(scan, ForwardScanDirection, t->slot)) {
      CHECK_FOR_INTERRUPTS();
      ResetExprContext(t->econtext);
      MemoryContext old = MemoryContextSwitchTo(per_tuple);
      Datum key;
      if (indexed_key(t, true, &key) && (f->qual == nullptr || per_query_filter(f) || ExecQual(f->qual, t->econtext))) {
        key = PointerGetDatum(pg_detoast_datum(reinterpret_cast<struct varlena*>(DatumGetPointer(key))));
        for (int i = 0; i < nb; ++i) {
          if (per_query_filter(f)) {
            bind_params(f, q, base + i, t->econtext);
            if (!ExecQual(f->qual, t->econtext)) continue;
          }
          core::recall::topk_push(heaps + size_t(i) * k, &counts[i], k, distance(t, key, q->vectors[base + i]));
        }
      }
      MemoryContextSwitchTo(old);
    }
    table_endscan(scan);
    for (int i = 0; i < nb; ++i) out[base + i] = {counts[i] > 0 ? heaps[size_t(i) * k] : 0.0, counts[i]};
    if (q->n > batch)
      ereport(NOTICE, (errmsg("%s: exact search done for %d of %d queries", function, base + nb, q->n)));
  }
  pfree(heaps);
  pfree(counts);
}

Measured ann_search(Target* t, const QuerySet* q, Filter* f, int k, const Truth* truth, const char* function) {
  Measured m{0, 0, 0.0};
  int cap = 256;
  auto* queue = static_cast<core::recall::Pending*>(palloc(sizeof(core::recall::Pending) * cap));
  double* found = static_cast<double*>(palloc(sizeof(double) * k));
  instr_time total;
  INSTR_TIME_SET_ZERO(total);
  int timed = 0;
  MemoryContext per_tuple = t->econtext->ecxt_per_tuple_memory;
  for (int i = 0; i < q->n; ++i) {
    CHECK_FOR_INTERRUPTS();
    if (function && q->n > kBatch && i > 0 && i % kBatch == 0)
      ereport(NOTICE, (errmsg("%s: index search done for %d of %d queries", function, i, q->n)));
    if (truth[i].m == 0) continue;  // no qualifying row: nothing to find
    bind_params(f, q, i, t->econtext);
    instr_time start, end;
    INSTR_TIME_SET_CURRENT(start);
    IndexScanDesc scan = index_beginscan(t->heap, t->index, t->snapshot, 0, 1);
    ScanKeyData order;
    ScanKeyEntryInitialize(&order, SK_ORDER_BY, 1, 1, t->key_type, t->collation, t->distance_func, q->vectors[i]);
    index_rescan(scan, nullptr, 0, &order, 1);

    // IndexNextWithReorder: a fetched row is emitted at once if its value is exact and no queued row comes before
    // it; otherwise it waits in the queue until the scan's latest bound reaches it (or the scan runs out).
    int nq = 0, emitted = 0;
    bool reached_end = false, last_null = true;
    double last_bound = 0;
    while (emitted < k) {
      if (nq > 0 && core::recall::may_emit(queue[0], reached_end, last_bound, last_null)) {
        found[emitted++] = core::recall::pending_pop(queue, &nq).exact;
        continue;
      }
      if (reached_end) break;
      CHECK_FOR_INTERRUPTS();
      if (!index_getnext_slot(scan, ForwardScanDirection, t->slot)) {
        reached_end = true;
        continue;
      }
      ResetExprContext(t->econtext);
      MemoryContext old = MemoryContextSwitchTo(per_tuple);
      Datum key;
      bool indexed = indexed_key(t, false, &key);
      bool passes = indexed && (f->qual == nullptr || ExecQual(f->qual, t->econtext));
      double exact = indexed ? distance(t, key, q->vectors[i]) : get_float8_nan();
      MemoryContextSwitchTo(old);
      core::recall::Pending p{exact, false, exact};
      bool was_exact = true;
      if (scan->xs_recheckorderby) {
        last_bound = DatumGetFloat8(scan->xs_orderbyvals[0]);
        last_null = scan->xs_orderbynulls[0];
        was_exact = !last_null && last_bound == exact;
      } else {
        p.null = scan->xs_orderbynulls[0];
        p.order = p.null ? 0.0 : DatumGetFloat8(scan->xs_orderbyvals[0]);
        last_bound = p.order;
        last_null = p.null;
      }
      if (!passes) continue;  // the executor's filter drops it after reordering; the order of the rest is the same
      if (!was_exact || (nq > 0 && core::recall::pending_before(queue[0], p))) {
        if (nq == cap) {
          cap *= 2;
          queue = static_cast<core::recall::Pending*>(repalloc(queue, sizeof(core::recall::Pending) * cap));
        }
        core::recall::pending_push(queue, &nq, p);
      } else {
        found[emitted++] = exact;
      }
    }
    index_endscan(scan);
    INSTR_TIME_SET_CURRENT(end);
    INSTR_TIME_ACCUM_DIFF(total, end, start);
    ++timed;
    m.hits += core::recall::count_hits(found, emitted, truth[i].threshold, truth[i].m);
    m.expected += truth[i].m;
  }
  t->econtext->ecxt_param_list_info = nullptr;
  m.ms_per_query = timed > 0 ? INSTR_TIME_GET_MILLISEC(total) / timed : 0.0;
  pfree(queue);
  pfree(found);
  return m;
}

}  // namespace vx::pg::recall

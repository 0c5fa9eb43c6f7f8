// The query set of a recall measurement (see recall_measure.h): a deterministic sample of the indexed values,
// optionally perturbed, or the rows of a caller-supplied SELECT.
#include "pg/tuning/recall_measure.h"

#include "core/recall.h"
#include "pg/type/vector_type.h"

extern "C" {
#include "access/tableam.h"
#include "executor/spi.h"
#include "utils/plancache.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
}

#include <algorithm>

namespace vx::pg::recall {

namespace {

constexpr uint64 kSampleSeed = 0x7665637465787431ULL;  // fixed: the same rows on every run

struct Sampled {
  uint64 key;
  ItemPointerData tid;
  Datum value;
};
// Max-heap order: the entry with the largest (key, tid) is replaced first.
bool sampled_less(const Sampled& a, const Sampled& b) {
  if (a.key != b.key) return a.key < b.key;
  return ItemPointerCompare(const_cast<ItemPointer>(&a.tid), const_cast<ItemPointer>(&b.tid)) < 0;
}

void check_varlena_key(Target* t) {
  if (get_typlen(t->key_type) != -1)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("cannot sample queries of type %s", format_type_be(t->key_type)),
                    errhint("Pass the queries as a SELECT.")));
}

void apply_perturbation(Target* t, QuerySet* q, double perturb, const uint64* seeds) {
  if (perturb == 0) return;
  if (!t->key_is_vector)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("perturb is supported for indexes on vector only, not %s", format_type_be(t->key_type))));
  for (int i = 0; i < q->n; ++i) {
    Vector* v = reinterpret_cast<Vector*>(DatumGetPointer(q->vectors[i]));
    core::recall::perturb(v->x, v->dim, perturb, seeds ? seeds[i] : kSampleSeed + uint64(i));
    for (int j = 0; j < v->dim; ++j) check_element(v->x[j]);
  }
}

}  // namespace

void sample_queries(Target* t, int sample, double perturb, QuerySet* out) {
  check_varlena_key(t);
  MemoryContext mine = CurrentMemoryContext;
  Sampled* heap = static_cast<Sampled*>(palloc(sizeof(Sampled) * sample));
  int n = 0;
  TableScanDesc scan = table_beginscan(t->heap, t->snapshot, 0, nullptr);
  while (table_scan_getnextslot(scan, ForwardScanDirection, t->slot)) {
    CHECK_FOR_INTERRUPTS();
    ResetExprContext(t->econtext);
    MemoryContext old = MemoryContextSwitchTo(t->econtext->ecxt_per_tuple_memory);
    Datum key;
    if (!indexed_key(t, true, &key)) {
      MemoryContextSwitchTo(old);
      continue;
    }
    struct varlena* v = pg_detoast_datum(reinterpret_cast<struct varlena*>(DatumGetPointer(key)));
    Sampled s{core::recall::sample_key(VARDATA(v), VARSIZE(v) - VARHDRSZ, kSampleSeed), t->slot->tts_tid, 0};
    MemoryContextSwitchTo(mine);
    if (n < sample) {
      s.value = PointerGetDatum(pg_detoast_datum_copy(v));
      heap[n++] = s;
      std::push_heap(heap, heap + n, sampled_less);
    } else if (sampled_less(s, heap[0])) {
      std::pop_heap(heap, heap + n, sampled_less);
      pfree(DatumGetPointer(heap[n - 1].value));
      s.value = PointerGetDatum(pg_detoast_datum_copy(v));
      heap[n - 1] = s;
      std::push_heap(heap, heap + n, sampled_less);
    }
    MemoryContextSwitchTo(old);
  }
  table_endscan(scan);
  std::sort(heap, heap + n, sampled_less);

  memset(out, 0, sizeof(*out));
  out->n = n;
  out->vectors = static_cast<Datum*>(palloc(sizeof(Datum) * std::max(n, 1)));
  uint64* seeds = static_cast<uint64*>(palloc(sizeof(uint64) * std::max(n, 1)));
  for (int i = 0; i < n; ++i) {
    out->vectors[i] = heap[i].value;
    seeds[i] = heap[i].key;
  }
  apply_perturbation(t, out, perturb, seeds);
  pfree(seeds);
  pfree(heap);
}

void select_queries(Target* t, const char* select, double perturb, QuerySet* out) {
  check_varlena_key(t);
  MemoryContext mine = CurrentMemoryContext;
  memset(out, 0, sizeof(*out));
  int cap = 64;
  out->vectors = static_cast<Datum*>(palloc(sizeof(Datum) * cap));
  int16* param_len = nullptr;
  bool* param_byval = nullptr;

  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  SPIPlanPtr plan = SPI_prepare(select, 0, nullptr);
  if (plan == nullptr)
    ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR),
                    errmsg("could not prepare the queries: %s", SPI_result_code_string(SPI_result))));
  List* sources = SPI_plan_get_plan_sources(plan);
  if (list_length(sources) != 1 || linitial_node(CachedPlanSource, sources)->commandTag != CMDTAG_SELECT)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("queries must be a single SELECT"),
                    errhint("E.g. queries => 'SELECT embedding FROM public.test_queries'.")));
  // read_only: the text may only read (it runs with the caller's rights, like any query the caller types)
  Portal portal = SPI_cursor_open(nullptr, plan, nullptr, nullptr, true);
  bool first = true;
  for (;;) {
    SPI_cursor_fetch(portal, true, 1000);
    if (SPI_processed == 0) break;
    TupleDesc desc = SPI_tuptable->tupdesc;
    if (first) {
      first = false;
      if (SPI_gettypeid(desc, 1) != t->key_type)
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                        errmsg("the first column of queries is of type %s, but the index holds %s",
                               format_type_be(SPI_gettypeid(desc, 1)), format_type_be(t->key_type)),
                        errhint("Cast it, e.g. SELECT q::vector FROM ...")));
      MemoryContext old = MemoryContextSwitchTo(mine);
      out->nparams = desc->natts - 1;
      out->param_types = static_cast<Oid*>(palloc(sizeof(Oid) * std::max(out->nparams, 1)));
      param_len = static_cast<int16*>(palloc(sizeof(int16) * std::max(out->nparams, 1)));
      param_byval = static_cast<bool*>(palloc(sizeof(bool) * std::max(out->nparams, 1)));
      for (int j = 0; j < out->nparams; ++j) {
        out->param_types[j] = SPI_gettypeid(desc, j + 2);
        get_typlenbyval(out->param_types[j], &param_len[j], &param_byval[j]);
      }
      out->params = static_cast<Datum*>(palloc(sizeof(Datum) * cap * std::max(out->nparams, 1)));
      out->param_nulls = static_cast<bool*>(palloc(sizeof(bool) * cap * std::max(out->nparams, 1)));
      MemoryContextSwitchTo(old);
    }
    for (uint64 r = 0; r < SPI_processed; ++r) {
      CHECK_FOR_INTERRUPTS();
      HeapTuple tuple = SPI_tuptable->vals[r];
      if (out->n >= kMaxQueries)
        ereport(
            ERROR,
            (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("queries returned more than %d rows", kMaxQueries),
             errhint("Add a LIMIT; recall estimates from %d queries are precise to well under 0.01.", kMaxQueries)));
      bool isnull;
      Datum q = SPI_getbinval(tuple, desc, 1, &isnull);
      if (isnull)
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("query %d of queries is NULL", out->n + 1)));
      MemoryContext old = MemoryContextSwitchTo(mine);
      if (out->n == cap) {
        cap *= 2;
        out->vectors = static_cast<Datum*>(repalloc(out->vectors, sizeof(Datum) * cap));
        out->params = static_cast<Datum*>(repalloc(out->params, sizeof(Datum) * cap * std::max(out->nparams, 1)));
        out->param_nulls =
            static_cast<bool*>(repalloc(out->param_nulls, sizeof(bool) * cap * std::max(out->nparams, 1)));
      }
      out->vectors[out->n] =
          PointerGetDatum(pg_detoast_datum_copy(reinterpret_cast<struct varlena*>(DatumGetPointer(q))));
      for (int j = 0; j < out->nparams; ++j) {
        Datum p = SPI_getbinval(tuple, desc, j + 2, &out->param_nulls[out->n * out->nparams + j]);
        out->params[out->n * out->nparams + j] =
            out->param_nulls[out->n * out->nparams + j] ? (Datum)0 : datumCopy(p, param_byval[j], param_len[j]);
      }
      out->n++;
      MemoryContextSwitchTo(old);
    }
    SPI_freetuptable(SPI_tuptable);
  }
  SPI_cursor_close(portal);
  SPI_finish();
  apply_perturbation(t, out, perturb, nullptr);
}

}  // namespace vx::pg::recall

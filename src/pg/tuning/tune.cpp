// vectorext._tune(index, target_recall, k, sample, queries, filter, perturb, caller_path), behind vectorext.tune: measures the index's recall curve over
// a sweep of its search parameter (hnsw: ef_search from k to 1000; ivfflat / ivf: probes from 1 to lists; ivf with
// sq8 / pq: rerank doubled while the target is out of reach), writes the cheapest point meeting the target and the
// compact curve as index options (ALTER INDEX ... SET: what scans read, see tuned_params.h), and the details
// (latencies, how and when) into vectorext.index_tuning / index_tuning_point through vectorext._record_tuning (the
// owner-side door, docs/security.md). docs/tuning.md.
#include "pg/tuning/recall_measure.h"
#include "pg/tuning/tuned_params.h"
#include "pg/ivf/ivf.h"

#include "core/recall.h"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
}

namespace vx::pg::tune {

using core::recall::CurvePoint;
using core::recall::kMaxCurvePoints;
using namespace vx::pg::recall;

namespace {

constexpr double kCurveTop = 0.999;  // the sweep stops once this recall is reached (and the target)
constexpr int kMaxRerankRounds = 5;  // ivf sq8 / pq: the rerank option is at most doubled 4 times
constexpr int kMaxRerank = 100000;

struct Sweep {
  const char* parameter;  // index option name
  const char* setting;    // the corresponding setting (for messages)
  int lo, hi;
  bool lossy_ivf;                 // ivf with sq8 / pq: rerank may be raised
  int rerank;                     // the index's rerank option (lossy ivf)
  const char* iterative_setting;  // for filters
};

Sweep sweep_of(Target* t, int k) {
  Sweep s{};
  if (t->family == AnnFamily::kHnsw) {
    s = {"ef_search", "hnsw.ef_search", std::min(k, 1000), 1000, false, -1, "hnsw.iterative_scan"};
  } else {
    ivf::IvfMeta meta = ivf::read_meta(t->index);
    bool flat = t->family == AnnFamily::kIvfFlat;
    s = {"probes",
         flat ? "ivfflat.probes" : "ivf.probes",
         1,
         std::max(meta.lists, 1),
         false,
         -1,
         flat ? "ivfflat.iterative_scan" : "ivf.iterative_scan"};
    if (!flat) {
      ivf::BuildOptions o = ivf::read_build_options(t->index);
      s.lossy_ivf = o.quantizer != ivf::Quantizer::Flat;
      s.rerank = o.rerank;
    }
  }
  return s;
}

struct Point {
  int value;
  int rerank;
  double recall;
  double ms;
};

// Measures the ladder at one rerank value, ascending, until the target and kCurveTop are reached. Appends to pts.
int measure_ladder(Target* t, Prepared* p, int k, const Sweep& s, int rerank, double target, Point* pts, int n) {
  int ladder[kMaxCurvePoints];
  int nl = core::recall::sweep_ladder(s.lo, s.hi, ladder, kMaxCurvePoints);
  double stop = std::max(target, kCurveTop);
  // One unmeasured pass first: the first point's latency would otherwise include reading the index into the cache.
  if (nl > 0) {
    tuning::set_measurement(RelationGetRelid(t->index), ladder[0], s.lossy_ivf ? rerank : -1);
    ann_search(t, &p->queries, &p->filter, k, p->truth);
    tuning::clear_measurement();
  }
  for (int i = 0; i < nl; ++i) {
    tuning::set_measurement(RelationGetRelid(t->index), ladder[i], s.lossy_ivf ? rerank : -1);
    Measured m = ann_search(t, &p->queries, &p->filter, k, p->truth);
    tuning::clear_measurement();
    pts[n++] = {ladder[i], s.lossy_ivf ? rerank : -1, m.recall(), m.ms_per_query};
    if (s.lossy_ivf)
      ereport(NOTICE,
              (errmsg("vectorext.tune: %s %d, rerank %d: recall %.4f", s.parameter, ladder[i], rerank, m.recall())));
    else
      ereport(NOTICE, (errmsg("vectorext.tune: %s %d: recall %.4f", s.parameter, ladder[i], m.recall())));
    if (m.recall() >= stop || m.recall() >= 1.0) break;
  }
  return n;
}

// The iterative scan mode for filtered tuning: the session's if on, else relaxed_order, set for the duration.
const char* iterative_mode(const Sweep& s, bool filtered, int* nest) {
  const char* mode = GetConfigOption(s.iterative_setting, false, false);
  if (!filtered) return pg_strcasecmp(mode, "off") == 0 ? nullptr : pstrdup(mode);
  if (pg_strcasecmp(mode, "off") != 0) return pstrdup(mode);
  *nest = NewGUCNestLevel();
  set_config_option(s.iterative_setting, "relaxed_order", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
  ereport(NOTICE, (errmsg("vectorext.tune: measuring the filter with %s = relaxed_order", s.iterative_setting),
                   errdetail("The tuned value holds for filtered queries only with an iterative scan.")));
  return "relaxed_order";
}

// One column of the measured points as an SQL array.
template <class Get>
Datum point_array(const Point* pts, int n, Get get, Oid type) {
  Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * std::max(n, 1)));
  for (int i = 0; i < n; ++i) elems[i] = get(pts[i]);
  int16 len;
  bool byval;
  char align;
  get_typlenbyvalalign(type, &len, &byval, &align);
  return PointerGetDatum(construct_array(elems, n, type, len, byval, align));
}

void run_sql(const char* sql, int nargs, Oid* types, Datum* values, const char* nulls, int expected) {
  int rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
  if (rc != expected) elog(ERROR, "vectorext.tune: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
}

}  // namespace

}  // namespace vx::pg::tune

using namespace vx::pg;
using namespace vx::pg::tune;

VX_FUNCTION(vx_tune) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  Oid indexoid = PG_GETARG_OID(0);
  for (int i = 1; i <= 3; ++i)
    if (PG_ARGISNULL(i))
      ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not be NULL", i == 1   ? "target_recall"
                                                                                             : i == 2 ? "k"
                                                                                                      : "sample")));
  double target = PG_GETARG_FLOAT8(1);
  int k = PG_GETARG_INT32(2), sample = PG_GETARG_INT32(3);
  const char* select = PG_ARGISNULL(4) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(4));
  const char* filter = PG_ARGISNULL(5) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(5));
  double perturb = PG_ARGISNULL(6) ? 0.0 : PG_GETARG_FLOAT8(6);
  const char* caller_path = PG_ARGISNULL(7) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(7));
  if (!(target > 0 && target <= 1))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("target_recall must be greater than 0 and at most 1, not %g", target)));
  check_arguments(k, sample, perturb);
  PreventCommandIfReadOnly("vectorext.tune()");
  PreventCommandDuringRecovery("vectorext.tune()");
  // Tuning changes the index's options: what ALTER INDEX requires (checked before the measurement's cost).
  if (!pg_class_ownercheck(indexoid, GetUserId()))
    ereport(ERROR,
            (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("must be owner of index %s", get_rel_name(indexoid)),
             errhint("vectorext.index_recall measures an index without changing it.")));

  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("vectorext.tune must be called as a row")));
  desc = BlessTupleDesc(desc);

  Target t;
  open_target(&t, indexoid, "vectorext.tune");
  Sweep s = sweep_of(&t, k);
  int nest = 0;
  const char* iterative = iterative_mode(s, filter != nullptr, &nest);
  Prepared p;
  prepare(&t, k, sample, select, filter, perturb, caller_path, &p, "vectorext.tune");
  int with_rows = 0;
  for (int i = 0; i < p.queries.n; ++i) with_rows += p.truth[i].m > 0;
  if (with_rows == 0)
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("nothing to tune index \"%s\" on: %s", RelationGetRelationName(t.index),
                           p.queries.n == 0 ? (select ? "queries returned no rows" : "the index has no rows")
                                            : "no query has a row that passes the filter")));

  // The sweep: the ladder at the index's rerank, then (sq8 / pq) at doubled rerank values while out of reach.
  Point pts[kMaxCurvePoints * kMaxRerankRounds];
  int n = 0, chosen = -1, first_of_round = 0;
  int rerank = s.rerank;
  for (int round = 0; round < (s.lossy_ivf ? kMaxRerankRounds : 1); ++round) {
    first_of_round = n;
    n = measure_ladder(&t, &p, k, s, rerank, target, pts, n);
    for (int i = first_of_round; i < n && chosen < 0; ++i)
      if (pts[i].recall >= target) chosen = i;
    if (chosen >= 0 || !s.lossy_ivf || rerank >= kMaxRerank) break;
    rerank = std::min(std::max(rerank, k) * 2, kMaxRerank);
  }
  bool met = chosen >= 0;
  if (!met) {  // the best point of the last round
    chosen = first_of_round;
    for (int i = first_of_round; i < n; ++i)
      if (pts[i].recall > pts[chosen].recall) chosen = i;
    ereport(WARNING,
            (errmsg("index \"%s\" does not reach recall %.4f at any %s up to %d (best %.4f at %d)",
                    RelationGetRelationName(t.index), target, s.parameter, s.hi, pts[chosen].recall, pts[chosen].value),
             errhint("The best point is set. Rebuild the index with larger parameters (hnsw: m, "
                     "ef_construction; ivf: rerank, quantizer) to reach the target.")));
  }
  const Point best = pts[chosen];

  // The compact curve of the chosen rerank value: what vectorext.target_recall picks from.
  CurvePoint curve[kMaxCurvePoints];
  int nc = 0;
  for (int i = 0; i < n && nc < kMaxCurvePoints; ++i)
    if (pts[i].rerank == best.rerank) curve[nc++] = {pts[i].value, pts[i].recall};
  char curve_text[kMaxCurvePoints * 24];
  if (vx::core::recall::format_curve(curve, nc, curve_text, sizeof curve_text) < 0)
    elog(ERROR, "recall curve too long");

  if (nest > 0) AtEOXact_GUC(true, nest);

  // Baseline for the drift check: recall at the chosen setting on the default sample (already measured when the
  // tuning itself used it).
  double baseline = best.recall;
  if (select || filter) {
    Target b;
    open_target(&b, indexoid, "vectorext.tune");
    Prepared bp;
    prepare(&b, k, sample, nullptr, nullptr, perturb, nullptr, &bp, "vectorext.tune");
    tuning::set_measurement(indexoid, best.value, best.rerank);
    baseline = ann_search(&b, &bp.queries, &bp.filter, k, bp.truth).recall();
    tuning::clear_measurement();
    close_target(&b, true);
  }

  // Write: the index options (the relation must not be open here: ALTER checks it is not in use), then the rows.
  const char* method = ann_family_name(t.family);
  char* qualified =
      quote_qualified_identifier(get_namespace_name(RelationGetNamespace(t.index)), RelationGetRelationName(t.index));
  close_target(&t, true);
  StringInfoData alter;
  initStringInfo(&alter);
  appendStringInfo(&alter, "ALTER INDEX %s SET (%s = %d, %s = %s", qualified, s.parameter, best.value,
                   tuning::kCurveOption, quote_literal_cstr(curve_text));
  if (s.lossy_ivf && best.rerank != s.rerank) appendStringInfo(&alter, ", rerank = %d", best.rerank);
  appendStringInfoChar(&alter, ')');

  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  run_sql(alter.data, 0, nullptr, nullptr, nullptr, SPI_OK_UTILITY);
  {
    // The rows, through the owner-side function (it checks the caller owns the index and has these options).
    Datum pv = point_array(
        pts, n, [](const Point& p) { return Int32GetDatum(p.value); }, INT4OID);
    Datum pr = point_array(
        pts, n, [](const Point& p) { return Int32GetDatum(p.rerank); }, INT4OID);
    Datum prc = point_array(
        pts, n, [](const Point& p) { return Float8GetDatum(p.recall); }, FLOAT8OID);
    Datum pms = point_array(
        pts, n, [](const Point& p) { return Float8GetDatum(p.ms); }, FLOAT8OID);
    Oid types[21] = {REGCLASSOID, TEXTOID,   TEXTOID,   INT4OID,      INT4OID,      FLOAT8OID,      BOOLOID,
                     FLOAT8OID,   FLOAT8OID, INT4OID,   INT4OID,      FLOAT8OID,    TEXTOID,        TEXTOID,
                     TEXTOID,     TEXTOID,   FLOAT8OID, INT4ARRAYOID, INT4ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID};
    Datum v[21] = {ObjectIdGetDatum(indexoid),
                   CStringGetTextDatum(method),
                   CStringGetTextDatum(s.parameter),
                   Int32GetDatum(best.value),
                   Int32GetDatum(best.rerank),
                   Float8GetDatum(target),
                   BoolGetDatum(met),
                   Float8GetDatum(best.recall),
                   Float8GetDatum(best.ms),
                   Int32GetDatum(k),
                   Int32GetDatum(sample),
                   Float8GetDatum(perturb),
                   select ? CStringGetTextDatum(select) : (Datum)0,
                   filter ? CStringGetTextDatum(filter) : (Datum)0,
                   iterative ? CStringGetTextDatum(iterative) : (Datum)0,
                   CStringGetTextDatum(curve_text),
                   Float8GetDatum(baseline),
                   pv,
                   pr,
                   prc,
                   pms};
    char nulls[22] = "                     ";
    if (!s.lossy_ivf) nulls[4] = 'n';
    if (!select) nulls[12] = 'n';
    if (!filter) nulls[13] = 'n';
    if (!iterative) nulls[14] = 'n';
    run_sql(
        "SELECT vectorext._record_tuning($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
        "$17, $18, $19, $20, $21)",
        21, types, v, nulls, SPI_OK_SELECT);
  }
  SPI_finish();

  Datum values[7] = {CStringGetTextDatum(s.setting),
                     Int32GetDatum(best.value),
                     Int32GetDatum(best.rerank),
                     Float8GetDatum(best.recall),
                     Float8GetDatum(best.ms),
                     BoolGetDatum(met),
                     Int32GetDatum(n)};
  bool nulls[7] = {false, false, !s.lossy_ivf, false, false, false, false};
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

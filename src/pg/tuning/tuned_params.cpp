// Effective search parameters of index scans (see tuned_params.h for the precedence), the vectorext.target_recall
// setting, the tuned-value index options, and vectorext.search_params(index), which shows what a scan of an index
// would use right now and why.
#include "pg/tuning/tuned_params.h"

#include "core/recall.h"
#include "pg/ann/ann_family.h"
#include "pg/hnsw/hnsw.h"
#include "pg/ivf/ivf.h"
#include "pg/module_init.h"

extern "C" {
#include "access/genam.h"
#include "access/xact.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
}

namespace vx::pg::tuning {

namespace {

double g_target_recall = 0;  // vectorext.target_recall; 0 = off

struct Measurement {
  Oid index;
  int value;
  int rerank;
};
Measurement g_measuring = {InvalidOid, 0, -1};

void validate_curve(const char* value) {
  core::recall::CurvePoint points[core::recall::kMaxCurvePoints];
  int n;
  if (value && !core::recall::parse_curve(value, ivf::kMaxLists, points, core::recall::kMaxCurvePoints, &n))
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
             errmsg("invalid value for parameter \"%s\": \"%s\"", kCurveOption, value),
             errdetail("Expected up to %d points \"value:recall\" separated by commas, values ascending, "
                       "recall between 0 and 1.",
                       core::recall::kMaxCurvePoints),
             errhint("vectorext.tune writes this option; ALTER INDEX ... RESET (%s) removes it.", kCurveOption)));
}

void on_xact(XactEvent event, void*) {
  if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT) clear_measurement();
}
void on_subxact(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
  if (event == SUBXACT_EVENT_ABORT_SUB) clear_measurement();
}

void tuning_on_load() {
  DefineCustomRealVariable("vectorext.target_recall",
                           "Makes index scans pick their search parameter from the index's recall curve",
                           "0 (the default) turns it off. Applies to indexes tuned with vectorext.tune; an explicitly "
                           "set hnsw.ef_search / ivfflat.probes / ivf.probes wins.",
                           &g_target_recall, 0, 0, 1, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  MarkGUCPrefixReserved("vectorext");
  RegisterXactCallback(on_xact, nullptr);
  RegisterSubXactCallback(on_subxact, nullptr);
}
VX_ON_LOAD(tuning_on_load);

// The setting's catalog entry, found once (entries of defined custom settings never move).
config_generic* find_setting(const char* name, config_generic** cache) {
  if (*cache == nullptr) {
    config_generic** vars = get_guc_variables();
    int n = GetNumConfigOptions();
    for (int i = 0; i < n; ++i)
      if (pg_strcasecmp(vars[i]->name, name) == 0) *cache = vars[i];
  }
  return *cache;
}

bool set_by_session(const char* name, config_generic** cache) {
  config_generic* g = find_setting(name, cache);
  return g != nullptr && g->source >= PGC_S_SESSION;
}

// The index's tuned options in its parsed reloptions (string options are offsets from the struct's start).
Stored read_stored(Relation index, AnnFamily family) {
  const char* base = reinterpret_cast<const char*>(index->rd_options);
  const TunedOptions* t = nullptr;
  if (base == nullptr) return {0, nullptr};
  switch (family) {
    case AnnFamily::kHnsw:
      t = &reinterpret_cast<const hnsw::Options*>(base)->tuned;
      break;
    case AnnFamily::kIvfFlat:
    case AnnFamily::kIvf:
      t = &reinterpret_cast<const ivf::IvfOptions*>(base)->tuned;
      break;
    default:
      return {0, nullptr};
  }
  return {t->value, t->curve ? base + t->curve : nullptr};
}

// The value vectorext.target_recall picks from the index's curve, or 0 when it is off or there is no curve.
int from_target(const char* text) {
  if (g_target_recall <= 0 || text == nullptr) return 0;
  core::recall::CurvePoint points[core::recall::kMaxCurvePoints];
  int n;
  if (!core::recall::parse_curve(text, ivf::kMaxLists, points, core::recall::kMaxCurvePoints, &n)) return 0;
  int i = core::recall::pick_for_target(points, n, g_target_recall);
  return i < 0 ? 0 : points[i].value;
}

Effective decide(Relation index, AnnFamily family, int setting, bool session, int max_value) {
  if (g_measuring.index == RelationGetRelid(index)) return {g_measuring.value, Source::kMeasuring};
  if (session) return {setting, Source::kSession};
  Stored t = read_stored(index, family);
  if (int v = from_target(t.curve); v > 0) return {std::min(v, max_value), Source::kTargetRecall};
  if (t.value > 0) return {std::min(t.value, max_value), Source::kTuned};
  return {setting, Source::kSetting};
}

config_generic* g_ef_search_entry = nullptr;
config_generic* g_ivfflat_probes_entry = nullptr;
config_generic* g_ivf_probes_entry = nullptr;

}  // namespace

void add_tuned_reloptions(relopt_kind kind, const char* param, int max_value) {
  add_int_reloption(kind, param, "Search parameter chosen by vectorext.tune (used unless the session sets it)", 0, 1,
                    max_value, ShareUpdateExclusiveLock);
  add_string_reloption(kind, kCurveOption, "Recall curve measured by vectorext.tune (value:recall,...)", nullptr,
                       validate_curve, ShareUpdateExclusiveLock);
}

const char* source_name(Source s) {
  switch (s) {
    case Source::kMeasuring:
      return "measurement";
    case Source::kSession:
      return "session setting";
    case Source::kTargetRecall:
      return "vectorext.target_recall";
    case Source::kTuned:
      return "tuned (index option)";
    case Source::kSetting:
      return "setting";
  }
  return "setting";
}

Effective hnsw_ef_search(Relation index) {
  return decide(index, AnnFamily::kHnsw, hnsw::hnsw_ef_search, set_by_session("hnsw.ef_search", &g_ef_search_entry),
                1000);
}

Effective ivf_probes(Relation index, bool ivfflat) {
  if (ivfflat)
    return decide(index, AnnFamily::kIvfFlat, ivf::ivfflat_probes,
                  set_by_session("ivfflat.probes", &g_ivfflat_probes_entry), ivf::kMaxLists);
  return decide(index, AnnFamily::kIvf, ivf::ivf_probes, set_by_session("ivf.probes", &g_ivf_probes_entry),
                ivf::kMaxLists);
}

int ivf_rerank(Relation index, int configured) {
  if (g_measuring.index == RelationGetRelid(index) && g_measuring.rerank >= 0) return g_measuring.rerank;
  return configured;
}

void set_measurement(Oid index, int value, int rerank) { g_measuring = {index, value, rerank}; }
bool measuring(Oid index) { return g_measuring.index == index; }
void clear_measurement() { g_measuring = {InvalidOid, 0, -1}; }

Stored stored_options(Relation index) { return read_stored(index, ann_family(index)); }

}  // namespace vx::pg::tuning

namespace {

void add_row(ReturnSetInfo* rsinfo, const char* parameter, int value, const char* source) {
  Datum values[3] = {CStringGetTextDatum(parameter), Int32GetDatum(value), CStringGetTextDatum(source)};
  bool nulls[3] = {false, false, false};
  tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

}  // namespace

// vectorext.search_params(index regclass) -> (parameter, value, source): what a scan of the index started now, in
// this session, would search with, and which rule of the precedence decided it.
VX_FUNCTION(vx_search_params) {
  using namespace vx::pg;
  Oid indexoid = PG_GETARG_OID(0);
  InitMaterializedSRF(fcinfo, 0);
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  Relation index = index_open(indexoid, AccessShareLock);
  AnnFamily family = ann_family(index);
  if (family == AnnFamily::kNone)
    ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                    errmsg("\"%s\" is not an hnsw, ivfflat or ivf index", RelationGetRelationName(index))));
  if (family == AnnFamily::kHnsw) {
    tuning::Effective e = tuning::hnsw_ef_search(index);
    add_row(rsinfo, "hnsw.ef_search", e.value, tuning::source_name(e.source));
  } else {
    bool flat = family == AnnFamily::kIvfFlat;
    tuning::Effective e = tuning::ivf_probes(index, flat);
    ivf::IvfMeta meta = ivf::read_meta(index);
    add_row(rsinfo, flat ? "ivfflat.probes" : "ivf.probes", std::min(e.value, std::max(meta.lists, 1)),
            tuning::source_name(e.source));
    if (!flat)
      add_row(rsinfo, "rerank", ivf::effective_rerank(index, meta),
              tuning::measuring(RelationGetRelid(index)) ? "measurement" : "index option");
  }
  index_close(index, AccessShareLock);
  return (Datum)0;
}

// The ivfflat and ivf access methods: handlers, settings, reloptions (cost estimation: ann_cost.cpp). C-style (ivf.h).
#include "pg/ann/ann_registry.h"
#include "pg/ann/ann_routine.h"
#include "pg/ivf/ivf.h"
#include "pg/module_init.h"

#include <cmath>
#include <cstring>

extern "C" {
#include "access/amapi.h"
#include "access/reloptions.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "lib/stringinfo.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
}

namespace vx::pg::ivf {

int ivfflat_probes = 1, ivfflat_max_probes = kMaxLists, ivfflat_iterative_scan = kIterativeOff;
int ivf_probes = 1, ivf_max_probes = kMaxLists, ivf_iterative_scan = kIterativeOff;

namespace {
relopt_kind ivfflat_relopt_kind, ivf_relopt_kind;

const struct config_enum_entry iterative_scan_options[] = {
    {"off", kIterativeOff, false}, {"relaxed_order", kIterativeRelaxed, false}, {nullptr, 0, false}};

void validate_quantizer(const char* value) {
  if (value) parse_quantizer(value);
}

void ivf_on_load() {
  ivfflat_relopt_kind = add_reloption_kind();
  add_int_reloption(ivfflat_relopt_kind, "lists", "Number of inverted lists", 100, 1, kMaxLists, AccessExclusiveLock);
  DefineCustomIntVariable("ivfflat.probes", "Sets the number of probes", "Valid range is 1..lists.", &ivfflat_probes, 1,
                          1, kMaxLists, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomEnumVariable("ivfflat.iterative_scan", "Sets the mode for iterative scans", nullptr,
                           &ivfflat_iterative_scan, kIterativeOff, iterative_scan_options, PGC_USERSET, 0, nullptr,
                           nullptr, nullptr);
  DefineCustomIntVariable("ivfflat.max_probes", "Sets the max number of probes for iterative scans", nullptr,
                          &ivfflat_max_probes, kMaxLists, 1, kMaxLists, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  MarkGUCPrefixReserved("ivfflat");
  tuning::add_tuned_reloptions(ivfflat_relopt_kind, "probes", kMaxLists);

  ivf_relopt_kind = add_reloption_kind();
  add_int_reloption(ivf_relopt_kind, "lists", "Number of inverted lists (default: from the row count)", -1, -1,
                    kMaxLists, AccessExclusiveLock);
  add_string_reloption(ivf_relopt_kind, "quantizer", "Code stored per vector: flat, sq8 or pq", "flat",
                       validate_quantizer, AccessExclusiveLock);
  add_int_reloption(ivf_relopt_kind, "pq_m", "Number of PQ sub-quantizers (must divide the dimensions)", 0, 0,
                    kMaxHalfDims, AccessExclusiveLock);
  add_int_reloption(ivf_relopt_kind, "rerank", "Candidates re-ranked with exact distances (lossy quantizers)", -1, -1,
                    100000, AccessExclusiveLock);
  DefineCustomIntVariable("ivf.probes", "Sets the number of probes", "Valid range is 1..lists.", &ivf_probes, 1, 1,
                          kMaxLists, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomEnumVariable("ivf.iterative_scan", "Sets the mode for iterative scans", nullptr, &ivf_iterative_scan,
                           kIterativeOff, iterative_scan_options, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("ivf.max_probes", "Sets the max number of probes for iterative scans", nullptr,
                          &ivf_max_probes, kMaxLists, 1, kMaxLists, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  MarkGUCPrefixReserved("ivf");
  tuning::add_tuned_reloptions(ivf_relopt_kind, "probes", kMaxLists);
}
VX_ON_LOAD(ivf_on_load);

bytea* ivfflat_options(Datum reloptions, bool validate) {
  static const relopt_parse_elt tab[] = {{"lists", RELOPT_TYPE_INT, offsetof(IvfOptions, lists)},
                                         {"probes", RELOPT_TYPE_INT, offsetof(IvfOptions, tuned.value)},
                                         {tuning::kCurveOption, RELOPT_TYPE_STRING, offsetof(IvfOptions, tuned.curve)}};
  return static_cast<bytea*>(build_reloptions(reloptions, validate, ivfflat_relopt_kind, sizeof(IvfOptions), tab, 3));
}

bytea* ivf_options(Datum reloptions, bool validate) {
  static const relopt_parse_elt tab[] = {{"lists", RELOPT_TYPE_INT, offsetof(IvfOptions, lists)},
                                         {"quantizer", RELOPT_TYPE_STRING, offsetof(IvfOptions, quantizer)},
                                         {"pq_m", RELOPT_TYPE_INT, offsetof(IvfOptions, pq_m)},
                                         {"rerank", RELOPT_TYPE_INT, offsetof(IvfOptions, rerank)},
                                         {"probes", RELOPT_TYPE_INT, offsetof(IvfOptions, tuned.value)},
                                         {tuning::kCurveOption, RELOPT_TYPE_STRING, offsetof(IvfOptions, tuned.curve)}};
  return static_cast<bytea*>(build_reloptions(reloptions, validate, ivf_relopt_kind, sizeof(IvfOptions), tab, 6));
}

// Support 1 (the distance, checked for its signature) and 3 (the type-and-metric contract, ann_contract.h).
bool validate(Oid opclassoid) { return validate_ann_opclass(opclassoid, (1u << 1) | (1u << 3)); }

char* build_phase_name(int64 phase) {
  switch (phase) {
    case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
      return const_cast<char*>("initializing");
    case 2:
      return const_cast<char*>("sampling table");
    case 3:
      return const_cast<char*>("performing k-means");
    case 4:
      return const_cast<char*>("training quantizer");
    case 5:
      return const_cast<char*>("loading tuples");
    default:
      return nullptr;
  }
}

IndexAmRoutine* make_routine(amoptions_function options) {
  IndexAmRoutine* am = new_ann_routine(3);

  am->ambuild = [](Relation h, Relation i, IndexInfo* info) { return guard([&] { return build(h, i, info); }); };
  am->ambuildempty = [](Relation i) { guard([&] { build_empty(i); }); };
  am->aminsert = [](Relation i, Datum* v, bool* n, ItemPointer t, Relation h, IndexUniqueCheck c, bool u,
                    IndexInfo* info) { return guard([&] { return insert(i, v, n, t, h, c, u, info); }); };
  am->ambulkdelete = [](IndexVacuumInfo* info, IndexBulkDeleteResult* s, IndexBulkDeleteCallback cb, void* st) {
    return guard([&] { return bulk_delete(info, s, cb, st); });
  };
  am->amvacuumcleanup = [](IndexVacuumInfo* info, IndexBulkDeleteResult* s) {
    return guard([&] { return vacuum_cleanup(info, s); });
  };
  am->amcostestimate = [](PlannerInfo* r, IndexPath* p, double lc, Cost* sc, Cost* tc, Selectivity* s, double* c,
                          double* pg) { guard([&] { cost_estimate(r, p, lc, sc, tc, s, c, pg); }); };
  am->amoptions = options;
  am->ambuildphasename = build_phase_name;
  am->amvalidate = validate;
  am->ambeginscan = [](Relation i, int nk, int no) { return guard([&] { return begin_scan(i, nk, no); }); };
  am->amrescan = [](IndexScanDesc s, ScanKey k, int nk, ScanKey o, int no) { guard([&] { rescan(s, k, nk, o, no); }); };
  am->amgettuple = [](IndexScanDesc s, ScanDirection d) { return guard([&] { return get_tuple(s, d); }); };
  am->amendscan = [](IndexScanDesc s) { guard([&] { end_scan(s); }); };
  return am;
}
}  // namespace

Quantizer parse_quantizer(const char* value) {
  if (const core::ivf::CodecInfo* info = core::ivf::codec_info_by_name(value)) return info->id;
  // "Valid values are "flat", "sq8" and "pq"." from the codec registry
  StringInfoData names;
  initStringInfo(&names);
  const std::size_t n = core::ivf::codec_count();
  for (std::size_t i = 0; i < n; ++i)
    appendStringInfo(&names, "%s\"%s\"", i == 0 ? "" : i + 1 == n ? " and " : ", ", core::ivf::codec_at(i).name);
  ereport(ERROR,
          (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid value for parameter \"quantizer\": \"%s\"", value),
           errhint("Valid values are %s.", names.data)));
  pg_unreachable();
}

BuildOptions read_build_options(Relation index) {
  BuildOptions o;
  bool is_ivfflat = index->rd_indam->amoptions == ivfflat_options;
  o.am = is_ivfflat ? AmKind::IvfFlat : AmKind::Ivf;
  o.lists = is_ivfflat ? 100 : -1;
  o.quantizer = Quantizer::Flat;
  o.pq_m = 0;
  o.rerank = -1;
  auto* opts = reinterpret_cast<IvfOptions*>(index->rd_options);
  if (opts) {
    o.lists = opts->lists;
    if (!is_ivfflat) {
      if (opts->quantizer) o.quantizer = parse_quantizer(reinterpret_cast<const char*>(opts) + opts->quantizer);
      o.pq_m = opts->pq_m;
      o.rerank = opts->rerank;
    }
  }
  if (o.rerank < 0) o.rerank = o.quantizer == Quantizer::Flat ? 0 : kDefaultRerank;
  return o;
}

int effective_rerank(Relation index, const IvfMeta& meta) {
  // the reloption, not the meta page, so ALTER INDEX ... SET (rerank = N) applies at once; a tuning measurement of
  // this index in progress overrides it (tuned_params.h)
  const core::ivf::CodecInfo* codec = core::ivf::codec_info(static_cast<uint32>(meta.quantizer));
  const bool lossy = codec != nullptr && codec->lossy;
  auto* opts = reinterpret_cast<const IvfOptions*>(index->rd_options);
  if (!opts || meta.am != static_cast<uint8>(AmKind::Ivf)) return tuning::ivf_rerank(index, meta.rerank);
  return tuning::ivf_rerank(index, opts->rerank >= 0 ? opts->rerank : (lossy ? kDefaultRerank : 0));
}

}  // namespace vx::pg::ivf

extern "C" Datum vx_ivfflathandler(PG_FUNCTION_ARGS);
extern "C" Datum vx_ivfhandler(PG_FUNCTION_ARGS);

namespace vx::pg::ivf {
namespace {
// Both publish exact ORDER BY values (flat codes; re-ranked l2 / ip rows) and have one checker (ivf_check.cpp).
const AnnAccessMethod kIvfflat = {"ivfflat", AnnFamily::kIvfFlat, 20, vx_ivfflathandler, true, ivf_check_index};
const AnnAccessMethod kIvf = {"ivf", AnnFamily::kIvf, 30, vx_ivfhandler, true, ivf_check_index};
VX_ANN_ACCESS_METHOD(kIvfflat);
VX_ANN_ACCESS_METHOD(kIvf);
}  // namespace
}  // namespace vx::pg::ivf

VX_FUNCTION(vx_ivfflathandler) { PG_RETURN_POINTER(vx::pg::ivf::make_routine(vx::pg::ivf::ivfflat_options)); }
VX_FUNCTION(vx_ivfhandler) { PG_RETURN_POINTER(vx::pg::ivf::make_routine(vx::pg::ivf::ivf_options)); }

// The hnsw index access method: handler, settings (hnsw.*), reloptions (m, ef_construction), and how it reads its
// column through the type-and-metric contract (ann_contract.h). The callbacks themselves live in hnsw_build / hnsw_insert / hnsw_scan / hnsw_vacuum.
#include "pg/ann/ann_registry.h"
#include "pg/ann/ann_routine.h"
#include "pg/hnsw/hnsw.h"
#include "pg/hnsw/hnsw_filter.h"
#include "pg/hnsw/hnsw_values.h"
#include "pg/module_init.h"

extern "C" {
#include "access/amapi.h"
#include "access/reloptions.h"
#include "commands/vacuum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"
}

#include <cstring>

namespace vx::pg::hnsw {

int hnsw_ef_search = 40;
int hnsw_iterative_scan = kIterOff;
int hnsw_max_scan_tuples = 20000;
double hnsw_scan_mem_multiplier = 1.0;
bool hnsw_packed_records = true;
bool hnsw_clustered_inserts = true;

namespace {

relopt_kind hnsw_relopt_kind;

const struct config_enum_entry kIterativeScanOptions[] = {
    {"off", kIterOff, false},
    {"relaxed_order", kIterRelaxed, false},
    {"strict_order", kIterStrict, false},
    {nullptr, 0, false},
};

void hnsw_on_load() {
  hnsw_relopt_kind = add_reloption_kind();
  add_int_reloption(hnsw_relopt_kind, "m", "Max number of connections", kDefaultM, kMinM, kMaxM, AccessExclusiveLock);
  add_int_reloption(hnsw_relopt_kind, "ef_construction", "Size of the dynamic candidate list for construction",
                    kDefaultEfc, kMinEfc, kMaxEfc, AccessExclusiveLock);
  tuning::add_tuned_reloptions(hnsw_relopt_kind, "ef_search", 1000);
  DefineCustomIntVariable("hnsw.ef_search", "Sets the size of the dynamic candidate list for search",
                          "Valid range is 1..1000.", &hnsw_ef_search, 40, 1, 1000, PGC_USERSET, 0, nullptr, nullptr,
                          nullptr);
  DefineCustomEnumVariable("hnsw.iterative_scan", "Sets the mode for iterative scans", nullptr, &hnsw_iterative_scan,
                           kIterOff, kIterativeScanOptions, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("hnsw.max_scan_tuples", "Sets the max number of tuples to visit for iterative scans", nullptr,
                          &hnsw_max_scan_tuples, 20000, 1, INT_MAX, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomRealVariable("hnsw.scan_mem_multiplier", "Sets the multiple of work_mem to use for iterative scans",
                           nullptr, &hnsw_scan_mem_multiplier, 1, 1, 1000, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  MarkGUCPrefixReserved("hnsw");
  DefineCustomBoolVariable("vectorext.hnsw_packed_records",
                           "Lets new hnsw indexes pack their records in groups of pages where that saves pages",
                           "Off: the per-page layout (for comparisons). Existing indexes keep their layout.",
                           &hnsw_packed_records, true, PGC_USERSET, GUC_NOT_IN_SAMPLE, nullptr, nullptr, nullptr);
  DefineCustomBoolVariable("vectorext.hnsw_clustered_inserts",
                           "Lets CREATE INDEX add rows to its in-memory hnsw graph in chunks sorted by locality",
                           "Off: heap order (for comparisons). The graph's quality is the same either way.",
                           &hnsw_clustered_inserts, true, PGC_USERSET, GUC_NOT_IN_SAMPLE, nullptr, nullptr, nullptr);
}
VX_ON_LOAD(hnsw_on_load);

Options* get_options(Relation index) { return reinterpret_cast<Options*>(index->rd_options); }

}  // namespace

int index_m(Relation index) {
  Options* o = get_options(index);
  return o ? o->m : kDefaultM;
}

int index_ef_construction(Relation index) {
  Options* o = get_options(index);
  return o ? o->ef_construction : kDefaultEfc;
}

bytea* options(Datum reloptions, bool validate) {
  static const relopt_parse_elt tab[] = {
      {"m", RELOPT_TYPE_INT, offsetof(Options, m)},
      {"ef_construction", RELOPT_TYPE_INT, offsetof(Options, ef_construction)},
      {"ef_search", RELOPT_TYPE_INT, offsetof(Options, tuned.value)},
      {tuning::kCurveOption, RELOPT_TYPE_STRING, offsetof(Options, tuned.curve)},
  };
  return static_cast<bytea*>(build_reloptions(reloptions, validate, hnsw_relopt_kind, sizeof(Options), tab, 4));
}

const AnnContract& index_contract(Relation index) {
  const AnnContract& c = ann_contract(index);
  if (own_bytes(c))
    ann_check_column_type(index, c);  // bit: a varbit column is refused, as pgvector refuses it
  else
    ann_require_half_copy(index, c);
  return c;
}

int max_dims(const AnnContract& c) {
  // The type's own index limit: vector and halfvec 16,000 (records span pages, so beyond pgvector's 2,000 / 4,000),
  // bit pgvector's 64,000, sparsevec its dimensions (its nonzeros are bounded by the stored form,
  // sparsevec_index_support.cpp).
  return c.type->max_dims;
}

int index_dims(Relation index, const AnnContract& c) {
  int32 typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;
  if (typmod < 0) return 0;  // no typmod: the data fixes the dims (first value built or inserted)
  if (typmod > max_dims(c))
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("column cannot have more than %d dimensions for hnsw index", max_dims(c))));
  return typmod;
}

int datum_dims(const AnnContract& c, Datum d) {
  const void* v = c.type->detoast(d);
  int dims = c.type->dims(v);
  if (v != DatumGetPointer(d)) pfree(const_cast<void*>(v));
  return dims;
}

bool datum_to_element(const AnnContract& c, Datum d, uint32 dims, float* out) {
  const void* v = c.type->detoast(d);
  const int got = c.type->dims(v);
  if (uint32(got) != dims)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("expected %u dimensions, not %d", dims, got)));
  bool ok = true;
  if (own_bytes(c)) {
    std::memset(out, 0, sizeof(float) * element_width(c, dims));  // copies compare equal by their bytes
    ok = c.to_stored(v, reinterpret_cast<uint8*>(out));
    if (ok) keep_element_extra(c, out, CurrentMemoryContext);  // it pointed into v
  } else {
    ok = ann_value_to_float(c, v, out, got);
  }
  if (v != DatumGetPointer(d)) pfree(const_cast<void*>(v));
  return ok;
}

void datum_to_floats(const AnnContract& c, Datum d, float* out) {
  const void* v = c.type->detoast(d);
  c.type->to_float(v, out);
  if (v != DatumGetPointer(d)) pfree(const_cast<void*>(v));
}

namespace {

// AM callbacks: each body runs behind the boundary guard.
IndexBuildResult* am_build(Relation heap, Relation index, IndexInfo* info) {
  return guard([&] { return build(heap, index, info); });
}
void am_buildempty(Relation index) {
  guard([&] { build_empty(index); });
}
bool am_insert(Relation index, Datum* values, bool* isnull, ItemPointer tid, Relation heap, IndexUniqueCheck check,
               bool unchanged, IndexInfo* info) {
  return guard([&] { return insert(index, values, isnull, tid, heap, check, unchanged, info); });
}
IndexBulkDeleteResult* am_bulkdelete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats, IndexBulkDeleteCallback cb,
                                     void* state) {
  return guard([&] { return bulk_delete(info, stats, cb, state); });
}
IndexBulkDeleteResult* am_vacuumcleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats) {
  return guard([&] { return vacuum_cleanup(info, stats); });
}
void am_costestimate(PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup, Cost* total,
                     Selectivity* sel, double* corr, double* pages) {
  guard([&] { cost_estimate(root, path, loop_count, startup, total, sel, corr, pages); });
}
bytea* am_options(Datum reloptions, bool validate) {
  return guard([&] { return options(reloptions, validate); });
}
// Support 1 (distance) and 3 (the type-and-metric contract) are what the build and scans call.
// Filter columns' classes (integer types, hnsw_filter.h) have search operators and no support function.
bool am_validate(Oid opclassoid) {
  if (guard([&] { return is_filter_opclass(opclassoid); }))
    return guard([&] { return validate_filter_opclass(opclassoid); });
  return validate_ann_opclass(opclassoid, (1u << 1) | (1u << 3));
}
IndexScanDesc am_beginscan(Relation index, int nkeys, int norderbys) {
  return guard([&] { return begin_scan(index, nkeys, norderbys); });
}
void am_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
  guard([&] { rescan(scan, keys, nkeys, orderbys, norderbys); });
}
bool am_gettuple(IndexScanDesc scan, ScanDirection dir) {
  return guard([&] { return get_tuple(scan, dir); });
}
void am_endscan(IndexScanDesc scan) {
  guard([&] { end_scan(scan); });
}
char* am_buildphasename(int64 phase) {
  switch (phase) {
    case 1:
      return const_cast<char*>("loading tuples");
    case 2:
      return const_cast<char*>("building graph");
    case 3:
      return const_cast<char*>("writing index pages");
    case 4:
      return const_cast<char*>("inserting tuples (page-level build)");
    default:
      return nullptr;
  }
}

}  // namespace
}  // namespace vx::pg::hnsw

extern "C" Datum vx_hnsw_handler(PG_FUNCTION_ARGS);

namespace vx::pg::hnsw {
namespace {
// In the ANN registry (ann_registry.h): its scans publish exact ORDER BY values; hnsw_check.cpp checks its indexes.
const AnnAccessMethod kHnsw = {"hnsw", AnnFamily::kHnsw, 10, vx_hnsw_handler, true, hnsw_check_index};
VX_ANN_ACCESS_METHOD(kHnsw);
}  // namespace
}  // namespace vx::pg::hnsw

amcostestimate_function vx::pg::hnsw::hnsw_amcostestimate() { return am_costestimate; }

using namespace vx::pg::hnsw;

VX_FUNCTION(vx_hnsw_handler) {
  IndexAmRoutine* am = vx::pg::new_ann_routine(3);
  // The vector column, then filter columns whose conditions (=, ranges, = ANY) the scan evaluates (hnsw_filter.h).
  am->amcanmulticol = true;
  am->amsearcharray = true;
  am->ambuild = am_build;
  am->ambuildempty = am_buildempty;
  am->aminsert = am_insert;
  am->ambulkdelete = am_bulkdelete;
  am->amvacuumcleanup = am_vacuumcleanup;
  am->amcostestimate = am_costestimate;
  am->amoptions = am_options;
  am->ambuildphasename = am_buildphasename;
  am->amvalidate = am_validate;
  am->ambeginscan = am_beginscan;
  am->amrescan = am_rescan;
  am->amgettuple = am_gettuple;
  am->amendscan = am_endscan;
  PG_RETURN_POINTER(am);
}

// Filter columns of an hnsw index (contract and record layout in hnsw_filter.h): which columns an index has, their
// values in a record's filter area, and a scan's conditions on them evaluated on that area.
#include "pg/hnsw/hnsw_filter.h"
#include "pg/hnsw/hnsw_filter_dir.h"
#include "pg/ann/ann_routine.h"
#include "core/ann_cost.h"
#include "core/filter_range.h"

extern "C" {
#include "access/amvalidate.h"
#include "storage/bufmgr.h"
#include "miscadmin.h"
#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
}

#include <algorithm>
#include <cmath>
#include <cstring>

namespace vx::pg::hnsw {

namespace {

int type_width(Oid type) {
  switch (type) {
    case INT2OID:
      return 2;
    case INT4OID:
      return 4;
    case INT8OID:
      return 8;
    default:
      return 0;
  }
}

// The layout's offsets and size from its count and widths.
void finish_layout(FilterLayout* f) {
  uint32 off = 4;  // the null bits
  for (int i = 0; i < f->count; ++i) {
    off = (off + f->width[i] - 1) & ~uint32(f->width[i] - 1);  // each value at a multiple of its width
    f->offset[i] = uint16(off);
    off += f->width[i];
  }
  f->bytes = f->count ? (off + 3) & ~3u : 0;
}

int64 datum_int64(Datum d, Oid type) {
  switch (type) {
    case INT2OID:
      return DatumGetInt16(d);
    case INT4OID:
      return DatumGetInt32(d);
    default:
      return DatumGetInt64(d);
  }
}

int64 area_value(const FilterLayout& f, const char* area, int col) {
  return core::filter::load_value(area + f.offset[col], f.width[col]);
}

}  // namespace

FilterLayout index_filter_layout(Relation index) {
  FilterLayout f{};
  const int natts = IndexRelationGetNumberOfKeyAttributes(index);
  if (type_width(TupleDescAttr(RelationGetDescr(index), 0)->atttypid) != 0)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("the first column of an hnsw index must be the vector column"),
                    errdetail("Filter columns (smallint, integer, bigint) follow the vector column.")));
  if (natts - 1 > kMaxFilterColumns)
    ereport(ERROR, (errcode(ERRCODE_TOO_MANY_COLUMNS),
                    errmsg("hnsw index cannot have more than %d filter columns", kMaxFilterColumns),
                    errdetail("The index has %d columns: the vector and %d filter columns.", natts, natts - 1)));
  for (int i = 1; i < natts; ++i) {
    const Oid type = TupleDescAttr(RelationGetDescr(index), i)->atttypid;
    const int w = type_width(type);
    if (w == 0)
      ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                      errmsg("hnsw filter column %d has type %s", i + 1, format_type_be(type)),
                      errdetail("An hnsw index has the vector column first, then filter columns of type smallint, "
                                "integer or bigint.")));
    f.width[f.count++] = uint8(w);
  }
  finish_layout(&f);
  return f;
}

bool filter_layout_from(uint16 count, uint16 packed_widths, FilterLayout* out) {
  FilterLayout f{};
  if (count > kMaxFilterColumns) return false;
  if (count < kMaxFilterColumns && (packed_widths >> (4 * count)) != 0) return false;
  f.count = count;
  for (int i = 0; i < count; ++i) {
    const uint8 w = uint8((packed_widths >> (4 * i)) & 0xf);
    if (w != 2 && w != 4 && w != 8) return false;
    f.width[i] = w;
  }
  finish_layout(&f);
  *out = f;
  return true;
}

uint16 pack_filter_widths(const FilterLayout& f) {
  uint16 p = 0;
  for (int i = 0; i < f.count; ++i) p |= uint16(f.width[i] << (4 * i));
  return p;
}

void encode_filter_int64(char* area, const FilterLayout& f, const int64* values, uint32 nulls) {
  if (f.count == 0) return;
  std::memset(area, 0, f.bytes);
  std::memcpy(area, &nulls, 4);
  for (int i = 0; i < f.count; ++i) {
    if (nulls & (1u << i)) continue;
    char* p = area + f.offset[i];
    if (f.width[i] == 2) {
      int16 v = int16(values[i]);
      std::memcpy(p, &v, 2);
    } else if (f.width[i] == 4) {
      int32 v = int32(values[i]);
      std::memcpy(p, &v, 4);
    } else {
      std::memcpy(p, &values[i], 8);
    }
  }
}

void filter_values_of(const FilterLayout& f, const Datum* values, const bool* isnull, int64* out, uint32* nulls) {
  *nulls = 0;
  for (int i = 0; i < f.count; ++i) {
    out[i] = 0;
    if (isnull[i + 1]) {
      *nulls |= 1u << i;
      continue;
    }
    out[i] = f.width[i] == 2   ? DatumGetInt16(values[i + 1])
             : f.width[i] == 4 ? DatumGetInt32(values[i + 1])
                               : DatumGetInt64(values[i + 1]);
  }
}

void encode_filter_values(char* area, const FilterLayout& f, const Datum* values, const bool* isnull) {
  int64 v[kMaxFilterColumns];
  uint32 nulls;
  filter_values_of(f, values, isnull, v, &nulls);
  encode_filter_int64(area, f, v, nulls);
}

// ---- scan conditions --------------------------------------------------------------------------------------------

namespace {

// One condition: column `col` (0-based filter column) `strategy` value, or (values != nullptr) = ANY(values), sorted.
struct Condition {
  int col;
  int strategy;  // BTLessStrategyNumber .. BTGreaterStrategyNumber
  int64 value;
  int64* values;
  int nvalues;
  // What the condition admits as one closed range [lo, hi] (lo > hi: nothing): the whole condition for a comparison,
  // a first test for = ANY (its least and greatest values). One unsigned comparison per value: the directory's
  // read evaluates every element (filter_matches_run).
  int64 lo, hi;
};

// The range the condition admits (core/filter_range.h); for = ANY its least and greatest values.
void condition_range(Condition* c) {
  const core::filter::Range r = c->values ? core::filter::Range{c->values[0], c->values[c->nvalues - 1]}
                                          : core::filter::range_of(c->strategy, c->value);
  c->lo = r.lo;
  c->hi = r.hi;
}

}  // namespace

struct ScanFilter {
  int n;
  Condition cond[FLEXIBLE_ARRAY_MEMBER];
};

ScanFilter* scan_filter_build(const FilterLayout& f, const ScanKeyData* keys, int nkeys, bool* never) {
  *never = false;
  auto* sf = static_cast<ScanFilter*>(palloc0(offsetof(ScanFilter, cond) + sizeof(Condition) * std::max(nkeys, 1)));
  for (int k = 0; k < nkeys; ++k) {
    const ScanKeyData& key = keys[k];
    const int col = key.sk_attno - 2;
    if (col < 0 || col >= f.count) continue;  // not a filter column (the vector column has no search operators)
    if (key.sk_flags & SK_ISNULL) {           // col = NULL, or a NULL array: nothing matches
      *never = true;
      continue;
    }
    if (key.sk_strategy < BTLessStrategyNumber || key.sk_strategy > BTGreaterStrategyNumber)
      elog(ERROR, "hnsw: unexpected strategy %d on filter column %d", key.sk_strategy, key.sk_attno);
    Condition c{col, key.sk_strategy, 0, nullptr, 0};
    if (key.sk_flags & SK_SEARCHARRAY) {
      ArrayType* arr = DatumGetArrayTypeP(key.sk_argument);
      const Oid elem = ARR_ELEMTYPE(arr);
      int16 typlen;
      bool typbyval;
      char typalign;
      get_typlenbyvalalign(elem, &typlen, &typbyval, &typalign);
      Datum* elems;
      bool* nulls;
      int n;
      deconstruct_array(arr, elem, typlen, typbyval, typalign, &elems, &nulls, &n);
      c.values = static_cast<int64*>(palloc(sizeof(int64) * std::max(n, 1)));
      for (int i = 0; i < n; ++i)
        if (!nulls[i]) c.values[c.nvalues++] = datum_int64(elems[i], elem);  // a NULL element matches nothing
      if (c.strategy != BTEqualStrategyNumber) {
        // col < ANY(a): the least restrictive bound of the array (ALL is not offered: amsearcharray means ANY)
        if (c.nvalues == 0) {
          *never = true;
          continue;
        }
        const bool less = c.strategy <= BTLessEqualStrategyNumber;
        int64 b = c.values[0];
        for (int i = 1; i < c.nvalues; ++i) b = less ? std::max(b, c.values[i]) : std::min(b, c.values[i]);
        c.value = b;
        c.values = nullptr;
        c.nvalues = 0;
      } else {
        std::sort(c.values, c.values + c.nvalues);
        if (c.nvalues == 0) {
          *never = true;
          continue;
        }
      }
    } else {
      const Oid type = OidIsValid(key.sk_subtype) ? key.sk_subtype : INT8OID;
      // sk_subtype InvalidOid: the column's own type; read by the column's width
      c.value = OidIsValid(key.sk_subtype) ? datum_int64(key.sk_argument, type)
                : f.width[col] == 2        ? DatumGetInt16(key.sk_argument)
                : f.width[col] == 4        ? DatumGetInt32(key.sk_argument)
                                           : DatumGetInt64(key.sk_argument);
    }
    condition_range(&c);
    if (c.lo > c.hi) {  // c < the least int64, c > the greatest
      *never = true;
      continue;
    }
    sf->cond[sf->n++] = c;
  }
  if (sf->n == 0 && !*never) {
    pfree(sf);
    return nullptr;
  }
  return sf;
}

bool filter_matches(const ScanFilter* sf, const FilterLayout& f, const char* area) {
  uint32 nulls;
  std::memcpy(&nulls, area, 4);
  for (int i = 0; i < sf->n; ++i) {
    const Condition& c = sf->cond[i];
    if (nulls & (1u << c.col)) return false;  // NULL never matches
    const int64 v = area_value(f, area, c.col);
    if (!core::filter::in_range(v, core::filter::Range{c.lo, c.hi})) return false;
    if (c.values && !std::binary_search(c.values, c.values + c.nvalues, v)) return false;
  }
  return true;
}

uint32 filter_matches_run(const ScanFilter* sf, const FilterLayout& f, const char* areas, uint32 n, uint32* out) {
  if (sf->n == 1 && sf->cond[0].values == nullptr) {  // the common case: one comparison, no branch per area
    const Condition& c = sf->cond[0];
    return core::filter::match_range_run(areas, n, f.bytes, 1u << c.col, f.offset[c.col], f.width[c.col],
                                         core::filter::Range{c.lo, c.hi}, out);
  }
  uint32 k = 0;
  for (uint32 i = 0; i < n; ++i)
    if (filter_matches(sf, f, areas + size_t(i) * f.bytes)) out[k++] = i;
  return k;
}

bool element_matches(Graph* g, uint32 id) {
  char area[4 + 8 * kMaxFilterColumns];
  bool ok =
      copy_immutable(g, id, g->filter_offset, g->filters.bytes, area) && filter_matches(g->filter, g->filters, area);
  if (!ok && g->rejected && id < g->count) g->rejected[id >> 6] |= uint64(1) << (id & 63);
  return ok;
}

bool filter_rejected(const Graph* g, uint32 id) {
  if (g->filter == nullptr) return false;
  if (g->rejected == nullptr || id >= g->count) return true;
  return (g->rejected[id >> 6] >> (id & 63)) & 1;
}

// ---- the exhaustive path -------------------------------------------------------------------------------------------

namespace {

// Flags of id's record (one byte, read with a pin and no lock, as the walk reads it); 0 when not written.
uint8 record_flags(Graph* g, uint32 id) {
  uint8 flags = 0;
  return copy_immutable(g, id, 0, 1, &flags) ? flags : 0;
}

bool live_match(Graph* g, uint32 id) {
  const uint8 flags = record_flags(g, id);
  return (flags & kFlagValid) && !(flags & (kFlagDeleted | kFlagFree)) && element_matches(g, id);
}

}  // namespace

bool filter_prefers_exhaustive(Graph* g, int ef) {
  if (g->filter == nullptr || g->count == 0) return false;
  const uint32 samples = std::min<uint32>(g->count, 1000);
  uint32 hits = 0;
  if (index_has_dir(g))  // the same ids' entries from the directory: a few pages instead of a record page each
    hits = dir_sample_matches(g, samples);
  else
    for (uint32 i = 0; i < samples; ++i) hits += live_match(g, uint32(uint64(i) * g->count / samples)) ? 1 : 0;
  const double n = g->count;
  const double share = std::max(double(hits) / samples, 1.0 / n);
  const double walk = std::min(n, core::ann_cost::hnsw_search_evaluations(n, int(g->m), ef) / std::sqrt(share));
  return walk >= n / 10;
}

namespace {

void add_match(Search* s, uint32 id) {
  if (s->nres == s->capres) {
    s->capres *= 2;
    s->res = static_cast<Candidate*>(repalloc(s->res, sizeof(Candidate) * s->capres));
  }
  s->res[s->nres++] = Candidate{0, int32(id)};  // distances after the pages are read (distance_to pins its own)
}

// A segment without a directory (an index built before it existed): every record's flags and filter values, page
// by page, one pin each.
void segment_all_matching(Graph* g, Search* s, const HnswSegment& seg, BlockNumber nblocks) {
  const uint32 per = g->layout.group == 1 ? g->layout.per_group : 0;  // records per page, if none straddles
  const uint32 end = std::min(seg.first_id + seg.nelems, g->count);
  for (uint32 id = seg.first_id; id < end;) {
    CHECK_FOR_INTERRUPTS();
    if (per == 0) {  // records wider than a page, or packed in groups: one by one
      if (live_match(g, id)) add_match(s, id);
      ++id;
      continue;
    }
    // A page of records read once, with a pin and no lock (flags one byte, filter values immutable: as the walk)
    const Location loc = locate(seg, g->layout, id, 0);
    const uint32 on_page = std::min(end - id, per - (id - seg.first_id) % per);
    if (loc.block < nblocks) {
      Buffer buf = ReadBufferExtended(g->index, MAIN_FORKNUM, loc.block, RBM_NORMAL, nullptr);
      Page page = BufferGetPage(buf);
      for (uint32 k = 0; k < on_page && !PageIsNew(page); ++k) {
        const char* rec = page_data(page) + loc.offset + k * g->record_size;
        const uint8 flags = *reinterpret_cast<const volatile uint8*>(rec);
        if ((flags & kFlagValid) && !(flags & (kFlagDeleted | kFlagFree)) &&
            filter_matches(g->filter, g->filters, rec + g->filter_offset))
          add_match(s, id + k);
      }
      ReleaseBuffer(buf);
    }
    id += on_page;
  }
}

}  // namespace

void filter_all_matching(Graph* g, Search* s, const float* q) {
  s->nres = 0;
  const BlockNumber nblocks = RelationGetNumberOfBlocks(g->index);  // allocated ids may lie beyond (being written)
  // Segments with a filter directory (hnsw_filter_dir.h): the ids whose entries match, then only their records.
  uint32 cap = 256, n = 0;
  uint32* ids = static_cast<uint32*>(palloc(sizeof(uint32) * cap));
  DirReadStats st{0, 0};
  uint32 plain = 0;  // segments read page by page
  for (uint32 si = 0; si < g->nsegments; ++si) {
    if (segment_has_dir(g, si))
      dir_matching_ids(g, si, g->count, &ids, &n, &cap, &st);
    else {
      segment_all_matching(g, s, g->segments[si], nblocks);
      plain++;
    }
  }
  // Their records, in id order, which is block order (each record page pinned once, kept by the pin cache): the
  // directory is a superset, the record decides (flags and filter values re-checked).
  int from_plain = s->nres;
  for (int i = 0; i < from_plain; ++i) s->res[i].dist = distance_to(g, uint32(s->res[i].id), q);
  for (uint32 i = 0; i < n; ++i) {
    const uint32 id = ids[i];
    const HnswSegment* seg = find_segment(g->segments, g->nsegments, id);
    if (seg == nullptr || locate(*seg, g->layout, id, g->record_size - 1).block >= nblocks) continue;
    if (!live_match(g, id)) continue;
    add_match(s, id);
    s->res[s->nres - 1].dist = distance_to(g, id, q);
  }
  pfree(ids);
  s->evaluated += uint64(s->nres);
  elog(DEBUG1,
       "hnsw filter: %u directory pages read, %u entries, %u candidates, %d matching; %u segments without "
       "a directory",
       st.pages, st.entries, n, s->nres, plain);
}

// ---- operator classes --------------------------------------------------------------------------------------------

bool is_filter_opclass(Oid opclassoid) {
  Oid family, type;
  const char* name;
  opclass_identity(opclassoid, &family, &type, &name);
  return type_width(type) != 0;
}

bool validate_filter_opclass(Oid opclassoid) {
  Oid family, type;
  const char* name;
  opclass_identity(opclassoid, &family, &type, &name);
  bool ok = true;
  auto invalid = [&](const char* detail, const char* what) { report_invalid_opclass(&ok, name, detail, what); };
  CatCList* procs = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(family));
  for (int i = 0; i < procs->n_members; i++) {
    auto* proc = reinterpret_cast<Form_pg_amproc>(GETSTRUCT(&procs->members[i]->tuple));
    if (proc->amproclefttype == type)
      invalid("support function %s: a filter column's operator class has none", format_procedure(proc->amproc));
  }
  ReleaseCatCacheList(procs);
  int equal = 0;
  CatCList* ops = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(family));
  for (int i = 0; i < ops->n_members; i++) {
    auto* op = reinterpret_cast<Form_pg_amop>(GETSTRUCT(&ops->members[i]->tuple));
    if (op->amoplefttype != type) continue;
    const char* opname = format_operator(op->amopopr);
    if (op->amoppurpose != AMOP_SEARCH) {
      invalid("operator %s: a filter column's operators are search operators", opname);
      continue;
    }
    if (op->amopstrategy < BTLessStrategyNumber || op->amopstrategy > BTGreaterStrategyNumber) {
      invalid("operator %s must be strategy 1 to 5 (<, <=, =, >=, >)", opname);
      continue;
    }
    if (type_width(op->amoprighttype) == 0 || !check_amop_signature(op->amopopr, BOOLOID, type, op->amoprighttype))
      invalid("operator %s must compare two integers", opname);
    if (op->amopstrategy == BTEqualStrategyNumber && op->amoprighttype == type) equal++;
  }
  ReleaseCatCacheList(ops);
  if (equal == 0) invalid("%s", "it has no = operator (strategy 3)");
  return ok;
}

}  // namespace vx::pg::hnsw

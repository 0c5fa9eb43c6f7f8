// Filter columns of an hnsw index: `CREATE INDEX ON t USING hnsw (embedding vector_cosine_ops, category)`. The
// vector column comes first; up to kMaxFilterColumns integer columns (int2, int4, int8) follow, each stored by value
// in every element's record, after the element (hnsw_page.h):
//
//   filter area   uint32 null bits (bit i: filter column i is NULL) | each column's value in its type's width
//                 (2, 4 or 8 bytes, little end first as the type stores it), padded to a multiple of 4
//
// An index without filter columns has no filter area: its records and meta page are those of layout version 4. An
// index with them has layout version 5, and its meta page records the columns' count and widths (the special area's
// aux fields, hnsw_page.h); both are checked against the index's columns when the graph is loaded.
//
// A scan's index conditions on the filter columns (=, <, <=, >, >= and = ANY(array), of any integer type against the
// column: the operator family hnsw integer_ops) are evaluated on the element's record during the walk: an element
// that fails is traversed (its neighbours expanded) but never returned, so it never costs a heap visit. A NULL value
// never matches. C-style, like every AM file.
#pragma once

#include "pg/hnsw/hnsw.h"

extern "C" {
#include "access/skey.h"
}

namespace vx::pg::hnsw {

// The filter columns of the index from its columns' types. ERROR 54011 for more than kMaxFilterColumns, 0A000 for a
// column of another type (the index must be the vector first, then integer columns).
FilterLayout index_filter_layout(Relation index);
// The layout of `count` columns of the given widths (the meta page's form); false when they are not valid widths.
bool filter_layout_from(uint16 count, uint16 packed_widths, FilterLayout* out);
uint16 pack_filter_widths(const FilterLayout& f);
// The layout version of an index whose records have this filter layout (packed: in groups of pages, hnsw_page.h).
inline uint32 layout_version_for(const FilterLayout& f, bool packed) { return layout_version_of(f.count > 0, packed); }

// Writes the filter area of a record: values[i] / isnull[i] are the index tuple's column i + 1 (the filter columns;
// values[0] is the vector).
void encode_filter_values(char* area, const FilterLayout& f, const Datum* values, const bool* isnull);
// The same from values already taken out of their datums (the build keeps them as int64 per element).
void encode_filter_int64(char* area, const FilterLayout& f, const int64* values, uint32 nulls);
// The column values of a tuple, for the build: values[i] for filter column i, *nulls bit i when NULL.
void filter_values_of(const FilterLayout& f, const Datum* values, const bool* isnull, int64* out, uint32* nulls);

// A scan's conditions on the filter columns (the scan keys of attributes 2 ..), compiled once per rescan.
struct ScanFilter;
// nullptr when there is no key on a filter column. *never: a key nothing matches (a NULL argument, an empty array).
ScanFilter* scan_filter_build(const FilterLayout& f, const ScanKeyData* keys, int nkeys, bool* never);
// Whether a record's filter area satisfies every condition.
bool filter_matches(const ScanFilter* sf, const FilterLayout& f, const char* area);
// filter_matches over n areas side by side (f.bytes apart: the filter directory's entries): the indexes of those that
// satisfy every condition into out (n room), ascending; returns how many.
uint32 filter_matches_run(const ScanFilter* sf, const FilterLayout& f, const char* areas, uint32 n, uint32* out);
// Whether element id (of g, whose filter is set) satisfies the scan's conditions, from its record (pinned, no lock:
// the filter area is written before the record is published, like the element); the answer is remembered for the
// scan (filter_rejected).
bool element_matches(Graph* g, uint32 id);
// Whether element_matches said no for id.
bool filter_rejected(const Graph* g, uint32 id);

// Whether a scan should read every element's filter values instead of walking the graph: a sample of the elements
// (every count / 1,000-th id) says how many match, and the walk to ef of them (about E / sqrt(share) elements,
// core/ann_cost.h) would evaluate at least a tenth of the graph. Reading a record's flags and filter values costs
// about a tenth of a distance evaluation (measured on 256-d: ~90 ns a record, ~1 us an evaluation of the walk), and
// only the matching elements are evaluated: for a filter that keeps 0.1% of 60,000 rows the walk evaluated all 60,000.
bool filter_prefers_exhaustive(Graph* g, int ef);
// Every written, live element that satisfies the filter, with its ranking distance to q (an element in memory), put
// into s->res (grown; a plain array, not a heap: take_batch sorts it) and counted in s->evaluated. Reads the records'
// pages one pin each, in block order.
void filter_all_matching(Graph* g, Search* s, const float* q);

// amvalidate: whether the operator class is one of a filter column (its type an integer type), and its check (no
// support function; strategies 1-5 search operators of two integers, = of its own type among them). Each problem is an
// INFO message naming the class.
bool is_filter_opclass(Oid opclassoid);
bool validate_filter_opclass(Oid opclassoid);

}  // namespace vx::pg::hnsw

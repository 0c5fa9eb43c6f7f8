// The type-and-metric contract between an indexed type and every ANN access method (hnsw, ivfflat, ivf): one static
// description of a type under one metric, which an operator class names with its support function 3
// (`<type>_<metric>_index_support(internal) RETURNS internal`, as pgvector's "type info" support functions). An access
// method learns everything about its column from it (never from a function's name): the element kind, the type's
// dimension limit, how to read a value as floats, whether to normalise, how the index keeps an element and how the
// scan turns what it computed into the SQL operator's exact value.
//
// Adding a type to every access method is its own file defining one AnnType and one AnnContract per metric, plus SQL
// support functions and operator classes (docs/architecture.md, "Adding a type"; src/pg/type/vector_index_support.cpp is
// the example). Kernels live in core; this layer only detoasts and points at them.
//
// hnsw, ivfflat and ivf read their column through it (hnsw_am.cpp, ivf_build.cpp).
#pragma once

#include "pg/boundary.h"

#include "core/metric.h"

extern "C" {
#include "utils/rel.h"
}

namespace vx::pg {

enum class ElementKind : uint8 { Float32 = 1, Float16 = 2, Bit = 3, SparseFloat32 = 4 };

// How an index keeps one element of the type.
enum class StoredForm : uint8 {
  // A half copy of the float form with its encoding error (core/half_copy.h): dense float-convertible types (vector,
  // halfvec). Scans rank by the copy and return lower bounds, or exact values for exact copies.
  HalfCopy = 1,
  // The value's own bytes in a fixed-size stored form (to_stored), scored with the type's own kernels
  // (stored_rank, stored_distance): exact, no bound needed (bit, sparsevec). hnsw keeps them; the IVF access methods refuse
  // such an operator class (ann_require_half_copy).
  OwnBytes = 2,
};

// How values of an indexed type reach an index. C-style: every function may ereport (callers hold no C++ object).
struct AnnType {
  const char* name;  // the SQL type, for messages
  ElementKind element;
  int max_dims;  // the type's own limit (an access method may have a lower one)
  // The value of a datum, detoasted (a palloc'd copy in CurrentMemoryContext when it was toasted or compressed).
  const void* (*detoast)(Datum value);
  int (*dims)(const void* value);
  // The bytes of a value of `dims` dimensions as the table stores it (before compression): storage estimates.
  Size (*value_bytes)(int dims);
  // Its elements as dims floats (exact for vector and halfvec; bit: 0 and 1); nullptr for a type without a float
  // form.
  void (*to_float)(const void* value, float* out);
  // The type's error for a query of other dimensions than the index ("different halfvec dimensions A and B",
  // "different bit lengths A and B", 22000), in pgvector's words.
  void (*check_same_dims)(int indexed, int query);
  // nullptr, or false for a column type the operator class accepts but an index cannot hold (bit_hamming_ops on a
  // varbit column: its values have no fixed length), refused with 0A000 "type not supported for <am> index".
  bool (*accepts_column_type)(Oid typid);
};

struct AnnContract {
  uint32 magic;  // kAnnContractMagic: support function 3 of the operator class returned one of these
  const AnnType* type;
  core::Metric metric;
  StoredForm stored;
  // HalfCopy: the SQL operator's value between the indexed value, given as the floats an exact half copy decodes to,
  // and the query's float form (not normalised), bit-identical to what the executor computes from the heap row.
  double (*exact_from_floats)(const float* x, const float* query, std::size_t n);
  // HalfCopy: the SQL operator's value from core::rank_distance of the two float forms where that is bit-identical
  // (vector: l2 = sqrt, ip = the key itself); nullptr where it is not (cosine ranks unit vectors).
  double (*sql_from_rank)(float rank);
  // OwnBytes: the stored form of a value of `dims` dimensions (its size in bytes, and writing it: the caller zeroes
  // `out`; false for a value the index does not hold, a zero sparsevec under cosine; may ereport a value too large
  // for the form), the ranking key between two stored forms (smaller is nearer, nondecreasing in the SQL value) and
  // the SQL operator's value between them, bit-identical to what the executor computes from the two values.
  uint32 (*stored_bytes)(int dims);
  bool (*to_stored)(const void* value, uint8* out);
  float (*stored_rank)(const uint8* a, const uint8* b, int dims);
  double (*stored_distance)(const uint8* a, const uint8* b, int dims);
  // OwnBytes, optional (nullptr: every value fits its fixed form): a value too large for the form keeps the rest
  // out of line (sparsevec beyond its inline slots). extra_bytes: how many bytes that part has (0: none); the form
  // holds a pointer to it in memory (to_stored points it at the value itself), which extra reads (nullptr: not
  // attached, the kernels then see no nonzeros) and attach_extra sets (nullptr detaches: what an index page holds).
  // An index keeps the part elsewhere (hnsw: value pages, hnsw_values.cpp) and attaches a copy when it reads one.
  uint32 (*extra_bytes)(const uint8* form);
  const uint8* (*extra)(const uint8* form);
  void (*attach_extra)(uint8* form, const uint8* data);
};

constexpr uint32 kAnnContractMagic = 0x56584143;  // "VXAC"

// What every contract has; the other members stay null (set by the two functions below).
constexpr AnnContract contract_of(const AnnType* type, core::Metric metric, StoredForm stored) {
  AnnContract c{};
  c.magic = kAnnContractMagic;
  c.type = type;
  c.metric = metric;
  c.stored = stored;
  return c;
}

// The contract of a HalfCopy type under one metric (what every float-convertible type's support file declares).
constexpr AnnContract half_copy_contract(const AnnType* type, core::Metric metric,
                                         double (*exact_from_floats)(const float*, const float*, std::size_t),
                                         double (*sql_from_rank)(float)) {
  AnnContract c = contract_of(type, metric, StoredForm::HalfCopy);
  c.exact_from_floats = exact_from_floats;
  c.sql_from_rank = sql_from_rank;
  return c;
}

// The contract of an OwnBytes type under one metric.
constexpr AnnContract own_bytes_contract(const AnnType* type, core::Metric metric, uint32 (*stored_bytes)(int),
                                         bool (*to_stored)(const void*, uint8*),
                                         float (*stored_rank)(const uint8*, const uint8*, int),
                                         double (*stored_distance)(const uint8*, const uint8*, int)) {
  AnnContract c = contract_of(type, metric, StoredForm::OwnBytes);
  c.stored_bytes = stored_bytes;
  c.to_stored = to_stored;
  c.stored_rank = stored_rank;
  c.stored_distance = stored_distance;
  return c;
}

// Whether values and queries are scaled to unit length before the index sees them.
inline bool ann_normalizes(const AnnContract& c) { return core::metric_normalizes(c.metric); }

// The contract of the index's (single) key column: its operator class's support function 3. ereports (42P17) when
// the operator class has none, or when it does not return a contract.
const AnnContract& ann_contract(Relation index);

// Refuses (0A000 "type not supported for <am> index") a column type the contract's type refuses
// (accepts_column_type).
void ann_check_column_type(Relation index, const AnnContract& c);
// For access methods that keep half copies: refuses (0A000) a type the index cannot hold, and what
// ann_check_column_type refuses.
void ann_require_half_copy(Relation index, const AnnContract& c);

// Reads a datum of the indexed type as floats into out (dims of them, normalised when the metric says so). Returns
// false for a value the index does not hold (a zero vector under cosine). The caller has checked the dimensions with
// c.type->dims(value) on the same detoasted value.
bool ann_value_to_float(const AnnContract& c, const void* value, float* out, int dims);

}  // namespace vx::pg

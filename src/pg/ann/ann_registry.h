// The registry of vectorext's ANN access methods: each registers itself from its own file (VX_ANN_ACCESS_METHOD), so
// code that treats them alike never names them: the ORDER BY value hand-over (order_value_planner.cpp: which index
// scans publish exact values) and vectorext.index_check (index_check.cpp: which checker reads an index). An access
// method is recognised by its handler function (what pg_am.amhandler resolves to), not by its name, so it is found
// under whatever name CREATE ACCESS METHOD gave it.
#pragma once

#include "pg/compat.h"
#include "pg/ann/index_check.h"

namespace vx::pg {

// Which of our index families an access method is: code whose state differs per family (the index options that hold
// tuned settings, tuned_params.h; the recall and tuning functions) switches on this, never on a handler symbol.
enum class AnnFamily { kNone, kHnsw, kIvfFlat, kIvf };

struct AnnAccessMethod {
  const char* name;  // the name the extension script creates it under (messages)
  AnnFamily family;
  int listing_order;  // where it appears in messages that list them all ("hnsw, ivfflat or ivf")
  PGFunction handler;
  // Its scans publish exact ORDER BY values (order_value_handover.h), so the planner may rewrite their projection.
  bool publishes_order_values;
  // Its read-only checker (index_check.h); nullptr: index_check refuses its indexes.
  void (*check)(Relation index, Relation heap, bool heapallindexed, IndexCheckCounts* out);
};

struct AnnAccessMethodRegistration {
  explicit AnnAccessMethodRegistration(const AnnAccessMethod* am);  // records a pointer only: no Postgres call
};

// The access method whose handler is `handler`, or nullptr (not one of ours).
const AnnAccessMethod* ann_access_method_by_handler(Oid handler);
// The access method of an index relation (by OID, through the catalog), or nullptr.
const AnnAccessMethod* ann_access_method_of(Oid indexoid);
// "hnsw, ivfflat or ivf" (conjunction "or" / "and"), in listing order; palloc'd.
const char* ann_access_method_names(const char* conjunction);

}  // namespace vx::pg

#define VX_ANN_ACCESS_METHOD(info) static ::vx::pg::AnnAccessMethodRegistration vx_ann_am_registration_##info(&info)

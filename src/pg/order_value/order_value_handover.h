// Hands exact ORDER BY values from an index scan to the row's projection, so that Postgres does not compute each
// returned row's distance a second time from the heap (a detoast - pglz on compressible vectors - plus a distance
// per row: a quarter of a k = 10 HNSW query on Fashion-MNIST).
//
// The planner hook (order_value_planner.cpp) rewrites, in an index scan on one of our indexes, every occurrence of
// the scan's ORDER BY expression `col <op> q` in its target list and filter into
//     COALESCE(vector_index_order_value(ctid, <index>, <op's function>, q), col <op> q)
// The scan publishes (heap TID, exact value) of the row it just returned; vector_index_order_value returns that
// value only if the row being projected is that very row of that index, for the same operator and an identical
// query vector, and NULL otherwise, so COALESCE falls back to computing the value. A miss (a row from the executor's
// reorder queue, a HOT chain member whose TID differs from the indexed root, a lower-bound value) is just the old
// cost; a hit can only be the value the expression would have computed (same row, same operator, same query).
//
// Disclosure: vector_index_order_value is callable from SQL (PUBLIC holds EXECUTE so that every role's plans can
// contain it). It answers only a role that may read the indexed column of every row of the scanned table itself
// (SELECT on the table or on that column, row-level security not applying to it): such a role could compute the
// value and read the row's ctid anyway. For anyone else, e.g. a role reading the table through a view or a
// SECURITY DEFINER function, it returns NULL and COALESCE computes the value as if there were no hand-over.
#pragma once

#include "pg/boundary.h"

extern "C" {
#include "access/skey.h"
#include "storage/itemptr.h"
#include "utils/rel.h"
}

namespace vx::pg {

// One per running index scan; lives in (and is forgotten with) the memory context it was opened in. Every row a scan
// returns goes through handover_publish or handover_forget (also with a null hand-over, and when the scan runs out):
// lookups answer only from the scan that returned a row last.
struct OrderValueHandover {
  Oid index;
  Oid heap;  // the index's table and the table column it indexes (0 for an expression)
  AttrNumber column;
  Oid reader;  // the role the last privilege check was for, and its outcome
  bool reader_may_read;
  Oid func;                          // the ORDER BY operator's function (ScanKey sk_func)
  struct varlena* query;             // detoasted copy of the ORDER BY argument
  struct varlena* query_compressed;  // a compressed form of it seen in a lookup, or nullptr
  ItemPointerData tid;               // the row last returned with an exact value
  double value;
  bool valid;
  MemoryContextCallback unlink;
};

// Starts handing over the values of `scan`'s first ORDER BY key; allocated in `cxt` and unlinked when it is reset or
// deleted (also on error). Returns nullptr when the scan has no usable ORDER BY argument.
OrderValueHandover* handover_open(Relation index, ScanKey orderby, MemoryContext cxt);
// The scan returns `tid` and its ORDER BY value is exactly `value`.
void handover_publish(OrderValueHandover* h, ItemPointer tid, double value);
// The scan returns a row whose value is not exact (a lower bound), or no row (it ran out): nothing to hand over.
void handover_forget(OrderValueHandover* h);
// The value the scan that returned a row last published for `tid` of `index`, under `func` and a query equal to
// `query`, if any.
bool handover_lookup(Oid index, Oid func, ItemPointer tid, Datum query, double* value);

}  // namespace vx::pg

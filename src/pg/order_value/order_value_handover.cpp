// The backend-local list of index scans that hand over exact ORDER BY values, and vector_index_order_value(), the
// function the planner puts in front of the recomputation (see order_value_handover.h).
#include "pg/order_value/order_value_handover.h"

extern "C" {
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/fmgrprotos.h"
#include "utils/rls.h"
}

#include <cstring>

namespace vx::pg {

namespace {

// The hand-over of the scan that returned a row last (published or forgot). The projection that reads a value runs
// right after its own scan returned the row, in the same plan node, so only that scan's entry can apply; consulting
// no other one means no entry of a scan that is still open but has moved on (a cursor, an outer side of a join) can
// ever answer for a row another scan returned, even at a TID VACUUM freed and a new row reused since.
OrderValueHandover* g_current = nullptr;

void unlink_handover(void* arg) {
  if (g_current == static_cast<OrderValueHandover*>(arg)) g_current = nullptr;
}

}  // namespace

OrderValueHandover* handover_open(Relation index, ScanKey orderby, MemoryContext cxt) {
  if (orderby == nullptr || (orderby->sk_flags & SK_ISNULL)) return nullptr;
  MemoryContext old = MemoryContextSwitchTo(cxt);
  auto* h = static_cast<OrderValueHandover*>(palloc0(sizeof(OrderValueHandover)));
  h->index = RelationGetRelid(index);
  h->heap = index->rd_index->indrelid;
  h->column = index->rd_index->indkey.values[0];
  h->func = orderby->sk_func.fn_oid;
  h->query = pg_detoast_datum_copy(reinterpret_cast<struct varlena*>(DatumGetPointer(orderby->sk_argument)));
  h->unlink.func = unlink_handover;
  h->unlink.arg = h;
  MemoryContextRegisterResetCallback(cxt, &h->unlink);
  MemoryContextSwitchTo(old);
  return h;
}

void handover_publish(OrderValueHandover* h, ItemPointer tid, double value) {
  g_current = h;
  if (h == nullptr) return;
  h->tid = *tid;
  h->value = value;
  h->valid = true;
}

void handover_forget(OrderValueHandover* h) {
  g_current = h;
  if (h != nullptr) h->valid = false;
}

namespace {

bool same_bytes(const struct varlena* a, const struct varlena* b) {
  return b != nullptr && VARSIZE_ANY(a) == VARSIZE_ANY(b) && std::memcmp(a, b, VARSIZE_ANY(a)) == 0;
}

// Whether `d` is the scan's query vector. A query read from a table row arrives pglz-compressed on every call;
// once one compressed form has been seen to decompress to the query, equal compressed bytes prove equality without
// decompressing again (decompression is deterministic).
bool is_scan_query(OrderValueHandover* h, Datum d) {
  auto* raw = reinterpret_cast<struct varlena*>(DatumGetPointer(d));
  if (!VARATT_IS_EXTENDED(raw)) return same_bytes(raw, h->query);
  bool inline_compressed = VARATT_IS_COMPRESSED(raw);
  if (inline_compressed && same_bytes(raw, h->query_compressed)) return true;
  struct varlena* full = pg_detoast_datum(raw);
  bool same = same_bytes(full, h->query);
  if (full != raw) pfree(full);
  if (same && inline_compressed && h->query_compressed == nullptr) {
    h->query_compressed = static_cast<struct varlena*>(MemoryContextAlloc(GetMemoryChunkContext(h), VARSIZE_ANY(raw)));
    std::memcpy(h->query_compressed, raw, VARSIZE_ANY(raw));
  }
  return same;
}

// Whether the current role may read the indexed column of every row of the scan's table (see the header). Checked
// once per scan and role.
bool reader_may_read(OrderValueHandover* h) {
  Oid user = GetUserId();
  if (h->reader == user) return h->reader_may_read;
  bool ok = pg_class_aclcheck(h->heap, user, ACL_SELECT) == ACLCHECK_OK ||
            (h->column > 0 && pg_attribute_aclcheck(h->heap, h->column, user, ACL_SELECT) == ACLCHECK_OK);
  if (ok) ok = check_enable_rls(h->heap, user, true) != RLS_ENABLED;
  h->reader = user;
  h->reader_may_read = ok;
  return ok;
}

}  // namespace

bool handover_lookup(Oid index, Oid func, ItemPointer tid, Datum query, double* value) {
  OrderValueHandover* h = g_current;
  if (h == nullptr || !h->valid || h->index != index || h->func != func || !ItemPointerEquals(&h->tid, tid) ||
      !is_scan_query(h, query) || !reader_may_read(h))
    return false;
  *value = h->value;
  return true;
}

}  // namespace vx::pg

// vector_index_order_value(tid, index regclass, operator function regprocedure, query vector) -> float8 or NULL.
VX_FUNCTION(vx_index_order_value) {
  double value;
  if (vx::pg::handover_lookup(PG_GETARG_OID(1), PG_GETARG_OID(2), reinterpret_cast<ItemPointer>(PG_GETARG_POINTER(0)),
                              PG_GETARG_DATUM(3), &value))
    PG_RETURN_FLOAT8(value);
  PG_RETURN_NULL();
}

// SQL fragments built from catalog OIDs (see mlops_sql_text.h), and vectorext._equality_operator(regtype), the
// PL/pgSQL functions' way to the same operator text.
#include "pg/mlops/mlops_sql_text.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_operator.h"
#include "utils/builtins.h"
#include "utils/syscache.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"
}

namespace vx::pg {

char* relation_sql(Oid rel) {
  char* name = get_rel_name(rel);
  if (name == nullptr) return nullptr;
  char* nsp = get_namespace_name(get_rel_namespace(rel));
  if (nsp == nullptr) return nullptr;
  return pstrdup(quote_qualified_identifier(nsp, name));
}

char* equality_operator_sql(Oid type) {
  TypeCacheEntry* tc = lookup_type_cache(type, TYPECACHE_EQ_OPR);
  if (!OidIsValid(tc->eq_opr))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_FUNCTION),
                    errmsg("could not identify an equality operator for type %s", format_type_be(type)),
                    errhint("Key columns of collections need a type with a default btree operator class.")));
  HeapTuple tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(tc->eq_opr));
  if (!HeapTupleIsValid(tup)) elog(ERROR, "cache lookup failed for operator %u", tc->eq_opr);
  auto* op = reinterpret_cast<Form_pg_operator>(GETSTRUCT(tup));
  char* sql = psprintf("OPERATOR(%s.%s)", quote_identifier(get_namespace_name(op->oprnamespace)), NameStr(op->oprname));
  ReleaseSysCache(tup);
  return sql;
}

}  // namespace vx::pg

// vectorext._equality_operator(regtype) RETURNS text: see equality_operator_sql.
VX_FUNCTION(vx_mlops_equality_operator) {
  PG_RETURN_TEXT_P(cstring_to_text(vx::pg::equality_operator_sql(PG_GETARG_OID(0))));
}

// The ANN access method registry (ann_registry.h). Static constructors only record pointers.
#include "pg/ann/ann_registry.h"

#include <algorithm>
#include <vector>

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "lib/stringinfo.h"
#include "utils/syscache.h"
}

namespace vx::pg {

namespace {
std::vector<const AnnAccessMethod*>& registry() {
  static std::vector<const AnnAccessMethod*> methods;
  return methods;
}
}  // namespace

AnnAccessMethodRegistration::AnnAccessMethodRegistration(const AnnAccessMethod* am) {
  auto& r = registry();
  r.push_back(am);
  std::sort(r.begin(), r.end(),
            [](const AnnAccessMethod* a, const AnnAccessMethod* b) { return a->listing_order < b->listing_order; });
}

const AnnAccessMethod* ann_access_method_by_handler(Oid handler) {
  if (!OidIsValid(handler)) return nullptr;
  FmgrInfo fn;
  fmgr_info(handler, &fn);
  for (const AnnAccessMethod* am : registry())
    if (am->handler == fn.fn_addr) return am;
  return nullptr;
}

const AnnAccessMethod* ann_access_method_of(Oid indexoid) {
  HeapTuple rel = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
  if (!HeapTupleIsValid(rel)) return nullptr;
  const Oid am = reinterpret_cast<Form_pg_class>(GETSTRUCT(rel))->relam;
  ReleaseSysCache(rel);
  HeapTuple amtup = SearchSysCache1(AMOID, ObjectIdGetDatum(am));
  if (!HeapTupleIsValid(amtup)) return nullptr;
  const Oid handler = reinterpret_cast<Form_pg_am>(GETSTRUCT(amtup))->amhandler;
  ReleaseSysCache(amtup);
  return ann_access_method_by_handler(handler);
}

const char* ann_access_method_names(const char* conjunction) {
  StringInfoData s;
  initStringInfo(&s);
  const auto& r = registry();
  for (std::size_t i = 0; i < r.size(); ++i)
    appendStringInfo(&s, "%s%s", i == 0 ? "" : i + 1 == r.size() ? psprintf(" %s ", conjunction) : ", ", r[i]->name);
  return s.data;
}

}  // namespace vx::pg

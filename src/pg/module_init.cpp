// Registry of per-subsystem load functions. Static constructors only record pointers; nothing touches Postgres
// before _PG_init runs them.
#include "pg/module_init.h"

#include <vector>

namespace vx::pg {
namespace {
std::vector<LoadFunction>& registry() {
  static std::vector<LoadFunction> functions;
  return functions;
}
}  // namespace

LoadRegistration::LoadRegistration(LoadFunction f) { registry().push_back(f); }

void run_load_functions() {
  for (LoadFunction f : registry()) f();
}
}  // namespace vx::pg

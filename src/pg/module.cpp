// Module entry: the magic block and _PG_init, which registers settings of every subsystem.
#include "pg/boundary.h"
#include "pg/module_init.h"

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
}

extern "C" void _PG_init(void) {
  vx::pg::guard([] { vx::pg::run_load_functions(); });
}

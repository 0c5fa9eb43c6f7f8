// Magic block of vectorext_faiss.so, so that load_external_function() accepts it. The module's code is the pure
// C ABI in src/faiss/faiss_train.cpp; nothing in it calls Postgres.
#include "pg/compat.h"

extern "C" {
PG_MODULE_MAGIC;
}

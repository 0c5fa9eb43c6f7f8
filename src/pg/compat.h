// The one place that knows which PostgreSQL major version we build against. Every src/pg file includes
// Postgres headers through this file (directly or via boundary.h), so version differences stay here.
#pragma once

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif
}

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 180000
#error "vectorext supports PostgreSQL 15 (16 and 17 go through this header)"
#endif

// PG15 leaves PGDLLEXPORT empty, so with -fvisibility=hidden the magic block and pg_finfo_* symbols would vanish.
#undef PGDLLEXPORT
#define PGDLLEXPORT __attribute__((visibility("default")))

// Postgres' own headers are C; these C++ spellings keep call sites readable.
#define VX_SQLSTATE(code) ERRCODE_##code

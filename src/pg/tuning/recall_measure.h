// Recall measurement of one ANN index (vectorext.index_recall, vectorext.tune, the drift check; docs/tuning.md):
//   open_target     locks the table and the index, checks privileges, prepares the index's key expression,
//                   predicate and ORDER BY operator;
//   sample_queries  a deterministic sample of the indexed values (optionally perturbed), or
//   select_queries  the rows of a caller-supplied SELECT (run through SPI with the caller's rights);
//   compile_filter  an optional boolean expression over the table's columns, parameters $1.. from the queries;
//   exact_search    ground truth from sequential heap passes with the operator (never an index), in batches;
//   ann_search      each query through the index itself, emulating the executor's reorder queue, so the rows
//                   counted are those `ORDER BY key <op> q LIMIT k` returns through this index.
// Recall@k is tie-aware: a returned row counts if its exact distance is at most the k-th exact distance.
// Everything is palloc'd in the caller's memory context; no C++ object with a destructor lives in these frames.
#pragma once

#include "pg/ann/ann_family.h"
#include "pg/boundary.h"

extern "C" {
#include "access/genam.h"
#include "executor/executor.h"
#include "nodes/execnodes.h"
#include "utils/snapshot.h"
}

namespace vx::pg::recall {

constexpr int kMaxK = 1000;
constexpr int kMaxQueries = 10000;
constexpr int kBatch = 1000;  // queries per heap pass of the exact search (one progress NOTICE each)

struct Target {
  Relation heap;
  Relation index;
  AnnFamily family;
  IndexInfo* info;
  EState* estate;
  ExprContext* econtext;  // per-tuple context; ecxt_scantuple = slot
  ExprState* predicate;   // partial index predicate, or nullptr
  TupleTableSlot* slot;
  FmgrInfo distance;  // the index's ORDER BY operator's function
  Oid distance_func;
  Oid key_type;  // the operator's right-hand type (query type)
  Oid collation;
  bool key_is_vector;  // the key is our `vector` (perturbation is possible)
  Snapshot snapshot;   // registered; the exact and the ANN side see the same rows
};
// Opens `indexoid` for measurement: AccessShareLock on table and index, SELECT on the table required (and no
// row-level security in force), the index one of ours and valid. `function` names the caller in messages.
void open_target(Target* t, Oid indexoid, const char* function);
// keep_locks: close the relations but hold their locks to the end of the transaction (tune alters the index next).
void close_target(Target* t, bool keep_locks = false);
// The key the index holds for the row in t->slot (its expression evaluated, in per-tuple memory), or false when the
// row is not indexed (NULL key, or outside a partial index's predicate when check_predicate).
bool indexed_key(Target* t, bool check_predicate, Datum* key);

struct QuerySet {
  int n;
  Datum* vectors;  // detoasted copies of the key type
  int nparams;     // filter parameters per query ($1..$nparams)
  Oid* param_types;
  Datum* params;  // n * nparams
  bool* param_nulls;
};
// `sample` indexed values chosen by a seeded hash of their bytes (the same rows on every run and on a standby),
// each perturbed with Gaussian noise of relative norm `perturb` (0: the values themselves).
void sample_queries(Target* t, int sample, double perturb, QuerySet* out);
// Rows of `select`: column 1 the query (of the key type), further columns the filter's parameters.
void select_queries(Target* t, const char* select, double perturb, QuerySet* out);

// A compiled filter (nullptr qual: none). Evaluated with the table row in the slot and the query's parameters.
struct Filter {
  ExprState* qual;
  ParamListInfo params;
};
void compile_filter(Target* t, const char* text, const QuerySet* q, Filter* out);

// Ground truth of query i: the exact distance of its m-th nearest qualifying row (m = min(k, qualifying rows)).
struct Truth {
  double threshold;
  int m;
};
void exact_search(Target* t, const QuerySet* q, Filter* f, int k, Truth* out, const char* function);

struct Measured {
  int64 hits;
  int64 expected;  // sum of m
  double ms_per_query;
  double recall() const { return expected > 0 ? double(hits) / double(expected) : 1.0; }
};
// Argument checks shared by the SQL entry points (22023 / 54000 with the limits in the message).
void check_arguments(int k, int sample, double perturb);

// Queries (select if not null, else a sample), filter and ground truth together. The caller's SELECT text and filter
// are parsed under `caller_path` (the caller's search_path, as the SQL wrapper passed it; nullptr: the pinned one),
// set function-locally around them only: they are the caller's code and name the caller's objects.
struct Prepared {
  QuerySet queries;
  Filter filter;
  Truth* truth;
};
void prepare(Target* t, int k, int sample, const char* select, const char* filter, double perturb,
             const char* caller_path, Prepared* out, const char* function);

// Runs every query through the index (at whatever settings are in force: see tuning::set_measurement). With a
// `function` name, a NOTICE per kBatch queries when there are more.
Measured ann_search(Target* t, const QuerySet* q, Filter* f, int k, const Truth* truth, const char* function = nullptr);

}  // namespace vx::pg::recall

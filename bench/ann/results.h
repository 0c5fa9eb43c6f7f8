// Everything a run measured, one record per measured point; the report and the CSV files are made from these.
// `system` is vectorext, pgvector, raw (hnswlib / Faiss in this process) or floor.
#pragma once

#include <cmath>
#include <string>
#include <vector>

namespace ab {

struct SearchPoint {
  std::string dataset, family, method, system, param_name;
  int param = 0;
  bool ok = false;
  double recall = NAN, qps = NAN;
  std::vector<double> runs;  // QPS of every timed pass
  std::string note;
};

struct BuildPoint {
  std::string dataset, family, method, system;
  int threads = 0;
  bool ok = false;
  double seconds = NAN, bytes = NAN, wal_bytes = NAN;
  std::string note;
};

struct FilterPoint {
  std::string dataset, method, system, mode, selectivity;
  int category = 0, setting = 0;  // ef_search or probes
  bool btree = false;             // a btree on category existed: the planner chose between it and the ANN index
  bool filter_column = false;     // vectorext hnsw with category as a filter column (the condition in the index)
  bool ok = false;
  double recall = NAN, rows = NAN, min_rows = NAN, qps = NAN;
  std::vector<double> runs;
  std::string plan, note;
};

struct InsertPoint {
  std::string dataset, method, system;
  int sessions = 0, rows = 0;
  bool ok = false;
  double rows_per_s = NAN, wal_bytes_per_row = NAN, index_growth_bytes = NAN;
  std::vector<double> runs;  // rows/s of every chunk
  std::string note;
};

struct MemoryPoint {
  std::string dataset, method, system, shared_buffers;
  int param = 0;
  bool ok = false;
  double index_mb = NAN, ws_index_mb = NAN, ws_table_mb = NAN;  // working set: pages touched by the queries
  double qps = NAN, recall = NAN, index_reads_per_query = NAN, table_reads_per_query = NAN;
  std::vector<double> runs;
  std::string note;
};

struct Results {
  std::vector<SearchPoint> search;
  std::vector<BuildPoint> build;
  std::vector<FilterPoint> filter;
  std::vector<InsertPoint> insert;
  std::vector<MemoryPoint> memory;
  std::vector<std::string> datasets;  // in run order, with their descriptions below
  std::vector<std::string> descriptions, short_descriptions;
  std::vector<int> rows;         // base rows of each dataset
  std::string pgvector_version;  // empty: pgvector was not measured

  const SearchPoint* find_search(const std::string& ds, const std::string& method, int param) const;
  const BuildPoint* find_build(const std::string& ds, const std::string& method, int threads) const;
  // median QPS at the smallest setting (ef_search / probes) whose recall reaches `target`; NAN if none does.
  // Not the best QPS among all settings that reach it: that picks whichever pass a burst of load favoured.
  double qps_at_recall(const std::string& ds, const std::string& method, double target, int* param = nullptr) const;
};

}  // namespace ab

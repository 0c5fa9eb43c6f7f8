// What a run prints and writes: per-dataset tables (builds, recall/QPS per setting, QPS at recall 0.95/0.99,
// filtered, inserts, memory), the summary table in the shape of issue 14's Targets table (pgvector = 1x), CSV files
// and gnuplot scripts (bench/run.sh renders them to PNG).
#pragma once

#include <string>

#include "options.h"
#include "results.h"

namespace ab {

void print_dataset_report(const Results& r, const Options& o, const std::string& ds);
void print_summary(const Results& r, const Options& o, FILE* out);
void write_csv(const Results& r, const Options& o);
void write_plots(const Results& r, const Options& o);

// The methods of one dataset and family, in the order they were measured.
std::vector<std::string> methods_of(const Results& r, const std::string& ds, const std::string& family);

}  // namespace ab

// Everything `make bench` does on one dataset: derive it, ground truth, load the table into each system, then the
// workloads in an order that lets them share indexes: SQL floor; IVF rounds (ivfflat of both systems beside raw
// Faiss IVFFlat, then each vectorext ivf quantizer beside its Faiss twin) with the filtered workload on ivfflat;
// the HNSW round (both systems beside raw hnswlib) followed, on the same indexes, by the filtered, memory and insert
// workloads. Then the tables of this dataset are printed.
#pragma once

#include <string>

#include "options.h"
#include "results.h"
#include "systems.h"

namespace ab {

void run_dataset(const Options& o, Systems& systems, Results& r, const std::string& name);

}  // namespace ab

// The raw libraries vectorext's indexes are built on, measured in this process as baselines with the same
// parameters: hnswlib (graph, M / ef_construction) and Faiss IVF (IndexIVFFlat; IndexIVFPQ re-ranked exactly by
// IndexRefineFlat). Cosine and inner product run as inner product on the (normalised) vectors.
#pragma once

#include <memory>

#include "method.h"

namespace ab {

std::unique_ptr<Method> make_raw_hnswlib(const Context& ctx);
std::unique_ptr<Method> make_raw_faiss_ivfflat(const Context& ctx, int lists);
std::unique_ptr<Method> make_raw_faiss_ivfpq_refine(const Context& ctx, int lists, int pq_m, int rerank);

// OpenMP threads for Faiss; OpenBLAS stays single-threaded (its threads fight Faiss's: 5x slower builds seen here).
void set_library_threads(int n);

}  // namespace ab

// The arithmetic of recall measurement and tuning (vectorext.index_recall, vectorext.tune; docs/tuning.md), pure so
// it is unit-tested without a server: ground-truth top-k, tie-aware hits, the executor's reorder rule, the sweep
// ladder, the compact recall curve stored as an index option, and deterministic sampling and perturbation.
// Everything works on caller-provided arrays (no allocation), so Postgres glue can call it from frames that
// Postgres errors may longjmp through.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vx::core::recall {

// float8 order as Postgres sorts it: NaN after every number.
inline bool dist_less(double a, double b) {
  if (a != a) return false;
  if (b != b) return true;
  return a < b;
}

// Keeps the k smallest distances seen in a max-heap of capacity k (h[0] is the largest kept).
void topk_push(double* h, int* n, int k, double v);

// Tie-aware hits of one query: results whose exact distance is at most the m-th smallest exact distance
// (`threshold`), capped at m. Any row at that distance belongs to some valid exact top-m, so duplicates and ties
// never count against the index.
int count_hits(const double* ann, int n_ann, double threshold, int m);

// A row the emulated executor fetched but has not emitted yet (IndexNextWithReorder's reorder queue).
struct Pending {
  double order;  // the value the queue orders by: the exact distance, or the scan's own value when exact
  bool null;     // NULL ORDER BY value (sorts after every value)
  double exact;  // the row's exact distance (what the hit test uses)
};
// Min-heap by (order, NULLs last).
bool pending_before(const Pending& a, const Pending& b);
void pending_push(Pending* h, int* n, Pending p);
Pending pending_pop(Pending* h, int* n);
// Whether the queue's first entry may be emitted now: the scan ran out, or its value is at most the bound the scan
// returned last (rows the scan returns later have bounds at least that large).
bool may_emit(const Pending& top, bool reached_end, double last_bound, bool last_null);

// Sweep ladder: 1 1.2 1.5 2 2.5 3 4 5 6 8 10 12 15 20 ... restricted to [lo, hi], always including lo and hi.
// Returns the number of values written (at most cap).
int sweep_ladder(int lo, int hi, int* out, int cap);

// One point of a recall curve: a search parameter value and the recall measured at it.
struct CurvePoint {
  int value;
  double recall;
};
constexpr int kMaxCurvePoints = 64;
// "value:recall,value:recall,..." with ascending values and recalls in [0, 1] (4 decimals). Returns the length
// written (excluding the NUL) or -1 if cap is too small.
int format_curve(const CurvePoint* p, int n, char* out, std::size_t cap);
// Parses that form; false on any syntax error, a value outside [1, max_value], values not ascending, recall
// outside [0, 1], or more than cap points.
bool parse_curve(const char* text, int max_value, CurvePoint* out, int cap, int* n);
// The cheapest point (smallest value) whose recall is at least target, or -1 if none.
int cheapest_meeting(const CurvePoint* p, int n, double target);
// What a scan uses for a recall target: the cheapest point meeting it, else the point of best recall (the
// smallest value among equals). -1 for an empty curve.
int pick_for_target(const CurvePoint* p, int n, double target);

// Deterministic sampling key of a row: 64-bit hash of its indexed value's bytes with a seed (the same rows are
// chosen on every run, on a standby, and after the table is rewritten).
uint64_t sample_key(const void* bytes, std::size_t len, uint64_t seed);
// Adds Gaussian noise of standard deviation scale * |x| / sqrt(dims) to each element (so the noise's norm is about
// scale * |x|), from a generator seeded with `seed`.
void perturb(float* x, int dims, double scale, uint64_t seed);

}  // namespace vx::core::recall

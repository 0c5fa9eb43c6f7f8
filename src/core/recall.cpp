// Recall measurement and tuning arithmetic (see recall.h).
#include "core/recall.h"

#include "core/binary_heap.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vx::core::recall {

void topk_push(double* h, int* n, int k, double v) {
  if (k <= 0) return;
  if (*n == k) {
    if (!dist_less(v, h[0])) return;
    // replace the largest and sift down
    int i = 0;
    for (;;) {
      int l = 2 * i + 1, r = l + 1, big = i;
      double bv = v;
      if (l < *n && dist_less(bv, h[l])) big = l, bv = h[l];
      if (r < *n && dist_less(bv, h[r])) big = r;
      if (big == i) break;
      h[i] = h[big];
      i = big;
    }
    h[i] = v;
    return;
  }
  int i = (*n)++;
  while (i > 0) {
    int p = (i - 1) / 2;
    if (!dist_less(h[p], v)) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = v;
}

int count_hits(const double* ann, int n_ann, double threshold, int m) {
  int hits = 0;
  for (int i = 0; i < n_ann; ++i)
    if (!dist_less(threshold, ann[i])) ++hits;
  return hits < m ? hits : m;
}

bool pending_before(const Pending& a, const Pending& b) {
  if (a.null != b.null) return !a.null;
  if (a.null) return false;
  return dist_less(a.order, b.order);
}

void pending_push(Pending* h, int* n, Pending p) { heap_push(h, n, p, pending_before); }
Pending pending_pop(Pending* h, int* n) { return heap_pop(h, n, pending_before); }

bool may_emit(const Pending& top, bool reached_end, double last_bound, bool last_null) {
  if (reached_end || last_null) return true;  // a NULL bound sorts after every value
  if (top.null) return false;
  return !dist_less(last_bound, top.order);
}

int sweep_ladder(int lo, int hi, int* out, int cap) {
  static const int kMantissa[] = {10, 12, 15, 20, 25, 30, 40, 50, 60, 80};
  int n = 0;
  if (lo < 1) lo = 1;
  if (hi < lo || cap <= 0) return 0;
  out[n++] = lo;
  for (long decade = 1; decade <= hi && n < cap; decade *= 10) {
    for (int m : kMantissa) {
      long v = decade * m / 10;
      if (v * 10 != decade * m) continue;  // 1.2, 1.5, 2.5 exist from 10 up
      if (v <= out[n - 1] || v >= hi) continue;
      if (n < cap) out[n++] = static_cast<int>(v);
    }
  }
  if (hi > out[n - 1] && n < cap) out[n++] = hi;
  return n;
}

int format_curve(const CurvePoint* p, int n, char* out, std::size_t cap) {
  std::size_t len = 0;
  if (cap == 0) return -1;
  out[0] = '\0';
  for (int i = 0; i < n; ++i) {
    int w = std::snprintf(out + len, cap - len, "%s%d:%.4f", i ? "," : "", p[i].value, p[i].recall);
    if (w < 0 || static_cast<std::size_t>(w) >= cap - len) return -1;
    len += static_cast<std::size_t>(w);
  }
  return static_cast<int>(len);
}

bool parse_curve(const char* text, int max_value, CurvePoint* out, int cap, int* n) {
  *n = 0;
  const char* s = text;
  if (s == nullptr || *s == '\0') return false;
  for (;;) {
    if (*n >= cap) return false;
    char* end;
    errno = 0;
    long v = std::strtol(s, &end, 10);
    if (end == s || *end != ':' || errno || v < 1 || v > max_value) return false;
    s = end + 1;
    if (!(*s >= '0' && *s <= '9') && *s != '.') return false;  // strtod would accept spaces, signs, "inf", "nan"
    double r = std::strtod(s, &end);
    if (end == s || !(r >= 0.0 && r <= 1.0)) return false;
    if (*n > 0 && v <= out[*n - 1].value) return false;
    out[(*n)++] = {static_cast<int>(v), r};
    s = end;
    if (*s == '\0') return true;
    if (*s != ',') return false;
    ++s;
  }
}

int cheapest_meeting(const CurvePoint* p, int n, double target) {
  for (int i = 0; i < n; ++i)
    if (p[i].recall >= target) return i;
  return -1;
}

int pick_for_target(const CurvePoint* p, int n, double target) {
  int i = cheapest_meeting(p, n, target);
  if (i >= 0 || n == 0) return i;
  int best = 0;
  for (int j = 1; j < n; ++j)
    if (p[j].recall > p[best].recall) best = j;
  return best;
}

namespace {
uint64_t splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
}  // namespace

uint64_t sample_key(const void* bytes, std::size_t len, uint64_t seed) {
  // FNV-1a over the bytes, then a splitmix finaliser with the seed (FNV alone orders similar vectors similarly).
  uint64_t h = 0xcbf29ce484222325ULL;
  const auto* b = static_cast<const unsigned char*>(bytes);
  for (std::size_t i = 0; i < len; ++i) h = (h ^ b[i]) * 0x100000001b3ULL;
  uint64_t state = h ^ seed;
  return splitmix64(&state);
}

void perturb(float* x, int dims, double scale, uint64_t seed) {
  if (dims <= 0 || scale == 0) return;
  double norm2 = 0;
  for (int i = 0; i < dims; ++i) norm2 += double(x[i]) * x[i];
  double sigma = scale * std::sqrt(norm2 / dims);
  uint64_t state = seed;
  for (int i = 0; i < dims; i += 2) {
    // Box-Muller: two standard normals from two uniforms in (0, 1]
    double u1 = (double(splitmix64(&state) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
    double u2 = double(splitmix64(&state) >> 11) * (1.0 / 9007199254740992.0);
    double r = std::sqrt(-2.0 * std::log(u1));
    x[i] = static_cast<float>(x[i] + sigma * r * std::cos(2 * M_PI * u2));
    if (i + 1 < dims) x[i + 1] = static_cast<float>(x[i + 1] + sigma * r * std::sin(2 * M_PI * u2));
  }
}

}  // namespace vx::core::recall

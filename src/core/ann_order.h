// Handing candidates to the executor in order (pure C++17, header-only, no allocation): what every ANN scan does
// with the candidates it scored, over a plain array (the scans keep theirs in palloc'd memory).
//   ensure_sorted  candidates are selected and sorted lazily, in growing chunks, as the executor asks for rows: a
//                  query usually takes the first k of many (a full sort was ~5 % of an ivf pq query)
//   settle_next    makes the next candidate final: a candidate whose score can still change (an exact copy's lower
//                  bound, replaced by the exact value, never smaller) is settled and moved back to its place among the
//                  rest, until the next one is final; so the values handed to the executor stay nondecreasing, exact
//                  values and lower bounds mixed (docs/ivf.md "Exactness", docs/hnsw.md "Scan")
#pragma once

#include <algorithm>
#include <cstddef>

namespace vx::core {

// Makes c[sorted, upto) the next candidates in order (`closer` is a strict total order). Sorts at least 32 and at
// least as many as before, so a scan that keeps asking sorts O(n log n) in total.
template <class T, class Closer>
void ensure_sorted(T* c, std::size_t n, std::size_t* sorted, std::size_t upto, Closer closer) {
  if (upto <= *sorted) return;
  upto = std::min(n, std::max({upto, *sorted * 2, std::size_t{32}}));
  T* first = c + *sorted;
  T* mid = c + upto;
  if (mid != c + n) std::nth_element(first, mid, c + n, closer);
  std::sort(first, mid, closer);
  *sorted = upto;
}

// Settles c[pos] until it is final. `settle(T&)` returns false for a final candidate; otherwise it updates the
// candidate (its value never decreases) and returns true. `ensure(upto)` makes c[0, upto) sorted (ensure_sorted, or
// nothing for an array sorted whole).
template <class T, class Closer, class Settle, class Ensure>
void settle_next(T* c, std::size_t pos, std::size_t n, Closer closer, Settle settle, Ensure ensure) {
  for (;;) {
    ensure(pos + 1);
    if (pos >= n) return;
    T v = c[pos];
    if (!settle(v)) return;
    std::size_t i = pos;
    for (;;) {
      ensure(i + 2);  // c[i + 1] is in the sorted part (or past the end)
      if (i + 1 >= n || !closer(c[i + 1], v)) break;
      c[i] = c[i + 1];
      ++i;
    }
    c[i] = v;
  }
}

}  // namespace vx::core

// A binary heap over a caller's array (no allocation, so it can run in frames Postgres may longjmp through): the
// one heap of the core, used by the HNSW layer search (core/hnsw/hnsw_search.h) and the recall emulation of ordered
// index scans (core/recall.cpp). above(a, b): a belongs nearer the root than b.
#pragma once

namespace vx::core {

template <class T, class Above>
inline void heap_push(T* h, int* n, T c, Above above) {
  int i = (*n)++;
  while (i > 0) {
    int p = (i - 1) / 2;
    if (!above(c, h[p])) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = c;
}

template <class T, class Above>
inline T heap_pop(T* h, int* n, Above above) {
  T top = h[0];
  T last = h[--(*n)];
  int i = 0, sz = *n;
  for (;;) {
    int l = 2 * i + 1;
    if (l >= sz) break;
    int r = l + 1;
    int c = (r < sz && above(h[r], h[l])) ? r : l;
    if (!above(h[c], last)) break;
    h[i] = h[c];
    i = c;
  }
  if (sz > 0) h[i] = last;
  return top;
}

}  // namespace vx::core

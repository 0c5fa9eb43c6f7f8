// Inserting one element into the page graph (aminsert, and CREATE INDEX when the graph does not fit in memory).
//
// Locking protocol (no deadlock, no lost element):
//  * Buffer locks are only ever taken (a) on the meta page alone, (b) on one group of consecutive pages of a
//    record or one upper page, in ascending block order, or (c) meta first, then record pages (only while inserting
//    into an empty index). Nobody waits for the meta page while holding a record page, so there is no cycle.
//  * Id allocation: meta page exclusive -> take id = count, bump count, reserve the segment/upper space; an
//    element that finds the index empty writes its record under that same meta lock and becomes the entry point,
//    so no inserter ever starts from an entry point whose record is not on disk yet.
//  * Back links are planned before the new record is written: read each neighbour's list under a share lock and
//    compute the new (possibly pruned) list without any lock held; entries a pruned list drops are adopted into the
//    new record. Reading other vectors never happens while an exclusive lock is held.
//  * The new record (upper lists, then level-0 list, vector and header: one WAL record when it fits a page, else
//    the header with the VALID flag last) is written before any other element links to it; readers skip records
//    without VALID, so they never follow a link to an unwritten record (also on a standby, which replays the WAL in
//    the same order).
//  * Back links are optimistic: lock the list's pages exclusively and write only if the list is unchanged (lists of
//    neighbours on one page together); a list that changed is planned again and retried.
//  * The entry point moves up (meta exclusive, re-checked) only after the element is fully linked.
//  * An index with filter columns gets the element's filter directory entry (one directory page, alone) after the id
//    is taken and before the record is written (hnsw_filter_dir.h).
// Every page change is a GenericXLog record of at most 4 pages.
#include "pg/hnsw/hnsw.h"
#include "pg/hnsw/hnsw_filter.h"
#include "pg/hnsw/hnsw_filter_dir.h"
#include "pg/hnsw/hnsw_meta.h"
#include "pg/hnsw/hnsw_values.h"

extern "C" {
#include "access/generic_xlog.h"
#include "common/hashfn.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
}

#include <algorithm>
#include <cmath>
#include <cstring>

namespace vx::pg::hnsw {

namespace {

// The level of a new element: floor(-ln(u) / ln(m)) with u uniform in (0, 1), as in the HNSW paper. u comes from a
// hash of the element's heap TID rather than the backend's random state, so the same rows inserted in the same order
// give the same graph in every session and on every machine: a test's recall and reachability figures, and a bug
// report's reproducer, do not change from run to run. The hash spreads neighbouring TIDs over the whole range.
int level_for_tid(int m, ItemPointer tid) {
  uint64 key = (uint64(ItemPointerGetBlockNumberNoCheck(tid)) << 16) | ItemPointerGetOffsetNumberNoCheck(tid);
  uint64 h = hash_bytes_uint32_extended(uint32(key), key >> 32);
  double u = (double(h >> 11) + 0.5) * (1.0 / 9007199254740992.0);  // 53 random bits, never 0 or 1
  int level = int(std::floor(-std::log(u) / std::log(double(m))));
  return std::min(level, std::min(max_level_for(uint32(m)), 255));
}

// Writes the record of `id` (upper lists first, header with VALID last); filter_area: its filter columns' values
// (g->filters.bytes, hnsw_filter.h), nullptr without.
void write_element(Graph* g, uint32 id, const float* vec, const char* filter_area, ItemPointer tid, int level,
                   BlockNumber upper_block, uint32 upper_off, int32* const* lists, const int* counts) {
  uint32 m = g->m;
  if (level > 0) {
    uint32 ub = upper_level_bytes(m);
    char* up = static_cast<char*>(palloc0(ub * level));
    for (int l = 1; l <= level; ++l) {
      uint32 n = uint32(counts[l]);
      std::memcpy(up + (l - 1) * ub, &n, 4);
      std::memcpy(up + (l - 1) * ub + 4, lists[l], 4 * n);
    }
    write_upper(g->index, upper_block, upper_off, ub * level, up);
    pfree(up);
  }
  uint32 body = g->record_size - kHeaderBytes;
  char* rec = static_cast<char*>(palloc0(g->record_size));
  HnswRecordHeader* h = reinterpret_cast<HnswRecordHeader*>(rec);
  h->flags = kFlagValid;
  h->level = uint8(level);
  h->n0 = uint16(counts[0]);
  h->tid = *tid;
  h->upper_off = uint16(upper_off);
  set_upper_block(*h, level > 0 ? upper_block : InvalidBlockNumber);
  std::memcpy(rec + kHeaderBytes, lists[0], 4 * counts[0]);
  encode_element(rec, m, vec, g->dims, *g->contract);
  take_value_ref(g, rec);  // the value pages prepare_element_values wrote
  if (filter_area) std::memcpy(rec + g->filter_offset, filter_area, g->filters.bytes);
  if (g->record_size <= kUsable) {
    // Within one page, or over two pages of a packed group: one WAL record (of its one or two pages), header
    // included. It is applied atomically (on the primary under the pages' exclusive locks, on a standby by replay),
    // and nothing links to the element yet, so "VALID last" holds.
    write_record_bytes(g->index, g, id, 0, g->record_size, rec);
  } else {
    write_record_bytes(g->index, g, id, kHeaderBytes, body, rec + kHeaderBytes);
    write_record_bytes(g->index, g, id, 0, kHeaderBytes, rec);
  }
  pfree(rec);
}

// Writes the first element of an empty index (meta_allocate calls it under the meta page lock).
struct FirstElement {
  const float* vec;
  const char* filter_area;
  ItemPointer tid;
};
void write_first_element(Graph* g, const Allocation& a, void* arg) {
  const FirstElement* f = static_cast<const FirstElement*>(arg);
  int32 empty[1];
  int32* lists[256];
  int counts[256];
  for (int l = 0; l <= a.level; ++l) {
    lists[l] = empty;
    counts[l] = 0;
  }
  dir_write_entry(g, a.id, f->filter_area);  // before the record (hnsw_filter_dir.h)
  write_element(g, a.id, f->vec, f->filter_area, f->tid, a.level, a.upper_block, a.upper_off, lists, counts);
}

// Distances between candidates, for the selection heuristic: elements copied once into a matrix (width floats a row).
struct PairDist {
  const Graph* g;
  const float* mat;
  float operator()(int i, int j) const {
    return element_distance(g, mat + size_t(i) * g->width, mat + size_t(j) * g->width);
  }
};

// Whether two elements in memory (decoded copies, or stored bytes) are the same value (what "a copy of the base"
// means for every metric); width: floats per element.
bool same_vector(const float* a, const float* b, uint32 width) { return std::memcmp(a, b, sizeof(float) * width) == 0; }

// The new element while its record is not written yet (back links are planned before it is, see insert_element):
// its id, its element as read_vector would return it (`base`) and, for half copies, the copy distance_to would rank.
struct Fresh {
  uint32 id;
  const float* base;
  const uint16* half;  // nullptr for OwnBytes
};

// distance_to(g, fresh.id, q) without reading the page: the same kernel on the same bytes.
float fresh_distance(const Graph* g, const Fresh& fresh, const float* q) {
  const AnnContract& c = *g->contract;
  if (own_bytes(c))
    return c.stored_rank(reinterpret_cast<const uint8*>(q), reinterpret_cast<const uint8*>(fresh.base), int(g->dims));
  return core::half_rank(g->metric, q, fresh.half, g->dims);
}

// Sorts cands as sort_candidates does and moves the rows of mat along (row i belongs to cands[i] before and after),
// in place through one spare row: elements read in an unsorted order are then where select_from expects them, without
// a second matrix (a fresh one per insert costs page faults at high dimensions). perm: n ints of scratch.
void sort_candidates_with_rows(Candidate* cands, int n, float* mat, uint32 width, float* spare, int* perm) {
  for (int i = 0; i < n; ++i) perm[i] = i;
  std::sort(perm, perm + n, [&](int x, int y) {
    return cands[x].dist < cands[y].dist || (cands[x].dist == cands[y].dist && cands[x].id < cands[y].id);
  });
  const size_t row = sizeof(float) * width;
  for (int start = 0; start < n; ++start) {  // position j takes the old row perm[j], cycle by cycle
    if (perm[start] < 0 || perm[start] == start) continue;
    Candidate first = cands[start];
    std::memcpy(spare, mat + size_t(start) * width, row);
    int j = start;
    for (;;) {
      int k = perm[j];
      perm[j] = -1;
      if (k == start) {
        cands[j] = first;
        std::memcpy(mat + size_t(j) * width, spare, row);
        break;
      }
      cands[j] = cands[k];
      std::memcpy(mat + size_t(j) * width, mat + size_t(k) * width, row);
      j = k;
    }
  }
}

// Chooses up to max_keep neighbours among sorted cands (vectors read from the index into mat, row i = cands[i]) for
// the element whose decoded copy is `base`; writes ids to out. With keep_pruned, tops the selection up to max_keep
// (re-pruning a full list, see core::hnsw::keep_pruned). loaded: the rows are in mat already.
int select_from(Graph* g, const Candidate* cands, int n, int max_keep, int32* out, float* mat, const float* base,
                bool keep_pruned = false, bool loaded = false) {
  for (int i = 0; i < n && !loaded; ++i) read_vector(g, uint32(cands[i].id), mat + size_t(i) * g->width);
  const uint32 width = g->width;
  auto is_copy = [&](int i) { return same_vector(mat + size_t(i) * width, base, width); };
  int idx[2 * kMaxM + 1024];
  int k = core::hnsw::select_neighbors(cands, n, max_keep, PairDist{g, mat}, is_copy, idx);
  if (keep_pruned) k = core::hnsw::keep_pruned(cands, n, max_keep, is_copy, idx, k);
  for (int i = 0; i < k; ++i) out[i] = cands[idx[i]].id;
  return k;
}

// Appends id to owner's level-0 list unless it is there already; false if the list is full (or owner unreadable).
bool add_to_list0(Graph* g, uint32 owner, int32 id) {
  const int cap = int(2 * g->m);
  int32 own[2 * kMaxM], next[2 * kMaxM];
  for (int attempt = 0; attempt < 8; ++attempt) {
    HnswRecordHeader h;
    if (!read_header_and_list0(g, owner, &h, own)) return false;
    int n = std::min<int>(h.n0, cap);
    for (int i = 0; i < n; ++i)
      if (own[i] == id) return true;
    if (n == cap) return false;
    std::memcpy(next, own, sizeof(int32) * n);
    next[n] = id;
    if (replace_neighbors(g, owner, 0, own, n, next, n + 1)) return true;
  }
  return false;
}

// Whether the selection `next` (nn ids) leaves out a candidate that is a copy of the list's owner (`base`; mat holds
// the candidates' decoded copies, row i = cands[i], as select_from left it).
bool drops_a_copy(const Candidate* cands, int n, const float* mat, const float* base, uint32 width, const int32* next,
                  int nn) {
  for (int i = 0; i < n; ++i) {
    if (!same_vector(mat + size_t(i) * width, base, width)) continue;
    bool kept = false;
    for (int j = 0; j < nn && !kept; ++j) kept = next[j] == cands[i].id;
    if (!kept) return true;
  }
  return false;
}

// A planned change of one neighbour's list: nbr's list at `level` as read (`cur`, n ids) and as it should become
// (`next`, nn ids); kept: next holds new_id.
struct LinkPlan {
  uint32 nbr;
  int level;
  enum Outcome { Present, Change, Refuse } outcome;
  bool kept;
  int n, nn;
  int32 cur[2 * kMaxM];
  int32 next[2 * kMaxM];
};

// Buffers of the back-link planning (element_width floats a row): mat max(ef_construction, 2m + 1) rows, spare and
// nbr_vec one each.
struct LinkBuffers {
  float* mat;
  float* spare;
  float* nbr_vec;
};

// Reads nbr's list at level (share locks) and computes, with no lock held, the list that adds new_id (when full:
// re-pruned with the heuristic and topped up, so one candidate leaves). Present: new_id is there already; Refuse: nbr
// takes no link (unreadable, dead, the copy rule below, or the re-prune leaves new_id out). `fresh`: new_id's record
// is not written yet.

LinkPlan::Outcome plan_link(Graph* g, uint32 nbr, uint32 new_id, int level, const Fresh* fresh, const LinkBuffers& b,
                            LinkPlan* p) {
  float* const mat = b.mat;
  float* const nbr_vec = b.nbr_vec;
  const int cap = level == 0 ? int(2 * g->m) : int(g->m);
  Candidate cands[2 * kMaxM + 1];
  p->nbr = nbr;
  p->level = level;
  p->kept = false;
  p->n = p->nn = 0;
  int n;
  if (level == 0) {
    HnswRecordHeader h;
    if (!read_header_and_list0(g, nbr, &h, p->cur) || (h.flags & kFlagDeleted)) return LinkPlan::Refuse;
    n = std::min<int>(h.n0, cap);
  } else {
    n = read_neighbors(g, nbr, level, p->cur);
  }
  p->n = n;
  for (int i = 0; i < n; ++i)
    if (p->cur[i] == int32(new_id)) return LinkPlan::Present;
  int nn;
  if (n < cap) {
    std::memcpy(p->next, p->cur, sizeof(int32) * n);
    p->next[n] = int32(new_id);
    nn = n + 1;
  } else {
    // Each candidate's page is visited once: its element read (for the heuristic) and ranked in the same pin.
    read_vector(g, nbr, nbr_vec);
    for (int i = 0; i < n; ++i)
      cands[i] =
          Candidate{read_vector_and_distance(g, uint32(p->cur[i]), nbr_vec, mat + size_t(i) * g->width), p->cur[i]};
    float* new_row = mat + size_t(n) * g->width;
    float to_new;
    if (fresh) {
      to_new = fresh_distance(g, *fresh, nbr_vec);
      std::memcpy(new_row, fresh->base, sizeof(float) * g->width);
    } else {
      to_new = read_vector_and_distance(g, new_id, nbr_vec, new_row);
    }
    cands[n] = Candidate{to_new, int32(new_id)};
    int perm[2 * kMaxM + 1];
    sort_candidates_with_rows(cands, n + 1, mat, g->width, b.spare, perm);
    bool any_copy = false;
    for (int i = 0; i <= n && !any_copy; ++i) any_copy = same_vector(mat + size_t(i) * g->width, nbr_vec, g->width);
    if (!any_copy) {
      // The re-prune drops exactly one candidate (no copies: see select_from's top-up): found with the pair distances
      // it depends on only (core::hnsw::left_out_of_full_list), and replaced in place, as CREATE INDEX's link-back
      // does. The list holds the same ids as the full selection's would (in another order); a new element left out
      // leaves the list as it is, unwritten.
      int scratch[2 * (2 * kMaxM + 1)];
      const int out = core::hnsw::left_out_of_full_list(cands, n + 1, cap, PairDist{g, mat}, scratch);
      if (out < 0 || cands[out].id == int32(new_id)) return LinkPlan::Refuse;
      std::memcpy(p->next, p->cur, sizeof(int32) * n);
      for (int i = 0; i < n; ++i)
        if (p->next[i] == cands[out].id) p->next[i] = int32(new_id);
      p->nn = n;
      p->kept = true;
      return LinkPlan::Change;
    }
    nn = select_from(g, cands, n + 1, cap, p->next, mat, nbr_vec, /*keep_pruned=*/true, /*loaded=*/true);
    // A copy of nbr does not push out a copy nbr already links to: that one may have no other way in (copies rank
    // by id, so each new one would evict the previous newest). The new copy is linked by splice_in instead.
    int new_at = 0;
    while (cands[new_at].id != int32(new_id)) ++new_at;
    if (same_vector(mat + size_t(new_at) * g->width, nbr_vec, g->width) &&
        drops_a_copy(cands, n + 1, mat, nbr_vec, g->width, p->next, nn))
      return LinkPlan::Refuse;
  }
  p->nn = nn;
  for (int i = 0; i < nn; ++i) p->kept |= p->next[i] == int32(new_id);
  return LinkPlan::Change;
}

// The entries of p's current list that its next list drops (at most one: see plan_link); returns how many.
int dropped_entries(const LinkPlan& p, int32* out) {
  int k = 0;
  for (int i = 0; i < p.n; ++i) {
    bool still = false;
    for (int j = 0; j < p.nn && !still; ++j) still = p.next[j] == p.cur[i];
    if (!still) out[k++] = p.cur[i];
  }
  return k;
}

// Writes the planned level-0 changes of neighbours that share a page as one WAL record per page (GenericXLog compares
// the whole page for every record it logs: with m 16 about one neighbour in four shares its page with another).
// applied[i]: plans[i] was written; the others (alone on their page, other levels, changed meanwhile) are left to
// the caller.
void write_lists0_by_page(Graph* g, const LinkPlan* plans, int nplans, bool* applied) {
  BlockNumber* block = static_cast<BlockNumber*>(palloc(sizeof(BlockNumber) * std::max(nplans, 1)));
  int* order = static_cast<int*>(palloc(sizeof(int) * std::max(nplans, 1)));
  int k = 0;
  for (int i = 0; i < nplans; ++i) {
    block[i] =
        plans[i].level == 0 && plans[i].outcome == LinkPlan::Change ? list0_block(g, plans[i].nbr) : InvalidBlockNumber;
    if (block[i] != InvalidBlockNumber) order[k++] = i;
  }
  std::sort(order, order + k, [&](int x, int y) { return block[x] < block[y] || (block[x] == block[y] && x < y); });
  ListChange changes[2 * kMaxM + 1];
  bool done[2 * kMaxM + 1];
  for (int lo = 0, hi; lo < k; lo = hi) {
    for (hi = lo + 1; hi < k && block[order[hi]] == block[order[lo]];) ++hi;
    if (hi - lo < 2) continue;  // alone on its page: replace_neighbors, as before
    int n = 0;
    for (int j = lo; j < hi; ++j) {
      const LinkPlan& p = plans[order[j]];
      changes[n++] = ListChange{p.nbr, p.cur, p.n, p.next, p.nn};
    }
    replace_lists0_on_page(g, block[order[lo]], changes, n, done);
    for (int j = 0; j < n; ++j) applied[order[lo + j]] = done[j];
  }
  pfree(order);
  pfree(block);
}

// Adds new_id to nbr's list at level, optimistically (see top comment), new_id's record written. Returns whether
// nbr's list holds new_id afterwards.
bool link_back(Graph* g, uint32 nbr, uint32 new_id, int level, const LinkBuffers& b) {
  LinkPlan p;
  for (int attempt = 0; attempt < 8; ++attempt) {
    LinkPlan::Outcome o = plan_link(g, nbr, new_id, level, nullptr, b, &p);
    if (o != LinkPlan::Change) return o == LinkPlan::Present;
    // Level 0: an entry the re-prune drops may have had no other way in; the new element adopts it first, so it
    // stays reachable (nbr -> new_id -> it) once nbr's list changes (keep_pruned drops one candidate: the new
    // element, or one entry). No room left in the new element's list: nbr's list stays as it is and the new element
    // is not linked from it (plain HNSW would drop the entry: an element whose only in-link goes is cut off, and in
    // clustered data whole clusters were, 4,500 of 5,000 elements after a VACUUM and 3,000 inserts). This is what
    // keeps every live element reachable at level 0 between VACUUMs (docs/hnsw.md, Reachability).
    if (level == 0 && p.kept) {
      int32 dropped[2 * kMaxM];
      int nd = dropped_entries(p, dropped);
      for (int i = 0; i < nd; ++i)
        if (!add_to_list0(g, new_id, dropped[i])) return false;
    }
    if (replace_neighbors(g, nbr, level, p.cur, p.n, p.next, p.nn)) return p.kept;
  }
  return false;
}

// Makes new_id reachable at level 0 when no neighbour kept a link to it (e.g. one more copy of a vector that is
// there many times: its neighbours' lists hold as many copies as they may, all ranked before it). Splices it into
// nbr's list in place of nbr's last entry `victim`, which first moves to new_id's own list, so victim stays
// reachable throughout (nbr -> victim, then nbr -> new_id -> victim).
bool splice_in(Graph* g, uint32 nbr, uint32 new_id) {
  const int cap = int(2 * g->m);
  int32 cur[2 * kMaxM], next[2 * kMaxM];
  for (int attempt = 0; attempt < 8; ++attempt) {
    HnswRecordHeader h;
    if (!read_header_and_list0(g, nbr, &h, cur) || (h.flags & kFlagDeleted)) return false;
    int n = std::min<int>(h.n0, cap);
    if (n == 0) return false;
    for (int i = 0; i < n; ++i)
      if (cur[i] == int32(new_id)) return true;
    int32 victim = cur[n - 1];
    if (!add_to_list0(g, new_id, victim)) return false;  // its own list was chosen with at most m of its 2m slots
    std::memcpy(next, cur, sizeof(int32) * n);
    next[n - 1] = int32(new_id);
    if (replace_neighbors(g, nbr, 0, cur, n, next, n)) return true;
  }
  return false;
}

}  // namespace

namespace {
// A buffer of kept (grown in kept->cxt to at least `need` elements, contents not kept) or, without kept, a new one.
template <class T>
T* kept_buffer(InsertBuffers* kept, T** buf, size_t* have, size_t need) {
  if (kept == nullptr) return static_cast<T*>(palloc(sizeof(T) * need));
  if (*have < need) {
    if (*buf) pfree(*buf);
    *buf = static_cast<T*>(MemoryContextAlloc(kept->cxt, sizeof(T) * need));
    *have = need;
  }
  return *buf;
}
}  // namespace

void insert_element(Relation index, const float* vec, uint32 dims, ItemPointer tid, const char* filter_area,
                    InsertBuffers* kept) {
  Graph g;
  graph_load(&g, index);
  int m = int(g.m);
  int efc = std::max(int(index_ef_construction(index)), 1);
  prepare_element_values(&g, vec, tid);  // before the meta page's lock that meta_allocate takes
  FirstElement first{vec, filter_area, tid};
  Allocation a = meta_allocate(&g, dims, level_for_tid(m, tid), write_first_element, &first);
  const int level = a.level;
  if (a.became_entry) {
    graph_release(&g);
    return;
  }
  graph_refresh(&g);  // segments now include ours
  // The filter directory's entry before the record: a valid record always has one (hnsw_filter_dir.h).
  dir_write_entry(&g, a.id, filter_area);

  Search s;
  search_init(&s, g.count, m, efc,
              kept ? kept_buffer(kept, &kept->visited, &kept->visited_words, g.count / 64 + 1) : nullptr);
  visited_test_set(&s, a.id);
  int32 cur = a.entry;
  float cur_dist = distance_to(&g, uint32(cur), vec);
  search_track_seen(&s);  // the descent evaluates each element once, as a scan's (core::hnsw::greedy_layer)
  core::hnsw::seen_test_set(&s, uint32(cur));
  for (int l = a.max_level; l > level; --l) greedy_layer(&g, &s, vec, l, &cur, &cur_dist);

  int top = std::min(level, a.max_level);
  int32* lists[256];
  int counts[256];
  float* mat = kept_buffer(kept, kept ? &kept->mat : nullptr, kept ? &kept->mat_floats : nullptr,
                           size_t(g.width) * size_t(std::max(efc, 2 * m + 1)));
  float* nbr_vec = static_cast<float*>(palloc(sizeof(float) * g.width));
  Candidate* sorted = static_cast<Candidate*>(palloc(sizeof(Candidate) * (efc + 1)));
  int* perm = static_cast<int*>(palloc(sizeof(int) * (efc + 1)));
  float* spare = static_cast<float*>(palloc(sizeof(float) * g.width));
  // The new element as its half copy decodes (or its stored bytes): candidates equal to it are its copies
  // (select_from).
  float* base = static_cast<float*>(palloc(sizeof(float) * g.width));
  uint16* half = nullptr;  // its half copy (Fresh, below)
  if (own_bytes(*g.contract)) {
    std::memcpy(base, vec, sizeof(float) * g.width);
  } else {
    half = static_cast<uint16*>(palloc(sizeof(uint16) * g.dims));
    core::half::encode(vec, g.dims, half);
    core::half::decode(half, g.dims, base);
  }
  for (int l = 0; l <= level; ++l) {
    lists[l] = static_cast<int32*>(palloc(sizeof(int32) * 2 * m));
    counts[l] = 0;
  }
  for (int l = top; l >= 0; --l) {
    search_reset(&s);
    visited_test_set(&s, a.id);
    visited_test_set(&s, uint32(cur));
    Candidate c0{cur_dist, cur};
    heap_push_min(s.cand, &s.ncand, c0);
    heap_push_max(s.res, &s.nres, c0);
    search_layer(&g, &s, vec, l, efc);
    // Each result's element is read right after its header, while its page is still in the pin cache, for the
    // heuristic below (which would otherwise pin it again).
    int n = 0;
    for (int i = 0; i < s.nres; ++i) {
      HnswRecordHeader h;
      if (!read_header(&g, uint32(s.res[i].id), &h) || (h.flags & kFlagDeleted)) continue;
      read_vector(&g, uint32(s.res[i].id), mat + size_t(n) * g.width);
      sorted[n++] = s.res[i];
    }
    sort_candidates_with_rows(sorted, n, mat, g.width, spare, perm);
    if (n > 0) {
      cur = sorted[0].id;
      cur_dist = sorted[0].dist;
    }
    // Up to m at every level, the heuristic's choice topped up with the nearest it pruned (as pgvector keeps pruned
    // connections): under inner product the heuristic alone keeps a handful, and nodes with few in-links from well
    // ranked nodes are missed by searches (pgvector's TAP 013: recall 0.16). Level 0 keeps its other m slots for the
    // entries link_back's re-prunes drop (adopted below) and for later links.
    counts[l] = select_from(&g, sorted, n, m, lists[l], mat, base, /*keep_pruned=*/true, /*loaded=*/true);
  }
  // An element that becomes the entry point links to the one it replaces at level 0: reachability at level 0 is from
  // the entry point, and what was reachable from the old one stays reachable from the new one. (Level-0 links are
  // directed; in clustered data a new entry point's cluster may have no way out to the others.)
  if (level > a.max_level && a.entry >= 0 && a.entry != int32(a.id)) {
    bool has = false;
    for (int i = 0; i < counts[0]; ++i) has |= lists[0][i] == a.entry;
    if (!has) lists[0][counts[0]++] = a.entry;  // at most m selected: room among the 2m
  }
  // Back links are planned before the record is written, so that the entries the neighbours' re-prunes drop are
  // adopted into the record itself (link_back's rule) instead of one list write of the new record each: a third of
  // an insert's page writes, and GenericXLog compares the whole page for each (docs/benchmarks.md, "Where the time
  // goes: inserts"). Plans whose adoption does not fit are dropped (the neighbour keeps its list, as in link_back).
  const Fresh fresh{a.id, base, half};
  const LinkBuffers bufs{mat, spare, nbr_vec};
  const int chosen0 = counts[0];
  int nplans = 0;
  for (int l = top; l >= 0; --l) nplans += counts[l];
  LinkPlan* plans = static_cast<LinkPlan*>(palloc(sizeof(LinkPlan) * std::max(nplans, 1)));
  nplans = 0;
  for (int l = top; l >= 0; --l)
    for (int i = 0, chosen = counts[l]; i < chosen; ++i) {  // adoptions are appended after the chosen ones
      LinkPlan& p = plans[nplans++];
      p.outcome = plan_link(&g, uint32(lists[l][i]), a.id, l, &fresh, bufs, &p);
      if (l != 0 || p.outcome != LinkPlan::Change || !p.kept) continue;
      int32 dropped[2 * kMaxM];
      int nd = dropped_entries(p, dropped), add = 0;
      for (int k = 0; k < nd; ++k) {
        bool has = false;
        for (int j = 0; j < counts[0] && !has; ++j) has = lists[0][j] == dropped[k];
        if (!has) dropped[add++] = dropped[k];
      }
      if (counts[0] + add > 2 * m) {
        p.outcome = LinkPlan::Refuse;
        continue;
      }
      for (int k = 0; k < add; ++k) lists[0][counts[0]++] = dropped[k];
    }
  write_element(&g, a.id, vec, filter_area, tid, level, a.upper_block, a.upper_off, lists, counts);
  bool* applied = static_cast<bool*>(palloc0(sizeof(bool) * std::max(nplans, 1)));
  write_lists0_by_page(&g, plans, nplans, applied);
  bool linked = false;  // some level-0 list links to the new element
  for (int i = 0; i < nplans; ++i) {
    const LinkPlan& p = plans[i];
    bool kept = p.outcome == LinkPlan::Present;
    if (p.outcome == LinkPlan::Change) {
      if (applied[i] || replace_neighbors(&g, p.nbr, p.level, p.cur, p.n, p.next, p.nn))
        kept = p.kept;
      else  // changed meanwhile: planned again against the list as it is now
        kept = link_back(&g, p.nbr, a.id, p.level, bufs);
    }
    if (p.level == 0) linked |= kept;
  }
  // Not linked by any neighbour: spliced into the nearest one's list that takes it (a neighbour VACUUM flagged dead
  // meanwhile refuses).
  for (int i = 0; !linked && i < chosen0; ++i) linked = splice_in(&g, uint32(lists[0][i]), a.id);

  if (level > a.max_level) meta_raise_entry(index, a.id, level);
  graph_release(&g);
}

namespace {
// The memory of row-by-row inserts, the backend's (children of CacheMemoryContext). A context made and deleted per
// insert, as before, allocated and freed ~200 KB a row (the candidate matrix, 64 KB at 256 dimensions and 390 KB at
// 1,536, the search's buffers, the context's growing blocks) on top of GenericXLog's 64 KB per record; glibc gave the
// top of its heap back to the kernel at each free (brk) and took it again at the next row: page faults and TLB
// shootdowns were a fifth of an insert's CPU (docs/benchmarks.md, "Where the time goes: inserts"). Now the small
// allocations come from one block the context keeps when it is reset, and the large buffers are kept at their
// largest size (pg_backend_memory_contexts shows both).
constexpr Size kInsertBlock = 256 * 1024;
struct InsertMemory {
  MemoryContext cxt;  // reset before and after each insert; keeps its first block
  InsertBuffers buffers;
};
InsertMemory insert_mem;
InsertMemory& insert_memory() {
  if (insert_mem.cxt == nullptr) {
    insert_mem.buffers = InsertBuffers{AllocSetContextCreate(CacheMemoryContext, "vectorext hnsw insert buffers",
                                                             ALLOCSET_SMALL_SIZES),
                                       nullptr, 0, nullptr, 0};
    insert_mem.cxt = AllocSetContextCreate(CacheMemoryContext, "vectorext hnsw insert", kInsertBlock, kInsertBlock,
                                           ALLOCSET_DEFAULT_MAXSIZE);
  }
  return insert_mem;
}
}  // namespace

bool insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation heap, IndexUniqueCheck check,
            bool indexUnchanged, IndexInfo* info) {
  if (isnull[0]) return false;
  // The insert's memory is the backend's, kept between rows (insert_memory); reset before use, as an insert that
  // raised an error left it as it was (aminsert is never re-entered: the executor computes index expressions before).
  InsertMemory& mem = insert_memory();
  MemoryContextReset(mem.cxt);
  MemoryContext old = MemoryContextSwitchTo(mem.cxt);
  Graph g;
  graph_load(&g, index);
  graph_release(&g);
  // dims 0: the column has no typmod and the index is still empty; this vector's dims become the index's
  // (meta_allocate() re-checks under the meta page lock, against a concurrent first insert).
  uint32 dims = g.dims ? g.dims : uint32(datum_dims(*g.contract, values[0]));
  float* vec = static_cast<float*>(palloc(sizeof(float) * element_width(*g.contract, dims)));
  char* filter_area = nullptr;  // the filter columns' values (hnsw_filter.h)
  if (g.filters.count) {
    filter_area = static_cast<char*>(palloc(g.filters.bytes));
    encode_filter_values(filter_area, g.filters, values, isnull);
  }
  if (datum_to_element(*g.contract, values[0], dims, vec))
    insert_element(index, vec, dims, heap_tid, filter_area, &mem.buffers);
  MemoryContextSwitchTo(old);
  MemoryContextReset(mem.cxt);
  return false;
}

}  // namespace vx::pg::hnsw

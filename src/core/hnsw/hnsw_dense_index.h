// hnswlib's index with pgvector's connect step (the graph CREATE INDEX builds). Included only by
// hnsw_graph_builder.cpp, after hnswlib (whose header defines non-inline functions).
//
// hnswlib's addPoint lets a new element keep only what the heuristic (alg. 4) selects from m candidates, and when it
// links back into a full list it re-runs the heuristic over the list and keeps only that: lists of 2m shrink to their
// diverse subset (11-17 entries on float embeddings). Every later insertion then searches a graph much sparser than
// the finished one (GraphBuilder's top-up fills the lists only after the fact), and its ef_construction beam finds
// worse neighbours. DenseIndex::add instead (as pgvector and the paper's keepPrunedConnections do):
//   1. the new element selects up to 2m neighbours at level 0 (m above) with the heuristic, then fills the list
//      with the candidates it pruned, nearest first (core::hnsw::select_keep_pruned);
//   2. linking back into a full list replaces at most one entry: the farthest the heuristic over (list + new)
//      prunes, or the new element is not linked (core::hnsw::replaced_on_link_back). A list never shrinks.
// Storage, level draw, greedy descent and the space stay hnswlib's, its searchBaseLayer with one sorted beam in place
// of its two heaps (search_layer: the same walk); locking follows its addPoint (the
// new element's list lock held for the whole insertion, one neighbour's at a time), so add() is thread-safe.
#pragma once

#include "core/hnsw/hnsw_select.h"
#include "core/huge_pages.h"
#include "core/prefetch.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <queue>
#include <stdexcept>
#include <vector>

namespace vx::core::hnsw {

class DenseIndex : public hnswlib::HierarchicalNSW<float> {
 public:
  using Base = hnswlib::HierarchicalNSW<float>;
  DenseIndex(hnswlib::SpaceInterface<float>* space, std::size_t max_elements, std::size_t m, std::size_t efc,
             std::size_t seed)
      : Base(space, max_elements, m, efc, seed) {
    if (max_elements >= std::size_t(kExpanded)) throw std::length_error("hnsw build: too many elements");
    align_elements();
    allocate_cache();
  }

  bool hnswlib_connect = false;  // lab A/B only: hnswlib's own addPoint (the sparse graph during construction)
  bool hnswlib_search = false;   // tests only: hnswlib's searchBaseLayer in place of search_layer (same graph)

  void add(const void* point, hnswlib::labeltype label) {
    if (hnswlib_connect) {
      addPoint(point, label);
      return;
    }
    if (cache_released_) throw std::logic_error("GraphBuilder::add() after its post-passes");
    hnswlib::tableint cur;
    {
      std::unique_lock<std::mutex> guard(cur_element_count_guard_);
      if (label_lookup_.count(label)) {  // re-adding a label: hnswlib's update path (GraphBuilder never does)
        guard.unlock();
        addPoint(point, label);
        return;
      }
      if (cur_element_count >= max_elements_) throw std::runtime_error("The number of elements exceeds the specified limit");
      cur = static_cast<hnswlib::tableint>(cur_element_count++);
      label_lookup_[label] = cur;
    }
    std::unique_lock<std::mutex> update_lock(link_list_update_locks_[cur & (max_update_element_locks - 1)]);
    std::unique_lock<std::mutex> own_lock(link_list_locks_[cur]);
    const int level = getRandomLevel(mult_);
    element_levels_[cur] = level;
    std::unique_lock<std::mutex> top_lock(global);
    const int max_level = maxlevel_;
    if (level <= max_level) top_lock.unlock();
    hnswlib::tableint entry = enterpoint_node_;

    std::memset(data_level0_memory_ + cur * size_data_per_element_ + offsetLevel0_, 0, size_data_per_element_);
    std::memcpy(getExternalLabeLp(cur), &label, sizeof(hnswlib::labeltype));
    std::memcpy(getDataByInternalId(cur), point, data_size_);
    if (level) {
      linkLists_[cur] = static_cast<char*>(std::malloc(size_links_per_element_ * level + 1));
      if (!linkLists_[cur]) throw std::runtime_error("Not enough memory: addPoint failed to allocate linklist");
      std::memset(linkLists_[cur], 0, size_links_per_element_ * level + 1);
    }

    if (static_cast<int>(entry) == -1) {  // the first element to take the global lock, not always id 0
      // (hnswlib's addPoint sets 0 here: with several threads, id 1 can get here first, and id 0 then found itself
      // as the entry point and waited forever on its own list lock in searchBaseLayer)
      enterpoint_node_ = cur;
      maxlevel_ = level;
      return;
    }
    if (level < max_level) {  // greedy descent to the element's top level
      float d = fstdistfunc_(point, getDataByInternalId(entry), dist_func_param_);
      for (int l = max_level; l > level; l--)
        for (bool moved = true; moved;) {
          moved = false;
          std::unique_lock<std::mutex> lock(link_list_locks_[entry]);
          hnswlib::linklistsizeint* ll = get_linklist(entry, l);
          const auto* nb = reinterpret_cast<const hnswlib::tableint*>(ll + 1);
          for (int i = 0, n = getListCount(ll); i < n; i++) {
            float dn = fstdistfunc_(point, getDataByInternalId(nb[i]), dist_func_param_);
            if (dn < d) d = dn, entry = nb[i], moved = true;
          }
        }
    }
    for (int l = std::min(level, max_level); l >= 0; l--)
      entry = connect(cur, entry, hnswlib_search ? drain(searchBaseLayer(entry, point, l)) : search_layer(entry, point, l), l);
    if (level > max_level) {
      enterpoint_node_ = cur;
      maxlevel_ = level;
    }
  }

 private:
  using Heap = std::priority_queue<std::pair<float, hnswlib::tableint>, std::vector<std::pair<float, hnswlib::tableint>>,
                                   typename Base::CompareByFirst>;
  using Id = hnswlib::tableint;
  using Entry = std::pair<float, hnswlib::tableint>;
  // hnswlib's result heap as a list (connect sorts what it is given: the order does not matter)
  static const std::vector<Entry>& drain(Heap h) {
    std::vector<Entry>& out = scratch().drained;
    out.clear();
    for (; !h.empty(); h.pop()) out.push_back(h.top());
    return out;
  }
  // Every function's scratch vectors, one set per thread (no allocation per insertion). They are reached through
  // scratch(), an out-of-line call made once per function: in a shared library each use of a thread_local's name
  // costs a call to __tls_get_addr, and GCC repeated that call at every use in the loops rather than keep the
  // address (even through a reference bound once): 11.6% of the server build's CPU at 1M rows.
  // The elements one search has visited, as hnswlib's VisitedList (a tag per element, the search's own tag marks
  // it: nothing to clear between searches) but in huge pages: at 1M rows the 2 MB array is read at random, one line
  // per neighbour.
  class VisitedTags {
   public:
    // The tag of a new search over n elements; *tags the array.
    uint16_t next(std::size_t n, uint16_t** tags) {
      if (tags_.size() < n) tags_.assign(n, 0), tag_ = 0;
      if (++tag_ == 0) std::fill(tags_.begin(), tags_.end(), 0), tag_ = 1;
      *tags = tags_.data();
      return tag_;
    }

   private:
    std::vector<uint16_t, HugePageAllocator<uint16_t>> tags_;
    uint16_t tag_ = 0;
  };
  struct Scratch {
    VisitedTags visited;                           // search_layer
    std::vector<Entry> drained;                    // drain
    std::vector<Id> fresh;                         // search_layer
    std::vector<float> dists;                      // search_layer
    std::vector<Entry> beam;                       // search_layer: its beam, then its result
    std::vector<Candidate> connect_cands;          // connect
    std::vector<int> connect_out;                  // connect
    std::vector<Candidate> upper_cands;            // link_back_upper
    std::vector<int> upper_out;                    // link_back_upper
    std::vector<Candidate> states_cands;           // compute_states0
    std::vector<int> states_sel;                   // compute_states0
    std::vector<Id> mid;                           // link_back0: the list with cur merged in at its place,
    std::vector<float> md;                         //   and the same for distance
    std::vector<uint8_t> ms;                       //   and state
    std::vector<int> kept, added;                  // link_back0
    std::vector<Candidate> copy_cands;             // link_back0, lists with copies
    std::vector<int> copy_out;                     // link_back0, lists with copies
  };
  [[gnu::noinline]] static Scratch& scratch() {
    thread_local Scratch s;
    return s;
  }
  static constexpr uint8_t kKept = 1;  // the heuristic over the list keeps this entry
  static constexpr uint8_t kCopy = 2;  // the entry is a copy of the list's owner (identical vector)

  // The level-0 cache, per slot of every list, that makes linking back into a full list cheap: while adds run, a
  // level-0 list is kept nearest first, with each entry's distance to the owner and its heuristic state (kKept, kCopy).
  // Linking back then only evaluates what the new entry can change (usually nothing: the heuristic prunes it after
  // comparing it with the few kept entries nearer than it); re-running the heuristic over the 2m + 1 candidates each
  // time made the insertions twice as slow. Appends to a list that is not full do not maintain the states
  // (states_known_ says whether they describe the list). Upper levels hold 1 element in m and are not cached.
  // In huge pages: the link-back reads one owner's slots at random, 160 MB at 1M rows, m 16.
  template <class T>
  using HugeVector = std::vector<T, HugePageAllocator<T>>;
  HugeVector<float> dist0_;
  HugeVector<uint8_t> state0_;
  HugeVector<uint8_t> states_known_;
  // Level-0 in-links per element. Linking back never drops an element's last one (it may be all that reaches it: many
  // copies of one vector, or rows at equal distances, where ties rank by id and every newer one loses), and an element
  // no list takes is spliced in (splice0), so every element keeps at least one level-0 in-link while adds run.
  std::unique_ptr<std::atomic<uint32_t>[]> in0_;
  bool cache_released_ = false;

 public:
  // Bytes of the level-0 cache for n elements (add() phase only; release_cache() frees it).
  static std::size_t cache_bytes(std::size_t m, std::size_t n) {
    return n * (2 * m * (sizeof(float) + 1) + 1 + sizeof(uint32_t));
  }
  // Bytes of one element's level-0 block with align_elements()' layout: the list (count and 2m ids), the label,
  // then the copy from a cache-line boundary, the block a whole number of lines.
  static std::size_t element_bytes(std::size_t m, std::size_t copy_bytes) {
    const std::size_t links = 2 * m * sizeof(hnswlib::tableint) + sizeof(hnswlib::linklistsizeint);
    return round_up(round_up(links + sizeof(hnswlib::labeltype), kLine) + copy_bytes, kLine);
  }
  void allocate_cache() {
    dist0_.assign(max_elements_ * maxM0_, 0.f);
    state0_.assign(max_elements_ * maxM0_, 0);
    states_known_.assign(max_elements_, 0);
    in0_.reset(new std::atomic<uint32_t>[max_elements_]);
    for (std::size_t i = 0; i < max_elements_; i++) in0_[i].store(0, std::memory_order_relaxed);
  }
  // The post-passes reorder the lists: after them the cache would be stale, so it is freed and add() refuses.
  void release_cache() {
    HugeVector<float>().swap(dist0_);
    HugeVector<uint8_t>().swap(state0_);
    HugeVector<uint8_t>().swap(states_known_);
    in0_.reset();
    cache_released_ = true;
  }

  // Tests: level-0 lists whose cache disagrees with a fresh computation (order nearest first, distances, and, where
  // known, the heuristic's states); 0 when the incremental link-back is exact. Single-threaded, before release_cache().
  std::size_t inconsistent_lists() {
    std::size_t bad = 0;
    std::vector<uint8_t> saved;
    for (Id e = 0; e < Id(cur_element_count); e++) {
      hnswlib::linklistsizeint* ll = get_linklist0(e);
      const Id* ids = reinterpret_cast<const Id*>(ll + 1);
      const int n = getListCount(ll);
      const float* D = &dist0_[std::size_t(e) * maxM0_];
      uint8_t* S = &state0_[std::size_t(e) * maxM0_];
      bool ok = true;
      for (int j = 0; j < n && ok; j++)
        ok = D[j] == dist(e, ids[j]) && (j == 0 || nearer(D[j - 1], ids[j - 1], D[j], ids[j]));
      if (ok && states_known_[e]) {
        saved.assign(S, S + n);
        compute_states0(e);
        ok = std::equal(saved.begin(), saved.end(), S);
      }
      bad += ok ? 0 : 1;
    }
    return bad;
  }

 private:
  static constexpr std::size_t kLine = 64;
  static std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

  // hnswlib lays an element's level-0 block out as list, copy, label, back to back (132 + 768 + 8 bytes at m 16,
  // 768 dims), so a copy starts anywhere in a cache line and reading it touches one line more than it fills (13 for
  // 12). Here the copy starts on a line (the label moves into the gap before it) and the blocks are whole lines; the
  // block array is 2 MB aligned and asks for transparent huge pages: the build reads elements at random all over it,
  // and with 4 kB pages nearly every read also missed the TLB. 14% less add() time at 300,000 x 768 (bench/lab).
  void align_elements() {
    const std::size_t copy_offset = round_up(size_links_level0_ + sizeof(hnswlib::labeltype), kLine);
    label_offset_ = size_links_level0_;
    offsetData_ = copy_offset;
    size_data_per_element_ = element_bytes(maxM0_ / 2, data_size_);
    // free()d by hnswlib's destructor
    void* block = alloc_huge_pages(std::max<std::size_t>(max_elements_, 1) * size_data_per_element_);
    std::free(data_level0_memory_);
    data_level0_memory_ = static_cast<char*>(block);
  }

  float dist(Id a, Id b) const { return fstdistfunc_(getDataByInternalId(a), getDataByInternalId(b), dist_func_param_); }
  bool identical(Id a, Id b) const {
    return std::memcmp(getDataByInternalId(a), getDataByInternalId(b), data_size_) == 0;
  }
  hnswlib::linklistsizeint* list(Id id, int level) const {
    return level == 0 ? get_linklist0(id) : get_linklist(id, level);
  }
  static bool nearer(float da, Id a, float db, Id b) { return da < db || (da == db && a < b); }
  static void sort_nearest_first(std::vector<Candidate>& c) {
    std::sort(c.begin(), c.end(),
              [](const Candidate& a, const Candidate& b) { return nearer(a.dist, Id(a.id), b.dist, Id(b.id)); });
  }

  // hnswlib's searchBaseLayer with the same visits in the same order (so the same graph), rearranged for memory: an
  // expanded node's unvisited neighbours are collected first (its list lock held only for that copy, not through
  // the distances), then their distances computed with every line of the elements kPrefetchAhead places ahead
  // already requested. hnswlib asks for one line of the next element only, so each distance waited for a full
  // element's misses in turn (at 1M x 768 8-bit codes most of the build's time). Six ahead: 11% less add() time
  // than three at 300,000 x 768 (bench/lab, medians of three; prefetching into L2 only, or one ahead, did no better).
  static constexpr int kPrefetchAhead = 6;
  static constexpr Id kExpanded = Id(1) << 31;  // search_layer: a beam entry already expanded
  // The copy starts on a cache line (align_elements).
  void prefetch_element(Id id) const { prefetch_lines(getDataByInternalId(id), data_size_); }
  // hnswlib's two heaps (candidates to expand, the ef nearest found) are one array of at most ef entries sorted by
  // distance, each marked once expanded (kExpanded): the next node is the nearest unexpanded entry; a neighbour nearer
  // than the last enters by binary search and pushes the last out. A candidate the heaps held beyond the ef nearest
  // was never expanded (the search stops at the first candidate farther than the worst result), so the walk is the
  // same; equal distances keep their arrival order (hnswlib's heaps leave them in their sift's order). 4% less add()
  // time at 400,000 x 768 (one thread, paired bench/lab runs, the same graph), with the binary search 1-3% more.
  // The result goes to connect as it lies, nearest first.
  const std::vector<Entry>& search_layer(Id entry, const void* point, int level) {
    Scratch& s = scratch();
    uint16_t* visited;
    const uint16_t tag = s.visited.next(max_elements_, &visited);
    std::vector<Id>& fresh = s.fresh;
    std::vector<float>& dists = s.dists;
    std::vector<Entry>& beam = s.beam;
    const std::size_t ef = ef_construction_;
    beam.clear();
    beam.reserve(ef + 1);
    beam.emplace_back(fstdistfunc_(point, getDataByInternalId(entry), dist_func_param_), entry);
    visited[entry] = tag;
    std::size_t at = 0;  // the nearest entry not yet expanded
    while (at < beam.size()) {
      const Id node = beam[at].second;
      beam[at].second |= kExpanded;
      fresh.clear();
      {
        std::unique_lock<std::mutex> lock(link_list_locks_[node]);
        hnswlib::linklistsizeint* ll = list(node, level);
        const Id* ids = reinterpret_cast<const Id*>(ll + 1);
        const int n = getListCount(ll);
        for (int j = 0; j < n; j++) prefetch_line(visited + ids[j]);
        for (int j = 0; j < n; j++) {
          if (visited[ids[j]] == tag) continue;
          visited[ids[j]] = tag;
          fresh.push_back(ids[j]);
        }
      }
      const int n = static_cast<int>(fresh.size());
      dists.resize(fresh.size());
      for (int j = 0; j < std::min(n, kPrefetchAhead); j++) prefetch_element(fresh[j]);
      for (int j = 0; j < n; j++) {
        if (j + kPrefetchAhead < n) prefetch_element(fresh[j + kPrefetchAhead]);
        dists[j] = fstdistfunc_(point, getDataByInternalId(fresh[j]), dist_func_param_);
      }
      std::size_t next = at + 1;
      for (int j = 0; j < n; j++) {
        const float d = dists[j];
        if (beam.size() >= ef && !(d < beam.back().first)) continue;
        std::size_t lo = 0, hi = beam.size();  // the first entry farther than d
        while (lo < hi) {
          const std::size_t mid = (lo + hi) / 2;
          if (beam[mid].first > d) hi = mid; else lo = mid + 1;
        }
        const std::size_t pos = lo;
        if (beam.size() < ef) beam.emplace_back();
        std::copy_backward(beam.begin() + pos, beam.end() - 1, beam.end());
        beam[pos] = Entry(d, fresh[j]);
        if (pos < next) next = pos;
      }
      while (next < beam.size() && (beam[next].second & kExpanded)) next++;
      at = next;
      if (at < beam.size()) {  // the next node to expand: its whole list (3 lines at m 16) and its lock
        const Id id = beam[at].second;
        prefetch_lines(list(id, level), level ? size_links_per_element_ : size_links_level0_);
        prefetch_line(&link_list_locks_[id]);
      }
    }
    for (Entry& e : beam) e.second &= ~kExpanded;
    return beam;
  }

  // Links `cur` at `level` to what the search from `entry` found (`found`, in any order) and back; returns the
  // nearest it linked to (the next level's entry point).
  Id connect(Id cur, Id entry, const std::vector<Entry>& found, int level) {
    Scratch& s = scratch();
    std::vector<Candidate>& cands = s.connect_cands;
    std::vector<int>& out = s.connect_out;
    const int cap = static_cast<int>(level ? maxM_ : maxM0_);
    cands.clear();
    for (const Entry& e : found) cands.push_back(Candidate{e.first, int32_t(e.second)});
    sort_nearest_first(cands);
    out.resize(std::max<std::size_t>(cands.size(), std::size_t(cap) + 1));
    auto pair_dist = [&](int i, int j) { return dist(Id(cands[i].id), Id(cands[j].id)); };
    auto is_copy = [&](int i) { return identical(cur, Id(cands[i].id)); };
    const int diverse = select_neighbors(cands.data(), int(cands.size()), cap, pair_dist, is_copy, out.data());
    const int kept = keep_pruned(cands.data(), int(cands.size()), cap, is_copy, out.data(), diverse);
    if (kept == 0) return entry;  // nothing found (not with our builds: the entry point is never deleted)
    for (int k = 0; k < kept; k++) out[k] = out[k] * 2 + (k < diverse ? 1 : 0);  // index, kept by the heuristic
    std::sort(out.begin(), out.begin() + kept);                                 // the list nearest first
    {
      hnswlib::linklistsizeint* ll = list(cur, level);  // ours: its lock is held for the whole insertion
      auto* ids = reinterpret_cast<Id*>(ll + 1);
      for (int k = 0; k < kept; k++) {
        const Candidate& c = cands[out[k] / 2];
        ids[k] = Id(c.id);
        if (level == 0) {
          in0_[c.id].fetch_add(1, std::memory_order_relaxed);
          dist0_[std::size_t(cur) * maxM0_ + k] = c.dist;
          state0_[std::size_t(cur) * maxM0_ + k] = uint8_t((out[k] & 1 ? kKept : 0) | (is_copy(out[k] / 2) ? kCopy : 0));
        }
      }
      setListCount(ll, static_cast<unsigned short>(kept));
      if (level == 0) states_known_[cur] = 1;
    }
    // Each link-back first reads its neighbour's lock, list, cached distances and states: four scattered places, a
    // cache miss each, which the loop used to wait for one neighbour at a time. They are requested kLinkAhead
    // neighbours ahead. (Requesting the codes of the list's entries as well, one neighbour ahead, was slower.)
    constexpr int kLinkAhead = 4;
    auto prefetch_link_back = [&](int k) {
      const Id o = Id(cands[out[k] / 2].id);
      prefetch_line(&link_list_locks_[o]);
      prefetch_lines(list(o, level), level ? size_links_per_element_ : size_links_level0_);
      if (level == 0) {
        prefetch_lines(&dist0_[std::size_t(o) * maxM0_], maxM0_ * sizeof(float));
        prefetch_line(&state0_[std::size_t(o) * maxM0_]);
      }
    };
    for (int k = 0; k < std::min(kept, kLinkAhead); k++) prefetch_link_back(k);
    bool linked = false;
    for (int k = 0; k < kept; k++) {
      const Candidate& c = cands[out[k] / 2];
      if (k + kLinkAhead < kept) prefetch_link_back(k + kLinkAhead);
      std::unique_lock<std::mutex> lock(link_list_locks_[Id(c.id)]);
      if (level == 0)
        linked |= link_back0(Id(c.id), cur, c.dist);
      else
        link_back_upper(Id(c.id), cur, c.dist, level);
    }
    if (level == 0 && !linked) {  // the nearest that is not a copy of cur, else the nearest
      int k = 0;
      while (k + 1 < kept && (state0_[std::size_t(cur) * maxM0_ + k] & kCopy)) k++;
      if (state0_[std::size_t(cur) * maxM0_ + k] & kCopy) k = 0;
      splice0(cur, Id(cands[out[k] / 2].id), cands[out[k] / 2].dist);
    }
    return Id(cands[out[0] / 2].id);
  }

  // Upper levels: the candidates' distances computed afresh, the rule applied as a whole.
  void link_back_upper(Id other, Id cur, float d, int level) {
    Scratch& s = scratch();
    std::vector<Candidate>& c = s.upper_cands;
    std::vector<int>& out = s.upper_out;
    const int cap = static_cast<int>(maxM_);
    hnswlib::linklistsizeint* ll = list(other, level);
    auto* ids = reinterpret_cast<Id*>(ll + 1);
    const int n = getListCount(ll);
    if (n < cap) {
      ids[n] = cur;
      setListCount(ll, static_cast<unsigned short>(n + 1));
      return;
    }
    c.clear();
    for (int j = 0; j < n; j++) c.push_back(Candidate{dist(other, ids[j]), int32_t(ids[j])});
    c.push_back(Candidate{d, int32_t(cur)});
    sort_nearest_first(c);
    int at = 0;
    while (c[at].id != int32_t(cur)) at++;
    out.resize(c.size());
    const int drop = replaced_on_link_back(
        c.data(), int(c.size()), cap, at, [&](int i, int j) { return dist(Id(c[i].id), Id(c[j].id)); },
        [&](int i) { return identical(other, Id(c[i].id)); }, out.data());
    if (drop < 0) return;
    for (int j = 0; j < n; j++)
      if (ids[j] == Id(c[drop].id)) {
        ids[j] = cur;
        return;
      }
  }

  // Takes one level-0 in-link from e unless it is e's last; returns whether it did.
  bool release_in_link(Id e) {
    uint32_t v = in0_[e].load(std::memory_order_relaxed);
    while (v > 1 && !in0_[e].compare_exchange_weak(v, v - 1, std::memory_order_relaxed)) {
    }
    return v > 1;
  }

  // The heuristic's states for `other`'s whole level-0 list (nearest first, distances cached).
  void compute_states0(Id other) {
    Scratch& s = scratch();
    std::vector<Candidate>& c = s.states_cands;
    std::vector<int>& sel = s.states_sel;
    hnswlib::linklistsizeint* ll = get_linklist0(other);
    const Id* ids = reinterpret_cast<const Id*>(ll + 1);
    const int n = getListCount(ll);
    const float* D = &dist0_[std::size_t(other) * maxM0_];
    uint8_t* S = &state0_[std::size_t(other) * maxM0_];
    c.clear();
    for (int j = 0; j < n; j++) c.push_back(Candidate{D[j], int32_t(ids[j])});
    sel.resize(std::size_t(n) + 1);
    const int kept = select_neighbors(
        c.data(), n, int(maxM0_), [&](int i, int j) { return dist(Id(c[i].id), Id(c[j].id)); },
        [&](int i) { return identical(other, Id(c[i].id)); }, sel.data());
    for (int j = 0; j < n; j++) S[j] = identical(other, ids[j]) ? kCopy : 0;
    for (int k = 0; k < kept; k++) S[sel[k]] |= kKept;
    states_known_[other] = 1;
  }

  // No level-0 list took cur (every one ranks it last among its equals: many copies of one vector, rows of other
  // vectors at equal distances; ties rank by id, so each newer one loses): it is spliced into the list of its
  // nearest neighbour `nbr` (at distance d; not a copy of cur if it has another: copies spliced into a copy's list
  // would fill it with copies only) in place of that list's farthest entry `victim`, which moves into cur's
  // own list (in place of cur's farthest entry that has another in-link, if the list is full), so victim stays
  // reachable (nbr -> cur -> victim). As the page insert path does (docs/hnsw-internals.md, Inserts, "Splice");
  // without it a level-0 walk with an ef above the row count missed copies that only link_unreached's links reach.
  // cur's lock is held (for the whole insertion).
  void splice0(Id cur, Id nbr, float d) {
    hnswlib::linklistsizeint* cl = get_linklist0(cur);
    Id* cids = reinterpret_cast<Id*>(cl + 1);
    std::unique_lock<std::mutex> lock(link_list_locks_[nbr]);
    hnswlib::linklistsizeint* nl = get_linklist0(nbr);
    const Id* nids = reinterpret_cast<const Id*>(nl + 1);
    const int n = getListCount(nl);
    if (n == 0) return;
    const Id victim = nids[n - 1];  // nearest first: the last is the farthest
    int cn = getListCount(cl);
    bool has = false;
    for (int j = 0; j < cn; j++) has |= cids[j] == victim;
    if (!has && cn == int(maxM0_)) {  // cur's farthest entry with another in-link leaves its list for victim
      int z = cn - 1;
      while (z >= 0 && !(cids[z] != nbr && release_in_link(cids[z]))) z--;
      if (z < 0) return;
      float* D = &dist0_[std::size_t(cur) * maxM0_];
      uint8_t* S = &state0_[std::size_t(cur) * maxM0_];
      for (int j = z; j + 1 < cn; j++) cids[j] = cids[j + 1], D[j] = D[j + 1], S[j] = S[j + 1];
      setListCount(cl, static_cast<unsigned short>(--cn));
    }
    if (!has) link_back0(cur, victim, dist(cur, victim));  // victim: +1 here, -1 below
    in0_[victim].fetch_sub(1, std::memory_order_relaxed);
    setListCount(nl, static_cast<unsigned short>(n - 1));
    link_back0(nbr, cur, d);  // room now: cur takes victim's place, by distance
    states_known_[nbr] = 0;
    states_known_[cur] = 0;
  }

  // Level 0, `other`'s lock held: cur (at distance d from other) joins other's list, which stays nearest first.
  // Returns whether other's list now holds cur.
  bool link_back0(Id other, Id cur, float d) {
    Scratch& s = scratch();
    std::vector<Id>& mid = s.mid;
    std::vector<float>& md = s.md;
    std::vector<uint8_t>& ms = s.ms;
    std::vector<int>&kept = s.kept, &added = s.added;
    const int cap = static_cast<int>(maxM0_);
    hnswlib::linklistsizeint* ll = get_linklist0(other);
    Id* ids = reinterpret_cast<Id*>(ll + 1);
    const int n = getListCount(ll);
    float* D = &dist0_[std::size_t(other) * maxM0_];
    uint8_t* S = &state0_[std::size_t(other) * maxM0_];
    int at = 0;
    while (at < n && nearer(D[at], ids[at], d, cur)) at++;
    if (n < cap) {  // room: insert at its place (the states are recomputed when the list is first full)
      for (int j = n; j > at; j--) ids[j] = ids[j - 1], D[j] = D[j - 1], S[j] = S[j - 1];
      ids[at] = cur, D[at] = d, S[at] = 0;
      setListCount(ll, static_cast<unsigned short>(n + 1));
      states_known_[other] = 0;
      in0_[cur].fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    if (!states_known_[other]) compute_states0(other);
    mid.assign(ids, ids + n);
    md.assign(D, D + n);
    ms.assign(S, S + n);
    mid.insert(mid.begin() + at, cur);
    md.insert(md.begin() + at, d);
    const bool cur_copy = identical(other, cur);
    ms.insert(ms.begin() + at, cur_copy ? kCopy : 0);
    bool copies = cur_copy;
    for (int j = 0; j < n && !copies; j++) copies = (S[j] & kCopy) != 0;
    int drop = -1;
    if (copies) {  // rare (identical vectors): the rule applied as a whole, with its cap on copies
      std::vector<Candidate>& c = s.copy_cands;
      std::vector<int>& scratch = s.copy_out;
      c.clear();
      for (int j = 0; j <= n; j++) c.push_back(Candidate{md[j], int32_t(mid[j])});
      scratch.resize(c.size());
      drop = replaced_on_link_back(
          c.data(), n + 1, cap, at, [&](int i, int j) { return dist(mid[i], mid[j]); },
          [&](int i) { return (ms[i] & kCopy) != 0; }, scratch.data());
      if (drop < 0) return false;
    } else {
      // The heuristic over the merged list, re-evaluating only what cur can change: entries before it keep their
      // states; cur is checked against the kept entries nearer than it; if it is kept, later kept entries are
      // checked against it (and whatever else turns kept); once one of them turns pruned, later pruned entries are
      // re-checked against everything kept. The result equals select_neighbors over the merged list.
      auto dominated = [&](int i, const std::vector<int>& by) {
        for (int a : by)
          if (dist(mid[i], mid[a]) < md[i]) return true;
        return false;
      };
      kept.clear();
      added.clear();
      bool removed = false;
      for (int i = 0; i <= n; i++) {
        bool keep;
        if (int(kept.size()) == cap)
          keep = false;  // the heuristic stops at cap kept: the rest is left out
        else if (i == at)
          keep = !dominated(i, kept);
        else if (ms[i] & kKept)
          keep = added.empty() || !dominated(i, added);
        else
          keep = removed && !dominated(i, kept);
        if (keep && (i == at || !(ms[i] & kKept))) added.push_back(i);
        if (!keep && i != at && (ms[i] & kKept)) removed = true;
        ms[i] = uint8_t((ms[i] & ~kKept) | (keep ? kKept : 0));
        if (keep) kept.push_back(i);
      }
      for (int i = n; i >= 0 && drop < 0; i--)  // keep_pruned fills nearest first: the farthest pruned is left out
        if (!(ms[i] & kKept)) drop = i;
      if (drop == at || drop < 0) return false;  // cur left out: the list and its states are unchanged
    }
    if (!release_in_link(mid[drop])) return false;  // the dropped entry's last in-link: the list stays
    for (int i = 0, j = 0; i <= n; i++)
      if (i != drop) ids[j] = mid[i], D[j] = md[i], S[j] = ms[i], j++;
    in0_[cur].fetch_add(1, std::memory_order_relaxed);
    if (copies) compute_states0(other);
    return true;
  }
};

}  // namespace vx::core::hnsw

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
// Storage, level draw, greedy descent, searchBaseLayer and the space stay hnswlib's; locking follows its addPoint (the
// new element's list lock held for the whole insertion, one neighbour's at a time), so add() is thread-safe.
#pragma once

#include "core/hnsw/hnsw_select.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <queue>
#include <stdexcept>
#include <vector>

namespace vx::core::hnsw {

class DenseIndex : public hnswlib::HierarchicalNSW<float> {
 public:
  using Base = hnswlib::HierarchicalNSW<float>;
  using Base::Base;

  bool hnswlib_connect = false;  // lab A/B only: hnswlib's own addPoint (the sparse graph during construction)

  void add(const void* point, hnswlib::labeltype label) {
    if (hnswlib_connect) {
      addPoint(point, label);
      return;
    }
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

    if (static_cast<int>(entry) == -1) {  // the first element
      enterpoint_node_ = 0;
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
    for (int l = std::min(level, max_level); l >= 0; l--) entry = connect(cur, entry, searchBaseLayer(entry, point, l), l);
    if (level > max_level) {
      enterpoint_node_ = cur;
      maxlevel_ = level;
    }
  }

 private:
  using Heap = std::priority_queue<std::pair<float, hnswlib::tableint>, std::vector<std::pair<float, hnswlib::tableint>>,
                                   typename Base::CompareByFirst>;

  float dist(hnswlib::tableint a, hnswlib::tableint b) const {
    return fstdistfunc_(getDataByInternalId(a), getDataByInternalId(b), dist_func_param_);
  }
  bool identical(hnswlib::tableint a, hnswlib::tableint b) const {
    return std::memcmp(getDataByInternalId(a), getDataByInternalId(b), data_size_) == 0;
  }
  hnswlib::linklistsizeint* list(hnswlib::tableint id, int level) const {
    return level == 0 ? get_linklist0(id) : get_linklist(id, level);
  }
  static void sort_nearest_first(std::vector<Candidate>& c) {
    std::sort(c.begin(), c.end(), [](const Candidate& a, const Candidate& b) {
      return a.dist < b.dist || (a.dist == b.dist && a.id < b.id);
    });
  }

  // Links `cur` at `level` to what the search from `entry` found (`found`, farthest on top) and back; returns the
  // nearest it linked to (the next level's entry point).
  hnswlib::tableint connect(hnswlib::tableint cur, hnswlib::tableint entry, Heap found, int level) {
    thread_local std::vector<Candidate> cands, list_cands;
    thread_local std::vector<int> out, scratch;
    const int cap = static_cast<int>(level ? maxM_ : maxM0_);
    cands.clear();
    for (; !found.empty(); found.pop()) cands.push_back(Candidate{found.top().first, int32_t(found.top().second)});
    sort_nearest_first(cands);
    out.resize(std::max<std::size_t>(cands.size(), std::size_t(cap) + 1));
    const int kept = select_keep_pruned(
        cands.data(), int(cands.size()), cap,
        [&](int i, int j) { return dist(hnswlib::tableint(cands[i].id), hnswlib::tableint(cands[j].id)); },
        [&](int i) { return identical(cur, hnswlib::tableint(cands[i].id)); }, out.data());
    if (kept == 0) return entry;  // nothing found (not with our builds: the entry point is never deleted)
    std::sort(out.begin(), out.begin() + kept);  // the list nearest first
    {
      hnswlib::linklistsizeint* ll = list(cur, level);  // ours: its lock is held for the whole insertion
      auto* ids = reinterpret_cast<hnswlib::tableint*>(ll + 1);
      for (int k = 0; k < kept; k++) ids[k] = hnswlib::tableint(cands[out[k]].id);
      setListCount(ll, static_cast<unsigned short>(kept));
    }
    for (int k = 0; k < kept; k++) {
      const Candidate c = cands[out[k]];
      const auto other = hnswlib::tableint(c.id);
      std::unique_lock<std::mutex> lock(link_list_locks_[other]);
      hnswlib::linklistsizeint* ll = list(other, level);
      auto* ids = reinterpret_cast<hnswlib::tableint*>(ll + 1);
      const int n = getListCount(ll);
      if (n < cap) {
        ids[n] = cur;
        setListCount(ll, static_cast<unsigned short>(n + 1));
        continue;
      }
      list_cands.clear();
      for (int j = 0; j < n; j++) list_cands.push_back(Candidate{dist(other, ids[j]), int32_t(ids[j])});
      list_cands.push_back(Candidate{c.dist, int32_t(cur)});
      sort_nearest_first(list_cands);
      int new_index = 0;
      while (list_cands[new_index].id != int32_t(cur)) new_index++;
      scratch.resize(list_cands.size());
      const int drop = replaced_on_link_back(
          list_cands.data(), int(list_cands.size()), cap, new_index,
          [&](int i, int j) { return dist(hnswlib::tableint(list_cands[i].id), hnswlib::tableint(list_cands[j].id)); },
          [&](int i) { return identical(other, hnswlib::tableint(list_cands[i].id)); }, scratch.data());
      if (drop < 0) continue;
      for (int j = 0; j < n; j++)
        if (ids[j] == hnswlib::tableint(list_cands[drop].id)) {
          ids[j] = cur;
          break;
        }
    }
    return hnswlib::tableint(cands[out[0]].id);
  }
};

}  // namespace vx::core::hnsw

// The only file that includes hnswlib (its 0.6.2 header defines non-inline functions).
#include "core/hnsw/hnsw_graph_builder.h"
#include "core/kernels/distance.h"
#include "core/kernels/half.h"
#include "core/kernels/int8.h"
#include "core/hnsw/hnsw_select.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <hnswlib/hnswlib.h>

#include "core/hnsw/hnsw_dense_index.h"

namespace vx::core::hnsw {
using vx::core::DistanceKernels;
using vx::core::kernels;

namespace {
// One hnswlib space for every metric, using our runtime-dispatched kernels; hnswlib's own are compiled for the
// baseline ISA only and have no L1; elements kept as their own bytes are ranked by their type's function.
class Space : public hnswlib::SpaceInterface<float> {
 public:
  Space(int dims, const StoredSpace& stored) {
    param_.dims = static_cast<std::size_t>(dims);
    param_.stored = stored.rank;
    data_size_ = (stored.bytes + 3) / 4 * 4;
    fn_ = &stored_rank;
  }
  Space(int dims, vx::core::Metric metric, BuildCopies copies, float int8_scale) : copies_(copies) {
    // resolved once: the hot loop makes one indirect call per distance
    param_.dims = static_cast<std::size_t>(dims);
    data_size_ = GraphBuilder::copy_bytes(dims, copies);
    if (copies == BuildCopies::Int8) {
      if (metric == vx::core::Metric::L1 || !(int8_scale > 0))
        throw std::invalid_argument("8-bit build codes need l2, inner product or cosine and a positive scale");
      const int8::Kernels& k = int8::kernels();
      param_.i8l2 = k.l2_squared;
      param_.i8dot = k.dot;
      param_.scale2 = int8_scale * int8_scale;
      param_.scale = int8_scale;
      fn_ = metric == vx::core::Metric::L2 ? &int8_l2 : &int8_ip;
      return;
    }
    if (copies == BuildCopies::Half) {
      const half::PairKernels& k = half::pair_kernels();
      param_.hl2 = k.l2_squared;
      param_.hip = k.inner_product;
      param_.hl1 = k.l1;
      switch (metric) {
        case vx::core::Metric::L2:
          fn_ = &half_l2;
          break;
        case vx::core::Metric::L1:
          fn_ = &half_l1;
          break;
        default:
          fn_ = &half_ip;
          break;
      }
      return;
    }
    const DistanceKernels& k = kernels();
    param_.l2 = k.l2_squared;
    param_.ip = k.inner_product;
    param_.l1 = k.l1;
    switch (metric) {
      case vx::core::Metric::L2:
        fn_ = &dist_l2;
        break;
      case vx::core::Metric::L1:
        fn_ = &dist_l1;
        break;
      default:
        fn_ = &dist_ip;
        break;
    }
  }
  BuildCopies copies() const { return copies_; }
  float int8_scale() const { return param_.scale; }
  std::size_t dims() const { return param_.dims; }
  size_t get_data_size() override { return data_size_; }
  hnswlib::DISTFUNC<float> get_dist_func() override { return fn_; }
  void* get_dist_func_param() override { return &param_; }

 private:
  using Kernel = float (*)(const float*, const float*, std::size_t);
  using HalfKernel = float (*)(const uint16_t*, const uint16_t*, std::size_t);
  struct Param {
    std::size_t dims;
    Kernel l2 = nullptr, ip = nullptr, l1 = nullptr;
    HalfKernel hl2 = nullptr, hip = nullptr, hl1 = nullptr;
    int32_t (*i8l2)(const int8_t*, const int8_t*, std::size_t) = nullptr;
    int32_t (*i8dot)(const int8_t*, const int8_t*, std::size_t) = nullptr;
    float scale = 0, scale2 = 0;  // 8-bit codes: a code times scale is the value
    float (*stored)(const uint8_t*, const uint8_t*, int) = nullptr;
  };
  static float stored_rank(const void* a, const void* b, const void* p) {
    auto* q = static_cast<const Param*>(p);
    return q->stored(static_cast<const uint8_t*>(a), static_cast<const uint8_t*>(b), static_cast<int>(q->dims));
  }
  static float dist_l2(const void* a, const void* b, const void* p) {
    auto* q = static_cast<const Param*>(p);
    return q->l2(static_cast<const float*>(a), static_cast<const float*>(b), q->dims);
  }
  static float dist_ip(const void* a, const void* b, const void* p) {
    auto* q = static_cast<const Param*>(p);
    return -q->ip(static_cast<const float*>(a), static_cast<const float*>(b), q->dims);
  }
  static float dist_l1(const void* a, const void* b, const void* p) {
    auto* q = static_cast<const Param*>(p);
    return q->l1(static_cast<const float*>(a), static_cast<const float*>(b), q->dims);
  }
  static float half_l2(const void* a, const void* b, const void* p) {
    auto* q = static_cast<const Param*>(p);
    return q->hl2(static_cast<const uint16_t*>(a), static_cast<const uint16_t*>(b), q->dims);
  }
  static float half_ip(const void* a, const void* b, const void* p) {
    auto* q = static_cast<const Param*>(p);
    return -q->hip(static_cast<const uint16_t*>(a), static_cast<const uint16_t*>(b), q->dims);
  }
  static float half_l1(const void* a, const void* b, const void* p) {
    auto* q = static_cast<const Param*>(p);
    return q->hl1(static_cast<const uint16_t*>(a), static_cast<const uint16_t*>(b), q->dims);
  }
  // Exact integer sums, scaled once: every SIMD level gives the same distance.
  static float int8_l2(const void* a, const void* b, const void* p) {
    auto* q = static_cast<const Param*>(p);
    return float(q->i8l2(static_cast<const int8_t*>(a), static_cast<const int8_t*>(b), q->dims)) * q->scale2;
  }
  static float int8_ip(const void* a, const void* b, const void* p) {
    auto* q = static_cast<const Param*>(p);
    return -float(q->i8dot(static_cast<const int8_t*>(a), static_cast<const int8_t*>(b), q->dims)) * q->scale2;
  }
  BuildCopies copies_ = BuildCopies::Float;
  std::size_t data_size_ = 0;
  Param param_;
  hnswlib::DISTFUNC<float> fn_;
};
}  // namespace

struct GraphBuilder::Impl {
  Impl(int dims, vx::core::Metric metric, int m, int efc, std::size_t max_elements, unsigned seed, BuildCopies copies,
       float int8_scale)
      : space(dims, metric, copies, int8_scale), index(&space, max_elements, m, efc, seed) {}
  Impl(int dims, const StoredSpace& stored, int m, int efc, std::size_t max_elements, unsigned seed)
      : space(dims, stored), index(&space, max_elements, m, efc, seed) {}
  Space space;
  DenseIndex index;
  vx::core::Metric metric = vx::core::Metric::L2;
  // top-up staging (begin_top_up .. finish_top_up): element u's lists, level 0 first, each as count + capacity ids,
  // from stage[stage_offset[u]]
  std::vector<std::size_t> stage_offset;
  std::vector<uint32_t> stage;
  std::atomic<std::size_t> next_chunk{0};

  hnswlib::linklistsizeint* list(hnswlib::tableint id, int level) {
    return level == 0 ? index.get_linklist0(id) : index.get_linklist(id, level);
  }
  float dist(hnswlib::tableint a, hnswlib::tableint b) const {
    return index.fstdistfunc_(index.getDataByInternalId(a), index.getDataByInternalId(b), index.dist_func_param_);
  }
  void prefetch(hnswlib::tableint id) const {  // the first lines of a vector (the hardware follows the rest)
    const char* p = index.getDataByInternalId(id);
    for (std::size_t off = 0; off < std::min<std::size_t>(index.data_size_, 256); off += 64)
      __builtin_prefetch(p + off);
  }
  bool identical(hnswlib::tableint a, hnswlib::tableint b) const {
    return std::memcmp(index.getDataByInternalId(a), index.getDataByInternalId(b), index.data_size_) == 0;
  }
  void top_up_element(hnswlib::tableint u);
};

GraphBuilder::GraphBuilder(int dims, vx::core::Metric metric, int m, int efc, std::size_t max_elements, unsigned seed,
                           BuildCopies copies, float int8_scale)
    : impl_(
          std::make_unique<Impl>(dims, metric, m, efc, max_elements < 1 ? 1 : max_elements, seed, copies, int8_scale)) {
  impl_->metric = metric;
}
GraphBuilder::GraphBuilder(int dims, const StoredSpace& space, int m, int efc, std::size_t max_elements, unsigned seed)
    : impl_(std::make_unique<Impl>(dims, space, m, efc, max_elements < 1 ? 1 : max_elements, seed)) {}
GraphBuilder::~GraphBuilder() = default;

void GraphBuilder::add(const float* vector, std::size_t label) {
  // hnswlib copies the point into its own storage and searches with it during addPoint: a per-thread buffer lives
  // long enough.
  switch (impl_->space.copies()) {
    case BuildCopies::Float:
      impl_->index.add(vector, label);
      return;
    case BuildCopies::Half: {
      thread_local std::vector<uint16_t> copy;
      copy.resize(impl_->space.dims());
      half::encode(vector, copy.size(), copy.data());
      impl_->index.add(copy.data(), label);
      return;
    }
    case BuildCopies::Int8: {
      thread_local std::vector<int8_t> code;
      code.assign(impl_->space.get_data_size(), 0);  // the padding to 4 bytes stays 0 (identical() compares it)
      int8::encode(vector, impl_->space.dims(), impl_->space.int8_scale(), code.data());
      impl_->index.add(code.data(), label);
      return;
    }
  }
}
void GraphBuilder::use_hnswlib_connect(bool on) { impl_->index.hnswlib_connect = on; }
void GraphBuilder::use_hnswlib_search(bool on) { impl_->index.hnswlib_search = on; }
std::size_t GraphBuilder::inconsistent_lists_for_test() { return impl_->index.inconsistent_lists(); }
std::size_t GraphBuilder::size() const { return impl_->index.cur_element_count; }
int32_t GraphBuilder::entry_point() const {
  return impl_->index.cur_element_count == 0 ? -1 : static_cast<int32_t>(impl_->index.enterpoint_node_);
}
int GraphBuilder::max_level() const { return impl_->index.maxlevel_; }
int GraphBuilder::level(std::size_t id) const { return impl_->index.element_levels_[id]; }
std::size_t GraphBuilder::label(std::size_t id) const {
  return impl_->index.getExternalLabel(static_cast<hnswlib::tableint>(id));
}
int GraphBuilder::neighbors(std::size_t id, int level, const uint32_t** ids) const {
  auto t = static_cast<hnswlib::tableint>(id);
  hnswlib::linklistsizeint* ll = level == 0 ? impl_->index.get_linklist0(t) : impl_->index.get_linklist(t, level);
  *ids = reinterpret_cast<const uint32_t*>(ll + 1);
  return impl_->index.getListCount(ll);
}

namespace {

// Marks everything reachable from `start` over level-0 links in `seen`. Level 0 is what a scan walks once its
// greedy descent lands (anywhere: every element is at level 0), so level-0 reachability from the entry point is the
// invariant that makes every element findable; reachability over all levels is not enough (an inner-product graph
// built by hnswlib left 3 in 4 elements of pgvector's TAP 012 data without a level-0 in-link from the reached part).
template <class Index>
void mark_reachable(const Index& ix, std::size_t start, std::vector<char>& seen) {
  if (seen[start]) return;
  std::vector<hnswlib::tableint> stack{static_cast<hnswlib::tableint>(start)};
  seen[start] = 1;
  while (!stack.empty()) {
    hnswlib::tableint id = stack.back();
    stack.pop_back();
    hnswlib::linklistsizeint* ll = ix.get_linklist0(id);
    const auto* nb = reinterpret_cast<const hnswlib::tableint*>(ll + 1);
    for (unsigned j = 0, cnt = ix.getListCount(ll); j < cnt; j++)
      if (!seen[nb[j]]) {
        seen[nb[j]] = 1;
        stack.push_back(nb[j]);
      }
  }
}

}  // namespace

std::size_t GraphBuilder::reachable_count() const {
  const auto& ix = impl_->index;
  if (ix.cur_element_count == 0) return 0;
  std::vector<char> seen(ix.cur_element_count, 0);
  mark_reachable(ix, ix.enterpoint_node_, seen);
  std::size_t n = 0;
  for (char c : seen) n += c;
  return n;
}

std::size_t GraphBuilder::link_unreached() {
  auto& ix = impl_->index;
  const std::size_t n = ix.cur_element_count;
  if (n < 2) return 0;
  // Puts `id` into `owner`'s level-0 list, keeping it nearest first; a full list first gives up its farthest
  // entry, which is returned (else -1).
  auto insert_nearest_first = [&](hnswlib::tableint owner, hnswlib::tableint id) -> int64_t {
    hnswlib::linklistsizeint* ll = ix.get_linklist0(owner);
    auto* nb = reinterpret_cast<hnswlib::tableint*>(ll + 1);
    const unsigned cnt = ix.getListCount(ll);
    std::vector<std::pair<float, hnswlib::tableint>> e;
    for (unsigned j = 0; j < cnt; j++) e.emplace_back(impl_->dist(owner, nb[j]), nb[j]);
    std::sort(e.begin(), e.end());
    int64_t evicted = -1;
    if (cnt >= ix.maxM0_) {
      evicted = e.back().second;
      e.pop_back();
    }
    e.emplace_back(impl_->dist(owner, id), id);
    std::sort(e.begin(), e.end());
    for (std::size_t j = 0; j < e.size(); j++) nb[j] = e[j].second;
    ix.setListCount(ll, static_cast<unsigned short>(e.size()));
    return evicted;
  };
  std::size_t linked = 0;
  for (int round = 0; round < 8; round++) {  // a replaced link can orphan the node it pointed at: look again
    std::vector<char> seen(n, 0);
    mark_reachable(ix, ix.enterpoint_node_, seen);
    std::size_t before = linked;
    for (std::size_t u = 0; u < n; u++) {
      if (seen[u]) continue;
      const auto uid = static_cast<hnswlib::tableint>(u);
      // Candidates: the nearest reached nodes the graph's own search finds; prefer one with a free slot, so no
      // existing link is given up. None reached among them: the entry point (reached by definition).
      auto found = ix.searchKnn(ix.getDataByInternalId(uid), 8);
      std::vector<hnswlib::tableint> near;
      while (!found.empty()) {  // farthest first
        hnswlib::tableint id = ix.label_lookup_.at(found.top().second);
        if (seen[id] && id != uid) near.push_back(id);
        found.pop();
      }
      if (near.empty()) near.push_back(static_cast<hnswlib::tableint>(ix.enterpoint_node_));
      hnswlib::tableint target = near.back();
      for (auto it = near.rbegin(); it != near.rend(); ++it)
        if (ix.getListCount(ix.get_linklist0(*it)) < ix.maxM0_) {
          target = *it;
          break;
        }
      if (ix.getListCount(ix.get_linklist0(target)) < ix.maxM0_) {
        insert_nearest_first(target, uid);
      } else {
        // target's farthest link moves to u's list (u is unreached: nothing reached depends on u's links), so the
        // node it points at stays reachable (target -> u -> it); a full u's list gives up its own farthest.
        int64_t moved = insert_nearest_first(target, uid);
        hnswlib::linklistsizeint* ul = ix.get_linklist0(uid);
        const auto* unb = reinterpret_cast<const hnswlib::tableint*>(ul + 1);
        bool has = false;
        for (unsigned j = 0, ucnt = ix.getListCount(ul); j < ucnt; j++) has |= unb[j] == moved;
        if (moved >= 0 && !has && moved != uid) insert_nearest_first(uid, static_cast<hnswlib::tableint>(moved));
      }
      linked++;
      mark_reachable(ix, u, seen);
    }
    if (linked == before) break;
  }
  return linked;
}

namespace {
constexpr std::size_t kTopUpChunk = 64;  // elements a worker claims at a time
}  // namespace

std::size_t GraphBuilder::top_up_bytes(int m, std::size_t n) {
  // offset + level 0 (count + 2m ids) + expected upper levels (1/(m-1) per element) of count + m ids
  return n * (sizeof(std::size_t) + (std::size_t(2 * m) + 1) * 4 +
              (std::size_t(m) + 1) * 4 / std::size_t(m > 1 ? m - 1 : 1) + 4);
}

void GraphBuilder::begin_top_up() {
  Impl& im = *impl_;
  im.index.release_cache();  // the add() phase is over: its level-0 cache makes room for the staging
  const std::size_t n = im.index.cur_element_count;
  im.stage_offset.assign(n + 1, 0);
  for (std::size_t u = 0; u < n; u++)
    im.stage_offset[u + 1] =
        im.stage_offset[u] + (im.index.maxM0_ + 1) + std::size_t(im.index.element_levels_[u]) * (im.index.maxM_ + 1);
  im.stage.assign(im.stage_offset[n], 0);
  im.next_chunk.store(0);
}

namespace {
struct TopUpScratch {
  std::vector<hnswlib::tableint> ids, own;
  std::vector<Candidate> cands;
  std::vector<int> out;
};
[[gnu::noinline]] TopUpScratch& top_up_scratch() {
  thread_local TopUpScratch s;
  return s;
}
}  // namespace

void GraphBuilder::Impl::top_up_element(hnswlib::tableint u) {
  TopUpScratch& s = top_up_scratch();  // one TLS lookup (DenseIndex::Scratch says why)
  std::vector<hnswlib::tableint>&ids = s.ids, &own = s.own;
  std::vector<Candidate>& cands = s.cands;
  std::vector<int>& out = s.out;
  uint32_t* slot = &stage[stage_offset[u]];
  for (int level = 0; level <= index.element_levels_[u]; level++) {
    const unsigned cap = static_cast<unsigned>(level == 0 ? index.maxM0_ : index.maxM_);
    hnswlib::linklistsizeint* ll = list(u, level);
    const auto* nb = reinterpret_cast<const hnswlib::tableint*>(ll + 1);
    const unsigned cnt = index.getListCount(ll);
    if (level == 0 && cnt == cap && !index.hnswlib_connect) {
      // DenseIndex keeps every level-0 list nearest first while adds run (ties by id, as the sort below does), and a
      // full list takes no candidates: it is staged as it is. Recomputing its 2m distances (each element read from a
      // cold place) only to sort it again was nearly all of the top-up's time once lists fill up (3.6 s of a
      // 400,000-row one-thread build, now 0.5 s; the same graph).
      slot[0] = cnt;
      std::memcpy(slot + 1, nb, cnt * sizeof(uint32_t));
      slot += cap + 1;
      continue;
    }
    own.assign(nb, nb + cnt);
    ids.assign(nb, nb + cnt);
    if (cnt < cap)  // candidates: the neighbours' neighbours at this level
      for (unsigned j = 0; j < cnt; j++) {
        hnswlib::linklistsizeint* l2 = list(nb[j], level);
        const auto* nb2 = reinterpret_cast<const hnswlib::tableint*>(l2 + 1);
        for (unsigned k = 0, c2 = index.getListCount(l2); k < c2; k++)
          if (nb2[k] != u) ids.push_back(nb2[k]);
      }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::sort(own.begin(), own.end());
    cands.clear();
    // The candidates' vectors are scattered over memory: fetching them, not the arithmetic, is the cost.
    constexpr std::size_t kAhead = 4;
    for (std::size_t i = 0; i < std::min(kAhead, ids.size()); i++) prefetch(ids[i]);
    for (std::size_t i = 0; i < ids.size(); i++) {
      if (i + kAhead < ids.size()) prefetch(ids[i + kAhead]);
      cands.push_back(Candidate{dist(u, ids[i]), static_cast<int32_t>(ids[i])});
    }
    std::sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
      return a.dist < b.dist || (a.dist == b.dist && a.id < b.id);
    });
    out.assign(std::max<std::size_t>(cands.size(), cap), 0);
    // The list's own entries all stay: the result is a superset of hnswlib's graph, so nothing a search reached
    // before becomes unreachable. (Dropping copies of u beyond half the list was tried: candidates tied at distance
    // 0 are ranked by id, so every copy kept the same lowest-id copies and the others lost every in-link.)
    int kept = 0;
    for (int i = 0; i < int(cands.size()); i++)
      if (std::binary_search(own.begin(), own.end(), static_cast<hnswlib::tableint>(cands[i].id))) out[kept++] = i;
    kept = keep_pruned(
        cands.data(), int(cands.size()), int(cap),
        [&](int i) { return identical(u, static_cast<hnswlib::tableint>(cands[i].id)); }, out.data(), kept);
    std::sort(out.begin(), out.begin() + kept);  // cands are nearest first
    slot[0] = uint32_t(kept);
    for (int k = 0; k < kept; k++) slot[1 + k] = uint32_t(cands[out[k]].id);
    slot += cap + 1;
  }
}

void GraphBuilder::top_up_worker(const std::atomic<bool>* stop) {
  Impl& im = *impl_;
  const std::size_t n = im.index.cur_element_count;
  if (im.stage_offset.size() != n + 1) return;  // begin_top_up() not called
  for (;;) {
    if (stop && stop->load(std::memory_order_relaxed)) return;
    const std::size_t first = im.next_chunk.fetch_add(kTopUpChunk);
    if (first >= n) return;
    for (std::size_t u = first; u < std::min(n, first + kTopUpChunk); u++)
      im.top_up_element(static_cast<hnswlib::tableint>(u));
  }
}

std::size_t GraphBuilder::finish_top_up() {
  Impl& im = *impl_;
  const std::size_t n = im.index.cur_element_count;
  std::size_t added = 0;
  if (im.stage_offset.size() == n + 1 && im.next_chunk.load() >= n) {
    for (std::size_t u = 0; u < n; u++) {
      const auto uid = static_cast<hnswlib::tableint>(u);
      const uint32_t* slot = &im.stage[im.stage_offset[u]];
      for (int level = 0; level <= im.index.element_levels_[u]; level++) {
        const std::size_t cap = level == 0 ? im.index.maxM0_ : im.index.maxM_;
        hnswlib::linklistsizeint* ll = im.list(uid, level);
        added += std::size_t(std::max<long>(0, long(slot[0]) - long(im.index.getListCount(ll))));  // net
        std::memcpy(ll + 1, slot + 1, slot[0] * sizeof(uint32_t));
        im.index.setListCount(ll, static_cast<unsigned short>(slot[0]));
        slot += cap + 1;
      }
    }
  }
  std::vector<std::size_t>().swap(im.stage_offset);
  std::vector<uint32_t>().swap(im.stage);
  return added;
}

std::size_t GraphBuilder::top_up_lists() {
  begin_top_up();
  top_up_worker();
  return finish_top_up();
}

void GraphBuilder::drop_in_links_for_test(std::size_t id) {
  auto& ix = impl_->index;
  for (std::size_t e = 0; e < ix.cur_element_count; e++) {
    const auto eid = static_cast<hnswlib::tableint>(e);
    for (int level = 0; level <= ix.element_levels_[e]; level++) {
      hnswlib::linklistsizeint* ll = level == 0 ? ix.get_linklist0(eid) : ix.get_linklist(eid, level);
      auto* nb = reinterpret_cast<hnswlib::tableint*>(ll + 1);
      unsigned cnt = ix.getListCount(ll), kept = 0;
      for (unsigned j = 0; j < cnt; j++)
        if (nb[j] != id) nb[kept++] = nb[j];
      ix.setListCount(ll, static_cast<unsigned short>(kept));
    }
  }
}

namespace {

// Nearest-row distances on a strided sample, float against the copies the graph would be built on: the graph is only
// as good as these. encode(const float*, Code*) makes a copy of dims codes, copy_l2(const Code*, const Code*) the
// squared L2 distance between two copies in the values' units. True when at most 10% of the sampled rows see their
// nearest distance move by more than `tolerance` (relative).
template <class Code, class Encode, class CopyL2>
bool nearest_distances_faithful(const float* values, std::size_t rows, std::size_t dims, float tolerance,
                                Encode&& encode, CopyL2&& copy_l2) {
  const std::size_t queries = std::min<std::size_t>(rows, 64), candidates = std::min<std::size_t>(rows, 1024);
  if (rows < 2 || dims == 0) return true;
  const DistanceKernels& fk = kernels();
  std::vector<Code> cc(candidates * dims), cq(dims);
  for (std::size_t c = 0; c < candidates; c++) encode(values + (c * rows / candidates) * dims, &cc[c * dims]);
  std::size_t unfaithful = 0;
  for (std::size_t qi = 0; qi < queries; qi++) {
    const std::size_t row = (qi * rows / queries + rows / (2 * queries)) % rows;
    const float* q = values + row * dims;
    encode(q, cq.data());
    float best = INFINITY, best_copy = 0;
    for (std::size_t c = 0; c < candidates; c++) {
      float d = fk.l2_squared(q, values + (c * rows / candidates) * dims, dims);
      if (d > 0 && d < best) {
        best = d;
        best_copy = copy_l2(cq.data(), &cc[c * dims]);
      }
    }
    if (std::isfinite(best) && std::fabs(std::sqrt(best_copy) - std::sqrt(best)) > tolerance * std::sqrt(best))
      unfaithful++;
  }
  return unfaithful * 10 <= queries;
}

}  // namespace

bool GraphBuilder::half_copies_suitable(const float* values, std::size_t rows, std::size_t dims) {
  // Below 2^-10 a half keeps fewer than the 11 significant bits it has for normal values only once values reach
  // its subnormals (2^-14); require most magnitudes above 2^-10 so typical components keep full precision.
  const std::size_t n_values = rows * dims;
  std::size_t tiny = 0, nonzero = 0;
  for (std::size_t i = 0; i < n_values; i++) {
    float a = std::fabs(values[i]);
    if (a > 32768.0f) return false;
    if (a != 0) {
      nonzero++;
      if (a < 0x1p-10f) tiny++;
    }
  }
  if (tiny * 10 > nonzero) return false;  // more than 10% of the nonzero values that small
  const half::PairKernels& hk = half::pair_kernels();
  return nearest_distances_faithful<uint16_t>(
      values, rows, dims, 0.01f, [dims](const float* x, uint16_t* out) { half::encode(x, dims, out); },
      [&hk, dims](const uint16_t* a, const uint16_t* b) { return hk.l2_squared(a, b, dims); });
}

bool GraphBuilder::int8_codes_suitable(const float* values, std::size_t rows, std::size_t dims, float scale) {
  if (!(scale > 0) || !std::isfinite(scale)) return false;
  const int8::Kernels& k = int8::kernels();
  const float scale2 = scale * scale;
  // 3%: codes only rank candidates while the graph is built (the pages keep half copies). Measured at 60,000 rows:
  // PCA-256 embeddings (sampled nearest distances off by 0.5% median, 1.7% at the 90th percentile; one scale must
  // cover the first components' range) build the same recall curve on codes as on half copies.
  return nearest_distances_faithful<int8_t>(
      values, rows, dims, 0.03f, [dims, scale](const float* x, int8_t* out) { int8::encode(x, dims, scale, out); },
      [&k, dims, scale2](const int8_t* a, const int8_t* b) { return float(k.l2_squared(a, b, dims)) * scale2; });
}

BuildCopies GraphBuilder::choose_copies(const float* values, std::size_t rows, std::size_t dims,
                                        vx::core::Metric metric, float* int8_scale) {
  *int8_scale = 0;
  if (metric != vx::core::Metric::L1 && dims >= kInt8MinDims) {
    const float scale = int8::scale_for(values, rows * dims);
    if (int8_codes_suitable(values, rows, dims, scale)) {
      *int8_scale = scale;
      return BuildCopies::Int8;
    }
  }
  return half_copies_suitable(values, rows, dims) ? BuildCopies::Half : BuildCopies::Float;
}

std::size_t GraphBuilder::copy_bytes(int dims, BuildCopies copies) {
  switch (copies) {
    case BuildCopies::Half:
      return std::size_t(dims) * sizeof(uint16_t);
    case BuildCopies::Int8:
      return (std::size_t(dims) + 3) / 4 * 4;  // hnswlib's data stays 4-byte aligned
    case BuildCopies::Float:
      break;
  }
  return std::size_t(dims) * sizeof(float);
}

std::size_t GraphBuilder::estimate_bytes(int dims, int m, std::size_t n, BuildCopies copies) {
  std::size_t level0 = DenseIndex::element_bytes(std::size_t(m), copy_bytes(dims, copies));
  std::size_t upper = (std::size_t(m) * 4 + 4) / std::size_t(m > 1 ? m - 1 : 1) + 16;  // expected upper links
  // the add() phase's level-0 cache is freed before the top-up's staging is allocated: the larger of the two counts
  const std::size_t phase = std::max(DenseIndex::cache_bytes(std::size_t(m), n), top_up_bytes(m, n));
  return n * (level0 + upper + sizeof(std::mutex) + sizeof(int) + 16) + phase + (1u << 20);
}

}  // namespace vx::core::hnsw

// The only file that includes hnswlib (its 0.6.2 header defines non-inline functions).
#include "core/hnsw_graph_builder.h"
#include "core/distance.h"

#include <hnswlib/hnswlib.h>

namespace vx::core::hnsw {
using vx::core::DistanceKernels;
using vx::core::kernels;

namespace {
// One hnswlib space for every metric, using our runtime-dispatched kernels; hnswlib's own are compiled for the
// baseline ISA only and have no L1.
class Space : public hnswlib::SpaceInterface<float> {
 public:
  Space(int dims, Metric metric) {
    const DistanceKernels& k = kernels();  // resolved once: the hot loop makes one indirect call per distance
    param_.dims = static_cast<std::size_t>(dims);
    param_.l2 = k.l2_squared;
    param_.ip = k.inner_product;
    param_.l1 = k.l1;
    switch (metric) {
      case Metric::L2: fn_ = &dist_l2; break;
      case Metric::L1: fn_ = &dist_l1; break;
      default: fn_ = &dist_ip; break;
    }
  }
  size_t get_data_size() override { return param_.dims * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return fn_; }
  void* get_dist_func_param() override { return &param_; }

 private:
  using Kernel = float (*)(const float*, const float*, std::size_t);
  struct Param {
    std::size_t dims;
    Kernel l2, ip, l1;
  };
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
  Param param_;
  hnswlib::DISTFUNC<float> fn_;
};
}  // namespace

struct GraphBuilder::Impl {
  Impl(int dims, Metric metric, int m, int efc, std::size_t max_elements, unsigned seed)
      : space(dims, metric), index(&space, max_elements, m, efc, seed) {}
  Space space;
  hnswlib::HierarchicalNSW<float> index;
};

GraphBuilder::GraphBuilder(int dims, Metric metric, int m, int efc, std::size_t max_elements, unsigned seed)
    : impl_(std::make_unique<Impl>(dims, metric, m, efc, max_elements < 1 ? 1 : max_elements, seed)) {}
GraphBuilder::~GraphBuilder() = default;

void GraphBuilder::add(const float* vector, std::size_t label) { impl_->index.addPoint(vector, label); }
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

std::size_t GraphBuilder::estimate_bytes(int dims, int m, std::size_t n) {
  std::size_t level0 = std::size_t(2 * m) * 4 + 4 + std::size_t(dims) * 4 + sizeof(hnswlib::labeltype);
  std::size_t upper = (std::size_t(m) * 4 + 4) / std::size_t(m > 1 ? m - 1 : 1) + 16;  // expected upper links
  return n * (level0 + upper + sizeof(std::mutex) + sizeof(int) + 16) + (1u << 20);
}

}  // namespace vx::core::hnsw

// Raw hnswlib baseline (raw_libraries.h). The only translation unit including hnswlib: its 0.6.2 header defines
// non-inline functions.
#include <hnswlib/hnswlib.h>
#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "common.h"
#include "raw_libraries.h"

namespace ab {

namespace {

class RawHnswlib : public Method {
 public:
  explicit RawHnswlib(const Context& ctx) : Method("hnswlib (raw)", "raw", "hnsw", "ef"), ctx_(ctx) {
    if (ctx.ds.metric == Metric::L2)
      space_ = std::make_unique<hnswlib::L2Space>(ctx.ds.dim);
    else
      space_ = std::make_unique<hnswlib::InnerProductSpace>(ctx.ds.dim);
  }

  BuildPoint build(int threads) override {
    const Dataset& ds = ctx_.ds;
    const Options& o = ctx_.o;
    unpin_self();
    index_.reset();
    index_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(space_.get(), ds.n, o.m, o.ef_construction, 100);
    // Before the first write: the pages then fault in as 2 MB pages (THP "madvise" mode), like shared_buffers on
    // huge pages. malloc puts the block 16 bytes past a page boundary; madvise wants page-aligned ranges.
    if (o.huge_pages) {
      const uintptr_t page = 4096, start = reinterpret_cast<uintptr_t>(index_->data_level0_memory_);
      const uintptr_t end = start + index_->max_elements_ * index_->size_data_per_element_;
      const uintptr_t a = (start + page - 1) & ~(page - 1), z = end & ~(page - 1);
      if (z > a && madvise(reinterpret_cast<void*>(a), z - a, MADV_HUGEPAGE) != 0)
        std::printf("  note: madvise(MADV_HUGEPAGE) failed: %s\n", std::strerror(errno));
    }
    auto t0 = Clock::now();
    std::atomic<int> next{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&] {
        for (int i; (i = next++) < ds.n;) index_->addPoint(ds.row(i), size_t(i));
      });
    for (auto& t : ts) t.join();
    BuildPoint b{ds.name, "hnsw", label, "raw", threads, true, seconds_since(t0)};
    double bytes = double(index_->max_elements_) * index_->size_data_per_element_;
    for (size_t i = 0; i < index_->cur_element_count; ++i)
      bytes += double(index_->element_levels_[i]) * index_->size_links_per_element_;
    b.bytes = bytes;
    b.note = "in-memory size";
    built = true;
    return b;
  }

  bool set_param(int p, std::string&) override {
    index_->setEf(size_t(p));
    return true;
  }

  QueryFn query() override {
    return [this](int qi, std::vector<int64_t>& ids, std::string&) {
      auto pq = index_->searchKnn(ctx_.ds.query(qi), size_t(ctx_.o.k));
      size_t n = pq.size();
      ids.resize(ids.size() + n);
      for (size_t j = n; j-- > 0; pq.pop()) ids[ids.size() - n + j] = int64_t(pq.top().second);  // nearest first
      return true;
    };
  }

  void drop() override {
    index_.reset();
    built = false;
  }

 private:
  const Context& ctx_;
  std::unique_ptr<hnswlib::SpaceInterface<float>> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index_;
};

}  // namespace

std::unique_ptr<Method> make_raw_hnswlib(const Context& ctx) { return std::make_unique<RawHnswlib>(ctx); }

}  // namespace ab

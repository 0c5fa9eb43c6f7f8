// Raw Faiss IVF baselines (raw_libraries.h), trained the way the ivf access method trains: an evenly strided sample
// of 50 vectors per list, 10 k-means iterations; PQ codebooks 8 iterations on the residuals of the same sample.
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexRefine.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "common.h"
#include "raw_libraries.h"

extern "C" void openblas_set_num_threads(int);

namespace ab {

void set_library_threads(int n) {
  omp_set_num_threads(n);
  openblas_set_num_threads(1);
}

namespace {

constexpr int kCoarseIterations = 10, kPqIterations = 8;

size_t serialized_size(const faiss::Index* idx) {
  faiss::VectorIOWriter w;
  faiss::write_index(idx, &w);
  return w.data.size();
}

faiss::MetricType faiss_metric(Metric m) { return m == Metric::L2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT; }

class RawFaiss : public Method {
 public:
  RawFaiss(const Context& ctx, std::string label, int lists, int pq_m, int rerank)
      : Method(std::move(label), "raw", "ivf", "probes"), ctx_(ctx), lists_(lists), pq_m_(pq_m), rerank_(rerank) {}

  BuildPoint build(int threads) override {
    const Dataset& ds = ctx_.ds;
    const int d = ds.dim;
    unpin_self();
    set_library_threads(threads);
    drop();
    const int ntrain = std::min(ds.n, std::max(lists_ * 50, pq_m_ > 0 ? 256 * 40 : 0));
    std::vector<float> train(size_t(ntrain) * d);
    for (int i = 0; i < ntrain; ++i)
      std::memcpy(&train[size_t(i) * d], ds.row(int64_t(i) * ds.n / ntrain), sizeof(float) * d);
    auto t0 = Clock::now();
    quantizer_ = ds.metric == Metric::L2 ? std::unique_ptr<faiss::IndexFlat>(new faiss::IndexFlatL2(d))
                                         : std::unique_ptr<faiss::IndexFlat>(new faiss::IndexFlatIP(d));
    BuildPoint b{ds.name, "ivf", label, "raw", threads};
    if (pq_m_ == 0) {
      auto idx = std::make_unique<faiss::IndexIVFFlat>(quantizer_.get(), d, lists_, faiss_metric(ds.metric));
      idx->cp.niter = kCoarseIterations;
      idx->train(ntrain, train.data());
      idx->add(ds.n, ds.base.data());
      b.seconds = seconds_since(t0);
      b.bytes = double(serialized_size(idx.get()));
      b.note = "serialized size";
      ivf_ = std::move(idx);
      searched_ = ivf_.get();
    } else {
      auto idx = std::make_unique<faiss::IndexIVFPQ>(quantizer_.get(), d, lists_, pq_m_, 8, faiss_metric(ds.metric));
      idx->do_polysemous_training = false;
      idx->cp.niter = kCoarseIterations;
      idx->pq.cp.niter = kPqIterations;
      idx->train(ntrain, train.data());
      auto rf = std::make_unique<faiss::IndexRefineFlat>(idx.get());  // add() fills the PQ index and the flat copy
      rf->add(ds.n, ds.base.data());
      rf->k_factor = float(std::max(1, rerank_ / ctx_.o.k));
      b.seconds = seconds_since(t0);
      b.bytes = double(serialized_size(idx.get())) + double(ds.n) * d * sizeof(float);
      b.note = "PQ index + exact vectors";
      ivf_ = std::move(idx);
      refine_ = std::move(rf);
      searched_ = refine_.get();
    }
    b.ok = true;
    built = true;
    return b;
  }

  void before_search() override { set_library_threads(1); }

  bool set_param(int p, std::string&) override {
    static_cast<faiss::IndexIVF*>(ivf_.get())->nprobe = size_t(p);
    return true;
  }

  QueryFn query() override {
    return [this](int qi, std::vector<int64_t>& ids, std::string& err) {
      faiss::Index::idx_t k = ctx_.o.k;
      dist_.resize(size_t(k));
      labels_.resize(size_t(k));
      try {
        searched_->search(1, ctx_.ds.query(qi), k, dist_.data(), labels_.data());
      } catch (const std::exception& e) {
        err = e.what();
        return false;
      }
      for (auto id : labels_)
        if (id >= 0) ids.push_back(id);
      return true;
    };
  }

  void drop() override {
    refine_.reset();  // does not own the IVF index
    ivf_.reset();
    quantizer_.reset();
    searched_ = nullptr;
    built = false;
  }

 private:
  const Context& ctx_;
  int lists_, pq_m_, rerank_;
  std::unique_ptr<faiss::IndexFlat> quantizer_;
  std::unique_ptr<faiss::Index> ivf_;
  std::unique_ptr<faiss::IndexRefineFlat> refine_;
  faiss::Index* searched_ = nullptr;
  std::vector<float> dist_;
  std::vector<faiss::Index::idx_t> labels_;
};

}  // namespace

std::unique_ptr<Method> make_raw_faiss_ivfflat(const Context& ctx, int lists) {
  return std::make_unique<RawFaiss>(ctx, "Faiss IVFFlat (raw)", lists, 0, 0);
}

std::unique_ptr<Method> make_raw_faiss_ivfpq_refine(const Context& ctx, int lists, int pq_m, int rerank) {
  return std::make_unique<RawFaiss>(ctx, "Faiss IVFPQ+refine (raw)", lists, pq_m, rerank);
}

}  // namespace ab

// Implementation of dataset.h: reading the IDX files and building each dataset (derivation.h does the maths).
#include "dataset.h"

#include <arpa/inet.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <stdexcept>

#include "common.h"
#include "derivation.h"

namespace ab {

const char* metric_name(Metric m) { return m == Metric::L2 ? "l2" : m == Metric::Cosine ? "cosine" : "ip"; }
const char* metric_operator(Metric m) { return m == Metric::L2 ? "<->" : m == Metric::Cosine ? "<=>" : "<#>"; }

const std::vector<FilterClass>& filter_classes() {
  static const std::vector<FilterClass> classes = {{1, 0.10, "10%"}, {2, 0.01, "1%"}, {3, 0.001, "0.1%"}};
  return classes;
}

int32_t category_of(int64_t id) {
  double u = unit_interval(mix64(uint64_t(id) ^ 0xca7e6012ull));
  return u < 0.10 ? 1 : u < 0.11 ? 2 : u < 0.111 ? 3 : 0;
}

namespace {

PixelSet read_idx_images(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  auto read_exact = [&](void* p, size_t n) {
    size_t got = 0;
    while (got < n) {
      int r = gzread(f, static_cast<char*>(p) + got, unsigned(std::min<size_t>(n - got, 1 << 30)));
      if (r <= 0) {
        gzclose(f);
        throw std::runtime_error("short read in " + path);
      }
      got += size_t(r);
    }
  };
  uint32_t hdr[4];
  read_exact(hdr, sizeof hdr);
  for (auto& h : hdr) h = ntohl(h);
  if (hdr[0] != 2051) {
    gzclose(f);
    throw std::runtime_error(path + ": not an IDX image file");
  }
  PixelSet im;
  im.n = int(hdr[1]);
  im.d = int(hdr[2] * hdr[3]);
  std::vector<uint8_t> px(size_t(im.n) * im.d);
  read_exact(px.data(), px.size());
  gzclose(f);
  im.px.assign(px.begin(), px.end());
  return im;
}

struct Source {
  PixelSet train, test;
  uint64_t checksum = 0;
};

const Source& source(const std::string& dir) {
  static std::string loaded_from;
  static Source s;
  if (loaded_from != dir) {
    s.train = read_idx_images(dir + "/train-images-idx3-ubyte.gz");
    s.test = read_idx_images(dir + "/t10k-images-idx3-ubyte.gz");
    s.checksum = fnv1a(s.test.px.data(), s.test.px.size() * 4, fnv1a(s.train.px.data(), s.train.px.size() * 4));
    loaded_from = dir;
  }
  return s;
}

std::vector<float> rows_of(const std::vector<float>& all, int d, int from, int count) {
  return std::vector<float>(all.begin() + size_t(from) * d, all.begin() + size_t(from + count) * d);
}

// Derived train/test blocks from the cache, or computed by `derive` and cached.
void derived(const Options& o, const std::string& key, std::vector<float>& train, std::vector<float>& test,
             const std::function<void()>& derive) {
  std::filesystem::create_directories(o.cache_dir);
  std::string path = o.cache_dir + "/" + key + ".f32";
  if (read_cached(path, {&train, &test})) {
    std::printf("  derived data: cached %s\n", path.c_str());
    return;
  }
  auto t0 = Clock::now();
  derive();
  write_cached(path, {&train, &test});
  std::printf("  derived data: computed in %.1f s, cached in %s\n", seconds_since(t0), path.c_str());
}

}  // namespace

bool known_dataset(const std::string& name) {
  return name == "fmnist784" || name == "fmnist784h" || name == "pca256" || name == "gauss1536" || name == "scale768";
}

std::string index_opclass(const Dataset& ds) { return ds.sql_type + "_" + metric_name(ds.metric) + "_ops"; }

Dataset load_dataset(const std::string& name, const Options& o) {
  if (!known_dataset(name))
    throw std::runtime_error("unknown dataset " + name + " (fmnist784, fmnist784h, pca256, gauss1536, scale768)");
  const Source& src = source(o.data_dir);
  const int pool_from = std::max(o.queries, 2000);
  Dataset ds;
  ds.name = name;
  std::vector<float> train, test;  // full derived blocks, sliced below
  int total = src.train.n;
  if (name == "fmnist784" || name == "fmnist784h") {
    const bool half = name == "fmnist784h";
    ds.description =
        half ? "Fashion-MNIST 784-d integer pixels as halfvec, L2" : "Fashion-MNIST 784-d integer pixels, L2";
    ds.short_description = half ? "784-d integer pixels, halfvec, L2" : "784-d integer pixels, L2";
    if (half) ds.sql_type = "halfvec";
    ds.metric = Metric::L2;
    ds.dim = src.train.d;
    ds.integer_valued = true;
    train = src.train.px;
    test = src.test.px;
  } else if (name == "pca256") {
    ds.description = "Fashion-MNIST PCA to 256-d, L2-normalised, cosine";
    ds.short_description = "256-d float, normalised, cosine";
    ds.metric = Metric::Cosine;
    ds.dim = 256;
    derived(o, fmt("pca256-v1-%016llx", (unsigned long long)src.checksum), train, test, [&] {
      Pca p = fit_pca(src.train, 256);
      train = apply_pca(p, src.train);
      test = apply_pca(p, src.test);
      l2_normalise(train.data(), src.train.n, 256);
      l2_normalise(test.data(), src.test.n, 256);
    });
  } else if (name == "gauss1536") {
    ds.description = "Fashion-MNIST random Gaussian projection to 1,536-d, L2-normalised, inner product";
    ds.short_description = "1,536-d float, normalised, inner product";
    ds.metric = Metric::IP;
    ds.dim = 1536;
    derived(o, fmt("gauss1536-v1-%016llx", (unsigned long long)src.checksum), train, test, [&] {
      std::vector<float> m = gaussian_matrix(src.train.d, 1536, 0x1536);
      train = project(src.train.px.data(), src.train.n, src.train.d, m, 1536, 1.0f / 255);
      test = project(src.test.px.data(), src.test.n, src.test.d, m, 1536, 1.0f / 255);
      l2_normalise(train.data(), src.train.n, 1536);
      l2_normalise(test.data(), src.test.n, 1536);
    });
  } else {  // scale768: too large to be worth caching (3 GB); regenerated in seconds
    ds.description = "1M synthetic Fashion-MNIST mixes, Gaussian projection to 768-d, L2-normalised, cosine";
    ds.short_description = "768-d float, normalised, cosine";
    ds.metric = Metric::Cosine;
    ds.dim = 768;
    total = o.base_limit > 0 ? o.base_limit : 1000000;
    auto t0 = Clock::now();
    std::vector<float> m = gaussian_matrix(src.train.d, 768, 0x768);
    train = synthetic_projected(src.train, total, m, 768);
    test = project(src.test.px.data(), src.test.n, src.test.d, m, 768, 1.0f / 255);
    l2_normalise(test.data(), src.test.n, 768);
    std::printf("  derived data: %d synthetic rows generated in %.1f s (not cached)\n", total, seconds_since(t0));
  }
  ds.n = o.base_limit > 0 ? std::min(o.base_limit, total) : total;
  ds.nq = std::min(o.queries, src.test.n);
  ds.n_pool = std::max(0, src.test.n - pool_from);
  if (train.size() == size_t(ds.n) * ds.dim)
    ds.base = std::move(train);
  else
    ds.base = rows_of(train, ds.dim, 0, ds.n);
  ds.queries = rows_of(test, ds.dim, 0, ds.nq);
  ds.pool = rows_of(test, ds.dim, pool_from, ds.n_pool);
  if (ds.integer_valued) {
    ds.base_u8.assign(ds.base.begin(), ds.base.end());
    ds.queries_u8.assign(ds.queries.begin(), ds.queries.end());
  }
  ds.category.resize(ds.n);
  for (int i = 0; i < ds.n; ++i) ds.category[i] = category_of(i);
  ds.checksum = fnv1a(ds.queries.data(), ds.queries.size() * 4, fnv1a(ds.base.data(), ds.base.size() * 4));
  return ds;
}

std::string vector_text(const float* v, int dim, bool integer_valued) {
  std::string s;
  s.reserve(size_t(dim) * (integer_valued ? 4 : 12) + 2);
  s += '[';
  char buf[32];
  for (int j = 0; j < dim; ++j) {
    if (j) s += ',';
    auto r =
        integer_valued ? std::to_chars(buf, buf + sizeof buf, int(v[j])) : std::to_chars(buf, buf + sizeof buf, v[j]);
    s.append(buf, r.ptr);
  }
  s += ']';
  return s;
}

}  // namespace ab

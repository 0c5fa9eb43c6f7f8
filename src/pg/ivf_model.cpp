// Meta page access and the backend-local cache of immutable index state (centroids, codebooks). The pages stay the
// only durable copy; the cache is keyed by relfilenode + the build id written into the meta page, so a rebuilt,
// truncated or reused relation file never serves stale centroids.
#include "pg/ivf.h"

#include "core/half_copy.h"

#include <cstring>
#include <list>

namespace vx::pg::ivf {

IvfMeta read_meta(Relation index) {
  Buffer buf = ReadBuffer(index, kMetaBlock);
  LockBuffer(buf, BUFFER_LOCK_SHARE);
  Page page = BufferGetPage(buf);
  IvfMeta meta;
  memcpy(&meta, page_meta(page), sizeof(IvfMeta));
  UnlockReleaseBuffer(buf);
  if (meta.magic != kMagic)
    ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED), errmsg("index \"%s\" is not an ivf index", RelationGetRelationName(index))));
  if (meta.version != kLayoutVersion)  // an older (or newer) build's pages, not damage: same wording as hnsw
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("index \"%s\" has layout version %u, this build reads version %u", RelationGetRelationName(index),
                           meta.version, kLayoutVersion),
                    errhint("REINDEX the index.")));
  return meta;
}

namespace {

struct CacheEntry {
  RelFileNode node;
  uint64 build_id;
  std::shared_ptr<const Model> model;
};
constexpr std::size_t kCacheEntries = 16;
std::list<CacheEntry>& cache() {
  static std::list<CacheEntry> entries;  // most recently used first
  return entries;
}

// Reads `bytes` of a byte stream stored in consecutive content pages starting at `start`.
void read_stream(Relation index, BlockNumber start, uint32 pages, char* out, std::size_t bytes) {
  std::size_t done = 0;
  for (uint32 p = 0; p < pages && done < bytes; ++p) {
    call([&] {
      Buffer buf = ReadBuffer(index, start + p);
      LockBuffer(buf, BUFFER_LOCK_SHARE);
      Page page = BufferGetPage(buf);
      std::size_t n = std::min<std::size_t>(contents_capacity(), bytes - done);
      memcpy(out + done, page_contents(page), n);
      UnlockReleaseBuffer(buf);
      done += n;
    });
  }
}

std::shared_ptr<Model> read_model(Relation index, const IvfMeta& meta) {
  auto model = std::make_shared<Model>();
  model->meta = meta;
  const std::size_t dim = meta.dim;
  model->centroids.resize(static_cast<std::size_t>(meta.lists) * dim);
  for (uint32 p = 0; p < meta.centroid_pages; ++p) {
    std::size_t first = static_cast<std::size_t>(p) * meta.centroids_per_page;
    std::size_t count = std::min<std::size_t>(meta.centroids_per_page, meta.lists - first);
    float* dst = model->centroids.data() + first * dim;
    call([&] {
      Buffer buf = ReadBuffer(index, meta.centroid_start + p);
      LockBuffer(buf, BUFFER_LOCK_SHARE);
      memcpy(dst, page_contents(BufferGetPage(buf)), count * dim * sizeof(float));
      UnlockReleaseBuffer(buf);
    });
  }
  if (meta.quantizer == static_cast<uint8>(Quantizer::Sq8)) {
    std::vector<float> stream(2 * dim);
    read_stream(index, meta.codebook_start, meta.codebook_pages, reinterpret_cast<char*>(stream.data()),
                stream.size() * sizeof(float));
    model->sq8.vmin.assign(stream.begin(), stream.begin() + dim);
    model->sq8.step.assign(stream.begin() + dim, stream.end());
  } else if (meta.quantizer == static_cast<uint8>(Quantizer::Pq)) {
    model->pq.init(dim, meta.pq_m);
    read_stream(index, meta.codebook_start, meta.codebook_pages, reinterpret_cast<char*>(model->pq.codebook.data()),
                model->pq.codebook.size() * sizeof(float));
    model->pq.finalize();
  }
  return model;
}

}  // namespace

std::shared_ptr<const Model> load_model(Relation index) {
  IvfMeta meta = call([&] { return read_meta(index); });
  RelFileNode node = index->rd_node;
  auto& entries = cache();
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (RelFileNodeEquals(it->node, node) && it->build_id == meta.build_id) {
      entries.splice(entries.begin(), entries, it);
      return entries.front().model;
    }
  }
  std::shared_ptr<const Model> model = read_model(index, meta);
  entries.push_front(CacheEntry{node, meta.build_id, model});
  if (entries.size() > kCacheEntries) entries.pop_back();
  return model;
}

ListSlot read_slot(Relation index, const IvfMeta& meta, int list) {
  Buffer dir = ReadBuffer(index, directory_block(meta, list));
  LockBuffer(dir, BUFFER_LOCK_SHARE);
  ListSlot slot = directory_slot(BufferGetPage(dir), meta, list);
  UnlockReleaseBuffer(dir);
  return slot;
}

int effective_rerank(Relation index, const IvfMeta& meta) {
  // the reloption, not the meta page, so ALTER INDEX ... SET (rerank = N) applies at once
  const bool flat = meta.quantizer == static_cast<uint8>(Quantizer::Flat);
  auto* opts = reinterpret_cast<const IvfOptions*>(index->rd_options);
  if (!opts || meta.am != static_cast<uint8>(AmKind::Ivf)) return meta.rerank;
  return opts->rerank >= 0 ? opts->rerank : (flat ? 0 : kDefaultRerank);
}

bool prepare_vector(const Model& model, const float* in, float* out) {
  std::memcpy(out, in, sizeof(float) * model.meta.dim);
  if (model.metric() == Metric::Cosine) return core::normalize(out, model.meta.dim);
  return true;
}

void encode(const Model& model, const float* x, int list, uint8_t* code, float* scratch) {
  const std::size_t dim = model.meta.dim;
  switch (model.quantizer()) {
    case Quantizer::Flat:
      core::encode_half_copy(x, dim, code);
      break;
    case Quantizer::Sq8:
      model.sq8.encode(x, code);
      break;
    case Quantizer::Pq: {
      const float* c = model.centroids.data() + static_cast<std::size_t>(list) * dim;
      for (std::size_t i = 0; i < dim; ++i) scratch[i] = x[i] - c[i];
      model.pq.encode(scratch, code);
      break;
    }
  }
}

}  // namespace vx::pg::ivf

// CREATE INDEX for hnsw: collect (tid, vector) on the main thread, build the graph in memory with hnswlib on
// worker threads (vx::pg::run_workers: signals blocked, no Postgres calls, cancel polled on the main thread), then
// write the pages outside shared buffers, WAL-logged in batches (hnsw_bulk_write.h), the records formatted on the
// same threads (core/hnsw/record_pipeline.h). When the vectors and graph would not fit in maintenance_work_mem, the
// build switches to page-level inserts (the aminsert code) for every tuple.
#include "pg/hnsw/hnsw.h"
#include "pg/hnsw/hnsw_bulk_write.h"
#include "pg/hnsw/hnsw_filter.h"
#include "pg/hnsw/hnsw_filter_dir.h"
#include "pg/hnsw/hnsw_meta.h"
#include "pg/hnsw/hnsw_values.h"
#include "core/hnsw/hnsw_insert_order.h"
#include "core/hnsw/hnsw_locality.h"
#include "core/hnsw/record_pipeline.h"
#include "core/huge_pages.h"
#include "pg/context_owned.h"
#include "pg/workers.h"
#include "core/hnsw/hnsw_graph_builder.h"

extern "C" {
#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/backend_progress.h"
}

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

namespace vx::pg::hnsw {

namespace {

constexpr int kPhaseLoad = 1, kPhaseGraph = 2, kPhaseWrite = 3, kPhaseInsert = 4;

struct BuildState {
  Relation index = nullptr;
  int dims = 0;
  int width = 0;  // floats per element in memory (element_width)
  int m = 0;
  int efc = 0;
  Metric metric = Metric::L2;
  const AnnContract* contract = nullptr;
  std::size_t budget = 0;
  std::size_t per_tuple = 0;
  std::size_t extra_bytes = 0;  // out-of-line parts kept in build_cxt (hnsw_values.h), counted against the budget
  bool page_mode = false;
  double indtuples = 0;
  // width floats per element (datum_to_element); gigabytes at a million rows, filled once: in huge pages
  std::vector<float, core::HugePageAllocator<float>> data;
  std::vector<ItemPointerData> tids;
  FilterLayout filters{};          // the index's filter columns (hnsw_filter.h)
  std::vector<char> filter_areas;  // filters.bytes per element: each record's filter area
  char* tmp_area = nullptr;        // palloc'd, filters.bytes (at least 1)
  float* tmp = nullptr;            // palloc'd, width floats
  double reltuples = 0;            // planner's estimate of the heap's rows (for reserving)
  MemoryContext build_cxt = nullptr;
  MemoryContext tuple_cxt = nullptr;
  // Faults in data's reserved memory beside the scan (start_prefault); declared last, so it is joined before data
  // is freed (and before prefaulted, which it sets).
  std::atomic<std::size_t> prefaulted{0};  // bytes it faulted in (DEBUG1)
  std::unique_ptr<SideThread> prefault;
};

// The kernel zeroes each fresh huge page of `data` when the scan first writes it: in the VM that was three
// quarters of the heap scan at 1M x 768 (13 of 18 s), all on the main thread while the build's other threads wait.
// A side thread faults the reserved memory in ahead of the scan instead. Only memory reserved for the expected rows
// (within maintenance_work_mem) is touched; the thread is stopped before data could move (build_callback).
void start_prefault(BuildState* st) noexcept {
  const std::size_t bytes = st->data.capacity() * sizeof(float);
  if (bytes < core::kHugePage * 8) return;  // small builds: not worth a thread
  try {
    void* base = st->data.data();
    std::atomic<std::size_t>* done = &st->prefaulted;
    st->prefault = std::make_unique<SideThread>([base, bytes, done](const std::atomic<bool>& stop) {
      done->store(core::populate_for_writing(base, bytes, [&stop] { return stop.load(std::memory_order_relaxed); }));
    });
  } catch (...) {  // no side thread: the scan faults the pages in itself
  }
}

void switch_to_page_mode(BuildState* st) {
  // Called from the build callback (a guard, no C++ objects in the frame): Postgres may be called directly.
  st->page_mode = true;
  write_empty_meta(st->index, MAIN_FORKNUM, st->dims, *st->contract, st->m, st->efc, true);
  pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseInsert);
  ereport(NOTICE, (errmsg("hnsw graph no longer fits into maintenance_work_mem after %zu tuples", st->tids.size()),
                   errdetail("Building will take significantly more time."),
                   errhint("Increase maintenance_work_mem to speed up builds.")));
  for (std::size_t i = 0; i < st->tids.size(); ++i) {
    MemoryContext old = MemoryContextSwitchTo(st->tuple_cxt);
    insert_element(st->index, &st->data[i * st->width], uint32(st->dims), &st->tids[i],
                   st->filters.count ? &st->filter_areas[i * st->filters.bytes] : nullptr);
    MemoryContextSwitchTo(old);
    MemoryContextReset(st->tuple_cxt);
    CHECK_FOR_INTERRUPTS();
  }
  st->prefault.reset();
  decltype(st->data)().swap(st->data);
  std::vector<ItemPointerData>().swap(st->tids);
  std::vector<char>().swap(st->filter_areas);
}

// Sets the dimensions and everything sized by them (at the start, or at the first vector of a column without a
// typmod). Reserves for the expected row count (no reallocation copies while collecting), within the budget.
void set_dims(BuildState* st, int dims, double reltuples, MemoryContext cxt) {
  st->dims = dims;
  st->width = int(element_width(*st->contract, uint32(dims)));
  const int width = st->width;
  st->per_tuple = 4 * std::size_t(width) + sizeof(ItemPointerData) + st->filters.bytes +
                  core::hnsw::GraphBuilder::estimate_bytes(width, st->m, 1000) / 1000;
  st->tmp = static_cast<float*>(call([&] { return MemoryContextAlloc(cxt, sizeof(float) * width); }));
  if (reltuples > 0) {
    double rows = std::min(reltuples * 1.05, double(st->budget / st->per_tuple));
    st->data.reserve(std::size_t(rows) * std::size_t(width));
    st->tids.reserve(std::size_t(rows));
    st->filter_areas.reserve(std::size_t(rows) * st->filters.bytes);
    start_prefault(st);
  }
}

void build_callback(Relation index, ItemPointer tid, Datum* values, bool* isnull, bool alive, void* arg) {
  guard([&] {
    auto* st = static_cast<BuildState*>(arg);
    if (isnull[0]) return;
    // No typmod: the first value fixes the dims; datum_to_element rejects any other value that differs.
    if (st->dims == 0) set_dims(st, datum_dims(*st->contract, values[0]), st->reltuples, st->build_cxt);
    // The element's out-of-line part (a wide sparsevec's nonzeros) is in tuple_cxt until its reset: the page-level
    // paths use it before, the in-memory path keeps a copy in build_cxt.
    MemoryContext old = MemoryContextSwitchTo(st->tuple_cxt);
    bool ok = datum_to_element(*st->contract, values[0], uint32(st->dims), st->tmp);
    MemoryContextSwitchTo(old);
    if (!ok) {
      MemoryContextReset(st->tuple_cxt);
      return;
    }
    st->indtuples += 1;
    if (st->filters.count) encode_filter_values(st->tmp_area, st->filters, values, isnull);
    const char* area = st->filters.count ? st->tmp_area : nullptr;
    if (!st->page_mode) {
      st->extra_bytes += keep_element_extra(*st->contract, st->tmp, st->build_cxt);
      if ((st->tids.size() + 1) * st->per_tuple + st->extra_bytes <= st->budget) {
        if (st->prefault && st->data.size() + st->width > st->data.capacity()) st->prefault.reset();  // data moves
        st->data.insert(st->data.end(), st->tmp, st->tmp + st->width);
        st->tids.push_back(*tid);
        if (area) st->filter_areas.insert(st->filter_areas.end(), area, area + st->filters.bytes);
        MemoryContextReset(st->tuple_cxt);
        return;
      }
      switch_to_page_mode(st);
    }
    old = MemoryContextSwitchTo(st->tuple_cxt);
    insert_element(index, st->tmp, uint32(st->dims), tid, area);
    MemoryContextSwitchTo(old);
    MemoryContextReset(st->tuple_cxt);
  });
}

// Appends bytes to consecutive new pages of the index (BulkPageWriter: WAL-logged in batches, written with smgr).
class PageStream {
 public:
  explicit PageStream(Relation index) : writer_(call([index] { return BulkPageWriter(index); })) {
    page_ = static_cast<char*>(call([] { return palloc_aligned_page(); }));
    reset();
  }
  void append(const void* src, uint32 len) {
    // The block numbers of the walk do not matter here: pages are appended as they fill.
    walk_span(Location{0, fill_}, len, [&](const SpanPiece& p) {
      std::memcpy(page_data(page_) + p.offset, static_cast<const char*>(src) + p.pos, p.len);
      fill_ = p.offset + p.len;
      if (fill_ == kUsable) flush();
      return true;
    });
  }
  uint32 fill() const { return fill_; }
  // The kind of the pages appended from now on (the current page, if it is empty, included).
  void set_kind(PageKind kind) {
    kind_ = kind;
    if (fill_ == 0) page_opaque(reinterpret_cast<Page>(page_))->kind = uint16(kind);
  }
  void pad_to_page() {
    if (fill_ > 0) flush();
  }
  BlockNumber flush() {
    BlockNumber block = call([&] { return writer_.append(page_); });
    reset();
    return block;
  }
  BlockNumber next_block() const { return writer_.next_block(); }
  // Every page written and synced (the current one must be empty): before the index's blocks are read.
  void finish() {
    call([&] { writer_.finish(); });
  }
  double sync_ms() const { return writer_.sync_ms(); }
  bool sync_handed_over() const { return writer_.sync_handed_over(); }

 private:
  static char* palloc_aligned_page() { return static_cast<char*>(palloc(BLCKSZ)); }
  void reset() {
    std::memset(page_, 0, BLCKSZ);
    init_page(reinterpret_cast<Page>(page_), kind_);
    fill_ = 0;
  }
  BulkPageWriter writer_;
  char* page_;
  uint32 fill_ = 0;
  PageKind kind_ = PageKind::Records;
};

// Returns the milliseconds spent on the fork's fsync; *handed_over whether the checkpointer will do it instead.
double write_graph(Relation index, BuildState* st, core::hnsw::GraphBuilder& gb, int threads, bool* handed_over) {
  const uint32 n = uint32(gb.size());
  const uint32 m = uint32(st->m);
  const uint32 filter_offset = record_size(element_bytes(*st->contract, uint32(st->dims)), m);
  const uint32 rs = filter_offset + st->filters.bytes;  // the filter area follows the element (hnsw_page.h)
  const int level_cap = max_level_for(m);
  const uint32 ub = upper_level_bytes(m);
  // Packed groups of pages where they pay for this record size (layout versions 6, 7; hnsw_page.h).
  const bool packed = st->dims > 0 && new_index_packs(*st->contract, rs);  // an empty index too: inserts follow it
  const RecordLayout layout = record_layout(rs, packed);
  const uint32 seg_blocks = n ? segment_blocks(n, layout) : 0;
  // The filter directory (hnsw_filter_dir.h) comes first (block 1 on), then the records: one entry per id the segment
  // can hold.
  const uint32 dir_pages = n && st->filters.count ? dir_blocks(segment_capacity(seg_blocks, layout), st->filters) : 0;
  const BlockNumber after_segment = 1 + seg_blocks + dir_pages;

  // Elements go to pages breadth-first (core/hnsw/hnsw_locality.h): new id i holds builder element order[i].
  const std::vector<uint32_t> order =
      core::hnsw::locality_order(n, uint32_t(std::max(gb.entry_point(), 0)),
                                 [&gb](uint32_t id, const uint32_t** ids) { return gb.neighbors(id, 0, ids); });
  std::vector<uint32_t> new_id(n);
  for (uint32 i = 0; i < n; ++i) new_id[order[i]] = i;
  // old's neighbours at `level` (at most cap), renumbered, into out; returns their count. Thread-safe (the records'
  // workers call it, each with its own out).
  auto neighbors_mapped = [&](uint32 old, int level, int cap, uint32_t* out) {
    const uint32_t* ids;
    int cnt = std::min<int>(gb.neighbors(old, level, &ids), cap);
    for (int i = 0; i < cnt; ++i) out[i] = new_id[ids[i]];
    return cnt;
  };
  std::vector<uint32_t> mapped(2 * m);

  // Upper records: assign (block, offset), packed into pages after the segment and its directory.
  std::vector<BlockNumber> ublock(n, InvalidBlockNumber);
  std::vector<uint16> uoff(n, 0);
  BlockNumber cur_block = after_segment;
  uint32 used = 0;
  bool any_upper = false;
  for (uint32 id = 0; id < n; ++id) {
    int level = std::min(gb.level(order[id]), level_cap);
    if (level <= 0) continue;
    uint32 need = ub * uint32(level);
    if (used + need > kUsable) {
      ++cur_block;
      used = 0;
    }
    ublock[id] = cur_block;
    uoff[id] = uint16(used);
    used += need;
    any_upper = true;
  }

  // Value pages (the out-of-line parts of wide elements, hnsw_values.h) follow the upper pages, each chain on
  // consecutive blocks.
  const AnnContract& c = *st->contract;
  const BlockNumber value_start = any_upper ? cur_block + 1 : after_segment;
  std::vector<ValueRef> vref(c.extra_bytes ? n : 0, ValueRef{kNoValuePage, 0});
  uint32 value_pages = 0;
  for (uint32 id = 0; id < vref.size(); ++id) {
    const uint32 bytes = element_extra_bytes(c, &st->data[gb.label(order[id]) * st->width]);
    if (bytes == 0) continue;
    vref[id] = ValueRef{value_start + value_pages, bytes};
    value_pages += value_chain_pages(bytes);
  }

  PageStream out(index);
  out.flush();          // block 0: meta page, rewritten at the end
  if (dir_pages > 0) {  // entry of id i at dir_locate(start, i): the records' filter areas side by side
    out.set_kind(PageKind::Directory);
    std::vector<char> areas(std::size_t(dir_pages) * kUsable, 0);
    for (uint32 id = 0; id < n; ++id) {
      const Location loc = dir_locate(0, id, st->filters);
      std::memcpy(&areas[std::size_t(loc.block) * kUsable + loc.offset],
                  &st->filter_areas[gb.label(order[id]) * st->filters.bytes], st->filters.bytes);
    }
    for (uint32 i = 0; i < dir_pages; ++i) out.append(&areas[std::size_t(i) * kUsable], kUsable);
    out.set_kind(PageKind::Records);
  }
  // The records are formatted on the build's threads (encoding each vector to half precision read it from a random
  // place of the collected array: a third of this phase on one thread) into a ring of staged chunks, which the main
  // thread appends in order (core::hnsw::RecordPipeline).
  auto format_record = [&](uint32 id, char* rec, uint32_t* scratch) {
    std::memset(rec, 0, rs);
    auto* h = reinterpret_cast<HnswRecordHeader*>(rec);
    const std::size_t label = gb.label(order[id]);
    h->flags = kFlagValid;
    h->level = uint8(std::max(0, std::min(gb.level(order[id]), level_cap)));
    h->tid = st->tids[label];
    const int cnt = neighbors_mapped(order[id], 0, int(2 * m), scratch);
    h->n0 = uint16(cnt);
    std::memcpy(rec + kHeaderBytes, scratch, 4 * std::size_t(cnt));
    set_upper_block(*h, ublock[id]);
    h->upper_off = uoff[id];
    encode_element(rec, m, &st->data[label * st->width], uint32(st->dims), *st->contract);
    if (!vref.empty()) {  // the page holds the reference, not the pointer
      c.attach_extra(reinterpret_cast<uint8*>(rec + vector_offset(m)), nullptr);
      set_value_ref(rec, m, vref[id]);
    }
    if (st->filters.count)
      std::memcpy(rec + filter_offset, &st->filter_areas[label * st->filters.bytes], st->filters.bytes);
  };
  auto append_record = [&](uint32 id, const char* rec) {
    // A page (group) starts at every per_group-th record, as locate() expects: its last page is never empty
    // (core::hnsw::packed_group_pages chooses no group whose records fit one page fewer).
    if (layout.group > 0 && id % layout.per_group == 0) out.pad_to_page();
    out.append(rec, rs);
    if ((id & 1023) == 0) {
      call([&] {
        CHECK_FOR_INTERRUPTS();
        pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, id);
      });
    }
  };
  core::hnsw::RecordPipeline(n, rs, 2 * m, threads).run(format_record, append_record, run_workers_stepping);
  out.pad_to_page();
  // Upper pages, in the order assigned above.
  out.set_kind(PageKind::Upper);
  if (any_upper) {
    std::vector<char> urec;
    BlockNumber blk = after_segment;
    for (uint32 id = 0; id < n; ++id) {
      if (ublock[id] == InvalidBlockNumber) continue;
      while (blk < ublock[id]) {
        out.pad_to_page();
        ++blk;
      }
      int level = std::min(gb.level(order[id]), level_cap);
      urec.assign(ub * level, 0);
      for (int l = 1; l <= level; ++l) {
        uint32 cnt = uint32(neighbors_mapped(order[id], l, int(m), mapped.data()));
        std::memcpy(&urec[(l - 1) * ub], &cnt, 4);
        std::memcpy(&urec[(l - 1) * ub + 4], mapped.data(), 4 * cnt);
      }
      Assert(out.fill() == uoff[id]);
      out.append(urec.data(), uint32(urec.size()));
    }
    out.pad_to_page();
  }
  if (value_pages > 0) {
    out.set_kind(PageKind::Value);
    call([&] {
      if (out.next_block() != value_start)
        elog(ERROR, "hnsw build: value pages start at block %u, expected %u", out.next_block(), value_start);
    });
    std::vector<char> areas;
    for (uint32 id = 0; id < n; ++id) {
      if (vref[id].head == kNoValuePage) continue;
      const std::size_t label = gb.label(order[id]);
      const uint32 pages = value_chain_pages(vref[id].bytes);
      areas.assign(std::size_t(pages) * kUsable, 0);
      format_value_chain(areas.data(), vref[id].head, st->tids[label], element_extra(c, &st->data[label * st->width]),
                         vref[id].bytes);
      for (uint32 i = 0; i < pages; ++i) out.append(areas.data() + std::size_t(i) * kUsable, kUsable);
    }
  }
  out.pad_to_page();
  out.finish();
  // Meta page (through shared buffers; build_in_memory WAL-logs it).
  BuiltGraph b{};
  b.dims = uint32(st->dims);
  b.m = m;
  b.ef_construction = uint32(st->efc);
  b.record_size = rs;
  b.packed = packed;
  b.metric = st->metric;
  b.entry = gb.entry_point() >= 0 ? int32(new_id[uint32(gb.entry_point())]) : -1;
  b.max_level = n ? std::min(gb.max_level(), level_cap) : -1;
  b.count = n;
  b.segment_blocks = seg_blocks;
  b.dir_blocks = dir_pages;
  b.upper_block = any_upper ? cur_block : InvalidBlockNumber;
  b.upper_used = any_upper ? used : 0;
  b.value_pages = value_pages;  // the value free list starts empty
  b.filters = st->filters;
  call([&] { write_built_meta(index, b); });
  *handed_over = out.sync_handed_over();
  return out.sync_ms();
}

// The order the graph gets the rows in (core/hnsw/hnsw_insert_order.h): each chunk sorted by its rows' keys, which
// the worker threads compute (16 dot products a row); the mean comes from a sample of at most 10,000 rows.
std::vector<uint32_t> clustered_insert_order(const BuildState* st, std::size_t n, int threads) {
  const std::size_t dims = std::size_t(st->dims), width = std::size_t(st->width);
  const std::size_t step = std::max<std::size_t>(1, n / 10000);
  std::vector<double> sum(dims, 0.0);
  std::size_t sampled = 0;
  for (std::size_t i = 0; i < n; i += step, ++sampled)
    for (std::size_t d = 0; d < dims; ++d) sum[d] += st->data[i * width + d];
  std::vector<float> mean(dims);
  for (std::size_t d = 0; d < dims; ++d) mean[d] = float(sum[d] / double(sampled));
  const core::hnsw::InsertOrder keyer(dims, mean.data());
  std::vector<uint32_t> keys(n);
  std::atomic<std::size_t> next{0};
  constexpr std::size_t kBlock = 4096;
  run_workers(
      threads,
      [&](int, const std::atomic<bool>& stop) {
        for (;;) {
          if (stop.load(std::memory_order_relaxed)) return;
          const std::size_t from = next.fetch_add(kBlock);
          if (from >= n) return;
          for (std::size_t i = from; i < std::min(n, from + kBlock); ++i) keys[i] = keyer.key(&st->data[i * width]);
        }
      },
      {});
  return core::hnsw::InsertOrder::order(keys, core::hnsw::InsertOrder::chunk_rows(n));
}

// The in-memory path: holds C++ objects, so every Postgres call goes through call().
void build_in_memory(Relation index, BuildState* st) {
  st->prefault.reset();  // every row is in: whatever it has not faulted in is not needed
  std::size_t n = st->tids.size();
  int dims = st->dims;
  int width = st->width;
  auto t0 = std::chrono::steady_clock::now();
  auto ms = [&] {
    return double(
               std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count()) /
           1000.0;
  };
  call([&] {
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseGraph);
    pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, int64(n));
  });
  // hnswlib over 8-bit codes or half copies builds the same quality of graph with less memory traffic (codes: 2.5x
  // less CPU at 1,536 dims) when they hold the data faithfully; otherwise it works on the floats. OwnBytes elements
  // (bit, sparsevec) are built on as they are.
  using core::hnsw::BuildCopies;
  const AnnContract& c = *st->contract;
  float int8_scale = 0;
  const BuildCopies copies = own_bytes(c) ? BuildCopies::Float
                                          : core::hnsw::GraphBuilder::choose_copies(
                                                st->data.data(), n, std::size_t(dims), st->metric, &int8_scale);
  auto gb =
      own_bytes(c)
          ? std::make_unique<core::hnsw::GraphBuilder>(
                dims, core::hnsw::StoredSpace{element_bytes(c, uint32(dims)), c.stored_rank}, st->m, st->efc, n, 42u)
          : std::make_unique<core::hnsw::GraphBuilder>(dims, st->metric, st->m, st->efc, n, 42u, copies, int8_scale);
  std::atomic<std::size_t> next{0}, done{0};
  int threads = int(std::min<std::size_t>(std::size_t(maintenance_thread_count()), std::max<std::size_t>(n, 1)));
  call([&] { report_build_threads(threads); });
  // Vectors of floats only: OwnBytes elements (bit, sparsevec) keep heap order.
  const std::vector<uint32_t> order =
      hnsw_clustered_inserts && !own_bytes(c) && core::hnsw::InsertOrder::chunk_rows(n) > 0
          ? clustered_insert_order(st, n, threads)
          : std::vector<uint32_t>();
  const double t_prepare = ms();  // copies chosen, insert order
  run_workers(
      threads,
      [&](int, const std::atomic<bool>& stop) {
        for (;;) {
          if (stop.load(std::memory_order_relaxed)) return;
          std::size_t i = next.fetch_add(1);
          if (i >= n) return;
          const std::size_t row = order.empty() ? i : order[i];
          gb->add(&st->data[row * width], row);
          done.fetch_add(1, std::memory_order_relaxed);
        }
      },
      [&] { pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, int64(done.load())); });
  // Directed links can leave a node no search reaches (hnswlib's heuristic with clusters of identical points); link
  // each one from its nearest reached node before the graph goes to pages.
  // hnswlib's lists hold only what its heuristic keeps; top them up to capacity with the nearest pruned
  // candidates as pgvector does (same recall at a smaller ef_search; docs/hnsw.md, Build).
  const double t_adds = ms();
  gb->begin_top_up();
  run_workers(threads, [&](int, const std::atomic<bool>& stop) { gb->top_up_worker(&stop); }, {});
  std::size_t topped_up = gb->finish_top_up();
  std::size_t relinked = gb->link_unreached();
  double t_graph = ms();
  call([&] { pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseWrite); });
  bool sync_handed_over = false;
  const double t_sync = write_graph(index, st, *gb, threads, &sync_handed_over);
  double t_write = ms();
  gb.reset();
  decltype(st->data)().swap(st->data);
  std::vector<ItemPointerData>().swap(st->tids);
  std::vector<char>().swap(st->filter_areas);
  // The other pages were logged as they were written (BulkPageWriter); the meta page was rewritten in its buffer.
  if (RelationNeedsWAL(index)) call([&] { log_newpage_range(index, MAIN_FORKNUM, 0, 1, true); });
  double t_wal = ms();
  call([&] {
    elog(DEBUG1,
         "hnsw build: %zu vectors, %d threads, %s copies, %s order, %zu links topped up, %zu unreached relinked, "
         "%zu MB faulted in beside the scan: "
         "graph %.0f ms (prepare %.0f, adds %.0f, top-up and relinks %.0f), "
         "pages %.0f ms (sync %.0f%s), "
         "WAL %.0f ms",
         n, threads,
         own_bytes(c)                  ? "own-bytes"
         : copies == BuildCopies::Int8 ? "8-bit"
         : copies == BuildCopies::Half ? "half"
                                       : "float",
         order.empty() ? "heap" : "clustered", topped_up, relinked, st->prefaulted.load() >> 20, t_graph, t_prepare, t_adds - t_prepare,
         t_graph - t_adds, t_write - t_graph, t_sync, sync_handed_over ? ", handed to the checkpointer" : "",
         t_wal - t_write);
  });
}

}  // namespace

IndexBuildResult* build(Relation heap, Relation index, IndexInfo* info) {
  if (RelationGetNumberOfBlocks(index) != 0)
    elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
  const FilterLayout filters = index_filter_layout(index);  // refuses other columns before any work
  const AnnContract& contract = index_contract(index);
  int dims = index_dims(index, contract);
  Metric metric = contract.metric;
  int m = index_m(index);
  int efc = index_ef_construction(index);
  if (efc < 2 * m)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("ef_construction must be greater than or equal to 2 * m")));

  MemoryContext build_cxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw build", ALLOCSET_DEFAULT_SIZES);
  BuildState* st = make_context_owned<BuildState>(build_cxt);
  st->index = index;
  st->dims = dims;
  st->m = m;
  st->efc = efc;
  st->metric = metric;
  st->contract = &contract;
  st->budget = std::size_t(maintenance_work_mem) * 1024;
  st->reltuples = double(heap->rd_rel->reltuples);
  st->build_cxt = build_cxt;
  st->tuple_cxt = AllocSetContextCreate(build_cxt, "hnsw build tuple", ALLOCSET_DEFAULT_SIZES);
  st->filters = filters;
  st->tmp_area = static_cast<char*>(MemoryContextAllocZero(build_cxt, std::max<uint32>(filters.bytes, 1)));
  // A column without typmod (dims == 0) gets its dims from the first non-NULL vector (build_callback).
  if (dims > 0) guard([&] { set_dims(st, dims, st->reltuples, build_cxt); });

  pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseLoad);
  double reltuples = table_index_build_scan(heap, index, info, true, true, build_callback, st, nullptr);
  if (!st->page_mode) {
    if (st->dims == 0)  // no typmod and no vector yet: the first insert fixes the dims in the meta page
      write_empty_meta(index, MAIN_FORKNUM, 0, contract, m, efc, true);
    else
      build_in_memory(index, st);
  }

  auto* result = static_cast<IndexBuildResult*>(palloc(sizeof(IndexBuildResult)));
  result->heap_tuples = reltuples;
  result->index_tuples = st->indtuples;
  MemoryContextDelete(build_cxt);
  return result;
}

void build_empty(Relation index) {
  (void)index_filter_layout(index);  // refuses other columns
  const AnnContract& contract = index_contract(index);
  write_init_fork_meta(index, index_dims(index, contract), contract, index_m(index), index_ef_construction(index));
}

}  // namespace vx::pg::hnsw

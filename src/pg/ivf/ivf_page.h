// On-disk layout of the ivfflat and ivf index access methods (one implementation serves both).
//   block 0                meta page (IvfMeta): magic, layout version, dims, metric, lists, quantizer, ...
//   centroid pages         `lists` centroids in the column type's compact form (floats, halves, packed bits), whole
//                          centroids per page, or, for a centroid larger than a page (halfvec over 4,080
//                          dimensions), each centroid over a run of consecutive pages (centroids_per_page = 0); an
//                          untrained index has one empty centroid page (its one centroid is zero)
//   codebook pages         quantizer parameters as a byte stream (SQ8: vmin[dim], step[dim]; PQ: m x 256 x dsub)
//   directory pages        one ListSlot per list: the first page of the list's posting chain and its insert page
//   posting pages          IvfTuple items (heap TID + code) with an IvfPageOpaque linking to the next page of the list
// A list's chain grows at its tail: an insert goes to the list's insert page, or the first page after it with room,
// or a new page linked after the tail. VACUUM points the insert page back at the first page it freed space in, so
// rows inserted after deletes refill the list's pages before the index grows. Pages stay in their list (never
// unlinked): a scan that read a `next` pointer can always follow it.
// Codes are the codec's (core/ivf/ivf_codec.h): flat codes (ivfflat, ivf quantizer = 'flat') are half copies with their
// encoding error (core/half_copy.h): scans rank by lower bounds and the executor re-checks exact distances from the
// table (docs/ivf.md, "Exactness"). Every page has an IvfPageOpaque special area naming its kind and carrying the
// page id, so VACUUM can walk the relation block by block and pg_filedump-style tools can tell the pages apart.
// The meta, centroid, codebook and directory pages are written and read by ivf_model.cpp alone.
#pragma once

#include "pg/boundary.h"

#include "core/ivf/ivf_codec.h"
#include "core/ivf/ivf_model.h"

extern "C" {
#include "access/generic_xlog.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "storage/itemptr.h"
}

namespace vx::pg::ivf {

constexpr uint32 kMagic = 0x56584956;  // "VIXV"
// 2: flat codes are half copies (version 1 stored float32 vectors). 3: directory slots hold a first and an insert page
// and chains grow at the tail (version 2: one head per list, newest page first, space freed by VACUUM never reused).
// 4: centroids in the column type's compact form (meta.centroid_form: halves for halfvec, packed bits for bit) and
// bit postings as packed bits (quantizer bits); version 3 kept float centroids and half copies of every type.
// 5: centroids larger than a page span a run of pages, postings whose code would not fit a page keep the heap TID
// alone (quantizer heap), an untrained index keeps no centroid bytes (halfvec up to 16,000 dimensions).
// Other versions are refused with a hint to REINDEX.
constexpr uint32 kLayoutVersion = 5;
constexpr BlockNumber kMetaBlock = 0;
using core::ivf::CentroidForm;
// The dimension limits. vector and bit: pgvector's (a centroid in its form and a flat posting fit one page). halfvec:
// the type's own 16,000 (pgvector: 4,000): centroids span pages, codes too large for a page become heap postings.
constexpr int kMaxFloatDims = 2000;  // vector: float centroids (8,000 bytes), half-copy postings
constexpr int kMaxHalfDims = 16000;  // halfvec: half centroids (32,000 bytes: a run of 4 pages), heap postings
constexpr int kMaxBitDims = 64000;   // bit: packed-bit centroids and postings (8,000 bytes)
constexpr int kMaxLists = 32768;
constexpr uint16 kPageId = 0xFF91;  // for pg_filedump-style tools

enum class PageKind : uint16 { Meta = 1, Centroids = 2, Codebook = 3, Directory = 4, Posting = 5 };
using core::ivf::Quantizer;  // the meta page's quantizer byte
enum class AmKind : uint8_t { IvfFlat = 0, Ivf = 1 };

struct IvfPageOpaque {
  BlockNumber next;  // posting pages: next page of the same list (InvalidBlockNumber at the tail); otherwise invalid
  uint16 kind;       // PageKind
  uint16 page_id;    // kPageId
};

struct IvfMeta {
  uint32 magic;
  uint32 version;
  uint64 build_id;  // random per build: keys the backend-local model cache together with the relfilenode
  int32 dim;
  uint8 metric;     // core::Metric
  uint8 quantizer;  // Quantizer actually used (may differ from the reloption, see docs/ivf.md)
  uint8 am;         // AmKind
  uint8 trained;    // 0: built on an empty table (one zero centroid)
  int32 lists;
  int32 pq_m;
  int32 rerank;
  int32 code_size;  // bytes of code per posting tuple
  BlockNumber centroid_start;
  uint32 centroid_pages;
  int32 centroids_per_page;  // 0: each centroid over a run of centroid_run() pages
  BlockNumber codebook_start;
  uint32 codebook_pages;
  uint32 codebook_bytes;
  BlockNumber directory_start;
  uint32 directory_pages;
  int32 slots_per_page;       // ListSlots per directory page
  BlockNumber first_posting;  // blocks >= this are posting pages
  uint8 centroid_form;        // CentroidForm: how the centroid pages hold a centroid (version 4)
  uint8 reserved[3];
};

// A list's entry in the directory. Both invalid for a list without postings yet; otherwise `insert` is a page of the
// list's chain at or before the first page with room (a hint: inserts walk on from it).
struct ListSlot {
  BlockNumber first;
  BlockNumber insert;
};

// A posting: heap TID, padding, then code_size bytes of code (4-byte aligned at offset 8).
struct IvfTuple {
  ItemPointerData tid;
  uint16 pad;
  // code follows
};
constexpr Size kTupleHeader = sizeof(IvfTuple);
static_assert(kTupleHeader == 8, "posting header must keep codes float-aligned");

// Bytes of code per posting for a quantizer (its codec's; 0 for an unknown one). flat: the vector (normalised for
// cosine) as a half copy with its encoding error; the error keeps the scan's lower bounds valid for any data (0 where
// half is exact, e.g. integer pixels; large for values beyond +-65504, which are clamped). sq8: one byte per
// dimension. pq: pq_m bytes.
inline int code_size(Quantizer q, int dim, int pq_m) {
  const core::ivf::CodecInfo* info = core::ivf::codec_info(q);
  return info ? static_cast<int>(info->code_size(static_cast<std::size_t>(dim), static_cast<std::size_t>(pq_m))) : 0;
}

inline IvfPageOpaque* page_opaque(Page page) { return reinterpret_cast<IvfPageOpaque*>(PageGetSpecialPointer(page)); }
inline char* page_contents(Page page) { return reinterpret_cast<char*>(page) + MAXALIGN(SizeOfPageHeaderData); }
inline Size contents_capacity() { return BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - MAXALIGN(sizeof(IvfPageOpaque)); }

// The dimension limit of an index whose centroids have this form.
inline int max_dims(CentroidForm form) {
  return form == CentroidForm::Half ? kMaxHalfDims : form == CentroidForm::Bits ? kMaxBitDims : kMaxFloatDims;
}
// Whether a posting with `code` bytes of code fits an empty posting page (with its line pointer).
inline bool posting_fits_page(Size code) {
  return MAXALIGN(kTupleHeader + code) + sizeof(ItemIdData) <= contents_capacity();
}
// The codec that stores a column's vectors for the quantizer asked for: bit columns keep packed bits (flat); a flat
// or sq8 code that would not fit a posting page (halfvec over 4,068 or 8,140 dimensions) becomes a heap posting (the
// TID alone, every candidate re-ranked from the table). dim 0 (not fixed yet): as asked; fix_dims settles it.
inline Quantizer stored_quantizer(Quantizer q, CentroidForm form, int dim) {
  if (form == CentroidForm::Bits && q == Quantizer::Flat) return Quantizer::Bits;
  if (q != Quantizer::Pq && !posting_fits_page(code_size(q, dim, 0))) return Quantizer::Heap;
  return q;
}
// Pages of one centroid: 1 where whole centroids share a page, else the run one centroid spans.
inline uint32 centroid_run(const IvfMeta& m) {
  if (m.centroids_per_page > 0) return 1;
  const Size bytes = core::ivf::centroid_bytes(static_cast<CentroidForm>(m.centroid_form), m.dim);
  return static_cast<uint32>((bytes + contents_capacity() - 1) / contents_capacity());
}
inline IvfMeta* page_meta(Page page) { return reinterpret_cast<IvfMeta*>(page_contents(page)); }

// Initialises a page of `kind`; for content pages (not Posting) `used` bytes of contents are covered by pd_lower,
// so full-page images and generic WAL keep them.
inline void init_page(Page page, PageKind kind, Size used = 0) {
  PageInit(page, BLCKSZ, sizeof(IvfPageOpaque));
  IvfPageOpaque* op = page_opaque(page);
  op->next = InvalidBlockNumber;
  op->kind = static_cast<uint16>(kind);
  op->page_id = kPageId;
  if (kind != PageKind::Posting)
    reinterpret_cast<PageHeader>(page)->pd_lower = static_cast<LocationIndex>(MAXALIGN(SizeOfPageHeaderData) + used);
}

}  // namespace vx::pg::ivf

// On-disk layout of the ivfflat and ivf index access methods (one implementation serves both).
//   block 0                meta page (IvfMeta): magic, layout version, dims, metric, lists, quantizer, ...
//   centroid pages         `lists` float centroids, whole centroids per page
//   codebook pages         quantizer parameters as a byte stream (SQ8: vmin[dim], step[dim]; PQ: m x 256 x dsub)
//   directory pages        one BlockNumber per list: the head of the list's posting chain (newest page first)
//   posting pages          IvfTuple items (heap TID + code) with an IvfPageOpaque linking to the next (older) page
// Every page has an IvfPageOpaque special area naming its kind, so VACUUM can walk the relation block by block.
#pragma once

#include "pg/boundary.h"

extern "C" {
#include "access/generic_xlog.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "storage/itemptr.h"
}

namespace vx::pg::ivf {

constexpr uint32 kMagic = 0x56584956;  // "VIXV"
constexpr uint32 kLayoutVersion = 1;
constexpr BlockNumber kMetaBlock = 0;
constexpr int kMaxDims = 2000;  // a flat posting tuple and a centroid must fit one page (as in pgvector)
constexpr int kMaxLists = 32768;
constexpr uint16 kPageId = 0xFF91;  // for pg_filedump-style tools

enum class PageKind : uint16 { Meta = 1, Centroids = 2, Codebook = 3, Directory = 4, Posting = 5 };
enum class Quantizer : uint8_t { Flat = 0, Sq8 = 1, Pq = 2 };
enum class AmKind : uint8_t { IvfFlat = 0, Ivf = 1 };

struct IvfPageOpaque {
  BlockNumber next;  // posting pages: next (older) page of the same list; otherwise InvalidBlockNumber
  uint16 kind;       // PageKind
  uint16 page_id;    // kPageId
};

struct IvfMeta {
  uint32 magic;
  uint32 version;
  uint64 build_id;       // random per build: keys the backend-local model cache together with the relfilenode
  int32 dim;
  uint8 metric;          // core::ivf::Metric
  uint8 quantizer;       // Quantizer actually used (may differ from the reloption, see docs/ivf.md)
  uint8 am;              // AmKind
  uint8 trained;         // 0: built on an empty table (one zero centroid)
  int32 lists;
  int32 pq_m;
  int32 rerank;
  int32 code_size;       // bytes of code per posting tuple
  BlockNumber centroid_start;
  uint32 centroid_pages;
  int32 centroids_per_page;
  BlockNumber codebook_start;
  uint32 codebook_pages;
  uint32 codebook_bytes;
  BlockNumber directory_start;
  uint32 directory_pages;
  int32 heads_per_page;
  BlockNumber first_posting;  // blocks >= this are posting pages
};

// A posting: heap TID, padding, then code_size bytes of code (flat: dim floats, 4-byte aligned at offset 8).
struct IvfTuple {
  ItemPointerData tid;
  uint16 pad;
  // code follows
};
constexpr Size kTupleHeader = sizeof(IvfTuple);
static_assert(kTupleHeader == 8, "posting header must keep flat codes float-aligned");

inline IvfPageOpaque* page_opaque(Page page) { return reinterpret_cast<IvfPageOpaque*>(PageGetSpecialPointer(page)); }
inline char* page_contents(Page page) { return reinterpret_cast<char*>(page) + MAXALIGN(SizeOfPageHeaderData); }
inline Size contents_capacity() {
  return BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - MAXALIGN(sizeof(IvfPageOpaque));
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

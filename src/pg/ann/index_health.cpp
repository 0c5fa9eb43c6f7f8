// vectorext._ann_index_meta(index): what the meta page of an hnsw, ivfflat or ivf index says about it, for the
// vectorext.index_health view: layout version, elements (hnsw: allocated ids) and elements VACUUM flagged deleted
// that still occupy the graph or wait on its free list. Reads block 0 only; any layout version (the view is where
// an index that needs a REINDEX shows up).
#include "pg/ann/ann_family.h"
#include "pg/hnsw/hnsw_meta.h"
#include "pg/ivf/ivf_page.h"

extern "C" {
#include "access/genam.h"
#include "funcapi.h"
#include "storage/bufmgr.h"
}

VX_FUNCTION(vx_ann_index_meta) {
  using namespace vx::pg;
  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("_ann_index_meta must be called as a row")));
  desc = BlessTupleDesc(desc);
  Datum values[4] = {0, 0, 0, 0};
  bool nulls[4] = {true, true, true, true};
  Relation index = index_open(PG_GETARG_OID(0), AccessShareLock);
  AnnFamily family = ann_family(index);
  if (family != AnnFamily::kNone && RelationGetNumberOfBlocks(index) > 0) {
    Buffer buf = ReadBuffer(index, 0);
    LockBuffer(buf, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buf);
    if (family == AnnFamily::kHnsw) {
      uint32 version, count, deleted;
      if (hnsw::meta_describe(page, &version, &count, &deleted)) {
        values[0] = Int32GetDatum(int32(version));
        nulls[0] = false;
        if (hnsw::layout_version_known(version)) {
          values[1] = Int64GetDatum(int64(count));
          values[2] = Int64GetDatum(int64(deleted));
          nulls[1] = nulls[2] = false;
        }
      }
    } else {
      const ivf::IvfMeta* m = ivf::page_meta(page);
      if (m->magic == ivf::kMagic) {
        values[0] = Int32GetDatum(int32(m->version));
        nulls[0] = false;
        if (m->version == ivf::kLayoutVersion) {
          values[3] = Int32GetDatum(m->lists);
          nulls[3] = false;
        }
      }
    }
    UnlockReleaseBuffer(buf);
  }
  index_close(index, AccessShareLock);
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

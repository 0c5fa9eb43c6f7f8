// The `bit` type in the type-and-metric contract (ann_contract.h) for Hamming distance (bit_hamming_ops, support
// function 3 bit_hamming_index_support(internal)). An index sees a bit string as its 0/1 floats: the squared L2
// distance of two such vectors is the number of differing bits, so IVF trains, assigns and ranks with its L2 code
// unchanged (k-means centroids are the lists' bit frequencies). IVF then keeps bits: its centroids as packed majority
// bits and its postings as packed bits (codec `bits`, scored exactly by popcount), up to 64,000 bits as pgvector
// (docs/ivf-internals.md, "Dimension limits and the centroid form"; docs/reference/bit.md).
#include "pg/ann_contract.h"

#include "core/bit_distance.h"
#include "core/metric.h"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/varbit.h"
}

namespace vx::pg {

namespace {

const void* bit_detoast(Datum value) { return DatumGetVarBitP(value); }
int bit_dims(const void* value) { return VARBITLEN(static_cast<const VarBit*>(value)); }
Size bit_bytes(int dims) { return VARBITTOTALLEN(dims); }
void bit_to_float(const void* value, float* out) {
  const auto* v = static_cast<const VarBit*>(value);
  const bits8* b = VARBITS(v);
  const int n = VARBITLEN(v);
  for (int i = 0; i < n; ++i) out[i] = (b[i / 8] & (0x80u >> (i % 8))) ? 1.0f : 0.0f;  // first bit = leftmost
}
void bit_check_same_dims(int indexed, int query) {
  if (indexed != query)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("different bit lengths %u and %u", static_cast<unsigned>(indexed), static_cast<unsigned>(query))));
}
// varbit values have no fixed length (pgvector refuses them too).
bool bit_accepts_column_type(Oid typid) { return typid != VARBITOID; }

const AnnType kBit = {"bit",     ElementKind::Bit, core::bits::kMaxIndexBits, bit_detoast,           bit_dims,
                      bit_bytes, bit_to_float,     bit_check_same_dims,       bit_accepts_column_type};

// The Hamming distance of two 0/1 float forms (<~>'s value: a count, exact in a double).
double hamming_from_floats(const float* x, const float* query, std::size_t n) {
  uint64_t differ = 0;
  for (std::size_t i = 0; i < n; ++i) differ += x[i] != query[i];
  return static_cast<double>(differ);
}
// rank_distance(L2) of two 0/1 float forms: a sum of 0s and 1s, exact in a float up to 2^24 bits.
double hamming_from_rank(float rank) { return static_cast<double>(rank); }

// over the 0/1 floats squared L2 is Hamming: IVF trains, assigns and ranks with its L2 code
const AnnContract kHamming = half_copy_contract(&kBit, core::Metric::L2, hamming_from_floats, hamming_from_rank);

}  // namespace

}  // namespace vx::pg

VX_FUNCTION(vx_bit_hamming_index_support) { PG_RETURN_POINTER(&vx::pg::kHamming); }

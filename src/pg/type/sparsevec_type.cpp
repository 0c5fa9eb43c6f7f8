// Construction and the shared checks of the sparsevec type (see sparsevec_type.h).
#include "pg/type/sparsevec_type.h"

namespace vx::pg {

SparseVector* new_sparsevec(int32 dim, int32 nnz) {
  const std::size_t size = sparsevec_size(nnz);
  auto* v = static_cast<SparseVector*>(palloc0(size));
  SET_VARSIZE(v, size);
  v->dim = dim;
  v->nnz = nnz;
  return v;
}

void check_nnz(int32 nnz, int32 dim) {
  if (nnz < 0)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("sparsevec cannot have negative number of elements")));
  if (nnz > core::sparse::kMaxNnz)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("sparsevec cannot have more than %d non-zero elements", core::sparse::kMaxNnz)));
  if (nnz > dim)
    ereport(ERROR,
            (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("sparsevec cannot have more elements than dimensions")));
}

void check_sparse_indices(const int32* indices, int32 nnz, int32 dim) {
  switch (core::sparse::check_indices(indices, nnz, dim)) {
    case core::sparse::IndexError::kNone:
      return;
    case core::sparse::IndexError::kOutOfBounds:
      ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("sparsevec index out of bounds")));
      break;
    case core::sparse::IndexError::kNotAscending:
      ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("sparsevec indices must be in ascending order")));
      break;
    case core::sparse::IndexError::kDuplicate:
      ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("sparsevec indices must not contain duplicates")));
      break;
  }
}

}  // namespace vx::pg

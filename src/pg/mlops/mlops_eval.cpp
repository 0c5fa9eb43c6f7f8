// Small numeric helpers of the MLOps layer (docs/mlops.md): the traffic-split hash of vectorext.route, rank-biased
// overlap for vectorext.compare, the dimension check of collection rows, and a linear (PCA) embedding model whose
// projection matrix is a registry artifact. Bodies hold no C++ object with a destructor and call Postgres directly.
#include "pg/type/vector_type.h"

#include <cmath>

// Postgres headers reached through spi.h use `register`, which C++17 warns about.
extern "C" {
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "miscadmin.h"
#include "utils/lsyscache.h"
}

using namespace vx::pg;

// vectorext.route_bucket(experiment text, unit text) RETURNS int, in 0..9999:
// the first 8 bytes of SHA-256(experiment || ':' || unit) (UTF-8 bytes) read as a big-endian unsigned 64-bit
// integer, modulo 10000.
VX_FUNCTION(vx_mlops_route_bucket) {
  text* experiment = PG_GETARG_TEXT_PP(0);
  text* unit = PG_GETARG_TEXT_PP(1);
  pg_cryptohash_ctx* ctx = pg_cryptohash_create(PG_SHA256);
  uint8 digest[PG_SHA256_DIGEST_LENGTH];
  if (ctx == nullptr || pg_cryptohash_init(ctx) < 0 ||
      pg_cryptohash_update(ctx, reinterpret_cast<const uint8*>(VARDATA_ANY(experiment)),
                           VARSIZE_ANY_EXHDR(experiment)) < 0 ||
      pg_cryptohash_update(ctx, reinterpret_cast<const uint8*>(":"), 1) < 0 ||
      pg_cryptohash_update(ctx, reinterpret_cast<const uint8*>(VARDATA_ANY(unit)), VARSIZE_ANY_EXHDR(unit)) < 0 ||
      pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
    ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not compute SHA-256")));
  pg_cryptohash_free(ctx);
  uint64 h = 0;
  for (int i = 0; i < 8; ++i) h = (h << 8) | digest[i];
  PG_RETURN_INT32(static_cast<int32>(h % 10000));
}

namespace {
// Elements of a text[] as C strings (NULLs kept as nullptr).
char** text_array_elements(ArrayType* arr, int* count) {
  Datum* elems;
  bool* nulls;
  deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, count);
  char** out = static_cast<char**>(palloc(sizeof(char*) * (*count + 1)));
  for (int i = 0; i < *count; ++i) out[i] = nulls[i] ? nullptr : text_to_cstring(DatumGetTextPP(elems[i]));
  return out;
}

// Longest ranking vectorext.rbo accepts (its work is quadratic in the length); vectorext.compare's k has the same
// limit (sql/parts/43_mlops_search.sql).
constexpr int kMaxRankingLength = 10000;

bool same(const char* a, const char* b) { return a != nullptr && b != nullptr && strcmp(a, b) == 0; }
bool contains(char** list, int n, const char* x) {
  for (int i = 0; i < n; ++i)
    if (same(list[i], x)) return true;
  return false;
}
}  // namespace

// vectorext.rbo(a text[], b text[], p float8 DEFAULT 0.9) RETURNS float8
// Extrapolated rank-biased overlap (Webber, Moffat, Zobel 2010, eq. 32) of two rankings evaluated to depth
// k = greatest length: (X_k / k) p^k + (1-p)/p * sum_{d=1..k} (X_d / d) p^d, X_d = overlap of the top-d prefixes.
// 1 for identical rankings, 0 for disjoint ones; two empty rankings count as identical.
VX_FUNCTION(vx_mlops_rbo) {
  double p = PG_GETARG_FLOAT8(2);
  if (!(p > 0.0 && p < 1.0))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("rank-biased overlap needs 0 < p < 1, not %g", p),
                    errhint("Use p => 0.9 (the top 10 results carry about 86%% of the weight).")));
  ArrayType* arr_a = PG_GETARG_ARRAYTYPE_P(0);
  ArrayType* arr_b = PG_GETARG_ARRAYTYPE_P(1);
  // The overlap count is quadratic in the ranking length: refuse long rankings before any work.
  const int len_a = ArrayGetNItems(ARR_NDIM(arr_a), ARR_DIMS(arr_a));
  const int len_b = ArrayGetNItems(ARR_NDIM(arr_b), ARR_DIMS(arr_b));
  if (len_a > kMaxRankingLength || len_b > kMaxRankingLength)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("rank-biased overlap compares rankings of at most %d entries, not %d", kMaxRankingLength,
                           len_a > len_b ? len_a : len_b),
                    errhint("Compare the top of the rankings (k <= %d).", kMaxRankingLength)));
  int na, nb;
  char** a = text_array_elements(arr_a, &na);
  char** b = text_array_elements(arr_b, &nb);
  int k = na > nb ? na : nb;
  if (k == 0) PG_RETURN_FLOAT8(1.0);
  double sum = 0.0, weight = 1.0;
  int overlap = 0;
  for (int d = 1; d <= k; ++d) {
    const char* x = d <= na ? a[d - 1] : nullptr;
    const char* y = d <= nb ? b[d - 1] : nullptr;
    if (x != nullptr && contains(b, d < nb ? d : nb, x)) ++overlap;                         // x against b's top d
    if (y != nullptr && !same(x, y) && contains(a, d - 1 < na ? d - 1 : na, y)) ++overlap;  // y against a's top d-1
    weight *= p;
    sum += static_cast<double>(overlap) / d * weight;
    if ((d & 255) == 0) CHECK_FOR_INTERRUPTS();
  }
  double rbo = static_cast<double>(overlap) / k * weight + (1.0 - p) / p * sum;
  PG_RETURN_FLOAT8(rbo > 1.0 ? 1.0 : rbo);
}

// Linear embedding model artifact, little-endian:
//   int32 in_dims, int32 out_dims, float32 W[out_dims][in_dims] (row-major), float32 b[out_dims];  y = W x + b.
namespace {
struct LinearHeader {
  int32 in_dims;
  int32 out_dims;
};

const LinearHeader* linear_header(bytea* model) {
  size_t len = VARSIZE_ANY_EXHDR(model);
  const auto* h = reinterpret_cast<const LinearHeader*>(VARDATA_ANY(model));
  if (len < sizeof(LinearHeader) || h->in_dims < 1 || h->out_dims < 1 || h->in_dims > vx::core::kMaxVectorDims ||
      h->out_dims > vx::core::kMaxVectorDims ||
      len != sizeof(LinearHeader) + sizeof(float) * (static_cast<size_t>(h->out_dims) * h->in_dims + h->out_dims))
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("not a linear embedding model artifact"),
             errdetail("Expected int32 in_dims, int32 out_dims, float32 W[out_dims][in_dims], float32 b[out_dims]."),
             errhint("Create one with vectorext.pca_fit(...).")));
  return h;
}
}  // namespace

// vectorext.linear_embed(model bytea, x real[]) RETURNS real[]: y = W x + b (cast to vector as needed).
VX_FUNCTION(vx_mlops_linear_embed) {
  bytea* model = PG_GETARG_BYTEA_PP(0);
  ArrayType* arr = PG_GETARG_ARRAYTYPE_P(1);
  const LinearHeader* h = linear_header(model);
  if (ARR_NDIM(arr) > 1 || ARR_HASNULL(arr))
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("linear model input must be a one-dimensional array without NULLs"),
                    errhint("Pass the input vector as real[], e.g. embedding::real[].")));
  int n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
  if (n != h->in_dims)
    ereport(ERROR,
            (errcode(ERRCODE_DATA_EXCEPTION), errmsg("linear model expects %d input dimensions, not %d", h->in_dims, n),
             errhint("Embed inputs of the dimension the model was fitted on.")));
  const float* x = reinterpret_cast<const float*>(ARR_DATA_PTR(arr));
  const float* w = reinterpret_cast<const float*>(h + 1);
  const float* b = w + static_cast<size_t>(h->out_dims) * h->in_dims;
  Datum* out = static_cast<Datum*>(palloc(sizeof(Datum) * h->out_dims));
  for (int o = 0; o < h->out_dims; ++o) {
    double acc = b[o];
    const float* row = w + static_cast<size_t>(o) * h->in_dims;
    for (int i = 0; i < h->in_dims; ++i) acc += static_cast<double>(row[i]) * x[i];
    out[o] = Float4GetDatum(static_cast<float>(acc));
  }
  PG_RETURN_ARRAYTYPE_P(construct_array(out, h->out_dims, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT));
}

namespace {
// The working memory of pca_fit grows with the square of the input dimensions (a dims x dims covariance matrix, in
// double precision, plus the components): bounded, like CREATE INDEX, by maintenance_work_mem, checked before any
// allocation. (The samples themselves are the function's argument, already in memory.)
void check_pca_memory(int dim, int k) {
  const double need = 8.0 * (static_cast<double>(dim) * dim + static_cast<double>(k) * dim + 3.0 * dim);
  const double limit = static_cast<double>(maintenance_work_mem) * 1024.0;
  if (need > limit)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("PCA of %d-dimensional samples needs %.0f MB of memory, more than maintenance_work_mem "
                           "(%d MB)",
                           dim, std::ceil(need / (1024.0 * 1024.0)), maintenance_work_mem / 1024),
                    errhint("Raise maintenance_work_mem for this session, or fit on fewer dimensions.")));
}
}  // namespace

// vectorext.pca_fit(samples vector[], out_dims int) RETURNS bytea: a linear model projecting onto the top out_dims
// principal components of the samples (centred; power iteration with Gram-Schmidt against earlier components, fixed
// start vectors, so the result is deterministic; each component's sign makes its largest entry positive).
VX_FUNCTION(vx_mlops_pca_fit) {
  ArrayType* arr = PG_GETARG_ARRAYTYPE_P(0);
  int k = PG_GETARG_INT32(1);
  int16 typlen;
  bool typbyval;
  char typalign;
  get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
  Datum* elems;
  bool* nulls;
  int n;
  deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign, &elems, &nulls, &n);
  if (n < 2)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("PCA needs at least 2 samples"),
                    errhint("Pass an array of sample vectors, e.g. (SELECT array_agg(embedding) FROM t).")));
  int dim = -1;
  for (int r = 0; r < n; ++r) {
    if (nulls[r])
      ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("PCA samples must not be NULL"),
                      errhint("Filter out NULL vectors first.")));
    Vector* v = datum_get_vector(elems[r]);
    if (dim < 0) dim = v->dim;
    if (v->dim != dim)
      ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("different vector dimensions %d and %d", dim, v->dim),
                      errhint("Fit PCA on vectors of one model version only.")));
    elems[r] = PointerGetDatum(v);
  }
  if (k < 1 || k > dim)
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("PCA output dimensions must be between 1 and %d", dim),
             errhint("Pass dims no larger than the input dimensions.")));
  check_pca_memory(dim, k);

  auto* mean = static_cast<double*>(palloc0(sizeof(double) * dim));
  for (int r = 0; r < n; ++r) {
    const Vector* v = reinterpret_cast<Vector*>(DatumGetPointer(elems[r]));
    for (int i = 0; i < dim; ++i) mean[i] += v->x[i];
  }
  for (int i = 0; i < dim; ++i) mean[i] /= n;
  // Covariance (upper triangle accumulated, then mirrored).
  auto* cov = static_cast<double*>(MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * dim * dim));
  memset(cov, 0, sizeof(double) * dim * dim);
  auto* c = static_cast<double*>(palloc(sizeof(double) * dim));
  for (int r = 0; r < n; ++r) {
    const Vector* v = reinterpret_cast<Vector*>(DatumGetPointer(elems[r]));
    for (int i = 0; i < dim; ++i) c[i] = v->x[i] - mean[i];
    for (int i = 0; i < dim; ++i) {
      double ci = c[i];
      if (ci == 0.0) continue;
      double* row = cov + static_cast<size_t>(i) * dim;
      for (int j = i; j < dim; ++j) row[j] += ci * c[j];
    }
    CHECK_FOR_INTERRUPTS();
  }
  for (int i = 0; i < dim; ++i)
    for (int j = i; j < dim; ++j)
      cov[static_cast<size_t>(j) * dim + i] = cov[static_cast<size_t>(i) * dim + j] /= (n - 1);

  auto* comps = static_cast<double*>(MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * k * dim));
  auto* w = static_cast<double*>(palloc(sizeof(double) * dim));
  for (int comp = 0; comp < k; ++comp) {
    double* v = comps + static_cast<size_t>(comp) * dim;
    for (int i = 0; i < dim; ++i) v[i] = 1.0 + 0.01 * ((i * 7919 + comp * 104729) % 101);
    for (int iter = 0; iter < 300; ++iter) {
      for (int i = 0; i < dim; ++i) {
        const double* row = cov + static_cast<size_t>(i) * dim;
        double acc = 0.0;
        for (int j = 0; j < dim; ++j) acc += row[j] * v[j];
        w[i] = acc;
      }
      for (int prev = 0; prev < comp; ++prev) {
        const double* u = comps + static_cast<size_t>(prev) * dim;
        double dot = 0.0;
        for (int i = 0; i < dim; ++i) dot += w[i] * u[i];
        for (int i = 0; i < dim; ++i) w[i] -= dot * u[i];
      }
      double norm = 0.0;
      for (int i = 0; i < dim; ++i) norm += w[i] * w[i];
      norm = std::sqrt(norm);
      if (norm == 0.0) break;
      double change = 0.0;
      for (int i = 0; i < dim; ++i) {
        double x = w[i] / norm;
        change += (x - v[i]) * (x - v[i]);
        v[i] = x;
      }
      CHECK_FOR_INTERRUPTS();
      if (change < 1e-12) break;  // converged (deterministic: same inputs, same iterations)
    }
    int big = 0;
    for (int i = 1; i < dim; ++i)
      if (std::fabs(v[i]) > std::fabs(v[big])) big = i;
    if (v[big] < 0)
      for (int i = 0; i < dim; ++i) v[i] = -v[i];
  }

  size_t len = sizeof(LinearHeader) + sizeof(float) * (static_cast<size_t>(k) * dim + k);
  bytea* out = static_cast<bytea*>(palloc(VARHDRSZ + len));
  SET_VARSIZE(out, VARHDRSZ + len);
  auto* h = reinterpret_cast<LinearHeader*>(VARDATA(out));
  h->in_dims = dim;
  h->out_dims = k;
  float* wout = reinterpret_cast<float*>(h + 1);
  float* bout = wout + static_cast<size_t>(k) * dim;
  for (int comp = 0; comp < k; ++comp) {
    const double* v = comps + static_cast<size_t>(comp) * dim;
    double bias = 0.0;
    for (int i = 0; i < dim; ++i) {
      wout[static_cast<size_t>(comp) * dim + i] = static_cast<float>(v[i]);
      bias -= v[i] * mean[i];
    }
    bout[comp] = static_cast<float>(bias);
  }
  PG_RETURN_BYTEA_P(out);
}

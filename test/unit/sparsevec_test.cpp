// Unit tests for the sparsevec core (src/core/types/sparsevec.*, sparse_text.*): the merge distances against the dense
// kernels on the densified vectors (exact on small integers, every overlap pattern), the order against a dense
// comparison, the text parser's accepted forms and failure kinds, and the index checks.
#include "core/types/sparsevec.h"
#include "core/types/sparse_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/kernels/distance.h"

namespace vx::core::sparse {
namespace {

struct Owned {
  int32_t dim;
  std::vector<int32_t> idx;
  std::vector<float> val;
  View view() const { return {dim, static_cast<int32_t>(idx.size()), idx.data(), val.data()}; }
  std::vector<float> dense() const {
    std::vector<float> d(static_cast<std::size_t>(dim), 0.0f);
    to_dense(view(), d.data());
    return d;
  }
};

// Small nonzero integers at a random subset of positions: every float sum is exact, so merge and dense kernels must
// agree exactly, whatever the order of additions.
Owned random_sparse(int32_t dim, double density, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<int> v(-4, 4);
  Owned o{dim, {}, {}};
  for (int32_t i = 0; i < dim; i++) {
    if (u(rng) >= density) continue;
    int x = 0;
    while (x == 0) x = v(rng);
    o.idx.push_back(i);
    o.val.push_back(static_cast<float>(x));
  }
  return o;
}

TEST(SparseDistances, MatchDenseKernelsExactly) {
  std::mt19937 rng(51);
  const DistanceKernels& k = core::kernels_for(SimdLevel::Scalar);
  for (int t = 0; t < 400; t++) {
    const int32_t dim = 1 + t % 97;
    const double da = (t % 5) / 4.0, db = ((t / 5) % 5) / 4.0;  // includes empty and full vectors
    Owned a = random_sparse(dim, da, rng), b = random_sparse(dim, db, rng);
    auto x = a.dense(), y = b.dense();
    const std::size_t n = static_cast<std::size_t>(dim);
    ASSERT_EQ(l2_squared_distance(a.view(), b.view()), k.l2_squared(x.data(), y.data(), n)) << t;
    ASSERT_EQ(inner_product(a.view(), b.view()), k.inner_product(x.data(), y.data(), n)) << t;
    ASSERT_EQ(l1_distance(a.view(), b.view()), k.l1(x.data(), y.data(), n)) << t;
    float dot, na, nb;
    k.dot_and_norms(x.data(), y.data(), n, &dot, &na, &nb);
    const double want = cosine_distance_from_parts(dot, na, nb), got = cosine_distance(a.view(), b.view());
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got)) << t;
    } else {
      ASSERT_EQ(got, want) << t;
    }
    double nref = 0;
    for (float v : x) nref += double(v) * v;
    ASSERT_EQ(norm(a.val.data(), static_cast<int32_t>(a.val.size())), std::sqrt(nref)) << t;
  }
}

int dense_compare(const Owned& a, const Owned& b) {
  auto x = a.dense(), y = b.dense();
  const std::size_t n = std::min(x.size(), y.size());
  for (std::size_t i = 0; i < n; i++) {
    if (x[i] < y[i]) return -1;
    if (x[i] > y[i]) return 1;
  }
  if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  return 0;
}

TEST(SparseOrder, SameAsComparingTheDenseForms) {
  std::mt19937 rng(53);
  for (int t = 0; t < 3000; t++) {
    Owned a = random_sparse(1 + t % 9, 0.3, rng), b = random_sparse(1 + (t / 9) % 9, 0.3, rng);
    ASSERT_EQ(compare(a.view(), b.view()), dense_compare(a, b)) << t;
    ASSERT_EQ(compare(b.view(), a.view()), -dense_compare(a, b)) << t;
  }
}

TEST(SparseText, ParsesPgvectorForms) {
  int32_t idx[8];
  float val[8];
  TextResult r = parse_sparse_text(" { 3 : 2 , 1:1.5,2:0 } / 5 ", idx, val, 8);
  ASSERT_EQ(r.error, TextError::kNone);
  EXPECT_EQ(r.dim, 5);
  ASSERT_EQ(r.nnz, 2);   // the zero is dropped
  EXPECT_EQ(idx[0], 2);  // 0-based, input order until sorted
  EXPECT_EQ(val[0], 2.0f);
  EXPECT_EQ(idx[1], 0);
  sort_by_index(idx, val, r.nnz);
  EXPECT_EQ(idx[0], 0);
  EXPECT_EQ(val[0], 1.5f);
  EXPECT_EQ(check_indices(idx, r.nnz, r.dim), IndexError::kNone);
  r = parse_sparse_text("{}/3", idx, val, 8);
  EXPECT_EQ(r.error, TextError::kNone);
  EXPECT_EQ(r.nnz, 0);
  EXPECT_EQ(r.dim, 3);
  EXPECT_EQ(sparse_text_max_elements("{1:1,2:2,3:3}/3"), 3);
}

TEST(SparseText, FailureKinds) {
  int32_t idx[8];
  float val[8];
  auto kind = [&](const char* s) { return parse_sparse_text(s, idx, val, 8).error; };
  EXPECT_EQ(kind("[1,2]"), TextError::kMissingOpenBrace);
  EXPECT_EQ(kind(""), TextError::kMissingOpenBrace);
  EXPECT_EQ(kind("{1:1}"), TextError::kUnexpectedEnd);
  EXPECT_EQ(kind("{1:1}/2 x"), TextError::kJunkAfterClose);
  EXPECT_EQ(kind("{1:1}/2.5"), TextError::kJunkAfterClose);
  EXPECT_EQ(kind("{1:1}/"), TextError::kSyntax);
  EXPECT_EQ(kind("{1:1,}/2"), TextError::kSyntax);
  EXPECT_EQ(kind("{:1}/2"), TextError::kSyntax);
  EXPECT_EQ(kind("{1 1}/2"), TextError::kSyntax);
  EXPECT_EQ(kind("{1:1"), TextError::kSyntax);
  EXPECT_EQ(kind("{1:NaN}/2"), TextError::kNaN);
  EXPECT_EQ(kind("{1:-inf}/2"), TextError::kInfinite);
  TextResult r = parse_sparse_text("{1:2, 2:1e39}/2", idx, val, 8);
  EXPECT_EQ(r.error, TextError::kOutOfRange);
  EXPECT_EQ(std::string("{1:2, 2:1e39}/2").substr(r.bad_token_begin, r.bad_token_length), "1e39");
  EXPECT_EQ(kind("{1:1e-50}/2"), TextError::kOutOfRange);  // underflow to zero is an error, as pgvector
  // indices and dimensions beyond int are clamped, for the range checks to report
  r = parse_sparse_text("{99999999999:1}/99999999999", idx, val, 8);
  EXPECT_EQ(r.error, TextError::kNone);
  EXPECT_EQ(idx[0], 2147483646);
  EXPECT_EQ(r.dim, 2147483647);
  EXPECT_EQ(parse_sparse_text("{1:1,2:2}/2", idx, val, 1).error, TextError::kSyntax);  // capacity respected
}

TEST(SparseIndices, FirstFailingPositionDecides) {
  const int32_t ok[] = {0, 3, 9}, dup[] = {0, 3, 3}, desc[] = {3, 0}, neg[] = {-1, 0}, big[] = {0, 10};
  EXPECT_EQ(check_indices(ok, 3, 10), IndexError::kNone);
  EXPECT_EQ(check_indices(dup, 3, 10), IndexError::kDuplicate);
  EXPECT_EQ(check_indices(desc, 2, 10), IndexError::kNotAscending);
  EXPECT_EQ(check_indices(neg, 2, 10), IndexError::kOutOfBounds);
  EXPECT_EQ(check_indices(big, 2, 10), IndexError::kOutOfBounds);
  int32_t idx[] = {5, 1, 5, 0};
  float val[] = {1, 2, 3, 4};
  sort_by_index(idx, val, 4);
  EXPECT_EQ(idx[0], 0);
  EXPECT_EQ(idx[2], 5);
  EXPECT_EQ(val[2], 1);  // stable: the first 5 stays first
  EXPECT_EQ(val[3], 3);
  EXPECT_EQ(check_indices(idx, 4, 10), IndexError::kDuplicate);
}

}  // namespace
}  // namespace vx::core::sparse

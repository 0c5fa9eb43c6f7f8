// Unit tests for the vector text parser: accepted spellings, every failure kind, and bit-exact round trips.
#include "core/vector_text.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using vx::core::parse_vector_text;
using vx::core::VectorParseError;

namespace {
VectorParseError parse_error(const char* text, int max_dims = 16) {
  std::vector<float> out(max_dims);
  return parse_vector_text(text, out.data(), max_dims).error;
}
}  // namespace

TEST(VectorText, ParsesWithWhitespace) {
  float out[4];
  auto r = parse_vector_text("  [ 1 ,2.5,\t-3e2 ]\n", out, 4);
  ASSERT_EQ(r.error, VectorParseError::kNone);
  ASSERT_EQ(r.dims, 3);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], 2.5f);
  EXPECT_EQ(out[2], -300.0f);
}

TEST(VectorText, ReportsEachErrorKind) {
  EXPECT_EQ(parse_error("1,2]"), VectorParseError::kMissingOpenBracket);
  EXPECT_EQ(parse_error(""), VectorParseError::kMissingOpenBracket);
  EXPECT_EQ(parse_error("[]"), VectorParseError::kEmpty);
  EXPECT_EQ(parse_error("[ ]"), VectorParseError::kEmpty);
  EXPECT_EQ(parse_error("[1,]"), VectorParseError::kSyntax);
  EXPECT_EQ(parse_error("[1,,2]"), VectorParseError::kSyntax);
  EXPECT_EQ(parse_error("[1 2]"), VectorParseError::kSyntax);
  EXPECT_EQ(parse_error("[1,2"), VectorParseError::kSyntax);
  EXPECT_EQ(parse_error("[a]"), VectorParseError::kSyntax);
  EXPECT_EQ(parse_error("[1] x"), VectorParseError::kJunkAfterClose);
  EXPECT_EQ(parse_error("[NaN]"), VectorParseError::kNaN);
  EXPECT_EQ(parse_error("[inf]"), VectorParseError::kInfinite);
  EXPECT_EQ(parse_error("[-Infinity]"), VectorParseError::kInfinite);
  EXPECT_EQ(parse_error("[1,2,3]", 2), VectorParseError::kTooManyDims);
}

TEST(VectorText, OutOfRangeNamesTheToken) {
  const char* text = "[1, 4e38 ]";
  float out[4];
  auto r = parse_vector_text(text, out, 4);
  ASSERT_EQ(r.error, VectorParseError::kOutOfRange);
  EXPECT_EQ(std::string(text + r.bad_token_begin, r.bad_token_length), "4e38");
}

TEST(VectorText, UnderflowToDenormalIsAccepted) {
  float out[1];
  EXPECT_EQ(parse_vector_text("[1e-40]", out, 1).error, VectorParseError::kNone);
}

TEST(VectorText, ShortestFormattingRoundTripsBitExact) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::uint32_t> bits;
  std::vector<float> values;
  while (values.size() < 5000) {
    std::uint32_t b = bits(rng);
    float f;
    std::memcpy(&f, &b, sizeof f);
    if (std::isfinite(f)) values.push_back(f);
  }
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, values[i]);
    if (i) text += ',';
    text.append(buf, res.ptr);
  }
  text += ']';
  std::vector<float> out(values.size());
  auto r = parse_vector_text(text.c_str(), out.data(), static_cast<int>(out.size()));
  ASSERT_EQ(r.error, VectorParseError::kNone);
  ASSERT_EQ(r.dims, static_cast<int>(values.size()));
  EXPECT_EQ(std::memcmp(out.data(), values.data(), values.size() * sizeof(float)), 0);
}

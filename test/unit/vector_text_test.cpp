// Unit tests for the vector text parser: accepted spellings, every failure kind, and bit-exact round trips.
#include "core/types/vector_text.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>
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

// The fast readers must give exactly what strtof (float4in's reader) gives, element by element, for every shape of
// number a client may send: short integers and decimals (the Clinger path), long ones and exponents (from_chars),
// and the shapes only strtof reads (hex, '+', leading zeros, tiny or huge values).
TEST(VectorText, FastReadersAgreeWithStrtofBitForBit) {
  std::mt19937 rng(42);
  std::vector<std::string> tokens = {"0",         "-0",
                                     "1.",        ".5",
                                     "-.5",       "0.0000001",
                                     "1e-45",     "1e-46",
                                     "3.4e38",    "1.17549435e-38",
                                     "+7",        "0x1p3",
                                     "00012",     "9999999",
                                     "16777217",  "123456789",
                                     "1.5e+3",    "2E-3",
                                     "0.1",       "0.3",
                                     "1234567.5", "12345678901234567890",
                                     "1.0000000", "7.000001"};
  std::uniform_int_distribution<int> kind(0, 5), digits(1, 12), exp10(-40, 38);
  for (int i = 0; i < 200000; i++) {
    std::ostringstream t;
    t.precision(digits(rng));
    std::uniform_real_distribution<double> u(-1000, 1000);
    switch (kind(rng)) {
      case 0:
        t << static_cast<int>(rng() % 100000) - 50000;
        break;
      case 1:
        t << std::fixed << u(rng);
        break;
      case 2:
        t << u(rng) * std::pow(10.0, exp10(rng));
        break;
      case 3:
        t << std::scientific << u(rng);
        break;
      case 4:
        t << (rng() % 256) << "." << (rng() % 1000);
        break;
      default:
        t << (rng() % 2 ? "-" : "") << "0." << std::string(rng() % 12, '0') << rng() % 100000;
        break;
    }
    tokens.push_back(t.str());
  }
  // The text clients send: floats in shortest form (std::to_chars, as the bench and most drivers print them), and
  // tokens around the one-pass reader's limits (16 significant digits, 2^53, 10^22, halfway between two floats).
  std::uniform_int_distribution<uint32_t> any_bits;
  for (int i = 0; i < 200000; i++) {
    uint32_t bits = any_bits(rng);
    float f;
    std::memcpy(&f, &bits, sizeof f);
    if (!std::isfinite(f)) continue;
    char buf[64];
    tokens.emplace_back(buf, std::to_chars(buf, buf + sizeof buf, f).ptr);
    tokens.emplace_back(buf, std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific, 8).ptr);
  }
  for (const char* t : {"9007199254740992", "9007199254740993", "9999999999999999", "999999999999999.9",
                        "1234567890123456e-22", "1e22", "1e23", "3e22", "1e-22", "12e-23", "0.0000000000000000000001",
                        "33554431", "33554433", "16777219", "1.00000005960464477539", "0.5e1", "5E-1", "1e+0",
                        "1.e2", ".5e-3", "-0e5", "1e", "1e+", "1e-", "1ee2", "1e2.5", "1e00002", "1e99999",
                        // not halfway between two floats, but their nearest double is: rounding that double to float
                        // would land on the wrong side
                        "1.492166193202138e-02", "7.984020948410034e+00", "3.237893486022949e+01",
                        "1.63794644176960e-01", "-1.637946441769600e-01", "1.006802158372011e-04"})
    tokens.emplace_back(t);
  for (const std::string& token : tokens) {
    errno = 0;
    char* end = nullptr;
    float expected = std::strtof(token.c_str(), &end);
    bool strtof_ok = *end == '\0' && !(errno == ERANGE && std::isinf(expected));
    for (const std::string& text : {"[" + token + "]", "[" + token + ", 1]", "[ " + token + " ]"}) {
      float out[2];
      vx::core::VectorParseResult r = parse_vector_text(text.c_str(), out, 2);
      if (!strtof_ok) {
        EXPECT_NE(r.error, vx::core::VectorParseError::kNone) << text;
        continue;
      }
      ASSERT_EQ(r.error, vx::core::VectorParseError::kNone) << text;
      ASSERT_EQ(std::memcmp(&out[0], &expected, sizeof(float)), 0) << text << " got " << out[0] << " want " << expected;
    }
  }
}

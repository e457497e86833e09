#include "server/types/bitops.h"

#include <gtest/gtest.h>

#include <climits>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace vigil::server::bitops {
namespace {

// The slow, obvious definitions the fast paths must agree with.
uint64_t NaiveCount(std::string_view s, uint64_t first, uint64_t last) {
  uint64_t n = 0;
  for (uint64_t i = first; i <= last; ++i) n += GetBit(s, i);
  return n;
}
int64_t NaiveFind(std::string_view s, bool bit, uint64_t first, uint64_t last) {
  for (uint64_t i = first; i <= last; ++i) {
    if (GetBit(s, i) == bit) return static_cast<int64_t>(i);
  }
  return -1;
}

std::string RandomBytes(std::mt19937& rng, size_t n) {
  std::string s(n, '\0');
  // Mostly runs of 0x00 / 0xff so the word-skipping paths matter.
  for (char& c : s) {
    const unsigned r = rng() % 8;
    c = static_cast<char>(r < 3 ? 0x00 : r < 6 ? 0xff : rng() & 0xff);
  }
  return s;
}

TEST(BitopsTest, BitOrderIsMostSignificantFirst) {
  std::string s(2, '\0');
  SetBit(s.data(), 1, true);
  SetBit(s.data(), 15, true);
  EXPECT_EQ(s, std::string("\x40\x01", 2));
  EXPECT_TRUE(GetBit(s, 1));
  EXPECT_FALSE(GetBit(s, 0));
  EXPECT_FALSE(GetBit(s, 1000));  // past the end reads 0
  SetBit(s.data(), 1, false);
  EXPECT_EQ(s, std::string("\x00\x01", 2));
}

TEST(BitopsTest, PopCountMatchesRedis) {
  EXPECT_EQ(PopCount(""), 0u);
  EXPECT_EQ(PopCount("foobar"), 26u);  // Redis's documented BITCOUNT example
  EXPECT_EQ(PopCount(std::string(1000, '\xff')), 8000u);
}

TEST(BitopsTest, CountBitsTrimsEdgeBytes) {
  const std::string s = "foobar";
  EXPECT_EQ(CountBits(s, 8, 15), 6u);   // BITCOUNT 1 1
  EXPECT_EQ(CountBits(s, 5, 30), 17u);  // BITCOUNT 5 30 BIT
  EXPECT_EQ(CountBits(s, 3, 3), 0u);
  EXPECT_EQ(CountBits(s, 1, 1), 1u);
}

TEST(BitopsTest, CountAndFindAgreeWithNaiveOnRandomData) {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    const std::string s = RandomBytes(rng, 1 + rng() % 70);
    const uint64_t bits = s.size() * 8;
    const uint64_t first = rng() % bits;
    const uint64_t last = first + rng() % (bits - first);
    ASSERT_EQ(CountBits(s, first, last), NaiveCount(s, first, last));
    for (bool bit : {false, true}) {
      ASSERT_EQ(FindBit(s, bit, first, last), NaiveFind(s, bit, first, last))
          << "round " << round << " bit " << bit;
    }
  }
}

TEST(BitopsTest, FindBitSkipsWholeWords) {
  std::string s(1 << 16, '\xff');
  EXPECT_EQ(FindBit(s, false, 0, s.size() * 8 - 1), -1);
  s[40000] = '\xfe';
  EXPECT_EQ(FindBit(s, false, 3, s.size() * 8 - 1), 40000 * 8 + 7);
  EXPECT_EQ(FindBit(s, true, 5, 9), 5);
  std::string zeros(100, '\0');
  zeros[99] = '\x10';
  EXPECT_EQ(FindBit(zeros, true, 0, 799), 99 * 8 + 3);
  EXPECT_EQ(FindBit(zeros, true, 0, 794), -1);
}

TEST(BitopsTest, CombinePadsShorterSourcesWithZeros) {
  const std::string a("\xff\xf0\x0f", 3), b("\x0f", 1);
  EXPECT_EQ(Combine(BitOp::kAnd, {a, b}), std::string("\x0f\x00\x00", 3));
  EXPECT_EQ(Combine(BitOp::kAnd, {b, a}), std::string("\x0f\x00\x00", 3));
  EXPECT_EQ(LongestSource({b, "", a, b}), 2u);
  EXPECT_EQ(Combine(BitOp::kOr, {b, a}), std::string("\xff\xf0\x0f", 3));
  EXPECT_EQ(Combine(BitOp::kXor, {a, b, ""}), std::string("\xf0\xf0\x0f", 3));
  EXPECT_EQ(Combine(BitOp::kNot, {a}), std::string("\x00\x0f\xf0", 3));
  EXPECT_EQ(Combine(BitOp::kAnd, {"", ""}), "");
  // Long enough for the word loop, with a ragged tail.
  const std::string x(21, '\x55'), y(19, '\x33');
  std::string want(21, '\x11');
  want[19] = want[20] = '\0';
  EXPECT_EQ(Combine(BitOp::kAnd, {x, y}), want);
}

TEST(BitopsTest, ParsesFieldTypesAsRedis) {
  auto t = ParseFieldType("i64");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->is_signed);
  EXPECT_EQ(t->bits, 64u);
  ASSERT_TRUE(ParseFieldType("u63"));
  EXPECT_EQ(ParseFieldType("u1")->bits, 1u);
  for (const char* bad : {"u64", "i65", "i0", "u", "", "I8", "i08", "i+8", "u-1", "x8", "i8 "}) {
    EXPECT_FALSE(ParseFieldType(bad)) << bad;
  }
}

TEST(BitopsTest, GetAndSetFieldsAtAnyOffset) {
  std::string s(3, '\0');
  SetField(s.data(), 7, {false, 5}, 23);  // Redis's doc example: 00000001|01110000
  EXPECT_EQ(s, std::string("\x01\x70\x00", 3));
  EXPECT_EQ(GetField(s, 7, {false, 5}), 23);
  EXPECT_EQ(GetField(s, 7, {true, 5}), 23 - 32);  // top bit set: negative
  SetField(s.data(), 4, {true, 8}, -1);
  EXPECT_EQ(GetField(s, 4, {true, 8}), -1);
  EXPECT_EQ(GetField(s, 4, {false, 8}), 255);
  // Past the end reads zeros, 64-bit fields included.
  EXPECT_EQ(GetField("\x80", 0, {true, 64}), INT64_MIN);
  EXPECT_EQ(GetField("\xff", 4, {false, 63}), int64_t{0xf} << 59);
}

// One FitField expectation: `value` + `incr` stored in `type` under `mode`.
struct FitCase {
  FieldType type;
  int64_t value, incr;
  Overflow mode;
  std::optional<int64_t> want;  // nullopt: refused (FAIL)
};

void ExpectFits(const std::vector<FitCase>& cases) {
  for (const FitCase& c : cases) {
    EXPECT_EQ(FitField(c.type, c.value, c.incr, c.mode), c.want)
        << (c.type.is_signed ? "i" : "u") << c.type.bits << " " << c.value << " + " << c.incr
        << " mode " << static_cast<int>(c.mode);
  }
}

constexpr auto kWrap = Overflow::kWrap, kSat = Overflow::kSat, kFail = Overflow::kFail;

TEST(BitopsTest, FitFieldUnsignedEdges) {
  const FieldType u8{false, 8}, u63{false, 63};
  ExpectFits({
      {u8, 255, 1, kWrap, 0}, {u8, 255, 1, kSat, 255}, {u8, 255, 1, kFail, std::nullopt},
      {u8, 0, -1, kWrap, 255}, {u8, 0, -1, kSat, 0}, {u8, 0, -1, kFail, std::nullopt},
      {u8, 200, 55, kFail, 255},
      // SET of a negative or too large value.
      {u8, -1, 0, kWrap, 255}, {u8, -1, 0, kSat, 255}, {u8, 300, 0, kWrap, 44},
      {u63, INT64_MAX, 1, kWrap, 0}, {u63, INT64_MAX, 1, kSat, INT64_MAX},
      {u63, 0, INT64_MIN, kSat, 0},
  });
}

TEST(BitopsTest, FitFieldSignedEdges) {
  const FieldType i8{true, 8}, i64{true, 64}, i1{true, 1};
  ExpectFits({
      {i8, 127, 1, kWrap, -128}, {i8, 127, 1, kSat, 127}, {i8, 127, 1, kFail, std::nullopt},
      {i8, -128, -1, kWrap, 127}, {i8, -128, -1, kSat, -128},
      {i8, -128, -1, kFail, std::nullopt}, {i8, 100, -228, kFail, -128},
      {i8, 200, 0, kWrap, -56}, {i8, 200, 0, kSat, 127},
      // Redis's unsigned arithmetic sees an i8 SET of INT64_MIN as an overflow upwards.
      {i8, INT64_MIN, 0, kSat, 127}, {i8, INT64_MIN, 0, kWrap, 0},
      {i64, INT64_MAX, 1, kWrap, INT64_MIN}, {i64, INT64_MAX, 1, kSat, INT64_MAX},
      {i64, INT64_MIN, -1, kSat, INT64_MIN}, {i64, INT64_MIN, -1, kFail, std::nullopt},
      {i64, INT64_MIN, INT64_MAX, kFail, -1}, {i64, INT64_MIN, 0, kFail, INT64_MIN},
      {i1, 0, -1, kFail, -1}, {i1, 0, 1, kWrap, -1}, {i1, 0, 1, kSat, 0},
  });
}

}  // namespace
}  // namespace vigil::server::bitops

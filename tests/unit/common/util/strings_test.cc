#include "common/util/strings.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(StringsTest, ParseInt64IsStrictLikeString2ll) {
  EXPECT_EQ(ParseInt64("0"), 0);
  EXPECT_EQ(ParseInt64("-1"), -1);
  EXPECT_EQ(ParseInt64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseInt64("-9223372036854775808"), INT64_MIN);
  for (const char* bad : {"", "-0", "+1", " 1", "1 ", "00", "01", "9223372036854775808",
                          "-9223372036854775809", "1a", "-", "0x10"}) {
    EXPECT_FALSE(ParseInt64(bad).has_value()) << bad;
  }
}

TEST(StringsTest, ParseDoubleFollowsStrtodWithRedisRejections) {
  EXPECT_EQ(ParseDouble("0x10"), 16.0);
  EXPECT_EQ(ParseDouble("1.5"), 1.5);
  EXPECT_TRUE(ParseDouble("inf").has_value());
  EXPECT_TRUE(ParseDouble("+inf").has_value());
  EXPECT_TRUE(ParseDouble("-infinity").has_value());
  EXPECT_TRUE(ParseDouble("4.9e-324").has_value());
  for (const char* bad : {"", "nan", "1e400", "1e-400", " 1", "1 ", "abc"}) {
    EXPECT_FALSE(ParseDouble(bad).has_value()) << bad;
  }
}

TEST(StringsTest, TrimWhitespaceStripsSpacesTabsCrLfAtBothEnds) {
  EXPECT_EQ(TrimWhitespace(" \t port 6379\r\n"), "port 6379");
  EXPECT_EQ(TrimWhitespace("a b"), "a b");
  EXPECT_EQ(TrimWhitespace(" \r\n\t "), "");
  EXPECT_EQ(TrimWhitespace("\va\f"), "\va\f");  // as sdstrim's set: only those four
}

TEST(StringsTest, FormatDoubleUses17SignificantDigits) {
  EXPECT_EQ(FormatDouble(17), "17");
  EXPECT_EQ(FormatDouble(1.5), "1.5");
  EXPECT_EQ(FormatDouble(0.1), "0.10000000000000001");
  EXPECT_EQ(FormatDouble(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatDouble(4.9e-324), "4.9406564584124654e-324");
  EXPECT_EQ(FormatDouble(1.0 / 0.0), "inf");
  EXPECT_EQ(FormatDouble(-1.0 / 0.0), "-inf");
}

TEST(StringsTest, FormatLongDoubleTrimsLikeIncrbyfloat) {
  EXPECT_EQ(FormatLongDouble(0.1L + 0.2L), "0.3");
  EXPECT_EQ(FormatLongDouble(10.5L), "10.5");
  EXPECT_EQ(FormatLongDouble(3.0L), "3");
  EXPECT_EQ(FormatLongDouble(1e300L).size(), 301u);
  EXPECT_EQ(FormatLongDouble(1e308L + 1e308L).size(), 309u);
}

TEST(StringsTest, CaseHelpers) {
  EXPECT_TRUE(EqualsIgnoreCase("GeT", "get"));
  EXPECT_FALSE(EqualsIgnoreCase("get", "gets"));
  EXPECT_EQ(ToLower("AbC"), "abc");
  EXPECT_EQ(ToUpper("AbC"), "ABC");
}

TEST(StringsTest, QuoteReprEscapes) {
  EXPECT_EQ(QuoteRepr("a\nb\x01\""), "\"a\\nb\\x01\\\"\"");
}

}  // namespace
}  // namespace vigil

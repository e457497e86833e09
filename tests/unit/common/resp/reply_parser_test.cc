#include "common/resp/reply_parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "common/resp/writer.h"

namespace vigil::resp {
namespace {

using namespace std::string_literals;

// Parses a complete reply and checks that every strict prefix of it is
// reported as incomplete without consuming anything.
Value ParseWhole(const std::string& wire) {
  ReplyParser parser;
  for (size_t i = 0; i < wire.size(); ++i) {
    size_t consumed = 99;
    Value v;
    ReplyStatus st = parser.Parse(std::string_view(wire).substr(0, i), &consumed, &v);
    EXPECT_EQ(st, ReplyStatus::kNeedMore) << "prefix " << i << ": " << parser.error();
    EXPECT_EQ(consumed, 0u);
  }
  size_t consumed = 0;
  Value v;
  ReplyStatus st = parser.Parse(wire, &consumed, &v);
  EXPECT_EQ(st, ReplyStatus::kOk) << parser.error();
  EXPECT_EQ(consumed, wire.size());
  return v;
}

std::string ParseError(const std::string& wire) {
  ReplyParser parser;
  size_t consumed = 0;
  Value v;
  EXPECT_EQ(parser.Parse(wire, &consumed, &v), ReplyStatus::kError) << wire;
  EXPECT_FALSE(parser.error().empty());
  return parser.error();
}

TEST(ReplyParserTest, Resp2Scalars) {
  Value v = ParseWhole("+OK\r\n");
  EXPECT_EQ(v.type, Value::Type::kSimpleString);
  EXPECT_EQ(v.str, "OK");
  EXPECT_EQ(v.ToString(), "OK");

  v = ParseWhole("-ERR unknown command\r\n");
  EXPECT_TRUE(v.IsError());
  EXPECT_EQ(v.str, "ERR unknown command");
  EXPECT_EQ(v.ToString(), "(error) ERR unknown command");

  v = ParseWhole(":-123\r\n");
  EXPECT_EQ(v.type, Value::Type::kInteger);
  EXPECT_EQ(v.integer, -123);
  EXPECT_EQ(v.ToString(), "(integer) -123");

  v = ParseWhole("$6\r\nfoo\r\nb\r\n");
  EXPECT_EQ(v.type, Value::Type::kBulk);
  EXPECT_EQ(v.str, "foo\r\nb");
  EXPECT_EQ(v.ToString(), "\"foo\\r\\nb\"");

  v = ParseWhole("$0\r\n\r\n");
  EXPECT_EQ(v.str, "");
  EXPECT_EQ(v.ToString(), "\"\"");

  EXPECT_TRUE(ParseWhole("$-1\r\n").IsNull());
  EXPECT_TRUE(ParseWhole("*-1\r\n").IsNull());
  EXPECT_EQ(ParseWhole("$-1\r\n").ToString(), "(nil)");
}

TEST(ReplyParserTest, Resp3Scalars) {
  EXPECT_TRUE(ParseWhole("_\r\n").IsNull());

  Value v = ParseWhole(",3.14\r\n");
  EXPECT_EQ(v.type, Value::Type::kDouble);
  EXPECT_DOUBLE_EQ(v.dbl, 3.14);
  EXPECT_EQ(v.ToString(), "(double) 3.14");
  EXPECT_TRUE(std::isinf(ParseWhole(",inf\r\n").dbl));
  EXPECT_LT(ParseWhole(",-inf\r\n").dbl, 0);
  EXPECT_TRUE(std::isnan(ParseWhole(",nan\r\n").dbl));
  EXPECT_DOUBLE_EQ(ParseWhole(",1e10\r\n").dbl, 1e10);

  v = ParseWhole("#t\r\n");
  EXPECT_EQ(v.type, Value::Type::kBoolean);
  EXPECT_EQ(v.integer, 1);
  EXPECT_EQ(v.ToString(), "(true)");
  EXPECT_EQ(ParseWhole("#f\r\n").ToString(), "(false)");

  v = ParseWhole("(3492890328409238509324850943850943825024385\r\n");
  EXPECT_EQ(v.type, Value::Type::kBigNumber);
  EXPECT_EQ(v.str, "3492890328409238509324850943850943825024385");
  EXPECT_EQ(v.ToString(), "(big number) 3492890328409238509324850943850943825024385");

  v = ParseWhole("!21\r\nSYNTAX invalid syntax\r\n");
  EXPECT_TRUE(v.IsError());
  EXPECT_EQ(v.str, "SYNTAX invalid syntax");

  v = ParseWhole("=15\r\ntxt:Some string\r\n");
  EXPECT_EQ(v.type, Value::Type::kVerbatim);
  EXPECT_EQ(v.str, "Some string");
  EXPECT_EQ(v.ToString(), "Some string");
}

TEST(ReplyParserTest, NestedArraysRenderLikeRedisCli) {
  Value v = ParseWhole("*3\r\n$1\r\na\r\n*2\r\n:1\r\n*1\r\n+x\r\n$-1\r\n");
  ASSERT_EQ(v.type, Value::Type::kArray);
  ASSERT_EQ(v.elems.size(), 3u);
  EXPECT_EQ(v.elems[1].elems[1].elems[0].str, "x");
  EXPECT_EQ(v.ToString(),
            "1) \"a\"\n"
            "2) 1) (integer) 1\n"
            "   2) 1) x\n"
            "3) (nil)");
  EXPECT_EQ(ParseWhole("*0\r\n").ToString(), "(empty array)");
}

TEST(ReplyParserTest, IndexWidthGrowsWithCount) {
  std::string wire = "*10\r\n";
  for (int i = 0; i < 10; ++i) wire += ":" + std::to_string(i) + "\r\n";
  Value v = ParseWhole(wire);
  std::string s = v.ToString();
  EXPECT_EQ(s.substr(0, 15), " 1) (integer) 0");
  EXPECT_NE(s.find("\n10) (integer) 9"), std::string::npos);
}

TEST(ReplyParserTest, MapsSetsAndPushes) {
  Value v = ParseWhole("%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n#f\r\n");
  ASSERT_EQ(v.type, Value::Type::kMap);
  ASSERT_EQ(v.elems.size(), 4u);
  EXPECT_EQ(v.elems[2].str, "second");
  EXPECT_EQ(v.ToString(), "1# first => (integer) 1\n2# \"second\" => (false)");
  EXPECT_EQ(ParseWhole("%0\r\n").ToString(), "(empty hash)");

  v = ParseWhole("~2\r\n+a\r\n+b\r\n");
  EXPECT_EQ(v.type, Value::Type::kSet);
  EXPECT_EQ(v.ToString(), "1~ a\n2~ b");
  EXPECT_EQ(ParseWhole("~0\r\n").ToString(), "(empty set)");

  v = ParseWhole(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
  EXPECT_EQ(v.type, Value::Type::kPush);
  EXPECT_EQ(v.elems[2].str, "hi");
  EXPECT_EQ(ParseWhole(">0\r\n").ToString(), "(empty push)");
}

TEST(ReplyParserTest, AttributesAreSkipped) {
  Value v = ParseWhole("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2\r\n");
  ASSERT_EQ(v.type, Value::Type::kArray);
  ASSERT_EQ(v.elems.size(), 1u);
  EXPECT_EQ(v.elems[0].integer, 2);
  // Inside an aggregate too.
  v = ParseWhole("*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n");
  ASSERT_EQ(v.elems.size(), 2u);
  EXPECT_EQ(v.elems[0].integer, 1);
}

TEST(ReplyParserTest, ParsesOneReplyAtATimeFromAStream) {
  std::string wire = "+OK\r\n:1\r\n*1\r\n$3\r\nfoo\r\n";
  ReplyParser parser;
  std::string_view rest = wire;
  std::vector<std::string> seen;
  while (!rest.empty()) {
    size_t consumed = 0;
    Value v;
    ASSERT_EQ(parser.Parse(rest, &consumed, &v), ReplyStatus::kOk);
    seen.push_back(v.ToString());
    rest.remove_prefix(consumed);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"OK", "(integer) 1", "1) \"foo\""}));
}

TEST(ReplyParserTest, RoundTripsWriterOutput) {
  for (int proto : {2, 3}) {
    std::string out;
    Writer w(&out, proto);
    w.MapHeader(2);
    w.Bulk("server");
    w.Bulk("vigil");
    w.Bulk("proto");
    w.Integer(proto);
    Value v = ParseWhole(out);
    EXPECT_EQ(v.type, proto == 3 ? Value::Type::kMap : Value::Type::kArray);
    ASSERT_EQ(v.elems.size(), 4u);
    EXPECT_EQ(v.elems[3].integer, proto);
  }
}

TEST(ReplyParserTest, Errors) {
  ParseError("?x\r\n");
  ParseError(":12a\r\n");
  ParseError(":\r\n");
  ParseError("$-2\r\n");
  ParseError("$x\r\n");
  ParseError("$3\r\nfooXY");
  ParseError("*-2\r\n");
  ParseError("%-1\r\n");
  ParseError("#x\r\n");
  ParseError(",abc\r\n");
  ParseError("(12a\r\n");
  ParseError("_x\r\n");
  ParseError("=3\r\ntxt\r\n");
  ParseError("+OK\rX");
  ParseError("$?\r\n");
  ParseError(":99999999999999999999\r\n");
  // Nesting is bounded instead of overflowing the stack.
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "*1\r\n";
  deep += ":1\r\n";
  ParseError(deep);
}

TEST(ReplyParserTest, HugeCountsWaitInsteadOfAllocating) {
  ReplyParser parser;
  size_t consumed = 0;
  Value v;
  EXPECT_EQ(parser.Parse("*4294967296\r\n:1\r\n", &consumed, &v), ReplyStatus::kNeedMore);
  EXPECT_EQ(parser.Parse("$536870912\r\nabc", &consumed, &v), ReplyStatus::kNeedMore);
  EXPECT_EQ(parser.Parse("*4294967297\r\n", &consumed, &v), ReplyStatus::kError);
  EXPECT_EQ(parser.Parse("$536870913\r\n", &consumed, &v), ReplyStatus::kError);
}

TEST(ValueTest, DefaultIsNull) {
  Value v;
  EXPECT_TRUE(v.IsNull());
  EXPECT_EQ(v.ToString(), "(nil)");
}

}  // namespace
}  // namespace vigil::resp

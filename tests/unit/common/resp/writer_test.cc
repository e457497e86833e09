#include "common/resp/writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace vigil::resp {
namespace {

using namespace std::string_literals;

class WriterTest : public ::testing::TestWithParam<int> {
 protected:
  std::string out_;
  Writer w_{&out_, GetParam()};
  bool resp3() const { return GetParam() == 3; }
};

TEST_P(WriterTest, ScalarsCommonToBothProtocols) {
  w_.SimpleString("OK");
  w_.Integer(0);
  w_.Integer(-42);
  w_.Integer(std::numeric_limits<int64_t>::min());
  w_.Integer(std::numeric_limits<int64_t>::max());
  w_.Bulk("foo");
  w_.Bulk("");
  w_.Bulk(std::string("a\r\n\0b", 5));
  w_.ArrayHeader(2);
  w_.ArrayHeader(0);
  w_.Raw("+PONG\r\n");
  EXPECT_EQ(out_,
            "+OK\r\n:0\r\n:-42\r\n:-9223372036854775808\r\n:9223372036854775807\r\n"
            "$3\r\nfoo\r\n$0\r\n\r\n$5\r\na\r\n\0b\r\n*2\r\n*0\r\n+PONG\r\n"s);
}

TEST_P(WriterTest, ErrorAddsErrAndStripsNewlines) {
  w_.Error("unknown command 'foo'");
  w_.Error("ERR syntax error");
  w_.Error("WRONGTYPE Operation against a key holding the wrong kind of value");
  w_.Error("NOAUTH Authentication required.");
  w_.Error("line1\r\nline2\nx");
  w_.Error("Err lowercase code");
  w_.Error("ERR");  // no space after the word: not a code
  w_.Error("-BUSYKEY Target key name already exists.");
  w_.Error("");
  EXPECT_EQ(out_,
            "-ERR unknown command 'foo'\r\n"
            "-ERR syntax error\r\n"
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
            "-NOAUTH Authentication required.\r\n"
            "-ERR line1  line2 x\r\n"
            "-ERR Err lowercase code\r\n"
            "-ERR ERR\r\n"
            "-BUSYKEY Target key name already exists.\r\n"
            "-ERR \r\n");
}

TEST_P(WriterTest, NullsDependOnProtocol) {
  w_.Null();
  w_.NullArray();
  EXPECT_EQ(out_, resp3() ? "_\r\n_\r\n" : "$-1\r\n*-1\r\n");
}

TEST_P(WriterTest, AggregatesDependOnProtocol) {
  w_.MapHeader(2);
  w_.SetHeader(3);
  w_.PushHeader(3);
  EXPECT_EQ(out_, resp3() ? "%2\r\n~3\r\n>3\r\n" : "*4\r\n*3\r\n*3\r\n");
}

TEST_P(WriterTest, Doubles) {
  w_.Double(1.5);
  w_.Double(0.1);
  w_.Double(HUGE_VAL);
  w_.Double(-HUGE_VAL);
  w_.Double(-0.0);
  w_.Double(1e300);
  if (resp3()) {
    EXPECT_EQ(
        out_,
        ",1.5\r\n,0.10000000000000001\r\n,inf\r\n,-inf\r\n,-0\r\n,1.0000000000000001e+300\r\n");
  } else {
    EXPECT_EQ(out_,
              "$3\r\n1.5\r\n$19\r\n0.10000000000000001\r\n$3\r\ninf\r\n$4\r\n-inf\r\n"
              "$2\r\n-0\r\n$23\r\n1.0000000000000001e+300\r\n");
  }
}

TEST_P(WriterTest, BooleansVerbatimAndBigNumbers) {
  w_.Boolean(true);
  w_.Boolean(false);
  w_.Verbatim("hello");
  w_.Verbatim("# md", "mkd");
  w_.BigNumber("1234567999999999999999999999999");
  if (resp3()) {
    EXPECT_EQ(out_,
              "#t\r\n#f\r\n=9\r\ntxt:hello\r\n=8\r\nmkd:# md\r\n"
              "(1234567999999999999999999999999\r\n");
  } else {
    EXPECT_EQ(out_,
              ":1\r\n:0\r\n$5\r\nhello\r\n$4\r\n# md\r\n"
              "$31\r\n1234567999999999999999999999999\r\n");
  }
}

TEST_P(WriterTest, BulkArray) {
  std::vector<std::string> items = {"a", "bc"};
  w_.BulkArray(items);
  EXPECT_EQ(out_, "*2\r\n$1\r\na\r\n$2\r\nbc\r\n");
}

TEST_P(WriterTest, AppendsToExistingBuffer) {
  out_ = "prefix";
  w_.Integer(7);
  EXPECT_EQ(out_, "prefix:7\r\n");
  EXPECT_EQ(w_.buffer(), &out_);
}

INSTANTIATE_TEST_SUITE_P(Protocols, WriterTest, ::testing::Values(2, 3),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "Resp" + std::to_string(info.param);
                         });

TEST(WriterProtocolTest, SwitchesProtocolAtRunTime) {
  std::string out;
  Writer w(&out);
  EXPECT_EQ(w.protocol(), 2);
  w.Null();
  w.set_protocol(3);  // HELLO 3
  EXPECT_EQ(w.protocol(), 3);
  w.Null();
  EXPECT_EQ(out, "$-1\r\n_\r\n");
}

}  // namespace
}  // namespace vigil::resp

#include "common/resp/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil::resp {
namespace {

using Command = std::vector<std::string>;

struct Outcome {
  std::vector<Command> commands;
  ParseStatus last = ParseStatus::kNeedMore;
  std::string error;
  size_t pending = 0;

  bool operator==(const Outcome& o) const {
    return commands == o.commands && last == o.last && error == o.error;
  }
};

std::string Describe(const Outcome& o) {
  std::string s;
  for (const auto& c : o.commands) {
    s += "[";
    for (const auto& a : c) s += "'" + a + "' ";
    s += "] ";
  }
  s += " status=" + std::to_string(static_cast<int>(o.last)) + " error=" + o.error;
  return s;
}

// Feeds `input` cut at the given offsets (ascending), like a socket would
// deliver it, and collects every command until the first error.
Outcome Feed(RequestParser& parser, std::string_view input, const std::vector<size_t>& cuts) {
  Outcome out;
  size_t start = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (size_t end : ends) {
    std::string_view chunk = input.substr(start, end - start);
    start = end;
    while (true) {
      size_t consumed = 0;
      Command args = {"stale"};
      ParseStatus st = parser.Parse(chunk, &consumed, &args);
      EXPECT_LE(consumed, chunk.size());
      out.last = st;
      if (st == ParseStatus::kError) {
        out.error = parser.error();
        out.pending = parser.pending_bytes();
        return out;
      }
      chunk.remove_prefix(consumed);
      if (st == ParseStatus::kNeedMore) {
        EXPECT_TRUE(chunk.empty()) << "kNeedMore must consume everything";
        break;
      }
      out.commands.push_back(args);
    }
  }
  out.pending = parser.pending_bytes();
  return out;
}

Outcome FeedWith(std::string_view input, const std::vector<size_t>& cuts,
                 ParserLimits limits = {}) {
  RequestParser parser(limits);
  return Feed(parser, input, cuts);
}

Outcome FeedAll(std::string_view input, ParserLimits limits = {}) {
  return FeedWith(input, {}, limits);
}

// The property the connection code relies on: however TCP slices the stream,
// the parser sees the same commands and the same error.
void ExpectSplitInvariant(std::string_view input, ParserLimits limits = {}) {
  Outcome whole = FeedAll(input, limits);
  std::vector<size_t> every;
  for (size_t i = 1; i < input.size(); ++i) every.push_back(i);
  Outcome bytewise = FeedWith(input, every, limits);
  EXPECT_EQ(whole, bytewise) << Describe(whole) << " vs " << Describe(bytewise);
  for (size_t i = 0; i <= input.size(); ++i) {
    Outcome two = FeedWith(input, {i}, limits);
    ASSERT_EQ(whole, two) << "split at " << i << ": " << Describe(whole) << " vs " << Describe(two);
  }
  for (size_t i = 0; i <= input.size(); i += 3) {
    for (size_t j = i; j <= input.size(); j += 5) {
      Outcome three = FeedWith(input, {i, j}, limits);
      ASSERT_EQ(whole, three) << "split at " << i << "," << j;
    }
  }
}

std::string Multibulk(const Command& args) {
  std::string s = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return s;
}

TEST(RequestParserTest, ParsesOneMultibulkCommand) {
  Outcome o = FeedAll("*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n");
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0], (Command{"GET", "foo"}));
  EXPECT_EQ(o.last, ParseStatus::kNeedMore);
  EXPECT_EQ(o.pending, 0u);
}

TEST(RequestParserTest, ReturnsAfterEachCommandWithConsumedCount) {
  RequestParser parser;
  std::string input = Multibulk({"PING"}) + Multibulk({"ECHO", "hi"});
  size_t consumed = 0;
  Command args;
  ASSERT_EQ(parser.Parse(input, &consumed, &args), ParseStatus::kOk);
  EXPECT_EQ(consumed, Multibulk({"PING"}).size());
  EXPECT_EQ(args, (Command{"PING"}));
  std::string_view rest = std::string_view(input).substr(consumed);
  ASSERT_EQ(parser.Parse(rest, &consumed, &args), ParseStatus::kOk);
  EXPECT_EQ(consumed, rest.size());
  EXPECT_EQ(args, (Command{"ECHO", "hi"}));
  ASSERT_EQ(parser.Parse("", &consumed, &args), ParseStatus::kNeedMore);
  EXPECT_EQ(consumed, 0u);
}

TEST(RequestParserTest, PipelinedMixIsSplitInvariant) {
  std::string input;
  input += Multibulk({"SET", "key", "value"});
  input += "PING\r\n";
  input += Multibulk({"SET", "bin", std::string("a\r\nb\0c", 6)});
  input += "*0\r\n";
  input += "\r\n";  // empty inline line: skipped
  input += Multibulk({"GET", ""});
  input += "*-1\r\n";
  input += "  set  \"a b\"  'c d'\n";
  input += Multibulk({"ECHO", std::string(300, 'x')});
  input += "\n";
  input += "GET k\r\n";
  Outcome whole = FeedAll(input);
  ASSERT_EQ(whole.commands.size(), 7u) << Describe(whole);
  EXPECT_EQ(whole.commands[0], (Command{"SET", "key", "value"}));
  EXPECT_EQ(whole.commands[1], (Command{"PING"}));
  EXPECT_EQ(whole.commands[2], (Command{"SET", "bin", std::string("a\r\nb\0c", 6)}));
  EXPECT_EQ(whole.commands[3], (Command{"GET", ""}));
  EXPECT_EQ(whole.commands[4], (Command{"set", "a b", "c d"}));
  EXPECT_EQ(whole.commands[5], (Command{"ECHO", std::string(300, 'x')}));
  EXPECT_EQ(whole.commands[6], (Command{"GET", "k"}));
  EXPECT_EQ(whole.last, ParseStatus::kNeedMore);
  ExpectSplitInvariant(input);
}

TEST(RequestParserTest, ErrorsAreSplitInvariant) {
  for (const std::string& input : std::vector<std::string>{
           Multibulk({"PING"}) + "*x\r\n",
           Multibulk({"PING"}) + "*1\r\n$3\r\nGET\r\n*2\r\n:1\r\n",
           "PING\r\nSET \"a\r\n",
           Multibulk({"A"}) + "*1\r\n$-1\r\n",
           "*1\r\n$" + std::string(70000, '1'),
           "*" + std::string(70000, '1') + "\r\n",
           std::string(70000, 'a') + "\n",
       }) {
    Outcome whole = FeedAll(input);
    EXPECT_EQ(whole.last, ParseStatus::kError);
    if (input.size() < 1000) {
      ExpectSplitInvariant(input);
    } else {
      std::vector<size_t> every;
      for (size_t i = 1; i < input.size(); i += 997) every.push_back(i);
      EXPECT_EQ(whole, FeedWith(input, every));
      EXPECT_EQ(whole, FeedWith(input, {65536}));
      EXPECT_EQ(whole, FeedWith(input, {65537}));
    }
  }
}

TEST(RequestParserTest, ByteByByteLargeBulk) {
  std::string big(100000, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  std::string input = Multibulk({"SET", "k", big}) + Multibulk({"GET", "k"});
  RequestParser parser;
  std::vector<Command> cmds;
  for (size_t i = 0; i < input.size(); ++i) {
    size_t consumed = 0;
    Command args;
    ParseStatus st = parser.Parse(std::string_view(input).substr(i, 1), &consumed, &args);
    ASSERT_NE(st, ParseStatus::kError);
    ASSERT_EQ(consumed, 1u);
    if (st == ParseStatus::kOk) cmds.push_back(args);
  }
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0][2], big);
  EXPECT_EQ(cmds[1], (Command{"GET", "k"}));
}

TEST(RequestParserTest, ZeroAndNegativeMultibulkAreSkipped) {
  Outcome o = FeedAll("*0\r\n*-1\r\n*-7\r\n" + Multibulk({"PING"}));
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0], (Command{"PING"}));
}

TEST(RequestParserTest, EmptyInlineLinesAreSkipped) {
  Outcome o = FeedAll("\r\n\n   \r\n\t\nPING\r\n");
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0], (Command{"PING"}));
}

TEST(RequestParserTest, InvalidMultibulkLength) {
  for (const char* in : {"*x\r\n", "*\r\n", "*1a\r\n", "*+1\r\n", "*01\r\n", "* 1\r\n",
                         "*99999999999999999999\r\n", "*1048577\r\n"}) {
    Outcome o = FeedAll(in);
    EXPECT_EQ(o.last, ParseStatus::kError) << in;
    EXPECT_EQ(o.error, "ERR Protocol error: invalid multibulk length") << in;
  }
  // The largest count allowed is accepted (the parser then waits for args).
  EXPECT_EQ(FeedAll("*1048576\r\n").last, ParseStatus::kNeedMore);
}

TEST(RequestParserTest, InvalidBulkLength) {
  for (const char* in : {"*1\r\n$x\r\n", "*1\r\n$-1\r\n", "*1\r\n$\r\n", "*1\r\n$-0\r\n",
                         "*1\r\n$536870913\r\n", "*1\r\n$1 \r\n"}) {
    Outcome o = FeedAll(in);
    EXPECT_EQ(o.last, ParseStatus::kError) << in;
    EXPECT_EQ(o.error, "ERR Protocol error: invalid bulk length") << in;
  }
  EXPECT_EQ(FeedAll("*1\r\n$536870912\r\n").last, ParseStatus::kNeedMore);
}

TEST(RequestParserTest, ExpectedDollarNamesTheByte) {
  Outcome o = FeedAll("*2\r\n$3\r\nGET\r\n:3\r\n");
  EXPECT_EQ(o.error, "ERR Protocol error: expected '$', got ':'");
  o = FeedAll("*1\r\nfoo\r\n");
  EXPECT_EQ(o.error, "ERR Protocol error: expected '$', got 'f'");
  // As in Redis, the check happens once the whole header line is there.
  EXPECT_EQ(FeedAll("*1\r\nfoo").last, ParseStatus::kNeedMore);
}

TEST(RequestParserTest, TooBigHeaderLines) {
  std::string mbulk = "*" + std::string(65536, '1');  // 65537 bytes, no CR
  EXPECT_EQ(FeedAll(mbulk).error, "ERR Protocol error: too big mbulk count string");
  EXPECT_EQ(FeedAll(mbulk.substr(0, 65536)).last, ParseStatus::kNeedMore);
  std::string bulk = "*1\r\n$" + std::string(65535, '1');  // header of 65536 bytes
  EXPECT_EQ(FeedAll(bulk).last, ParseStatus::kNeedMore);
  EXPECT_EQ(FeedAll(bulk + "1").error, "ERR Protocol error: too big bulk count string");
}

TEST(RequestParserTest, TooBigInlineRequest) {
  std::string line(65536, 'a');
  EXPECT_EQ(FeedAll(line).last, ParseStatus::kNeedMore);
  EXPECT_EQ(FeedAll(line + "a").error, "ERR Protocol error: too big inline request");
  // Exactly at the limit, then terminated: a valid (huge) command name.
  Outcome ok = FeedAll(line + "\n");
  ASSERT_EQ(ok.commands.size(), 1u);
  EXPECT_EQ(ok.commands[0][0].size(), 65536u);
  ParserLimits small;
  small.max_inline_len = 10;
  EXPECT_EQ(FeedAll("PING PING PING\r\n", small).error,
            "ERR Protocol error: too big inline request");
  EXPECT_EQ(FeedAll("PING PING\r\n", small).commands.size(), 1u);
}

TEST(RequestParserTest, InlineQuotingAndEscapes) {
  Outcome o = FeedAll("SET \"a\\x41\\x4a\\n\\r\\t\\b\\a\\\\\\\"\\q\" 'it\\'s \\n' plain\r\n");
  ASSERT_EQ(o.commands.size(), 1u) << Describe(o);
  EXPECT_EQ(o.commands[0], (Command{"SET", "aAJ\n\r\t\b\a\\\"q", "it's \\n", "plain"}));

  // A quote inside a word opens a quoted part that joins the word.
  o = FeedAll("foo\"bar baz\" x\n");
  ASSERT_EQ(o.commands.size(), 1u) << Describe(o);
  EXPECT_EQ(o.commands[0], (Command{"foobar baz", "x"}));

  // \x with a non-hex digit is not an escape: backslash-x falls to "x".
  o = FeedAll("\"\\xZZ\"\n");
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0], (Command{"xZZ"}));

  // Empty quoted strings are real (empty) arguments.
  o = FeedAll("SET k \"\"\n");
  EXPECT_EQ(o.commands[0], (Command{"SET", "k", ""}));
  o = FeedAll("SET k ''\n");
  EXPECT_EQ(o.commands[0], (Command{"SET", "k", ""}));
}

TEST(RequestParserTest, InlineWhitespaceRules) {
  // Only one trailing \r is stripped; \v and \f separate words only between
  // words (sdssplitargs uses isspace() to skip but not to end a word).
  Outcome o = FeedAll(
      "  a\tb   c\x0b\x0c d\x0b"
      "e\r\n");
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0], (Command{"a", "b", "c\x0b\x0c",
                                    "d\x0b"
                                    "e"}));
  o = FeedAll("PING\n");
  EXPECT_EQ(o.commands[0], (Command{"PING"}));
  // A NUL ends the inline command, as sdssplitargs sees a C string.
  o = FeedAll(std::string("GET a\0b c\r\n", 11));
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0], (Command{"GET", "a"}));
}

TEST(RequestParserTest, UnbalancedQuotes) {
  for (const char* in :
       {"SET \"a\n", "SET 'a\n", "SET \"a\"b\n", "SET 'a'b\n", "\"a\\\"\n", "SET \"a\"\"b\"\n"}) {
    Outcome o = FeedAll(in);
    EXPECT_EQ(o.last, ParseStatus::kError) << in;
    EXPECT_EQ(o.error, "ERR Protocol error: unbalanced quotes in request") << in;
  }
  // A closing quote followed by the stripped \r, a tab or \v is fine.
  EXPECT_EQ(FeedAll("SET \"a\"\r\n").commands[0], (Command{"SET", "a"}));
  EXPECT_EQ(FeedAll("SET \"a\"\tb\n").commands[0], (Command{"SET", "a", "b"}));
  EXPECT_EQ(FeedAll("SET 'a'\x0b"
                    "b\n")
                .commands[0],
            (Command{"SET", "a", "b"}));
  // A NUL inside quotes leaves them open.
  EXPECT_EQ(FeedAll(std::string("SET \"a\0\"\n", 9)).error,
            "ERR Protocol error: unbalanced quotes in request");
}

TEST(RequestParserTest, BulkTrailerIsNotChecked) {
  // Redis skips the two bytes after a bulk payload without looking at them.
  Outcome o = FeedAll("*2\r\n$1\r\naXY$1\r\nbZZ");
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0], (Command{"a", "b"}));
  ExpectSplitInvariant("*2\r\n$1\r\naXY$1\r\nbZZPING\n");
}

TEST(RequestParserTest, ByteAfterHeaderCrIsNotChecked) {
  // processMultibulkBuffer finds '\r' and skips two bytes; so do we.
  Outcome o = FeedAll("*1\rX$1\rYaZZ");
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0], (Command{"a"}));
  ExpectSplitInvariant("*2\rX$1\rYaZZ$2\r\nbc\r\n");
}

TEST(RequestParserTest, ConfiguredLimits) {
  ParserLimits limits;
  limits.max_bulk_len = 5;
  limits.max_multibulk_len = 3;
  EXPECT_EQ(FeedAll(Multibulk({"a", "b", "c"}), limits).commands.size(), 1u);
  EXPECT_EQ(FeedAll(Multibulk({"a", "b", "c", "d"}), limits).error,
            "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(FeedAll(Multibulk({"12345"}), limits).commands.size(), 1u);
  EXPECT_EQ(FeedAll(Multibulk({"123456"}), limits).error,
            "ERR Protocol error: invalid bulk length");
}

TEST(RequestParserTest, UnauthenticatedLimits) {
  ParserLimits limits;
  limits.unauthenticated = true;
  Command ten(10, "x");
  Command eleven(11, "x");
  EXPECT_EQ(FeedAll(Multibulk(ten), limits).commands.size(), 1u);
  EXPECT_EQ(FeedAll(Multibulk(eleven), limits).error,
            "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(FeedAll(Multibulk({"AUTH", std::string(16384, 'p')}), limits).commands.size(), 1u);
  EXPECT_EQ(FeedAll(Multibulk({"AUTH", std::string(16385, 'p')}), limits).error,
            "ERR Protocol error: invalid bulk length");
  // After AUTH the server lifts the limits on the same parser.
  RequestParser parser(limits);
  EXPECT_EQ(Feed(parser, Multibulk({"AUTH", "pw"}), {}).commands.size(), 1u);
  limits.unauthenticated = false;
  parser.set_limits(limits);
  EXPECT_TRUE(parser.limits().unauthenticated == false);
  EXPECT_EQ(Feed(parser, Multibulk(eleven), {}).commands.size(), 1u);
}

TEST(RequestParserTest, PendingBytesTracksCommandInProgress) {
  RequestParser parser;
  size_t consumed = 0;
  Command args;
  EXPECT_EQ(parser.pending_bytes(), 0u);
  ASSERT_EQ(parser.Parse("*2\r\n$3\r\nGE", &consumed, &args), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.pending_bytes(), 2u);
  ASSERT_EQ(parser.Parse("T\r\n$10", &consumed, &args), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.pending_bytes(), 3u + 3u);  // "GET" + partial header "$10"
  ASSERT_EQ(parser.Parse("\r\n01234", &consumed, &args), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.pending_bytes(), 3u + 5u);
  ASSERT_EQ(parser.Parse("56789\r", &consumed, &args), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.pending_bytes(), 13u);
  ASSERT_EQ(parser.Parse("\n", &consumed, &args), ParseStatus::kOk);
  EXPECT_EQ(args, (Command{"GET", "0123456789"}));
  EXPECT_EQ(parser.pending_bytes(), 0u);
  ASSERT_EQ(parser.Parse("PIN", &consumed, &args), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.pending_bytes(), 3u);
}

TEST(RequestParserTest, ErrorIsStickyUntilReset) {
  RequestParser parser;
  size_t consumed = 0;
  Command args;
  ASSERT_EQ(parser.Parse("*x\r\n", &consumed, &args), ParseStatus::kError);
  EXPECT_EQ(parser.Parse("PING\r\n", &consumed, &args), ParseStatus::kError);
  EXPECT_EQ(consumed, 0u);
  parser.Reset();
  EXPECT_TRUE(parser.error().empty());
  ASSERT_EQ(parser.Parse("PING\r\n", &consumed, &args), ParseStatus::kOk);
  EXPECT_EQ(args, (Command{"PING"}));
}

TEST(RequestParserTest, ResetDropsPartialCommand) {
  RequestParser parser;
  size_t consumed = 0;
  Command args;
  ASSERT_EQ(parser.Parse("*2\r\n$3\r\nGET\r\n", &consumed, &args), ParseStatus::kNeedMore);
  parser.Reset();
  EXPECT_EQ(parser.pending_bytes(), 0u);
  ASSERT_EQ(parser.Parse("PING\r\n", &consumed, &args), ParseStatus::kOk);
  EXPECT_EQ(args, (Command{"PING"}));
}

TEST(RequestParserTest, ManyCommandsInOneBuffer) {
  std::string input;
  for (int i = 0; i < 1000; ++i) {
    input += i % 2 ? Multibulk({"INCR", "n" + std::to_string(i)})
                   : "INCR n" + std::to_string(i) + "\r\n";
  }
  Outcome o = FeedAll(input);
  ASSERT_EQ(o.commands.size(), 1000u);
  EXPECT_EQ(o.commands[999], (Command{"INCR", "n999"}));
  std::vector<size_t> cuts;
  for (size_t i = 7; i < input.size(); i += 13) cuts.push_back(i);
  EXPECT_EQ(o, FeedWith(input, cuts));
}

}  // namespace
}  // namespace vigil::resp

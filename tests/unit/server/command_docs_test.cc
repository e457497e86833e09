// COMMAND DOCS: the argument DSL, the record format, coverage of the command
// table and the reply shape in RESP2 and RESP3.
#include "server/commands/command_docs.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/command_table.h"

namespace vigil::server {
namespace {

std::vector<DocArg> Parse(std::string_view dsl) {
  auto args = ParseDocArgs(dsl);
  EXPECT_TRUE(args.ok()) << dsl << ": " << args.message();
  return args.ok() ? *args : std::vector<DocArg>{};
}

std::string ParseError(std::string_view dsl) {
  auto args = ParseDocArgs(dsl);
  EXPECT_FALSE(args.ok()) << dsl;
  return args.ok() ? "" : args.message();
}

TEST(DocArgsDsl, LeavesTokensAndKeySpecs) {
  auto a = Parse("key:key@0 value:string EX seconds:integer NX change=CH");
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a[0].name, "key");
  EXPECT_EQ(a[0].type, DocArgType::kKey);
  EXPECT_EQ(a[0].key_spec_index, 0);
  EXPECT_FALSE(a[0].token);
  EXPECT_EQ(a[1].type, DocArgType::kString);
  EXPECT_EQ(a[1].key_spec_index, -1);
  EXPECT_EQ(a[2].name, "seconds");
  EXPECT_EQ(a[2].type, DocArgType::kInteger);
  EXPECT_EQ(a[2].token, "EX");
  EXPECT_EQ(a[3].name, "nx");
  EXPECT_EQ(a[3].type, DocArgType::kPureToken);
  EXPECT_EQ(a[3].token, "NX");
  EXPECT_EQ(a[4].name, "change");
  EXPECT_EQ(a[4].token, "CH");
  // A name may hold ':' (CLIENT KILL's ip:port): the type follows the last one.
  auto b = Parse("ip:port:string");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].name, "ip:port");
}

TEST(DocArgsDsl, OptionalMultipleAndAnnotations) {
  auto a = Parse("[GET]{6.2.0} key:key@0 ... [GET pattern:pattern@1 +...] "
                 "[x:string{deprecated=2.8.12}] [y:double ...]{1.0.0,deprecated=2.0.0}");
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a[0].flags, kArgOptional);
  EXPECT_EQ(a[0].since, "6.2.0");
  EXPECT_EQ(a[1].flags, kArgMultiple);
  EXPECT_EQ(a[2].flags, kArgOptional | kArgMultiple | kArgMultipleToken);
  EXPECT_EQ(a[2].type, DocArgType::kPattern);
  EXPECT_EQ(a[2].key_spec_index, 1);
  EXPECT_EQ(a[3].deprecated_since, "2.8.12");
  EXPECT_EQ(a[3].since, "");
  EXPECT_EQ(a[4].flags, kArgOptional | kArgMultiple);
  EXPECT_EQ(a[4].since, "1.0.0");
  EXPECT_EQ(a[4].deprecated_since, "2.0.0");
}

TEST(DocArgsDsl, NestedGroupsWithTokens) {
  auto a = Parse(
      "[LIMIT offset_count:block(offset:integer count:integer)] "
      "[op:oneof(GET eo:block(enc:string off:integer) | w:block([OVERFLOW f:oneof(WRAP | SAT)] "
      "SET v:integer)) ...] id:oneof(auto_id=\"*\" | id:string) [empty=\"\"]");
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0].type, DocArgType::kBlock);
  EXPECT_EQ(a[0].token, "LIMIT");
  EXPECT_EQ(a[0].flags, kArgOptional);
  ASSERT_EQ(a[0].args.size(), 2u);
  EXPECT_EQ(a[0].args[1].name, "count");

  const DocArg& op = a[1];
  EXPECT_EQ(op.type, DocArgType::kOneOf);
  EXPECT_EQ(op.flags, kArgOptional | kArgMultiple);
  ASSERT_EQ(op.args.size(), 2u);
  EXPECT_EQ(op.args[0].token, "GET");
  EXPECT_EQ(op.args[0].type, DocArgType::kBlock);
  const DocArg& w = op.args[1];
  ASSERT_EQ(w.args.size(), 2u);
  EXPECT_EQ(w.args[0].token, "OVERFLOW");
  EXPECT_EQ(w.args[0].flags, kArgOptional);
  ASSERT_EQ(w.args[0].args.size(), 2u);
  EXPECT_EQ(w.args[0].args[1].name, "sat");
  EXPECT_EQ(w.args[1].token, "SET");

  ASSERT_EQ(a[2].args.size(), 2u);
  EXPECT_EQ(a[2].args[0].name, "auto_id");
  EXPECT_EQ(a[2].args[0].token, "*");
  EXPECT_EQ(a[3].token, "");
  EXPECT_EQ(a[3].name, "empty");
}

TEST(DocArgsDsl, RejectsMalformedText) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"x:blob", "unknown type 'blob'"},
      {"x:oneof(A | B", "missing ')'"},
      {"A | B", "'|' outside a oneof"},
      {"x:oneof(A B)", "expected '|'"},
      {"x:block()", "empty block x"},
      {"x:oneof", "expected '('"},
      {"x:string(a:string)", "unexpected '('"},
      {"[x:string", "expected ']'"},
      {"[]", "expected an argument"},
      {"y=\"~", "unterminated quote"},
      {"x:string +...", "needs a token"},
      {"x:string{soon}", "bad version 'soon'"},
      {"x:key@-1", "bad key_spec_index"},
      {"x:oneof(A |)", "expected an argument"},
      {"a:string )", "column 10: expected an argument"},
  };
  for (const auto& [dsl, want] : cases)
    EXPECT_NE(ParseError(dsl).find(want), std::string::npos) << dsl << " -> " << ParseError(dsl);
}

constexpr std::string_view kRecords = R"(# a comment
demo string 1.0.0 deprecated=6.2.0
  summary Does a thing
  complexity O(1)
  replaced-by OTHER
  history 2.0.0 First change.
  history 3.0.0 Second
      change.
  args key:key@0
      [NX]
box server 2.0.0 syscmd
  summary A container
)";

TEST(DocRecords, ParsesFieldsAndContinuations) {
  auto docs = ParseCommandDocs(kRecords);
  ASSERT_TRUE(docs.ok()) << docs.message();
  ASSERT_EQ(docs->size(), 2u);
  const CommandDoc& d = docs->at("demo");
  EXPECT_EQ(d.group, "string");
  EXPECT_EQ(d.since, "1.0.0");
  EXPECT_EQ(d.deprecated_since, "6.2.0");
  EXPECT_EQ(d.replaced_by, "OTHER");
  ASSERT_EQ(d.history.size(), 2u);
  EXPECT_EQ(d.history[1].first, "3.0.0");
  EXPECT_EQ(d.history[1].second, "Second change.");
  ASSERT_EQ(d.args.size(), 2u);
  EXPECT_EQ(d.args[1].flags, kArgOptional);
  EXPECT_TRUE(docs->at("box").syscmd);
  EXPECT_TRUE(docs->at("box").args.empty());
}

TEST(DocRecords, RejectsBadRecords) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"x string 1.0.0\n  summary s\n  color red\n", "line 3: unknown field 'color'"},
      {"x strings 1.0.0\n", "line 1: unknown group 'strings'"},
      {"x string\n", "line 1: header needs a name, a group and a version"},
      {"X string 1.0.0\n", "line 1: name must be lower case"},
      {"x string 1.0.0 fast\n", "line 1: unknown header flag 'fast'"},
      {"x string 1.0.0\n  summary s\n  history soon text\n",
       "line 3: history needs a version and a text"},
      {"x string 1.0.0\n  summary s\n  args a:nope\n", "line 3: column 1: unknown type 'nope'"},
      {"   summary s\n", "line 1: unexpected indentation"},
      {"x string 1.0.0\n  summary s\n  summary t\n", "line 3: summary given twice"},
      {"x string 1.0.0\n  summary s\n  args a:string\n  args b:string\n",
       "line 4: args given twice"},
  };
  for (const auto& [text, want] : cases) {
    auto docs = ParseCommandDocs(text);
    ASSERT_FALSE(docs.ok()) << text;
    EXPECT_EQ(docs.message(), "command docs " + std::string(want));
  }
  // Whole-record checks name the command instead of a line.
  const std::pair<std::string_view, std::string_view> records[] = {
      {"x string 1.0.0\n  complexity O(1)\n", "x has no summary"},
      {"x string 1.0.0 deprecated=2.0.0\n  summary s\n",
       "x: deprecated= and replaced-by go together"},
      {"x string 1.0.0\n  summary s\nx string 1.0.0\n  summary t\n", "duplicate x"},
  };
  for (const auto& [text, want] : records) {
    auto docs = ParseCommandDocs(text);
    ASSERT_FALSE(docs.ok()) << text;
    EXPECT_EQ(docs.message(), want);
  }
}

TEST(BuiltinDocs, EveryRegisteredCommandIsDocumented) {
  const CommandDocMap& docs = BuiltinCommandDocs();
  ASSERT_FALSE(docs.empty()) << "the built-in data did not parse (see the log)";
  CommandTable table;
  RegisterAllCommands(table);
  for (const auto& [name, spec] : table.all()) {
    EXPECT_TRUE(docs.count(spec.name)) << "no docs for " << spec.name;
    for (const CommandSpec& sub : spec.subcommands) {
      std::string full = spec.name + "|" + sub.name;
      EXPECT_TRUE(docs.count(full)) << "no docs for " << full;
    }
  }
}

TEST(BuiltinDocs, ParsesWithoutErrors) {
  // BuiltinCommandDocs() hides a parse error behind an empty map: show it.
  auto docs = ParseCommandDocs(BuiltinCommandDocsText());
  ASSERT_TRUE(docs.ok()) << docs.message();
  EXPECT_EQ(docs->size(), BuiltinCommandDocs().size());
}

std::string Reply(int protocol, const CommandTable& table, std::vector<std::string> names) {
  std::string out;
  resp::Writer w(&out, protocol);
  ReplyCommandDocs(w, table, names);
  return out;
}

std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

TEST(CommandDocsReply, GetInBothProtocols) {
  CommandTable table;
  table.Add({"get", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, nullptr});
  const std::string summary = BuiltinCommandDocs().at("get").summary;
  // Unknown names, and subcommands of a command without any, are skipped.
  const std::vector<std::string> names = {"nosuch", "GeT", "get|x"};
  auto body = [&](std::string_view map1, std::string_view map5, std::string_view map3) {
    return std::string(map1) + Bulk("get") + std::string(map5) + Bulk("summary") + Bulk(summary) +
           Bulk("since") + Bulk("1.0.0") + Bulk("group") + Bulk("string") + Bulk("complexity") +
           Bulk("O(1)") + Bulk("arguments") + "*1\r\n" + std::string(map3) + Bulk("name") +
           Bulk("key") + Bulk("type") + Bulk("key") + Bulk("key_spec_index") + ":0\r\n";
  };
  EXPECT_EQ(Reply(2, table, names), body("*2\r\n", "*10\r\n", "*6\r\n"));
  EXPECT_EQ(Reply(3, table, names), body("%1\r\n", "%5\r\n", "%3\r\n"));
}

TEST(CommandDocsReply, FlagsSetsAndSubcommands) {
  CommandTable table;
  table.Add({"getset", 3, kCmdWrite, 1, 1, 1, nullptr});
  table.Add(
      {"config", -2, kCmdAdmin, 0, 0, 0, nullptr, {{"get", -3, kCmdAdmin, 0, 0, 0, nullptr}}});
  const std::string deprecated = Bulk("doc_flags") + "~1\r\n+deprecated\r\n" +
                                 Bulk("deprecated_since") + Bulk("6.2.0") + Bulk("replaced_by");
  std::string r3 = Reply(3, table, {"getset"});
  EXPECT_NE(r3.find(deprecated), std::string::npos) << r3;
  std::string r2 = Reply(2, table, {"getset"});
  EXPECT_NE(r2.find(Bulk("doc_flags") + "*1\r\n+deprecated\r\n"), std::string::npos) << r2;

  table.Add({"set", -3, kCmdWrite, 1, 1, 1, nullptr});
  r3 = Reply(3, table, {"set"});
  EXPECT_NE(r3.find(Bulk("history") + "~4\r\n*2\r\n" + Bulk("2.6.12")), std::string::npos) << r3;

  // A container lists its registered subcommands by full name; the
  // subcommand is found by "container|sub" in any case.
  r3 = Reply(3, table, {"config"});
  EXPECT_NE(r3.find(Bulk("subcommands") + "%1\r\n" + Bulk("config|get")), std::string::npos);
  EXPECT_NE(r3.find(Bulk("flags") + "~1\r\n+multiple\r\n"), std::string::npos) << r3;
  EXPECT_EQ(Reply(3, table, {"CONFIG|Get"}).rfind("%1\r\n" + Bulk("config|get") + "%", 0), 0u);
  EXPECT_EQ(Reply(3, table, {"config|get|x", "config|nosuch"}), "%0\r\n");
  // No names: every command of the table, each once.
  std::string all = Reply(2, table, {});
  EXPECT_EQ(all.rfind("*6\r\n" + Bulk("config"), 0), 0u) << all;
  EXPECT_NE(all.find(Bulk("getset") + "*"), std::string::npos);
}

}  // namespace
}  // namespace vigil::server

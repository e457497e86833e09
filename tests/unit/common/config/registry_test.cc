// Tests for the parameter table: load errors, CONFIG GET patterns, CONFIG
// SET atomicity and error texts, and CONFIG REWRITE's in-place rewrite.
#include "common/config/registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vigil::config {
namespace {

namespace fs = std::filesystem;
using Pairs = std::vector<std::pair<std::string, std::string>>;

// A small table shaped like the server's.
struct Fixture {
  bool daemonize = false;
  bool read_only = true;
  int64_t port = 0;
  int64_t priority = 0;
  int64_t hz = 0;
  int64_t maxmemory = 0;
  int64_t backlog = 0;
  int64_t hidden = 0;
  std::string dbfilename;
  std::string logfile;
  std::string requirepass;
  std::string policy;
  std::vector<std::string> bind = {"*"};
  std::vector<std::vector<std::string>> list;  // a kMultiLine option
  std::vector<std::vector<std::string>> monitors;
  std::vector<std::vector<std::string>> fallback_seen;
  int apply_calls = 0;
  bool fail_apply = false;
  Registry r;

  Fixture() {
    r.AddBool("daemonize", &daemonize, false, kImmutable);
    r.AddBool("replica-read-only", &read_only, true, kNone, {"slave-read-only"});
    r.AddInt("port", &port, 6379, 0, 65535);
    r.AddInt("replica-priority", &priority, 100, 0, 2147483647, kNone, {"slave-priority"});
    Param* hzp = r.AddInt("hz", &hz, 10, 0, 2147483647);
    hzp->apply = [this]() -> Status {
      ++apply_calls;
      if (fail_apply) return Status::Error("apply failed");
      return Status::Ok();
    };
    r.AddMemory("maxmemory", &maxmemory, 0, 0, INT64_MAX);
    r.AddMemory("repl-backlog-size", &backlog, 1024 * 1024, 1, INT64_MAX);
    r.AddInt("key-load-delay", &hidden, 0, -100, 100, kHidden);
    r.AddString("dbfilename", &dbfilename, "dump.rdb", kProtected);
    r.AddString("logfile", &logfile, "");
    r.AddString("requirepass", &requirepass, "", kSensitive | kEmptyIsNull);
    r.AddEnum("maxmemory-policy", &policy, "noeviction",
              {"volatile-lru", "allkeys-lru", "noeviction"});

    Param b;
    b.name = "bind";
    b.flags = kMultiArg;
    b.set = [this](const std::vector<std::string>& a, bool) {
      bind = a;
      return Status::Ok();
    };
    b.get = [this] {
      std::string s;
      for (auto& x : bind) s += (s.empty() ? "" : " ") + x;
      return s;
    };
    b.rewrite_lines = [this] {
      std::string s = "bind";
      for (auto& x : bind) s += " " + x;
      return std::vector<std::string>{s};
    };
    b.is_default = [this] { return bind == std::vector<std::string>{"*"}; };
    r.Add(std::move(b));

    // "save"-like: one line per entry; the list is reset by CONFIG SET.
    Param l;
    l.name = "save";
    l.flags = kMultiLine;
    l.set = [this](const std::vector<std::string>& a, bool at_runtime) -> Status {
      if (a.size() % 2) return Status::Error("Invalid save parameters");
      if (at_runtime) list.clear();
      for (size_t i = 0; i < a.size(); i += 2) list.push_back({a[i], a[i + 1]});
      return Status::Ok();
    };
    l.get = [this] {
      std::string s;
      for (auto& e : list) s += (s.empty() ? "" : " ") + e[0] + " " + e[1];
      return s;
    };
    l.rewrite_lines = [this] {
      std::vector<std::string> out;
      for (auto& e : list) out.push_back("save " + e[0] + " " + e[1]);
      return out;
    };
    l.is_default = [this] { return list.empty(); };
    r.Add(std::move(l));

    // A two-word name, as the sentinel's directives are.
    Param m;
    m.name = "sentinel monitor";
    m.flags = kMultiLine | kHidden;
    m.set = [this](const std::vector<std::string>& a, bool) -> Status {
      if (a.size() != 4) return Status::Error("Wrong number of arguments");
      monitors.push_back(a);
      return Status::Ok();
    };
    m.get = [] { return std::string(); };
    m.rewrite_lines = [this] {
      std::vector<std::string> out;
      for (auto& a : monitors)
        out.push_back("sentinel monitor " + a[0] + " " + a[1] + " " + a[2] + " " + a[3]);
      return out;
    };
    m.is_default = [this] { return monitors.empty(); };
    r.Add(std::move(m));

    r.SetFallback([this](const std::vector<std::string>& args) -> std::optional<Status> {
      if (args[0] == "rename-command" && args.size() == 3) {
        fallback_seen.push_back(args);
        return Status::Ok();
      }
      return std::nullopt;
    });
  }
};

std::optional<ConfigError> Load(Registry& r, const std::string& text) {
  auto read = ParseConfigText(text, "test.conf");
  if (read.error) return read.error;
  return r.ApplyAll(read.directives);
}

// --- Loading -------------------------------------------------------------------

TEST(RegistryLoadTest, DefaultsAreSetAtRegistration) {
  Fixture f;
  EXPECT_EQ(f.port, 6379);
  EXPECT_EQ(f.priority, 100);
  EXPECT_TRUE(f.read_only);
  EXPECT_EQ(f.dbfilename, "dump.rdb");
  EXPECT_EQ(f.policy, "noeviction");
  EXPECT_EQ(f.backlog, 1024 * 1024);
}

TEST(RegistryLoadTest, AppliesValuesAndAliases) {
  Fixture f;
  auto err = Load(f.r,
                  "PORT 7000\nslave-priority 50\nslave-read-only no\nmaxmemory 1gb\n"
                  "maxmemory-policy ALLKEYS-LRU\ndbfilename \"x.rdb\"\nlogfile ''\n");
  ASSERT_FALSE(err) << err->Format();
  EXPECT_EQ(f.port, 7000);
  EXPECT_EQ(f.priority, 50);
  EXPECT_FALSE(f.read_only);
  EXPECT_EQ(f.maxmemory, 1024LL * 1024 * 1024);
  EXPECT_EQ(f.policy, "allkeys-lru");
  EXPECT_EQ(f.dbfilename, "x.rdb");
  EXPECT_EQ(f.logfile, "");
}

TEST(RegistryLoadTest, ImmutableAndProtectedLoadFromFile) {
  Fixture f;
  ASSERT_FALSE(Load(f.r, "daemonize yes\ndbfilename a.rdb\n"));
  EXPECT_TRUE(f.daemonize);
  EXPECT_EQ(f.dbfilename, "a.rdb");
}

struct LoadErrorCase {
  std::string text;
  int line_no;
  std::string line;
  std::string reason;
};

TEST(RegistryLoadTest, ErrorsCarryRedisReasonsAndLines) {
  const std::vector<LoadErrorCase> cases = {
      {"port abc", 1, "port abc", "argument couldn't be parsed into an integer"},
      {"# c\nport 70000", 2, "port 70000", "argument must be between 0 and 65535 inclusive"},
      {"port -1", 1, "port -1", "argument must be between 0 and 65535 inclusive"},
      {"port 1 2", 1, "port 1 2", "wrong number of arguments"},
      {"port", 1, "port", "wrong number of arguments"},
      {"port 00", 1, "port 00", "argument couldn't be parsed into an integer"},
      {"port +1", 1, "port +1", "argument couldn't be parsed into an integer"},
      {"\n\n\nfoo bar", 4, "foo bar", "Bad directive or wrong number of arguments"},
      {"daemonize maybe", 1, "daemonize maybe", "argument must be 'yes' or 'no'"},
      {"maxmemory 1x", 1, "maxmemory 1x", "argument must be a memory value"},
      {"maxmemory -1", 1, "maxmemory -1", "argument must be a memory value"},
      {"repl-backlog-size 0", 1, "repl-backlog-size 0",
       "argument must be between 1 and 9223372036854775807 inclusive"},
      {"maxmemory-policy lru", 1, "maxmemory-policy lru",
       "argument(s) must be one of the following: volatile-lru, allkeys-lru, noeviction"},
      {"save 1", 1, "save 1", "Invalid save parameters"},
      {"port \"6379", 1, "port \"6379", "Unbalanced quotes in configuration line"},
      {"rename-command a", 1, "rename-command a", "Bad directive or wrong number of arguments"},
  };
  for (const auto& c : cases) {
    Fixture f;
    auto err = Load(f.r, c.text);
    ASSERT_TRUE(err) << c.text;
    EXPECT_EQ(err->file, "test.conf");
    EXPECT_EQ(err->line_no, c.line_no) << c.text;
    EXPECT_EQ(err->line, c.line) << c.text;
    EXPECT_EQ(err->reason, c.reason) << c.text;
  }
}

TEST(RegistryLoadTest, StopsAtFirstError) {
  Fixture f;
  auto err = Load(f.r, "port 1\nhz x\nport 2\n");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->line_no, 2);
  EXPECT_EQ(f.port, 1);
}

TEST(RegistryLoadTest, FallbackAndCompoundNames) {
  Fixture f;
  ASSERT_FALSE(Load(f.r, "rename-command FLUSHALL \"\"\nsentinel monitor m 10.0.0.1 6379 2\n"));
  ASSERT_EQ(f.fallback_seen.size(), 1u);
  EXPECT_EQ(f.fallback_seen[0][2], "");
  ASSERT_EQ(f.monitors.size(), 1u);
  EXPECT_EQ(f.monitors[0][0], "m");
  auto err = Load(f.r, "sentinel monitor m x");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->reason, "Wrong number of arguments");
}

TEST(RegistryLoadTest, MultiLineAccumulates) {
  Fixture f;
  ASSERT_FALSE(Load(f.r, "save 900 1\nsave 300 10\n"));
  EXPECT_EQ(f.list.size(), 2u);
}

TEST(RegistryTest, FindIsCaseInsensitiveAndKnowsAliases) {
  Fixture f;
  ASSERT_NE(f.r.Find("SLAVE-PRIORITY"), nullptr);
  EXPECT_EQ(f.r.Find("slave-priority")->name, "replica-priority");
  EXPECT_EQ(f.r.Find("nope"), nullptr);
}

// --- CONFIG GET ----------------------------------------------------------------

TEST(RegistryGetTest, ExactNameEchoesSpelling) {
  Fixture f;
  EXPECT_EQ(f.r.Get({"PORT"}), (Pairs{{"PORT", "6379"}}));
  EXPECT_EQ(f.r.Get({"port", "PORT"}), (Pairs{{"port", "6379"}}));
  EXPECT_EQ(f.r.Get({"nope"}), Pairs{});
}

TEST(RegistryGetTest, PatternsMatchNamesAndAliases) {
  Fixture f;
  EXPECT_EQ(f.r.Get({"*priority*"}),
            (Pairs{{"replica-priority", "100"}, {"slave-priority", "100"}}));
  EXPECT_EQ(f.r.Get({"SLAVE-*"}), (Pairs{{"slave-read-only", "yes"}, {"slave-priority", "100"}}));
}

TEST(RegistryGetTest, SeveralPatternsEachNameOnce) {
  Fixture f;
  auto got = f.r.Get({"port", "p*", "maxmemory*", "maxmemory"});
  EXPECT_EQ(got, (Pairs{{"port", "6379"}, {"maxmemory", "0"}, {"maxmemory-policy", "noeviction"}}));
}

TEST(RegistryGetTest, HiddenOnlyByExactName) {
  Fixture f;
  EXPECT_EQ(f.r.Get({"key-load-*"}), Pairs{});
  EXPECT_EQ(f.r.Get({"key-load-delay"}), (Pairs{{"key-load-delay", "0"}}));
  for (auto& [name, value] : f.r.Get({"*"})) EXPECT_NE(name, "sentinel monitor");
}

TEST(RegistryGetTest, StarListsEverythingVisible) {
  Fixture f;
  auto all = f.r.Get({"*"});
  // 15 parameters - 2 hidden + 2 aliases.
  EXPECT_EQ(all.size(), 15u);
  EXPECT_EQ(f.r.Get({"maxmemory"}), (Pairs{{"maxmemory", "0"}}));
}

// --- CONFIG SET ----------------------------------------------------------------

TEST(RegistrySetTest, SetsSeveralValues) {
  Fixture f;
  ASSERT_TRUE(
      f.r.Set({{"port", "7000"}, {"maxmemory", "8589934592"}, {"slave-priority", "5"}}).ok());
  EXPECT_EQ(f.port, 7000);
  EXPECT_EQ(f.maxmemory, 8589934592LL);
  EXPECT_EQ(f.priority, 5);
  EXPECT_EQ(f.r.Get({"maxmemory"}), (Pairs{{"maxmemory", "8589934592"}}));
}

TEST(RegistrySetTest, ErrorTexts) {
  Fixture f;
  EXPECT_EQ(f.r.Set({{"foo", "bar"}}).message(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(f.r.Set({{"port", "abc"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be "
            "parsed into an integer");
  EXPECT_EQ(f.r.Set({{"PORT", "70000"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'port') - argument must be "
            "between 0 and 65535 inclusive");
  EXPECT_EQ(f.r.Set({{"daemonize", "yes"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set "
            "immutable config");
  EXPECT_EQ(f.r.Set({{"dbfilename", "x"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set "
            "protected config");
  EXPECT_EQ(f.r.Set({{"port", "1"}, {"port", "2"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'port') - duplicate parameter");
  EXPECT_EQ(f.r.Set({{"save", "1 2"}, {"SAVE", "3 4"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'SAVE') - duplicate parameter");
  EXPECT_EQ(f.r.Set({{"replica-priority", "1"}, {"slave-priority", "2"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'slave-priority') - duplicate "
            "parameter");
  EXPECT_EQ(f.r.Set({{"slave-read-only", "maybe"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - argument "
            "must be 'yes' or 'no'");
  EXPECT_EQ(f.port, 6379);
}

TEST(RegistrySetTest, FirstProblemWins) {
  Fixture f;
  EXPECT_EQ(f.r.Set({{"daemonize", "yes"}, {"foo", "1"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set "
            "immutable config");
  EXPECT_EQ(f.r.Set({{"foo", "1"}, {"daemonize", "yes"}}).message(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
}

TEST(RegistrySetTest, AllOrNothing) {
  Fixture f;
  ASSERT_TRUE(f.r.Set({{"save", "100 1 200 2"}}).ok());
  Status st = f.r.Set({{"port", "7000"}, {"save", "5 5"}, {"maxmemory", "1mb"}, {"hz", "x"}});
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(f.port, 6379);
  EXPECT_EQ(f.maxmemory, 0);
  EXPECT_EQ(f.r.Get({"save"}), (Pairs{{"save", "100 1 200 2"}}));
  EXPECT_EQ(f.hz, 10);
}

TEST(RegistrySetTest, ApplyFailureRevertsEverything) {
  Fixture f;
  f.fail_apply = true;
  Status st = f.r.Set({{"port", "7000"}, {"hz", "20"}});
  EXPECT_EQ(st.message(),
            "ERR CONFIG SET failed (possibly related to argument 'hz') - apply failed");
  EXPECT_EQ(f.port, 6379);
  EXPECT_EQ(f.hz, 10);
  f.fail_apply = false;
  ASSERT_TRUE(f.r.Set({{"hz", "20"}}).ok());
  EXPECT_EQ(f.hz, 20);
}

TEST(RegistrySetTest, ApplyNotCalledWhileLoading) {
  Fixture f;
  ASSERT_FALSE(Load(f.r, "hz 30\n"));
  EXPECT_EQ(f.apply_calls, 0);
  ASSERT_TRUE(f.r.Set({{"hz", "31"}}).ok());
  EXPECT_EQ(f.apply_calls, 1);
}

TEST(RegistrySetTest, ApplyHooksRunAfterTheParamsOwnApply) {
  Fixture f;
  std::vector<std::string> calls;
  ASSERT_TRUE(f.r.AddApplyHook("maxmemory-policy", [&] {
    calls.push_back("policy:" + f.policy);
    return Status::Ok();
  }));
  ASSERT_TRUE(f.r.AddApplyHook("HZ", [&] {
    calls.push_back("hz after " + std::to_string(f.apply_calls));
    return Status::Ok();
  }));
  EXPECT_FALSE(f.r.AddApplyHook("nosuch", [] { return Status::Ok(); }));
  ASSERT_TRUE(f.r.Set({{"maxmemory-policy", "allkeys-lru"}, {"hz", "12"}}).ok());
  EXPECT_EQ(calls, (std::vector<std::string>{"policy:allkeys-lru", "hz after 1"}));
  // The param's own apply failing skips the hook (and reverts the command).
  f.fail_apply = true;
  EXPECT_FALSE(f.r.Set({{"hz", "13"}}).ok());
  EXPECT_EQ(calls.size(), 2u);
}

TEST(RegistrySetTest, MultiArgValuesSplitOnSingleSpaces) {
  Fixture f;
  ASSERT_TRUE(f.r.Set({{"bind", "127.0.0.1 -::1"}}).ok());
  EXPECT_EQ(f.bind, (std::vector<std::string>{"127.0.0.1", "-::1"}));
  ASSERT_TRUE(f.r.Set({{"bind", ""}}).ok());
  EXPECT_TRUE(f.bind.empty());
  // Two spaces make an empty argument, as sdssplitlen does.
  ASSERT_TRUE(f.r.Set({{"bind", "a  b"}}).ok());
  EXPECT_EQ(f.bind, (std::vector<std::string>{"a", "", "b"}));
  EXPECT_FALSE(f.r.Set({{"save", "100 1  200 2"}}).ok());
}

TEST(RegistrySetTest, SingleArgValuesAreNotSplit) {
  Fixture f;
  ASSERT_TRUE(f.r.Set({{"logfile", "/var/log/a b.log"}}).ok());
  EXPECT_EQ(f.logfile, "/var/log/a b.log");
}

TEST(RegistrySetTest, ProtectedPolicy) {
  Fixture f;
  f.r.SetProtectedPolicy([](bool local) { return local; });
  EXPECT_FALSE(f.r.Set({{"dbfilename", "x.rdb"}}, false).ok());
  EXPECT_TRUE(f.r.Set({{"dbfilename", "x.rdb"}}, true).ok());
  EXPECT_EQ(f.dbfilename, "x.rdb");
}

TEST(RegistrySetTest, EmptyPairsIsOk) {
  Fixture f;
  EXPECT_TRUE(f.r.Set(Pairs{}).ok());
}

// --- CONFIG REWRITE --------------------------------------------------------------

TEST(RegistryRewriteTest, UnchangedFileStaysTheSame) {
  Fixture f;
  const std::string text = "# My server\nport 6379\n\n# memory\nmaxmemory 0\n";
  ASSERT_FALSE(Load(f.r, text));
  // Redis's line split keeps an empty last line, so a final newline becomes
  // one blank line on the first rewrite and stays one after that.
  std::string once = f.r.RewriteText(text);
  EXPECT_EQ(once, text + "\n");
  EXPECT_EQ(f.r.RewriteText(once), once);
}

TEST(RegistryRewriteTest, ReplacesInPlaceKeepsCommentsAndOrder) {
  Fixture f;
  const std::string text =
      "# top\nport 6379\n# between\nmaxmemory 100\ninclude /etc/other.conf\n"
      "rename-command FLUSHALL \"\"\n# end";
  ASSERT_TRUE(f.r.Set({{"port", "7000"}, {"maxmemory", "1gb"}}).ok());
  EXPECT_EQ(f.r.RewriteText(text),
            "# top\nport 7000\n# between\nmaxmemory 1gb\ninclude /etc/other.conf\n"
            "rename-command FLUSHALL \"\"\n# end\n");
}

TEST(RegistryRewriteTest, AliasesBecomeTheCanonicalName) {
  Fixture f;
  const std::string text = "slave-priority 50\nSLAVE-READ-ONLY no\n";
  ASSERT_FALSE(Load(f.r, text));
  EXPECT_EQ(f.r.RewriteText(text), "replica-priority 50\nreplica-read-only no\n\n");
}

TEST(RegistryRewriteTest, DuplicateOldLinesAreDropped) {
  Fixture f;
  const std::string text = "port 1\n# x\nport 2\nhz 5\n";
  ASSERT_FALSE(Load(f.r, text));
  // The second port line is blanked; blank runs collapse to one line.
  EXPECT_EQ(f.r.RewriteText(text), "port 2\n# x\n\nhz 5\n\n");
}

TEST(RegistryRewriteTest, NewNonDefaultOptionsAreAppendedOnce) {
  Fixture f;
  const std::string text = "port 6379\n";
  ASSERT_TRUE(f.r.Set({{"maxmemory", "1mb"}, {"requirepass", "x\"y z"}}).ok());
  std::string once = f.r.RewriteText(text);
  EXPECT_EQ(once,
            "port 6379\n\n# Generated by CONFIG REWRITE\nmaxmemory 1mb\n"
            "requirepass \"x\\\"y z\"\n");
  ASSERT_TRUE(f.r.Set({{"hz", "20"}}).ok());
  // The signature is not written twice; the new option goes at the end.
  EXPECT_EQ(f.r.RewriteText(once),
            "port 6379\n\n# Generated by CONFIG REWRITE\nmaxmemory 1mb\n"
            "requirepass \"x\\\"y z\"\n\nhz 20\n");
}

TEST(RegistryRewriteTest, DefaultsAbsentFromFileAreNotAdded) {
  Fixture f;
  EXPECT_EQ(f.r.RewriteText("port 6379\n"), "port 6379\n\n");
  EXPECT_EQ(f.r.RewriteText(""), "");
}

TEST(RegistryRewriteTest, DefaultsPresentInFileAreRewritten) {
  Fixture f;
  EXPECT_EQ(f.r.RewriteText("dbfilename dump.rdb\nlogfile ''\nrequirepass \"\""),
            "dbfilename \"dump.rdb\"\nlogfile \"\"\n\n");
}

TEST(RegistryRewriteTest, EmptyIsNullRemovesTheLine) {
  Fixture f;
  ASSERT_FALSE(Load(f.r, "requirepass secret\n"));
  ASSERT_TRUE(f.r.Set({{"requirepass", ""}}).ok());
  EXPECT_EQ(f.r.RewriteText("# a\nrequirepass secret\n# b"), "# a\n\n# b\n");
}

TEST(RegistryRewriteTest, MultiLineOptionReusesLinesThenAppends) {
  Fixture f;
  const std::string text = "save 900 1\n# c\nport 6379\n";
  ASSERT_FALSE(Load(f.r, text));
  ASSERT_TRUE(f.r.Set({{"save", "10 1 20 2 30 3"}}).ok());
  EXPECT_EQ(f.r.RewriteText(text),
            "save 10 1\n# c\nport 6379\n\n# Generated by CONFIG REWRITE\nsave 20 2\nsave 30 3\n");
  ASSERT_TRUE(f.r.Set({{"save", "5 5"}}).ok());
  EXPECT_EQ(f.r.RewriteText("save 1 1\nsave 2 2\nsave 3 3\n"), "save 5 5\n\n");
}

TEST(RegistryRewriteTest, UnknownAndUnparsableLinesAreKept) {
  Fixture f;
  const std::string text = "lua-time-limit 5000\nbad \"quote\nport 6379\n";
  EXPECT_EQ(f.r.RewriteText(text), text + "\n");
}

TEST(RegistryRewriteTest, CompoundNamesRewriteTheirOwnLines) {
  Fixture f;
  const std::string text = "sentinel monitor m 10.0.0.1 6379 2\nsentinel other x\n";
  ASSERT_FALSE(Load(f.r, "sentinel monitor m 10.0.0.1 6379 2\n"));
  f.monitors[0][1] = "10.0.0.2";
  EXPECT_EQ(f.r.RewriteText(text), "sentinel monitor m 10.0.0.2 6379 2\nsentinel other x\n\n");
}

TEST(RegistryRewriteTest, MemoryWithUnitsOnlyWhenExact) {
  Fixture f;
  ASSERT_TRUE(f.r.Set({{"maxmemory", "1000"}}).ok());
  EXPECT_EQ(f.r.RewriteText("maxmemory 1gb"), "maxmemory 1000\n");
  ASSERT_TRUE(f.r.Set({{"maxmemory", "3gb"}}).ok());
  EXPECT_EQ(f.r.RewriteText("maxmemory 1"), "maxmemory 3gb\n");
}

TEST(RegistryRewriteTest, CrLfAndIndentedLines) {
  Fixture f;
  ASSERT_TRUE(f.r.Set({{"port", "1"}}).ok());
  EXPECT_EQ(f.r.RewriteText("  port 5\r\n# c\r\n"), "port 1\n# c\n\n");
}

TEST(RegistryRewriteTest, RoundTripLoadsTheSameValues) {
  Fixture f;
  const std::string text = "slave-priority 7\nsave 1 2\nbind 1.2.3.4 ::1\nmaxmemory 2mb\n";
  ASSERT_FALSE(Load(f.r, text));
  ASSERT_TRUE(f.r.Set({{"hz", "33"}, {"requirepass", "p w"}}).ok());
  std::string out = f.r.RewriteText(text);
  Fixture g;
  ASSERT_FALSE(Load(g.r, out)) << out;
  EXPECT_EQ(g.priority, 7);
  EXPECT_EQ(g.hz, 33);
  EXPECT_EQ(g.requirepass, "p w");
  EXPECT_EQ(g.bind, f.bind);
  EXPECT_EQ(g.list, f.list);
  EXPECT_EQ(g.maxmemory, 2 * 1024 * 1024);
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "vigil-reg-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string File(const std::string& n) const { return path_ + "/" + n; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(RegistryRewriteTest, RewriteFile) {
  TempDir dir;
  std::string path = dir.File("vigil.conf");
  std::ofstream(path) << "# hello\nport 6379\n";
  Fixture f;
  ASSERT_TRUE(f.r.Set({{"port", "6380"}}).ok());
  ASSERT_TRUE(f.r.Rewrite(path).ok());
  EXPECT_EQ(ReadAll(path), "# hello\nport 6380\n\n");
}

TEST(RegistryRewriteTest, RewriteMissingFileCreatesIt) {
  TempDir dir;
  std::string path = dir.File("new.conf");
  Fixture f;
  ASSERT_TRUE(f.r.Set({{"port", "6380"}}).ok());
  ASSERT_TRUE(f.r.Rewrite(path).ok());
  EXPECT_EQ(ReadAll(path), "# Generated by CONFIG REWRITE\nport 6380\n");
}

TEST(RegistryRewriteTest, RewriteErrorReadsLikeRedis) {
  TempDir dir;
  Fixture f;
  Status st = f.r.Rewrite(dir.File("no/dir/x.conf"));
  EXPECT_EQ(st.message(), "ERR Rewriting config file: No such file or directory");
}

}  // namespace
}  // namespace vigil::config

namespace vigil::config {
namespace {

// CONFIG GET prints strings as they are; only the rewritten file quotes them.
TEST(RegistryStringTest, GetIsUnquotedRewriteIsQuoted) {
  Registry r;
  std::string v;
  r.AddString("masterauth", &v, "");
  ASSERT_TRUE(r.ApplyDirective({"masterauth", "a b"}).ok());
  auto got = r.Get({"masterauth"});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second, "a b");
  EXPECT_EQ(r.Find("masterauth")->rewrite_lines()[0], "masterauth \"a b\"");
}

}  // namespace
}  // namespace vigil::config

// Tests for the command line: config file, --directive overrides as
// redis-server builds them, stdin, and the binary's own flags.
#include "common/config/cli.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/config/config_file.h"

namespace vigil::config {
namespace {

StatusOr<CommandLine> Parse(std::vector<std::string> args,
                            const std::vector<std::string>& own = {}) {
  args.insert(args.begin(), "vigil-server");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data(), own);
}

TEST(CliTest, NothingGiven) {
  auto cl = Parse({});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->config_path, "");
  EXPECT_EQ(cl->overrides_text, "");
  EXPECT_FALSE(cl->help);
  EXPECT_FALSE(cl->version);
}

TEST(CliTest, ConfigFileIsMadeAbsolute) {
  auto cl = Parse({"/etc/vigil/vigil.conf"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->config_path, "/etc/vigil/vigil.conf");
  auto rel = Parse({"conf/../vigil.conf"});
  ASSERT_TRUE(rel.ok());
  EXPECT_EQ(rel->config_path, (std::filesystem::current_path() / "vigil.conf").string());
}

TEST(CliTest, DirectivesBecomeLines) {
  auto cl = Parse(
      {"/x.conf", "--port", "7777", "--replicaof", "127.0.0.1", "8888", "--loglevel", "verbose"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->config_path, "/x.conf");
  EXPECT_EQ(cl->overrides_text, "port 7777\nreplicaof 127.0.0.1 8888\nloglevel verbose");
  auto parsed = ParseConfigText(cl->overrides_text, "(command line)");
  ASSERT_FALSE(parsed.error);
  ASSERT_EQ(parsed.directives.size(), 3u);
  EXPECT_EQ(parsed.directives[1].args,
            (std::vector<std::string>{"replicaof", "127.0.0.1", "8888"}));
}

TEST(CliTest, ArgumentsAreQuotedWhenNeeded) {
  auto cl = Parse({"--requirepass", "a b\"c", "--logfile", "", "--save", "900 1"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->overrides_text, "requirepass \"a b\\\"c\"\nlogfile \"\"\nsave \"900 1\"");
  auto parsed = ParseConfigText(cl->overrides_text, "(command line)");
  ASSERT_FALSE(parsed.error);
  EXPECT_EQ(parsed.directives[0].args[1], "a b\"c");
  EXPECT_EQ(parsed.directives[1].args[1], "");
}

TEST(CliTest, NameAndValueInOneWord) {
  auto cl = Parse({"--port 6380", "--hz", "5"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->overrides_text, "port 6380\nhz 5");
}

TEST(CliTest, ValueStartingWithDashesAfterABareName) {
  // The first word after a name without value is its argument even if it
  // starts with "--" (redis-server 7.0.1+).
  auto cl = Parse({"--requirepass", "--secret", "--port", "1"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->overrides_text, "requirepass --secret\nport 1");
}

TEST(CliTest, SaveWithoutValueMeansEmpty) {
  auto cl = Parse({"--save", "--port", "1"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->overrides_text, "save \"\"\nport 1");
  auto last = Parse({"--port", "1", "--save"});
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->overrides_text, "port 1\nsave \"\"");
}

TEST(CliTest, StdinFirstOrLast) {
  auto first = Parse({"-", "--port", "1"});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->config_path, "-");
  EXPECT_FALSE(first->config_from_stdin);
  EXPECT_EQ(first->overrides_text, "port 1");
  auto last = Parse({"/a.conf", "--loglevel", "verbose", "-"});
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->config_path, "/a.conf");
  EXPECT_TRUE(last->config_from_stdin);
  EXPECT_EQ(last->overrides_text, "loglevel verbose");
}

TEST(CliTest, HelpAndVersion) {
  EXPECT_TRUE(Parse({"--help"})->help);
  EXPECT_TRUE(Parse({"-h"})->help);
  EXPECT_TRUE(Parse({"--version"})->version);
  EXPECT_TRUE(Parse({"-v"})->version);
  auto both = Parse({"/a.conf", "--port", "1", "--version"});
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(both->version);
  EXPECT_EQ(both->overrides_text, "port 1");
}

TEST(CliTest, OwnValueFlags) {
  auto cl = Parse({"--check-rdb", "/x/dump.rdb"}, {"check-rdb", "check-aof"});
  ASSERT_TRUE(cl.ok());
  ASSERT_EQ(cl->own_flags.size(), 1u);
  EXPECT_EQ(cl->own_flags[0], (std::pair<std::string, std::string>{"check-rdb", "/x/dump.rdb"}));
  EXPECT_EQ(cl->overrides_text, "");
  auto eq = Parse({"--port", "1", "--check-aof=/a.aof"}, {"check-rdb", "check-aof"});
  ASSERT_TRUE(eq.ok());
  ASSERT_EQ(eq->own_flags.size(), 1u);
  EXPECT_EQ(eq->own_flags[0].second, "/a.aof");
  EXPECT_EQ(eq->overrides_text, "port 1");
}

TEST(CliTest, OwnValueFlagWithoutValueIsAnError) {
  auto cl = Parse({"--check-rdb"}, {"check-rdb"});
  ASSERT_FALSE(cl.ok());
  EXPECT_NE(cl.message().find("Invalid command line"), std::string::npos);
}

TEST(CliTest, StrayWordsBecomeABadDirective) {
  // As redis-server: the words are appended as config text and fail to load.
  auto cl = Parse({"/a.conf", "extra"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->overrides_text, "extra");
}

TEST(CliTest, UsageNamesTheProgram) {
  std::string u = UsageText("vigil-server");
  EXPECT_NE(u.find("Usage: vigil-server [/path/to/vigil.conf] [options] [-]"), std::string::npos);
  EXPECT_NE(u.find("vigil-server --port 7777 --replicaof 127.0.0.1 8888"), std::string::npos);
  EXPECT_EQ(u.find("Sentinel mode"), std::string::npos);
  EXPECT_NE(UsageText("vigil-sentinel").find("Sentinel mode"), std::string::npos);
}

}  // namespace
}  // namespace vigil::config

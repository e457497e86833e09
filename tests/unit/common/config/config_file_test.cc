// Tests for the redis.conf reader: sdssplitargs rules, memtoll units, error
// locations, includes and the atomic writer.
#include "common/config/config_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vigil::config {
namespace {

namespace fs = std::filesystem;
using Args = std::vector<std::string>;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "vigil-cfg-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  std::string Write(const std::string& name, const std::string& content) const {
    std::ofstream(File(name), std::ios::binary) << content;
    return File(name);
  }
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

// --- SplitArgs -------------------------------------------------------------

TEST(SplitArgsTest, PlainWords) {
  EXPECT_EQ(*SplitArgs("bind 127.0.0.1 -::1"), (Args{"bind", "127.0.0.1", "-::1"}));
  EXPECT_EQ(*SplitArgs("  save   900\t1  "), (Args{"save", "900", "1"}));
  EXPECT_EQ(*SplitArgs(""), Args{});
  EXPECT_EQ(*SplitArgs("   \t "), Args{});
}

TEST(SplitArgsTest, DoubleQuotesAndEscapes) {
  EXPECT_EQ(*SplitArgs("logfile \"\""), (Args{"logfile", ""}));
  EXPECT_EQ(*SplitArgs("pidfile \"/x/redis.pid\""), (Args{"pidfile", "/x/redis.pid"}));
  EXPECT_EQ(*SplitArgs(R"(a "x\ny\tz\r\b\a")"), (Args{"a", "x\ny\tz\r\b\a"}));
  EXPECT_EQ(*SplitArgs(R"(a "q\"q\\")"), (Args{"a", "q\"q\\"}));
  EXPECT_EQ(*SplitArgs(R"(a "\x41\x7a\x00b")"), (Args{"a", std::string("Az\0b", 4)}));
  // \x without two hex digits is just an escaped 'x'.
  EXPECT_EQ(*SplitArgs(R"(a "\xZZ")"), (Args{"a", "xZZ"}));
  EXPECT_EQ(*SplitArgs(R"(a "\q")"), (Args{"a", "q"}));
  EXPECT_EQ(*SplitArgs("a \"two words\" b"), (Args{"a", "two words", "b"}));
}

TEST(SplitArgsTest, SingleQuotes) {
  EXPECT_EQ(*SplitArgs("logfile ''"), (Args{"logfile", ""}));
  EXPECT_EQ(*SplitArgs("cluster-config-file '/usr/local/cmz/redis02/nodes.conf'"),
            (Args{"cluster-config-file", "/usr/local/cmz/redis02/nodes.conf"}));
  EXPECT_EQ(*SplitArgs(R"(a 'it\'s')"), (Args{"a", "it's"}));
  // Only \' is an escape inside single quotes.
  EXPECT_EQ(*SplitArgs(R"(a 'x\ny')"), (Args{"a", "x\\ny"}));
}

TEST(SplitArgsTest, QuotesInsideAWord) {
  // sdssplitargs starts quoting mid-word.
  EXPECT_EQ(*SplitArgs("foo\"bar baz\""), (Args{"foobar baz"}));
}

TEST(SplitArgsTest, Errors) {
  EXPECT_FALSE(SplitArgs("port \"6379"));
  EXPECT_FALSE(SplitArgs("port '6379"));
  EXPECT_FALSE(SplitArgs("port \"abc\"x"));
  EXPECT_FALSE(SplitArgs("port 'abc'x"));
  EXPECT_FALSE(SplitArgs("a \"\\\""));  // escaped closing quote: unterminated
  EXPECT_TRUE(SplitArgs("a \"abc\"\tb"));
}

TEST(SplitArgsTest, NulEndsTheLine) {
  EXPECT_EQ(*SplitArgs(std::string_view("a b\0c d", 7)), (Args{"a", "b"}));
}

TEST(SplitArgsTest, VerticalTabSeparatesOnlyBetweenWords) {
  // isspace() skips \v between words, but only ' ', \t, \r, \n end a word.
  EXPECT_EQ(*SplitArgs("\va\vb"), (Args{"a\vb"}));
}

// --- ParseMemory / ParseYesNo ----------------------------------------------

TEST(ParseMemoryTest, Units) {
  EXPECT_EQ(ParseMemory("0"), 0);
  EXPECT_EQ(ParseMemory("123"), 123);
  EXPECT_EQ(ParseMemory("1b"), 1);
  EXPECT_EQ(ParseMemory("1k"), 1000);
  EXPECT_EQ(ParseMemory("1kb"), 1024);
  EXPECT_EQ(ParseMemory("1K"), 1000);
  EXPECT_EQ(ParseMemory("1KB"), 1024);
  EXPECT_EQ(ParseMemory("1m"), 1000000);
  EXPECT_EQ(ParseMemory("1mb"), 1048576);
  EXPECT_EQ(ParseMemory("64mb"), 64LL * 1024 * 1024);
  EXPECT_EQ(ParseMemory("1g"), 1000000000);
  EXPECT_EQ(ParseMemory("1Gb"), 1073741824);
  EXPECT_EQ(ParseMemory("8589934592"), 8589934592LL);
  EXPECT_EQ(ParseMemory("-5"), -5);
  EXPECT_EQ(ParseMemory("-1kb"), -1024);
  EXPECT_EQ(ParseMemory("007"), 7);
}

TEST(ParseMemoryTest, EdgesAsMemtoll) {
  // strtoll over no digits reads 0, as redis-server accepts maxmemory "".
  EXPECT_EQ(ParseMemory(""), 0);
  EXPECT_EQ(ParseMemory("kb"), 0);
  EXPECT_FALSE(ParseMemory("-"));
  EXPECT_FALSE(ParseMemory("1x"));
  EXPECT_FALSE(ParseMemory("1.5gb"));
  EXPECT_FALSE(ParseMemory("+5"));
  EXPECT_FALSE(ParseMemory(" 5"));
  EXPECT_FALSE(ParseMemory("1 kb"));
  EXPECT_FALSE(ParseMemory("1tb"));
  EXPECT_FALSE(ParseMemory("99999999999999999999"));
  EXPECT_FALSE(ParseMemory("9999999999gb"));
}

TEST(ParseYesNoTest, CaseInsensitive) {
  EXPECT_EQ(ParseYesNo("yes"), true);
  EXPECT_EQ(ParseYesNo("YES"), true);
  EXPECT_EQ(ParseYesNo("No"), false);
  EXPECT_FALSE(ParseYesNo("y"));
  EXPECT_FALSE(ParseYesNo("1"));
  EXPECT_FALSE(ParseYesNo(""));
}

TEST(FormatMemoryTest, UnitsWhenExact) {
  EXPECT_EQ(FormatMemory(0), "0");
  EXPECT_EQ(FormatMemory(1), "1");
  EXPECT_EQ(FormatMemory(1000), "1000");
  EXPECT_EQ(FormatMemory(1024), "1kb");
  EXPECT_EQ(FormatMemory(1024 * 1024), "1mb");
  EXPECT_EQ(FormatMemory(64LL * 1024 * 1024), "64mb");
  EXPECT_EQ(FormatMemory(1024LL * 1024 * 1024), "1gb");
  EXPECT_EQ(FormatMemory(8589934592LL), "8gb");
  EXPECT_EQ(FormatMemory(1536), "1536");
  EXPECT_EQ(FormatMemory(1536 * 1024), "1536kb");
}

// --- Errors ------------------------------------------------------------------

TEST(ConfigErrorTest, FormatLikeRedis) {
  ConfigError e{"/etc/vigil.conf", 12, "port abc", "argument couldn't be parsed into an integer"};
  EXPECT_EQ(e.Format(), "\n*** FATAL CONFIG FILE ERROR (vigil " VIGIL_VERSION
                        ") ***\n"
                        "Reading the configuration file '/etc/vigil.conf', at line 12\n"
                        ">>> 'port abc'\n"
                        "argument couldn't be parsed into an integer\n");
}

TEST(ConfigErrorTest, FormatWithoutLocation) {
  ConfigError e;
  e.reason = "Can't open the log file: Permission denied";
  EXPECT_EQ(e.Format(), "\n*** FATAL CONFIG FILE ERROR (vigil " VIGIL_VERSION
                        ") ***\nCan't open the log file: Permission denied\n");
}

// --- ParseConfigText -----------------------------------------------------------

TEST(ParseConfigTextTest, SkipsCommentsAndBlankLinesAndKeepsLineNumbers) {
  auto r = ParseConfigText(
      "# comment\n\n   \nport 6379\r\n  # indented comment\n  bind 0.0.0.0  \n", "test.conf");
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.directives.size(), 2u);
  EXPECT_EQ(r.directives[0].file, "test.conf");
  EXPECT_EQ(r.directives[0].line_no, 4);
  EXPECT_EQ(r.directives[0].line, "port 6379");
  EXPECT_EQ(r.directives[0].args, (Args{"port", "6379"}));
  EXPECT_EQ(r.directives[1].line_no, 6);
  EXPECT_EQ(r.directives[1].line, "bind 0.0.0.0");
}

TEST(ParseConfigTextTest, NoTrailingNewline) {
  auto r = ParseConfigText("port 1\nport 2", "(stdin)");
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.directives.size(), 2u);
  EXPECT_EQ(r.directives[1].line_no, 2);
}

TEST(ParseConfigTextTest, UnbalancedQuotesNamesTheLine) {
  auto r = ParseConfigText("port 6379\n\nlogfile \"/var/log/x.log\n", "a.conf");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->file, "a.conf");
  EXPECT_EQ(r.error->line_no, 3);
  EXPECT_EQ(r.error->line, "logfile \"/var/log/x.log");
  EXPECT_EQ(r.error->reason, "Unbalanced quotes in configuration line");
}

TEST(ParseConfigTextTest, EmptyQuotedLineIsSkippedNotAnError) {
  // A line of only whitespace inside the trim set yields no arguments.
  auto r = ParseConfigText("\t\n", "x");
  EXPECT_FALSE(r.error);
  EXPECT_TRUE(r.directives.empty());
}

// --- ReadConfigFile / include ----------------------------------------------------

TEST(ReadConfigFileTest, MissingFile) {
  TempDir dir;
  auto r = ReadConfigFile(dir.File("nope.conf"));
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->line_no, 0);
  EXPECT_EQ(r.error->reason, "Fatal error, can't open config file '" + dir.File("nope.conf") +
                                 "': No such file or directory");
}

TEST(ReadConfigFileTest, IncludeInOrder) {
  TempDir dir;
  dir.Write("inc.conf", "maxclients 500\n# c\nport 7000\n");
  auto top = dir.Write("top.conf", "port 6379\ninclude " + dir.File("inc.conf") + "\nhz 20\n");
  auto r = ReadConfigFile(top);
  ASSERT_FALSE(r.error) << r.error->Format();
  ASSERT_EQ(r.directives.size(), 4u);
  EXPECT_EQ(r.directives[0].args[0], "port");
  EXPECT_EQ(r.directives[1].args, (Args{"maxclients", "500"}));
  EXPECT_EQ(r.directives[1].file, dir.File("inc.conf"));
  EXPECT_EQ(r.directives[1].line_no, 1);
  EXPECT_EQ(r.directives[2].line_no, 3);
  EXPECT_EQ(r.directives[3].args, (Args{"hz", "20"}));
  EXPECT_EQ(r.directives[3].file, top);
  EXPECT_EQ(r.directives[3].line_no, 3);
}

TEST(ReadConfigFileTest, IncludeIsCaseInsensitiveAndQuoted) {
  TempDir dir;
  dir.Write("my inc.conf", "port 7000\n");
  auto top = dir.Write("top.conf", "INCLUDE \"" + dir.File("my inc.conf") + "\"\n");
  auto r = ReadConfigFile(top);
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.directives.size(), 1u);
  EXPECT_EQ(r.directives[0].args[1], "7000");
}

TEST(ReadConfigFileTest, IncludeRelativeToCurrentDirectory) {
  TempDir dir;
  dir.Write("rel.conf", "port 7001\n");
  auto top = dir.Write("top.conf", "include rel.conf\n");
  std::string old = fs::current_path().string();
  fs::current_path(dir.path());
  auto r = ReadConfigFile(top);
  fs::current_path(old);
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.directives.size(), 1u);
  EXPECT_EQ(r.directives[0].args[1], "7001");
}

TEST(ReadConfigFileTest, ErrorInIncludedFileNamesThatFile) {
  TempDir dir;
  dir.Write("inc.conf", "port 1\nbad \"quote\n");
  auto top = dir.Write("top.conf", "# top\ninclude " + dir.File("inc.conf") + "\n");
  auto r = ReadConfigFile(top);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->file, dir.File("inc.conf"));
  EXPECT_EQ(r.error->line_no, 2);
  EXPECT_EQ(r.error->line, "bad \"quote");
}

TEST(ReadConfigFileTest, MissingIncludeNamesTheIncludeLine) {
  TempDir dir;
  auto top = dir.Write("top.conf", "port 1\ninclude /nonexistent/vigil.conf\n");
  auto r = ReadConfigFile(top);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->file, top);
  EXPECT_EQ(r.error->line_no, 2);
  EXPECT_EQ(r.error->line, "include /nonexistent/vigil.conf");
  EXPECT_EQ(r.error->reason,
            "Fatal error, can't open config file '/nonexistent/vigil.conf': No such file or "
            "directory");
}

TEST(ReadConfigFileTest, IncludeLoopIsDetected) {
  TempDir dir;
  dir.Write("a.conf", "port 1\ninclude " + dir.File("b.conf") + "\n");
  dir.Write("b.conf", "include " + dir.File("a.conf") + "\n");
  auto r = ReadConfigFile(dir.File("a.conf"));
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->file, dir.File("b.conf"));
  EXPECT_EQ(r.error->line_no, 1);
  EXPECT_NE(r.error->reason.find("include loop"), std::string::npos);
}

TEST(ReadConfigFileTest, SelfIncludeIsALoop) {
  TempDir dir;
  auto a = dir.Write("a.conf", "include " + dir.File("a.conf") + "\n");
  auto r = ReadConfigFile(a);
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->reason.find("include loop"), std::string::npos);
}

TEST(ReadConfigFileTest, SameFileTwiceIsNotALoop) {
  TempDir dir;
  dir.Write("inc.conf", "hz 5\n");
  auto top = dir.Write(
      "top.conf", "include " + dir.File("inc.conf") + "\ninclude " + dir.File("inc.conf") + "\n");
  auto r = ReadConfigFile(top);
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.directives.size(), 2u);
}

TEST(ReadConfigFileTest, IncludeGlob) {
  TempDir dir;
  fs::create_directory(dir.File("conf.d"));
  dir.Write("conf.d/a.conf", "port 1\n");
  dir.Write("conf.d/b.conf", "port 2\n");
  fs::create_directory(dir.File("empty.d"));
  auto top = dir.Write("top.conf", "include " + dir.File("conf.d/*.conf") + "\ninclude " +
                                       dir.File("empty.d/*.conf") + "\n");
  auto r = ReadConfigFile(top);
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.directives.size(), 2u);
  EXPECT_EQ(r.directives[0].args[1], "1");
  EXPECT_EQ(r.directives[1].args[1], "2");
}

TEST(ReadConfigFileTest, IncludeWithWrongArgumentCountIsLeftToTheRegistry) {
  auto r = ParseConfigText("include a b\n", "x");
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.directives.size(), 1u);
  EXPECT_EQ(r.directives[0].args.size(), 3u);
}

TEST(ParseConfigTextTest, ExpandsIncludes) {
  TempDir dir;
  dir.Write("inc.conf", "port 9\n");
  auto r = ParseConfigText("include " + dir.File("inc.conf") + "\n", "(command line)");
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.directives.size(), 1u);
  EXPECT_EQ(r.directives[0].args[1], "9");
}

TEST(ReadConfigFileTest, DirectoryIsAnError) {
  TempDir dir;
  auto r = ReadConfigFile(dir.path());
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->reason.find("Is a directory"), std::string::npos);
}

// --- WriteFileAtomically -------------------------------------------------------

TEST(WriteFileAtomicallyTest, CreatesAndReplaces) {
  TempDir dir;
  std::string path = dir.File("vigil.conf");
  ASSERT_TRUE(WriteFileAtomically(path, "port 1\n").ok());
  EXPECT_EQ(ReadAll(path), "port 1\n");
  ASSERT_TRUE(WriteFileAtomically(path, "port 2\n").ok());
  EXPECT_EQ(ReadAll(path), "port 2\n");
  // No temp file left behind.
  int files = 0;
  for (auto& e : fs::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(WriteFileAtomicallyTest, KeepsPermissions) {
  TempDir dir;
  std::string path = dir.Write("vigil.conf", "requirepass x\n");
  ::chmod(path.c_str(), 0640);
  ASSERT_TRUE(WriteFileAtomically(path, "requirepass y\n").ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(WriteFileAtomicallyTest, MissingDirectoryFails) {
  TempDir dir;
  int err = 0;
  Status st = WriteFileAtomically(dir.File("no/such/dir/x.conf"), "x", &err);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(err, ENOENT);
  EXPECT_NE(st.message().find("No such file or directory"), std::string::npos);
}

TEST(WriteFileAtomicallyTest, UnwritableDirectoryLeavesOldFile) {
  TempDir dir;
  std::string path = dir.Write("vigil.conf", "port 1\n");
  ::chmod(dir.path().c_str(), 0555);
  // Root ignores directory permissions, so the write runs in a child that
  // drops to an unprivileged user when the test runs as root.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(2);
    int err = 0;
    Status st = WriteFileAtomically(path, "port 2\n", &err);
    bool ok =
        !st.ok() && err == EACCES && st.message().find("Permission denied") != std::string::npos;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ::chmod(dir.path().c_str(), 0700);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(ReadAll(path), "port 1\n");
}

// A write that fails midway (here the file size limit, standing in for a
// full disk) must leave the old file as it was and no temp file behind.
TEST(WriteFileAtomicallyTest, FailedWriteLeavesOldFileAndNoTemp) {
  TempDir dir;
  std::string path = dir.Write("vigil.conf", "port 1\n");
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {16, 16};
    ::setrlimit(RLIMIT_FSIZE, &rl);
    int err = 0;
    Status st = WriteFileAtomically(path, std::string(4096, 'x'), &err);
    ::_exit(!st.ok() && err == EFBIG ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(ReadAll(path), "port 1\n");
  int files = 0;
  for (auto& e : fs::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(WriteFileAtomicallyTest, TargetIsADirectoryFailsCleanly) {
  TempDir dir;
  fs::create_directory(dir.File("sub"));
  dir.Write("sub/keep", "k");
  int err = 0;
  Status st = WriteFileAtomically(dir.File("sub"), "x", &err);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(err, 0);
  EXPECT_EQ(ReadAll(dir.File("sub/keep")), "k");
}

}  // namespace
}  // namespace vigil::config

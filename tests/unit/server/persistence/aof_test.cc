#include "server/persistence/aof.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/util/clock.h"

namespace vigil::server::aof {
namespace {

TEST(AofManifestTest, ParsesWhatRedisWritesAndFormatsItBack) {
  const std::string text =
      "file appendonly.aof.2.base.rdb seq 2 type b\n"
      "file appendonly.aof.1.base.rdb seq 1 type h\n"
      "file appendonly.aof.3.incr.aof seq 3 type i\n"
      "file appendonly.aof.2.incr.aof seq 2 type i\n";
  auto m = Manifest::Parse(text);
  ASSERT_TRUE(m.ok()) << m.message();
  ASSERT_NE(m->base(), nullptr);
  EXPECT_EQ(m->base()->name, "appendonly.aof.2.base.rdb");
  ASSERT_EQ(m->incrs().size(), 2u);
  EXPECT_EQ(m->incrs()[0]->seq, 2);
  EXPECT_EQ(m->next_incr_seq(), 4);
  EXPECT_EQ(m->next_base_seq(), 3);
  EXPECT_EQ(m->Format(),
            "file appendonly.aof.2.base.rdb seq 2 type b\n"
            "file appendonly.aof.1.base.rdb seq 1 type h\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n"
            "file appendonly.aof.3.incr.aof seq 3 type i\n");
  auto again = Manifest::Parse(m->Format());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Format(), m->Format());
}

TEST(AofManifestTest, RejectsBrokenManifests) {
  EXPECT_FALSE(Manifest::Parse("file a seq 1\n").ok());
  EXPECT_FALSE(Manifest::Parse("file a seq x type i\n").ok());
  EXPECT_EQ(Manifest::Parse("file a seq 1 type z\n").message(), "Unknown AOF file type z");
  EXPECT_EQ(Manifest::Parse("file a seq 1 type b\nfile b seq 2 type b\n").message(),
            "Found duplicate base file information");
  EXPECT_FALSE(Manifest::Parse("file ../etc/passwd seq 1 type i\n").ok());
  EXPECT_TRUE(Manifest::Parse("# comment\n\nfile a seq 1 type i newkey x\n").ok());
}

TEST(AofManifestTest, FileNames) {
  EXPECT_EQ(BaseName("appendonly.aof", 1, true), "appendonly.aof.1.base.rdb");
  EXPECT_EQ(BaseName("appendonly.aof", 1, false), "appendonly.aof.1.base.aof");
  EXPECT_EQ(IncrName("appendonly.aof", 7), "appendonly.aof.7.incr.aof");
  EXPECT_EQ(ManifestName("appendonly.aof"), "appendonly.aof.manifest");
}

std::vector<std::vector<std::string>> ReadAll(const std::string& data, CommandReader::Result* end,
                                              uint64_t* valid) {
  std::FILE* f = fmemopen(const_cast<char*>(data.data()), data.size(), "r");
  CommandReader r(f);
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> args;
  CommandReader::Result res;
  while ((res = r.Next(&args)) == CommandReader::Result::kCommand) out.push_back(args);
  *end = res;
  *valid = r.valid_up_to();
  std::fclose(f);
  return out;
}

TEST(AofReaderTest, CommandsThenEof) {
  std::string data;
  AppendCommand(&data, {"SELECT", "0"});
  AppendCommand(&data, {"SET", "k", std::string("a\r\nb", 4)});
  CommandReader::Result end;
  uint64_t valid;
  auto cmds = ReadAll(data, &end, &valid);
  EXPECT_EQ(end, CommandReader::Result::kEof);
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[1][2], std::string("a\r\nb", 4));
  EXPECT_EQ(valid, data.size());
}

TEST(AofReaderTest, EveryTornTailIsTruncatedNotBad) {
  std::string data;
  AppendCommand(&data, {"SET", "a", "1"});
  const size_t first = data.size();
  AppendCommand(&data, {"SET", "bb", "22"});
  for (size_t cut = first + 1; cut < data.size(); ++cut) {
    CommandReader::Result end;
    uint64_t valid;
    auto cmds = ReadAll(data.substr(0, cut), &end, &valid);
    EXPECT_EQ(end, CommandReader::Result::kTruncated) << "cut " << cut;
    EXPECT_EQ(cmds.size(), 1u);
    EXPECT_EQ(valid, first);
  }
}

TEST(AofReaderTest, GarbageInTheMiddleIsBadFormat) {
  std::string data;
  AppendCommand(&data, {"SET", "a", "1"});
  data += "GARBAGE\r\n";
  AppendCommand(&data, {"SET", "b", "2"});
  CommandReader::Result end;
  uint64_t valid;
  auto cmds = ReadAll(data, &end, &valid);
  EXPECT_EQ(end, CommandReader::Result::kBadFormat);
  EXPECT_EQ(cmds.size(), 1u);
}

TEST(AofWriterTest, FlushAppendsAndEverysecSyncsInTheBackground) {
  auto path = std::filesystem::temp_directory_path() / ("vigil-aofw-" + std::to_string(getpid()));
  Writer w;
  ASSERT_TRUE(w.Open(path.string()).ok());
  std::string cmd;
  AppendCommand(&cmd, {"SET", "k", "v"});
  w.Feed(cmd);
  ASSERT_TRUE(w.Flush(Fsync::kEverySec).ok());
  w.MaybeBackgroundFsync(MonotonicMs() + 2000);
  w.WaitForFsync();
  w.Feed(cmd);
  ASSERT_TRUE(w.Flush(Fsync::kAlways).ok());
  EXPECT_EQ(w.size(), 2 * cmd.size());
  w.Close();
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(), cmd + cmd);
  std::filesystem::remove(path);
}

TEST(AofWriterTest, WriteErrorKeepsTheBufferAndReports) {
  Writer w;
  ASSERT_TRUE(w.Open("/dev/full").ok());
  w.Feed("*1\r\n$4\r\nPING\r\n");
  EXPECT_FALSE(w.Flush(Fsync::kEverySec).ok());
  EXPECT_FALSE(w.last_write_ok());
  EXPECT_TRUE(w.has_pending());
}

}  // namespace
}  // namespace vigil::server::aof

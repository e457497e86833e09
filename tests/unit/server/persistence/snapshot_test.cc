#include "server/persistence/snapshot.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vigil::server {
namespace {

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vigil-snap-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "dump.rdb").string();
    dbs_.resize(16);
  }
  void TearDown() override {
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all);
    std::filesystem::remove_all(dir_);
  }
  std::string ReadFile() {
    std::ifstream f(path_, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  std::filesystem::path dir_;
  std::string path_;
  std::vector<Database> dbs_;
  ServerConfig cfg_;
};

TEST_F(SnapshotTest, WriteThenLoadKeepsKeysDatabasesAndTtls) {
  dbs_[0].Set("a", Object(std::string("1")));
  dbs_[0].Set("b", Object(std::string(1000, 'x')));
  dbs_[0].SetExpire("b", 4102444800000);
  dbs_[0].Set("old", Object(std::string("gone")));
  dbs_[0].SetExpire("old", 1000);  // long past
  dbs_[5].Set("c", Object(std::string("five")));
  ASSERT_TRUE(WriteRdbFile(dbs_, path_, cfg_).ok());

  std::vector<Database> loaded(16);
  auto st = LoadRdbFile(path_, &loaded, cfg_, /*drop_expired=*/true);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(st->keys_loaded, 3u);
  EXPECT_EQ(st->keys_expired, 1u);
  EXPECT_EQ(loaded[0].Peek("a")->str(), "1");
  EXPECT_EQ(loaded[0].Peek("b")->str(), std::string(1000, 'x'));
  EXPECT_EQ(loaded[0].GetExpire("b"), 4102444800000);
  EXPECT_EQ(loaded[0].Peek("old"), nullptr);
  EXPECT_EQ(loaded[5].Peek("c")->str(), "five");
  // A replica keeps the expired key (its master will send the DEL).
  std::vector<Database> replica(16);
  ASSERT_TRUE(LoadRdbFile(path_, &replica, cfg_, /*drop_expired=*/false).ok());
  EXPECT_NE(replica[0].Peek("old"), nullptr);
  // No temp file is left behind.
  for (auto& e : std::filesystem::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename(), "dump.rdb");
}

TEST_F(SnapshotTest, FailedWriteLeavesTheOldFileIntact) {
  if (geteuid() == 0) {
    // root ignores directory permissions; use a path whose directory is missing.
    dbs_[0].Set("a", Object(std::string("1")));
    ASSERT_TRUE(WriteRdbFile(dbs_, path_, cfg_).ok());
    std::string before = ReadFile();
    auto st = WriteRdbFile(dbs_, (dir_ / "missing" / "dump.rdb").string(), cfg_);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("Failed opening the temp RDB file"), std::string::npos) << st.message();
    EXPECT_EQ(ReadFile(), before);
    return;
  }
  dbs_[0].Set("a", Object(std::string("1")));
  ASSERT_TRUE(WriteRdbFile(dbs_, path_, cfg_).ok());
  std::string before = ReadFile();
  dbs_[0].Set("b", Object(std::string("2")));
  std::filesystem::permissions(dir_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  auto st = WriteRdbFile(dbs_, path_, cfg_);
  EXPECT_FALSE(st.ok());
  std::filesystem::permissions(dir_, std::filesystem::perms::owner_all);
  EXPECT_EQ(ReadFile(), before);
}

TEST_F(SnapshotTest, TruncatedFileFailsToLoadWithAnOffset) {
  dbs_[0].Set("a", Object(std::string(500, 'y')));
  ASSERT_TRUE(WriteRdbFile(dbs_, path_, cfg_).ok());
  std::string data = ReadFile();
  std::ofstream(path_, std::ios::binary | std::ios::trunc) << data.substr(0, data.size() - 20);
  std::vector<Database> loaded(16);
  auto st = LoadRdbFile(path_, &loaded, cfg_, true);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("at offset"), std::string::npos) << st.message();
}

TEST_F(SnapshotTest, MoreDatabasesThanConfiguredIsAnError) {
  dbs_[15].Set("a", Object(std::string("1")));
  ASSERT_TRUE(WriteRdbFile(dbs_, path_, cfg_).ok());
  std::vector<Database> few(4);
  auto st = LoadRdbFile(path_, &few, cfg_, true);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("more than 4 databases"), std::string::npos) << st.message();
}

TEST_F(SnapshotTest, SavePointsFollowDirtyAndTime) {
  cfg_.save_points = {{60, 10}};
  Snapshotter s(&cfg_);
  s.set_last_save_unix(1000);
  EXPECT_FALSE(s.SavePointDue(9, 2000));
  EXPECT_FALSE(s.SavePointDue(10, 1060));
  EXPECT_TRUE(s.SavePointDue(10, 1061));
  cfg_.save_points.clear();
  EXPECT_FALSE(s.SavePointDue(1000000, 999999));
}

TEST_F(SnapshotTest, BackgroundSaveWritesFromAForkedChild) {
  cfg_.dbfilename = path_;
  for (int i = 0; i < 1000; ++i) dbs_[0].Set("k" + std::to_string(i), Object(std::to_string(i)));
  Snapshotter s(&cfg_);
  ASSERT_TRUE(s.BackgroundSave(dbs_, 1000).ok());
  EXPECT_TRUE(s.bgsave_in_progress());
  EXPECT_FALSE(s.BackgroundSave(dbs_, 1000).ok());  // one at a time
  // The parent may change its keyspace at once; the child's image is fixed.
  dbs_[0].Clear();
  uint64_t saved = 0;
  while (!s.ReapChild(&saved)) usleep(1000);
  EXPECT_TRUE(s.last_bgsave_ok());
  EXPECT_EQ(saved, 1000u);
  std::vector<Database> loaded(16);
  auto st = LoadRdbFile(path_, &loaded, cfg_, true);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(loaded[0].size(), 1000u);
}

}  // namespace
}  // namespace vigil::server

#include "server/db/database.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace vigil::server {
namespace {

Object Str(std::string s) { return Object(std::move(s)); }

TEST(DatabaseTest, LazyExpiryOnLookup) {
  Database db;
  db.Set("k", Str("v"));
  db.SetExpire("k", 1000);
  EXPECT_NE(db.Lookup("k", 999), nullptr);
  EXPECT_EQ(db.Lookup("k", 1000), nullptr);
  EXPECT_EQ(db.size(), 0u);
  EXPECT_EQ(db.expires_size(), 0u);
}

TEST(DatabaseTest, SetDropsTtlUnlessKept) {
  Database db;
  db.Set("k", Str("v"));
  db.SetExpire("k", 5000);
  db.Set("k", Str("w"), /*keep_ttl=*/true);
  EXPECT_EQ(db.GetExpire("k"), 5000);
  db.Set("k", Str("x"));
  EXPECT_FALSE(db.GetExpire("k").has_value());
}

// Regression: the sampling cursor used to advance inside the loop and skip
// buckets, so some expired keys were never reclaimed by the active cycle.
TEST(DatabaseTest, RepeatedSamplingReclaimsEveryExpiredKey) {
  for (int n : {1, 10, 50, 1000}) {
    Database db;
    for (int i = 0; i < n; ++i) {
      std::string k = "tmp:" + std::to_string(i);
      db.Set(k, Str("v"));
      db.SetExpire(k, 100);
    }
    db.Set("keep", Str("v"));
    for (int round = 0; round < 10000 && db.expires_size() > 0; ++round) db.ExpireSample(20, 200);
    EXPECT_EQ(db.size(), 1u) << n;
    EXPECT_EQ(db.expires_size(), 0u) << n;
  }
}

TEST(DatabaseTest, SamplingKeepsLiveKeys) {
  Database db;
  for (int i = 0; i < 100; ++i) {
    std::string k = "k" + std::to_string(i);
    db.Set(k, Str("v"));
    db.SetExpire(k, i < 50 ? 100 : 10000);
  }
  for (int round = 0; round < 1000; ++round) db.ExpireSample(20, 200);
  EXPECT_EQ(db.size(), 50u);
}

TEST(DatabaseTest, ScanVisitsEveryKeyOnceAcrossCalls) {
  Database db;
  for (int i = 0; i < 1000; ++i) db.Set("k" + std::to_string(i), Str("v"));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = db.Scan(cursor, [&](std::string_view k, const Object&) { seen.emplace(k); });
    ++calls;
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_GT(calls, 1);
}

TEST(DatabaseTest, ExpiredCallbackSeesLazyAndActiveExpiry) {
  Database db;
  std::vector<std::string> expired;
  db.set_on_expired([&](std::string_view k) { expired.emplace_back(k); });
  db.Set("a", Str("1"));
  db.SetExpire("a", 100);
  db.Set("b", Str("2"));
  db.SetExpire("b", 100);
  EXPECT_EQ(db.Lookup("a", 200), nullptr);
  EXPECT_EQ(db.ExpireSample(20, 200), 1u);
  EXPECT_EQ(expired, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(db.size(), 0u);
}

TEST(DatabaseTest, CloneIsDeep) {
  Object a(std::string("x"));
  Object b = a.Clone();
  b.SetStr("y");
  EXPECT_EQ(a.str(), "x");
  EXPECT_EQ(b.type(), ObjType::kString);
}

}  // namespace
}  // namespace vigil::server

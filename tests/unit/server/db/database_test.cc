#include "server/db/database.h"

#include <gtest/gtest.h>

namespace vigil::server {
namespace {

Object Str(std::string s) {
  Object o;
  o.str = std::move(s);
  return o;
}

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

}  // namespace
}  // namespace vigil::server

#include "server/db/dict.h"

#include <gtest/gtest.h>

#include <random>
#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace vigil::server {
namespace {

TEST(DictTest, InsertFindEraseAcrossResizes) {
  Dict<int> d;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(d.Upsert("k" + std::to_string(i), i).second);
  EXPECT_EQ(d.size(), 10000u);
  EXPECT_FALSE(d.Upsert("k5", 55).second);
  EXPECT_EQ(*d.Find("k5"), 55);
  for (int i = 0; i < 9990; ++i) EXPECT_TRUE(d.Erase("k" + std::to_string(i)));
  EXPECT_FALSE(d.Erase("k0"));
  EXPECT_EQ(d.size(), 10u);
  EXPECT_LT(d.bucket_count(), 1024u);  // shrank
  EXPECT_EQ(*d.Find("k9999"), 9999);
  EXPECT_EQ(d.Find("k1"), nullptr);
}

std::set<std::string> FullScan(Dict<int>& d) {
  std::set<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = d.Scan(cursor, [&](std::string_view k, int&) { seen.emplace(k); });
  } while (cursor != 0);
  return seen;
}

TEST(DictTest, ScanVisitsEverything) {
  Dict<int> d;
  EXPECT_TRUE(FullScan(d).empty());
  for (int i = 0; i < 1000; ++i) d.Upsert(std::to_string(i), i);
  EXPECT_EQ(FullScan(d).size(), 1000u);
}

// The SCAN guarantee: elements present from start to end of a scan are
// returned even when the table grows or shrinks between calls.
TEST(DictTest, ScanSurvivesGrowthAndShrinkMidway) {
  for (int seed = 0; seed < 10; ++seed) {
    std::mt19937 rng(seed);
    Dict<int> d;
    for (int i = 0; i < 500; ++i) d.Upsert("stable" + std::to_string(i), i);
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int step = 0;
    bool grown = false;
    size_t max_buckets = 0;
    // Every few calls the table is resized: it grows ~30x (10,000 extra
    // keys) or shrinks back, at random, between SCAN calls.
    do {
      cursor = d.Scan(cursor, [&](std::string_view k, int&) { seen.emplace(k); });
      if (++step % 3 == 0 && (rng() % 2) != grown) {
        for (int j = 0; j < 10000; ++j) {
          if (grown) d.Erase("tmp" + std::to_string(j)); else d.Upsert("tmp" + std::to_string(j), 0);
        }
        grown = !grown;
        max_buckets = std::max(max_buckets, d.bucket_count());
        if (!grown) {
          EXPECT_LT(d.bucket_count(), max_buckets);  // it shrank
        }
      }
      ASSERT_LT(step, 100000) << "scan did not terminate";
    } while (cursor != 0);
    for (int i = 0; i < 500; ++i)
      EXPECT_TRUE(seen.count("stable" + std::to_string(i))) << "seed " << seed << " i " << i;
  }
}

// Keys live inside the node, after the value: every length (empty, within
// the struct's tail padding, long, binary) must read back intact after the
// table has been resized around them.
TEST(DictTest, InlineKeysOfEveryLengthSurviveResizes) {
  Dict<std::string> d;
  std::vector<std::string> keys{"", "a", std::string("\0b\0", 3), "1234", "123456789012",
                                std::string(300, 'k'), std::string(70000, '\xff')};
  for (size_t i = 0; i < keys.size(); ++i) d.Upsert(keys[i], "v" + std::to_string(i));
  for (int i = 0; i < 5000; ++i) d.Upsert("fill" + std::to_string(i), "x");
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string* v = d.Find(keys[i]);
    ASSERT_NE(v, nullptr) << i;
    EXPECT_EQ(*v, "v" + std::to_string(i));
  }
  std::set<std::string> seen;
  d.ForEach([&](std::string_view k, const std::string&) { seen.emplace(k); });
  for (const auto& k : keys) EXPECT_EQ(seen.count(k), 1u);
  EXPECT_EQ(d.Find(std::string(69999, '\xff')), nullptr);
}

// Values are constructed in the node's raw storage: each one must be
// destroyed exactly once, on Erase, on replacement and on Clear.
TEST(DictTest, ValuesAreDestroyedExactlyOnce) {
  struct Counted {
    int* live;
    explicit Counted(int* l) : live(l) { ++*live; }
    Counted(Counted&& o) noexcept : live(o.live) { ++*live; }
    Counted& operator=(Counted&&) noexcept { return *this; }
    ~Counted() { --*live; }
  };
  int live = 0;
  {
    Dict<Counted> d;
    for (int i = 0; i < 100; ++i) d.Upsert("k" + std::to_string(i), Counted(&live));
    EXPECT_EQ(live, 100);
    d.Upsert("k1", Counted(&live));  // replaced in place
    EXPECT_EQ(live, 100);
    for (int i = 0; i < 50; ++i) d.Erase("k" + std::to_string(i));
    EXPECT_EQ(live, 50);
    Dict<Counted> moved(std::move(d));
    EXPECT_EQ(live, 50);
  }
  EXPECT_EQ(live, 0);
}

TEST(DictTest, RandomReturnsMembers) {
  Dict<int> d;
  std::mt19937_64 rng(1);
  EXPECT_EQ(d.Random(rng).second, nullptr);
  for (int i = 0; i < 100; ++i) d.Upsert(std::to_string(i), i);
  std::set<std::string> picked;
  for (int i = 0; i < 2000; ++i) picked.emplace(d.Random(rng).first);
  EXPECT_GT(picked.size(), 90u);
}

TEST(DictTest, RandomIsFairWhateverTheChainLengths) {
  for (int n : {3, 50, 700}) {
    Dict<int> dict;
    for (int i = 0; i < n; ++i) dict.Upsert("k" + std::to_string(i), i);
    std::mt19937_64 rng(11);
    std::vector<int> hits(static_cast<size_t>(n));
    const int per_entry = 400;
    for (int i = 0; i < n * per_entry; ++i) ++hits[static_cast<size_t>(*dict.Random(rng).second)];
    for (int h : hits) {
      EXPECT_GT(h, per_entry * 0.75) << n;
      EXPECT_LT(h, per_entry * 1.25) << n;
    }
  }
}

}  // namespace
}  // namespace vigil::server

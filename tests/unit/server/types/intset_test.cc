#include "server/types/intset.h"

#include <gtest/gtest.h>

#include <climits>
#include <random>
#include <set>
#include <vector>

namespace vigil::server {
namespace {

std::vector<int64_t> Contents(const IntSet& s) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < s.size(); ++i) out.push_back(s.At(i));
  return out;
}

TEST(IntSetTest, KeepsMembersSortedAndDistinct) {
  IntSet s;
  EXPECT_TRUE(s.Insert(5));
  EXPECT_TRUE(s.Insert(-3));
  EXPECT_TRUE(s.Insert(10));
  EXPECT_FALSE(s.Insert(5));
  EXPECT_EQ(Contents(s), (std::vector<int64_t>{-3, 5, 10}));
  EXPECT_EQ(s.width(), 2u);
  EXPECT_EQ(s.bytes(), 6u);
}

TEST(IntSetTest, WidthFor) {
  EXPECT_EQ(IntSet::WidthFor(INT16_MAX), 2u);
  EXPECT_EQ(IntSet::WidthFor(INT16_MIN), 2u);
  EXPECT_EQ(IntSet::WidthFor(INT16_MAX + 1), 4u);
  EXPECT_EQ(IntSet::WidthFor(INT16_MIN - 1), 4u);
  EXPECT_EQ(IntSet::WidthFor(INT32_MAX), 4u);
  EXPECT_EQ(IntSet::WidthFor(int64_t{INT32_MAX} + 1), 8u);
  EXPECT_EQ(IntSet::WidthFor(int64_t{INT32_MIN} - 1), 8u);
  EXPECT_EQ(IntSet::WidthFor(LLONG_MIN), 8u);
}

TEST(IntSetTest, UpgradeAppendsLargeAndPrependsSmallValues) {
  IntSet s;
  for (int64_t v : {1, 2, 3}) s.Insert(v);
  EXPECT_TRUE(s.Insert(70000));  // 16 -> 32 bit, goes last
  EXPECT_EQ(s.width(), 4u);
  EXPECT_EQ(Contents(s), (std::vector<int64_t>{1, 2, 3, 70000}));
  EXPECT_TRUE(s.Insert(LLONG_MIN));  // 32 -> 64 bit, goes first
  EXPECT_EQ(s.width(), 8u);
  EXPECT_EQ(Contents(s), (std::vector<int64_t>{LLONG_MIN, 1, 2, 3, 70000}));
  EXPECT_EQ(s.bytes(), 40u);
  // The width never shrinks, as Redis.
  EXPECT_TRUE(s.Erase(LLONG_MIN));
  EXPECT_EQ(s.width(), 8u);
  EXPECT_EQ(Contents(s), (std::vector<int64_t>{1, 2, 3, 70000}));
}

TEST(IntSetTest, SearchRejectsValuesWiderThanTheSet) {
  IntSet s;
  s.Insert(1);
  EXPECT_TRUE(s.Contains(1));
  EXPECT_FALSE(s.Contains(2));
  EXPECT_FALSE(s.Contains(65536 + 1));  // would truncate to 1 at 16 bits
  EXPECT_FALSE(s.Erase(65536 + 1));
  EXPECT_EQ(s.size(), 1u);
}

TEST(IntSetTest, EraseToEmptyAndCopy) {
  IntSet s;
  s.Insert(7);
  IntSet copy = s;
  EXPECT_TRUE(s.Erase(7));
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(s.Erase(7));
  EXPECT_EQ(Contents(copy), (std::vector<int64_t>{7}));
  IntSet moved = std::move(copy);
  EXPECT_EQ(Contents(moved), (std::vector<int64_t>{7}));
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
}

TEST(IntSetTest, MatchesStdSetUnderRandomOperations) {
  std::mt19937_64 rng(42);
  IntSet s;
  std::set<int64_t> ref;
  const int64_t ranges[] = {100, 40000, 5000000000LL};
  for (int i = 0; i < 20000; ++i) {
    int64_t range = ranges[rng() % 3];
    auto v = static_cast<int64_t>(rng() % (2 * range)) - range;
    if (rng() % 3 == 0) {
      EXPECT_EQ(s.Erase(v), ref.erase(v) == 1);
    } else {
      EXPECT_EQ(s.Insert(v), ref.insert(v).second);
    }
  }
  EXPECT_EQ(Contents(s), std::vector<int64_t>(ref.begin(), ref.end()));
  for (int64_t v : ref) EXPECT_TRUE(s.Contains(v));
}

TEST(IntSetTest, RandomIndexIsRoughlyUniform) {
  IntSet s;
  for (int64_t v = 0; v < 10; ++v) s.Insert(v * 1000);
  std::mt19937_64 rng(7);
  int hits[10] = {};
  for (int i = 0; i < 100000; ++i) ++hits[s.At(rng() % s.size()) / 1000];
  for (int h : hits) {
    EXPECT_GT(h, 9000);
    EXPECT_LT(h, 11000);
  }
}

}  // namespace
}  // namespace vigil::server

namespace vigil::server {
namespace {

TEST(IntSetTest, MovesBetweenInlineAndHeapStorage) {
  IntSet s;
  const size_t inline_members = IntSet::kInlineBytes / 2;
  for (size_t i = 0; i < inline_members + 5; ++i) s.Insert(static_cast<int64_t>(i));
  IntSet copy = s;  // heap-backed copy
  for (size_t i = 0; i < 10; ++i) EXPECT_TRUE(s.Erase(static_cast<int64_t>(i)));  // back inline
  EXPECT_EQ(s.size(), inline_members - 5);
  EXPECT_EQ(s.At(0), 10);
  EXPECT_EQ(copy.size(), inline_members + 5);
  EXPECT_EQ(copy.At(inline_members + 4), static_cast<int64_t>(inline_members + 4));
  s.Insert(100000);  // upgrade of an inline set to 32 bits may spill to the heap
  EXPECT_EQ(s.width(), 4u);
  EXPECT_EQ(s.At(s.size() - 1), 100000);
  IntSet moved = std::move(copy);
  EXPECT_EQ(moved.size(), inline_members + 5);
  EXPECT_TRUE(moved.Contains(3));
}

}  // namespace
}  // namespace vigil::server

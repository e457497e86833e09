#include "server/types/set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace vigil::server {
namespace {

std::vector<std::string> Sorted(const SetValue& s) {
  auto m = s.Members();
  std::sort(m.begin(), m.end());
  return m;
}

TEST(SetValueTest, StaysIntsetUpToTheEntryLimitThenConverts) {
  SetValue s;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(s.Add(std::to_string(i), 4));
  EXPECT_STREQ(s.EncodingName(), "intset");
  EXPECT_FALSE(s.Add("3", 4));  // existing member: no conversion
  EXPECT_STREQ(s.EncodingName(), "intset");
  EXPECT_TRUE(s.Add("4", 4));  // the 5th member passes the limit
  EXPECT_STREQ(s.EncodingName(), "hashtable");
  EXPECT_EQ(Sorted(s), (std::vector<std::string>{"0", "1", "2", "3", "4"}));
  // Never converts back.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(s.Remove(std::to_string(i)));
  EXPECT_TRUE(s.empty());
  EXPECT_STREQ(s.EncodingName(), "hashtable");
}

TEST(SetValueTest, NonCanonicalIntegersAreStrings) {
  for (const char* m : {"01", "-0", "+1", " 1", "1 ", "9223372036854775808", "a"}) {
    SetValue s;
    s.Add("1", 512);
    EXPECT_TRUE(s.Add(m, 512)) << m;
    EXPECT_STREQ(s.EncodingName(), "hashtable") << m;
    EXPECT_TRUE(s.Contains(m));
    EXPECT_TRUE(s.Contains("1"));
    EXPECT_FALSE(s.Contains("2"));
  }
  SetValue s;
  s.Add("-9223372036854775808", 512);
  s.Add("9223372036854775807", 512);
  EXPECT_STREQ(s.EncodingName(), "intset");
  EXPECT_EQ(s.Members(), (std::vector<std::string>{"-9223372036854775808", "9223372036854775807"}));
}

TEST(SetValueTest, IntsetMembershipUsesCanonicalForm) {
  SetValue s;
  s.Add("10", 512);
  EXPECT_TRUE(s.Contains("10"));
  EXPECT_FALSE(s.Contains("010"));
  EXPECT_FALSE(s.Remove("010"));
  EXPECT_FALSE(s.Remove("x"));
  EXPECT_TRUE(s.Remove("10"));
}

TEST(SetValueTest, CopyIsDeep) {
  SetValue s;
  s.Add("a", 512);
  s.Add("b", 512);
  SetValue copy(s);
  s.Remove("a");
  EXPECT_EQ(Sorted(copy), (std::vector<std::string>{"a", "b"}));
  EXPECT_STREQ(copy.EncodingName(), "hashtable");
  SetValue ints;
  ints.Add("5", 512);
  copy = ints;
  EXPECT_STREQ(copy.EncodingName(), "intset");
  EXPECT_EQ(copy.Members(), (std::vector<std::string>{"5"}));
}

TEST(SetValueTest, ScanVisitsEveryMemberOnce) {
  SetValue s;
  for (int i = 0; i < 1000; ++i) s.Add("m" + std::to_string(i), 512);
  std::map<std::string, int> seen;
  uint64_t cursor = 0;
  do {
    cursor = s.Scan(cursor, [&](std::string_view m) { ++seen[std::string(m)]; });
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 1000u);
  for (const auto& [m, n] : seen) EXPECT_EQ(n, 1) << m;
}

TEST(SetValueTest, RandomCoversEveryMember) {
  for (bool ints : {true, false}) {
    SetValue s;
    for (int i = 0; i < 20; ++i) s.Add(ints ? std::to_string(i) : "m" + std::to_string(i), 512);
    std::mt19937_64 rng(1);
    std::map<std::string, int> hits;
    for (int i = 0; i < 20000; ++i) ++hits[s.Random(rng)];
    EXPECT_EQ(hits.size(), 20u);
    for (const auto& [m, n] : hits) {
      EXPECT_GT(n, 500) << m;
      EXPECT_LT(n, 1500) << m;
    }
  }
}

}  // namespace
}  // namespace vigil::server

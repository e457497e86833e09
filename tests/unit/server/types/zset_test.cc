#include "server/types/zset.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace vigil::server {
namespace {

using Limits = ZSetValue::Limits;
using AddResult = ZSetValue::AddResult;

std::vector<std::string> Members(const ZSetValue& z) {
  std::vector<std::string> out;
  if (z.empty()) return out;
  for (const auto& e : z.Range(0, z.size() - 1, false)) out.emplace_back(e.member);
  return out;
}

AddResult Add(ZSetValue& z, double score, const std::string& member, const Limits& limits,
              int flags = 0) {
  double unused;
  return z.Add(score, member, flags, &unused, limits);
}

TEST(ZSetValueTest, ConvertsPastTheEntryLimitExactly) {
  const Limits limits{4, 64};
  ZSetValue z(limits, 1);
  for (int i = 0; i < 4; ++i) Add(z, i, "m" + std::to_string(i), limits);
  EXPECT_STREQ(z.EncodingName(), "listpack");
  // Updating an existing member never converts.
  EXPECT_EQ(Add(z, 10, "m0", limits), AddResult::kUpdated);
  EXPECT_STREQ(z.EncodingName(), "listpack");
  EXPECT_EQ(Add(z, 5, "m4", limits), AddResult::kAdded);
  EXPECT_STREQ(z.EncodingName(), "skiplist");
  EXPECT_EQ(Members(z), (std::vector<std::string>{"m1", "m2", "m3", "m4", "m0"}));
  // Removing members does not convert back.
  z.Remove("m0");
  z.Remove("m1");
  EXPECT_STREQ(z.EncodingName(), "skiplist");
}

TEST(ZSetValueTest, ConvertsPastTheValueLimitExactly) {
  const Limits limits{128, 8};
  ZSetValue z(limits, 8);
  Add(z, 1, std::string(8, 'a'), limits);
  EXPECT_STREQ(z.EncodingName(), "listpack");
  Add(z, 2, std::string(9, 'b'), limits);
  EXPECT_STREQ(z.EncodingName(), "skiplist");
  EXPECT_EQ(z.Score(std::string(8, 'a')), 1);
}

TEST(ZSetValueTest, NewKeyEncodingFollowsTheFirstMember) {
  EXPECT_STREQ(ZSetValue(Limits{128, 64}, 64).EncodingName(), "listpack");
  EXPECT_STREQ(ZSetValue(Limits{128, 64}, 65).EncodingName(), "skiplist");
  EXPECT_STREQ(ZSetValue(Limits{0, 64}, 1).EncodingName(), "skiplist");
}

TEST(ZSetValueTest, FromSortedPicksTheEncodingOfAStoredResult) {
  const std::string long_member(9, 'x');
  std::vector<ZSetValue::Entry> entries{{"a", 1}, {"b", 2}};
  auto small = ZSetValue::FromSorted(entries, Limits{2, 8});
  EXPECT_STREQ(small.EncodingName(), "listpack");
  EXPECT_EQ(Members(small), (std::vector<std::string>{"a", "b"}));
  EXPECT_STREQ(ZSetValue::FromSorted(entries, Limits{1, 8}).EncodingName(), "skiplist");
  entries.push_back({long_member, 3});
  auto big = ZSetValue::FromSorted(entries, Limits{128, 8});
  EXPECT_STREQ(big.EncodingName(), "skiplist");
  EXPECT_EQ(Members(big), (std::vector<std::string>{"a", "b", long_member}));
  EXPECT_EQ(big.Score(long_member), 3);
}

// The same operations give the same answers in both encodings.
class BothEncodings : public ::testing::TestWithParam<size_t> {
 protected:
  Limits limits_{GetParam(), 64};
  ZSetValue z_{limits_, 1};
};

TEST_P(BothEncodings, AddFlagsFollowRedis) {
  double score = 0;
  EXPECT_EQ(z_.Add(5, "a", 0, &score, limits_), AddResult::kAdded);
  EXPECT_EQ(z_.Add(7, "a", ZSetValue::kAddNx, &score, limits_), AddResult::kNop);
  EXPECT_EQ(z_.Add(7, "b", ZSetValue::kAddXx, &score, limits_), AddResult::kNop);
  EXPECT_EQ(z_.Add(3, "a", ZSetValue::kAddGt, &score, limits_), AddResult::kNop);
  EXPECT_EQ(z_.Add(9, "a", ZSetValue::kAddLt, &score, limits_), AddResult::kNop);
  EXPECT_EQ(z_.Add(2, "a", ZSetValue::kAddIncr, &score, limits_), AddResult::kUpdated);
  EXPECT_EQ(score, 7);
  EXPECT_EQ(z_.Add(7, "a", 0, &score, limits_), AddResult::kUnchanged);
  EXPECT_EQ(z_.Add(INFINITY, "inf", 0, &score, limits_), AddResult::kAdded);
  EXPECT_EQ(z_.Add(-INFINITY, "inf", ZSetValue::kAddIncr, &score, limits_), AddResult::kNaN);
  EXPECT_EQ(z_.Score("inf"), INFINITY);
}

TEST_P(BothEncodings, RanksRangesAndRemoval) {
  const char* members[] = {"e", "d", "c", "b", "a"};
  for (int i = 0; i < 5; ++i) Add(z_, i % 2 ? 1 : 0.1, members[i], limits_);
  // 0.1: a c e ; 1: b d
  EXPECT_EQ(Members(z_), (std::vector<std::string>{"a", "c", "e", "b", "d"}));
  EXPECT_EQ(z_.Score("a"), 0.1);
  EXPECT_EQ(z_.Rank("b", false), 3u);
  EXPECT_EQ(z_.Rank("b", true), 1u);
  EXPECT_EQ(z_.Rank("zz", false), std::nullopt);
  auto rev = z_.Range(1, 3, true);
  ASSERT_EQ(rev.size(), 3u);
  EXPECT_EQ(rev[0].member, "b");
  EXPECT_EQ(rev[2].member, "c");
  EXPECT_EQ(z_.At(4).member, "d");
  EXPECT_EQ(z_.RankSpan(ScoreRange{0.1, 1, true, false}), std::make_pair(size_t{3}, size_t{5}));
  EXPECT_EQ(z_.RankSpan(ScoreRange{2, 3, false, false}), std::make_pair(size_t{0}, size_t{0}));
  EXPECT_EQ(z_.RemoveRanks(1, 2), 2u);
  EXPECT_EQ(Members(z_), (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_TRUE(z_.Remove("a"));
  EXPECT_FALSE(z_.Remove("a"));
  EXPECT_EQ(z_.size(), 2u);
}

TEST_P(BothEncodings, LexSpans) {
  for (const char* m : {"a", "b", "c", "d"}) Add(z_, 0, m, limits_);
  LexRange r{{LexBound::kValue, true, "a"}, {LexBound::kValue, false, "c"}};  // (a [c
  EXPECT_EQ(z_.RankSpan(r), std::make_pair(size_t{1}, size_t{3}));
  LexRange all{{LexBound::kMin, true, ""}, {LexBound::kMax, true, ""}};
  EXPECT_EQ(z_.RankSpan(all), std::make_pair(size_t{0}, size_t{4}));
}

TEST_P(BothEncodings, CopiesAreDeep) {
  Add(z_, 1, "a", limits_);
  Add(z_, 2, "b", limits_);
  ZSetValue copy(z_);
  z_.Remove("a");
  EXPECT_EQ(Members(copy), (std::vector<std::string>{"a", "b"}));
  EXPECT_STREQ(copy.EncodingName(), z_.EncodingName());
  copy = z_;
  EXPECT_EQ(Members(copy), (std::vector<std::string>{"b"}));
}

TEST_P(BothEncodings, ScoresRoundTripExactly) {
  const double values[] = {0.1, 0.30000000000000004, 4.9406564584124654e-324, -1e308, 16};
  int i = 0;
  for (double v : values) Add(z_, v, "m" + std::to_string(i++), limits_);
  i = 0;
  for (double v : values) EXPECT_EQ(z_.Score("m" + std::to_string(i++)), v);
}

INSTANTIATE_TEST_SUITE_P(Encodings, BothEncodings, ::testing::Values(128, 0),
                         [](const auto& info) { return info.param ? "listpack" : "skiplist"; });

}  // namespace
}  // namespace vigil::server

#include "server/types/skiplist.h"

#include <gtest/gtest.h>

#include <iterator>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace vigil::server {
namespace {

using Ref = std::set<std::pair<double, std::string>>;

// Checks order, back links, ranks from both directions and every level's
// spans against the reference set.
void ExpectMatches(const SkipList& sl, const Ref& ref) {
  ASSERT_EQ(sl.size(), ref.size());
  const SkipList::Node* prev = nullptr;
  const SkipList::Node* n = sl.First();
  size_t rank = 1;
  for (const auto& [score, member] : ref) {
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->score, score);
    EXPECT_EQ(n->member(), member);
    EXPECT_EQ(n->prev(), prev);
    EXPECT_EQ(sl.Rank(score, member), rank);
    EXPECT_EQ(sl.ByRank(rank), n);
    // Each link's span is the rank distance to its target.
    for (int i = 0; i < n->height; ++i) {
      const SkipList::Node* fwd = n->levels()[i].forward;
      if (fwd == nullptr) continue;
      EXPECT_EQ(n->levels()[i].span, sl.Rank(fwd->score, fwd->member()) - rank)
          << "level " << i << " of rank " << rank;
    }
    prev = n;
    n = n->next();
    ++rank;
  }
  EXPECT_EQ(n, nullptr);
  EXPECT_EQ(sl.Last(), prev);
  EXPECT_EQ(sl.ByRank(0), nullptr);
  EXPECT_EQ(sl.ByRank(ref.size() + 1), nullptr);
}

TEST(SkipListTest, OrdersByScoreThenMember) {
  SkipList sl;
  sl.Insert(2, "b");
  sl.Insert(1, "z");
  sl.Insert(2, "a");
  sl.Insert(-1, "");
  ExpectMatches(sl, {{-1, ""}, {1, "z"}, {2, "a"}, {2, "b"}});
  EXPECT_EQ(sl.Rank(2, "c"), 0u);
  EXPECT_EQ(sl.Rank(3, "a"), 0u);
}

TEST(SkipListTest, RandomOperationsMatchStdSet) {
  std::mt19937 rng(42);
  SkipList sl;
  Ref ref;
  std::vector<SkipList::Node*> nodes;
  auto find = [&](const std::string& m) -> SkipList::Node* {
    for (SkipList::Node* x = sl.First(); x; x = x->next())
      if (x->member() == m) return x;
    return nullptr;
  };
  for (int step = 0; step < 4000; ++step) {
    std::string member = "m" + std::to_string(rng() % 300);
    double score = static_cast<double>(rng() % 50) / 2;
    SkipList::Node* node = find(member);
    switch (rng() % 4) {
      case 0:
      case 1:
        if (!node) {
          sl.Insert(score, member);
          ref.insert({score, member});
        }
        break;
      case 2:
        if (node) {
          ref.erase({node->score, member});
          sl.UpdateScore(node, score);
          EXPECT_EQ(node->score, score);  // the same node moved
          ref.insert({score, member});
        }
        break;
      case 3:
        if (node) {
          ref.erase({node->score, member});
          sl.Erase(node);
        }
        break;
    }
    if (step % 500 == 0) ExpectMatches(sl, ref);
  }
  ExpectMatches(sl, ref);
}

TEST(SkipListTest, EraseRanksKeepsSpans) {
  SkipList sl;
  Ref ref;
  for (int i = 0; i < 200; ++i) {
    sl.Insert(i, "m" + std::to_string(i));
    ref.insert({i, "m" + std::to_string(i)});
  }
  std::vector<std::string> erased;
  EXPECT_EQ(sl.EraseRanks(10, 59, [&](SkipList::Node* n) { erased.emplace_back(n->member()); }),
            50u);
  ASSERT_EQ(erased.size(), 50u);
  EXPECT_EQ(erased.front(), "m9");
  EXPECT_EQ(erased.back(), "m58");
  ref.erase(std::next(ref.begin(), 9), std::next(ref.begin(), 59));
  ExpectMatches(sl, ref);
  // Past the end: only what exists goes.
  EXPECT_EQ(sl.EraseRanks(140, 1000, [](SkipList::Node*) {}), 11u);
  ref.erase(std::next(ref.begin(), 139), ref.end());
  ExpectMatches(sl, ref);
}

TEST(SkipListTest, RangeSearchesReturnRanks) {
  SkipList sl;
  for (int i = 0; i < 100; ++i) sl.Insert(i, "m");  // distinct scores, same member
  ScoreRange r{10, 20, true, false};                   // (10, 20]
  size_t first_rank, last_rank;
  const SkipList::Node* first =
      sl.FirstNotBefore([&](const SkipList::Node* n) { return !r.GteMin(n->score); }, &first_rank);
  const SkipList::Node* last =
      sl.LastNotAfter([&](const SkipList::Node* n) { return r.LteMax(n->score); }, &last_rank);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(first->score, 11);
  EXPECT_EQ(first_rank, 12u);
  EXPECT_EQ(last->score, 20);
  EXPECT_EQ(last_rank, 21u);
  EXPECT_EQ(sl.LastNotAfter([](const SkipList::Node* n) { return n->score < 0; }, &last_rank),
            nullptr);
  EXPECT_EQ(sl.FirstNotBefore([](const SkipList::Node*) { return true; }, &first_rank), nullptr);
}

TEST(SkipListTest, RangesKnowWhenTheyAreEmpty) {
  EXPECT_TRUE((ScoreRange{2, 1, false, false}.Empty()));
  EXPECT_TRUE((ScoreRange{1, 1, true, false}.Empty()));
  EXPECT_FALSE((ScoreRange{1, 1, false, false}.Empty()));
  LexRange all{{LexBound::kMin, true, ""}, {LexBound::kMax, true, ""}};
  EXPECT_FALSE(all.Empty());
  EXPECT_TRUE(all.GteMin("") && all.LteMax("\xff"));
  LexRange inverted{{LexBound::kMax, true, ""}, {LexBound::kMin, true, ""}};
  EXPECT_TRUE(inverted.Empty());
  LexRange point{{LexBound::kValue, false, "b"}, {LexBound::kValue, false, "b"}};
  EXPECT_FALSE(point.Empty());
  EXPECT_TRUE(point.GteMin("b") && point.LteMax("b") && !point.LteMax("ba"));
  LexRange open{{LexBound::kValue, true, "b"}, {LexBound::kValue, false, "b"}};
  EXPECT_TRUE(open.Empty());
  // Bytes compare unsigned, as memcmp.
  LexRange high{{LexBound::kValue, false, "\x80"}, {LexBound::kMax, true, ""}};
  EXPECT_TRUE(high.GteMin("\xff"));
  EXPECT_FALSE(high.GteMin("\x7f"));
}

TEST(NodeIndexTest, FindEraseAndScanVisitEveryMember) {
  SkipList sl;
  NodeIndex idx;
  for (int i = 0; i < 1000; ++i) idx.Insert(sl.Insert(i, "m" + std::to_string(i)));
  EXPECT_EQ(idx.size(), 1000u);
  ASSERT_NE(idx.Find("m500"), nullptr);
  EXPECT_EQ(idx.Find("m500")->score, 500);
  EXPECT_EQ(idx.Find("nope"), nullptr);
  for (int i = 0; i < 1000; i += 2) {
    SkipList::Node* n = idx.Find("m" + std::to_string(i));
    idx.Erase(n);
    sl.Erase(n);
  }
  EXPECT_EQ(idx.size(), 500u);
  EXPECT_EQ(idx.Find("m2"), nullptr);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = idx.Scan(cursor, [&](const SkipList::Node* n) { seen.emplace(n->member()); });
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 500u);
  EXPECT_TRUE(seen.count("m1") && seen.count("m999") && !seen.count("m0"));
}

}  // namespace
}  // namespace vigil::server

#include "server/types/list.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>

namespace vigil::server {
namespace {

std::deque<std::string> Contents(const ListValue& l) {
  std::deque<std::string> out;
  l.Walk(0, false, [&](std::string_view v) {
    out.emplace_back(v);
    return true;
  });
  return out;
}

std::deque<std::string> ContentsBackwards(const ListValue& l) {
  std::deque<std::string> out;
  if (l.empty()) return out;
  l.Walk(l.size() - 1, true, [&](std::string_view v) {
    out.emplace_front(v);
    return true;
  });
  return out;
}

// Every node is non-empty, within its limit (the whole block, header
// included; unless it holds a single
// oversized entry), and the node counts add up to size().
void CheckNodes(const ListValue& l, size_t max_bytes, size_t max_count) {
  size_t total = 0;
  for (size_t i = 0; i < l.node_count(); ++i) {
    const Listpack& lp = l.NodeAt(i);
    ASSERT_FALSE(lp.empty()) << "node " << i;
    if (lp.size() > 1) {
      EXPECT_LE(Listpack::kHeaderBytes + lp.bytes(), max_bytes) << "node " << i;
      EXPECT_LE(lp.size(), max_count) << "node " << i;
    }
    total += lp.size();
  }
  EXPECT_EQ(total, l.size());
}

TEST(ListValueTest, PushPopBothEnds) {
  ListValue l;
  l.PushBack("b");
  l.PushFront("a");
  l.PushBack("c");
  EXPECT_EQ(Contents(l), (std::deque<std::string>{"a", "b", "c"}));
  EXPECT_EQ(l.Pop(true), "a");
  EXPECT_EQ(l.Pop(false), "c");
  EXPECT_EQ(l.Pop(false), "b");
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.node_count(), 0u);
}

TEST(ListValueTest, EncodingIsAlwaysQuicklistAsRedis70) {
  ListValue l;
  EXPECT_STREQ(l.EncodingName(), "quicklist");
  l.PushBack("x");
  EXPECT_STREQ(l.EncodingName(), "quicklist");
  for (int i = 0; i < 10000; ++i) l.PushBack("value");
  EXPECT_STREQ(l.EncodingName(), "quicklist");
}

TEST(ListValueTest, NodesSplitAtByteLimits) {
  // -1..-5: 4, 8, 16, 32, 64 KB per node; past -5 the largest applies.
  const std::pair<int64_t, size_t> cases[] = {
      {-1, 4096}, {-2, 8192}, {-3, 16384}, {-4, 32768}, {-5, 65536}, {-9, 65536}};
  for (auto [fill, limit] : cases) {
    ListValue l(fill);
    const std::string v(98, 'x');  // 100 encoded bytes per entry
    const size_t n = 20 * limit / 100;
    for (size_t i = 0; i < n; ++i) l.PushBack(v);
    CheckNodes(l, limit, SIZE_MAX);
    // Nodes are filled up to the limit, not split early.
    EXPECT_EQ(l.NodeAt(0).size(), limit / 100) << fill;
    EXPECT_EQ(l.node_count(), (n + limit / 100 - 1) / (limit / 100)) << fill;
  }
}

TEST(ListValueTest, FullNodeBlockFitsTheLimitHeaderIncluded) {
  // 64 encoded bytes per entry: 128 entries would be exactly 8 KB of entries,
  // so with the header the block would spill past the allocator's 8 KB size
  // class. Redis (7-byte listpack header and terminator) also holds 127.
  ListValue l;
  for (int i = 0; i < 300; ++i) l.PushBack(std::string(62, 'x'));
  EXPECT_EQ(l.NodeAt(0).size(), 127u);
  EXPECT_EQ(Listpack::kHeaderBytes + l.NodeAt(0).bytes(), 12u + 127 * 64);
  CheckNodes(l, 8192, SIZE_MAX);
}

TEST(ListValueTest, PositiveFillCountsEntriesAndKeepsSafetyLimit) {
  ListValue l(5);
  for (int i = 0; i < 23; ++i) l.PushFront(std::to_string(i));
  EXPECT_EQ(l.node_count(), 5u);
  CheckNodes(l, 8192, 5);
  ListValue big(1000);
  const std::string v(998, 'y');
  for (int i = 0; i < 40; ++i) big.PushBack(v);
  CheckNodes(big, 8192, 1000);
  EXPECT_EQ(big.NodeAt(0).size(), 8u);  // 8 KB safety limit, not 1000 entries
}

TEST(ListValueTest, OversizedEntryGetsItsOwnNode) {
  ListValue l(-1);
  l.PushBack("a");
  l.PushBack(std::string(10000, 'z'));
  l.PushBack("b");
  EXPECT_EQ(l.node_count(), 3u);
  EXPECT_EQ(l.At(1)->size(), 10000u);
  l.Insert(2, "c");
  l.Insert(1, "d");
  EXPECT_EQ(l.size(), 5u);
  EXPECT_EQ(*l.At(0), "a");
  EXPECT_EQ(*l.At(1), "d");
  EXPECT_EQ(*l.At(3), "c");
  EXPECT_EQ(*l.At(4), "b");
}

TEST(ListValueTest, InsertInFullNodeSplitsIt) {
  ListValue l(4);
  for (int i = 0; i < 8; ++i) l.PushBack(std::to_string(i));
  ASSERT_EQ(l.node_count(), 2u);
  l.Insert(2, "x");  // node 0 is full: split at 2
  EXPECT_EQ(Contents(l), (std::deque<std::string>{"0", "1", "x", "2", "3", "4", "5", "6", "7"}));
  CheckNodes(l, 8192, 4);
  EXPECT_TRUE(l.InsertAtPivot("5", "y", true));
  EXPECT_TRUE(l.InsertAtPivot("0", "z", false));
  EXPECT_FALSE(l.InsertAtPivot("nope", "w", false));
  EXPECT_EQ(Contents(l),
            (std::deque<std::string>{"z", "0", "1", "x", "2", "3", "4", "5", "y", "6", "7"}));
  CheckNodes(l, 8192, 4);
}

TEST(ListValueTest, IndexSetAndRange) {
  ListValue l(3);
  for (int i = 0; i < 10; ++i) l.PushBack(std::to_string(i));
  EXPECT_EQ(*l.At(0), "0");
  EXPECT_EQ(*l.At(9), "9");
  EXPECT_EQ(*l.At(-1), "9");
  EXPECT_EQ(*l.At(-10), "0");
  EXPECT_FALSE(l.At(10));
  EXPECT_FALSE(l.At(-11));
  EXPECT_TRUE(l.Set(-2, "eight"));
  EXPECT_FALSE(l.Set(10, "x"));
  EXPECT_EQ(*l.At(8), "eight");
  std::vector<std::string> seen;
  l.Walk(4, true, [&](std::string_view v) {
    seen.emplace_back(v);
    return seen.size() < 3;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"4", "3", "2"}));
}

TEST(ListValueTest, SetGrowingPastTheNodeLimitMovesTheEntry) {
  ListValue l(-1);
  for (int i = 0; i < 100; ++i) l.PushBack(std::string(38, 'a'));  // 40 bytes each
  ASSERT_EQ(l.node_count(), 1u);
  EXPECT_TRUE(l.Set(50, std::string(1000, 'b')));
  EXPECT_EQ(l.size(), 100u);
  EXPECT_EQ(l.At(50)->size(), 1000u);
  EXPECT_EQ(*l.At(49), std::string(38, 'a'));
  CheckNodes(l, 4096, SIZE_MAX);
}

TEST(ListValueTest, RemoveFromHeadAndTail) {
  ListValue l(2);
  for (const char* v : {"a", "b", "a", "c", "a", "a", "d"}) l.PushBack(v);
  EXPECT_EQ(l.Remove("a", 2), 2u);
  EXPECT_EQ(Contents(l), (std::deque<std::string>{"b", "c", "a", "a", "d"}));
  EXPECT_EQ(l.Remove("a", -1), 1u);
  EXPECT_EQ(Contents(l), (std::deque<std::string>{"b", "c", "a", "d"}));
  EXPECT_EQ(l.Remove("zz", 0), 0u);
  EXPECT_EQ(l.Remove("a", 0), 1u);
  EXPECT_EQ(Contents(l), (std::deque<std::string>{"b", "c", "d"}));
  CheckNodes(l, 8192, 2);
  EXPECT_EQ(l.Remove("b", -5) + l.Remove("c", 1) + l.Remove("d", 0), 3u);
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.node_count(), 0u);
}

TEST(ListValueTest, CopyIsDeep) {
  ListValue a(2);
  for (int i = 0; i < 7; ++i) a.PushBack(std::to_string(i));
  ListValue b = a;
  b.Pop(true);
  b.Set(0, "x");
  EXPECT_EQ(a.size(), 7u);
  EXPECT_EQ(*a.At(1), "1");
  EXPECT_EQ(Contents(b), (std::deque<std::string>{"x", "2", "3", "4", "5", "6"}));
}

TEST(ListValueTest, IntegersAreStoredCompactlyAndReadBackExactly) {
  const std::string values[] = {"0",   "12",  "123", "-12", "-128", "127",  "32767", "-32769",
                                "007", "-0",  "+5", " 5", "1e3",  "12345678901234567890",
                                "9223372036854775807", "-9223372036854775808",
                                "9223372036854775808", "\xf5" "abc", "\xff", "\xf0", ""};
  ListValue l;
  for (const auto& v : values) l.PushBack(v);
  for (size_t i = 0; i < std::size(values); ++i) {
    EXPECT_EQ(*l.At(static_cast<int64_t>(i)), values[i]);
  }
  EXPECT_EQ(Contents(l), std::deque<std::string>(std::begin(values), std::end(values)));
  // Searches compare stored forms: each value finds exactly itself.
  for (const auto& v : values) EXPECT_TRUE(l.InsertAtPivot(v, "p", true)) << v;
  for (const auto& v : values) EXPECT_EQ(l.Remove(v, 0), 1u) << v;
  EXPECT_EQ(l.Remove("p", 0), std::size(values));
  EXPECT_TRUE(l.empty());
  std::string scratch;
  EXPECT_EQ(ListValue::Encode("123456", &scratch).size(), 4u);  // tag + 3 bytes
  EXPECT_EQ(ListValue::Encode("-9223372036854775808", &scratch).size(), 9u);
  EXPECT_EQ(ListValue::Encode("12", &scratch), "12");    // no shorter as binary
  EXPECT_EQ(ListValue::Encode("0123", &scratch), "0123");  // not canonical
  EXPECT_EQ(ListValue::Encode("\xf3x", &scratch), "\xff\xf3x");
}

// Random operations against std::deque, with small nodes so that splits,
// merges and node removal happen constantly.
TEST(ListValueTest, RandomOpsMatchDeque) {
  for (int64_t fill : {1, 3, 16, -1}) {
    std::mt19937 rng(static_cast<unsigned>(fill + 100));
    ListValue l(fill);
    std::deque<std::string> ref;
    auto value = [&] {
      const size_t len = rng() % 8 == 0 ? 200 + rng() % 3000 : rng() % 12;
      if (rng() % 4 == 0) return std::to_string(static_cast<int64_t>(rng()) - (1 << 30));
      return std::string(len, static_cast<char>('a' + rng() % 4));
    };
    for (int step = 0; step < 20000; ++step) {
      const auto n = static_cast<int64_t>(ref.size());
      switch (rng() % 9) {
        case 0: {
          auto v = value();
          l.PushFront(v);
          ref.push_front(v);
          break;
        }
        case 1: {
          auto v = value();
          l.PushBack(v);
          ref.push_back(v);
          break;
        }
        case 2:
          if (n > 0) {
            const bool front = rng() % 2;
            ASSERT_EQ(l.Pop(front), front ? ref.front() : ref.back());
            if (front) ref.pop_front(); else ref.pop_back();
          }
          break;
        case 3: {
          const auto idx = static_cast<size_t>(rng() % (n + 1));
          auto v = value();
          l.Insert(idx, v);
          ref.insert(ref.begin() + static_cast<int64_t>(idx), v);
          break;
        }
        case 4:
          if (n > 0) {
            const auto idx = static_cast<int64_t>(rng() % n);
            auto v = value();
            ASSERT_TRUE(l.Set(idx - (rng() % 2 ? n : 0), v));
            ref[static_cast<size_t>(idx)] = v;
          }
          break;
        case 5:
          if (n > 0) {
            const auto idx = static_cast<size_t>(rng() % n);
            const auto cnt = static_cast<size_t>(rng() % 5);
            l.Erase(idx, cnt);
            const auto end = std::min(ref.size(), idx + cnt);
            ref.erase(ref.begin() + static_cast<int64_t>(idx),
                      ref.begin() + static_cast<int64_t>(end));
          }
          break;
        case 6: {
          const std::string v(rng() % 3, 'a');
          const int64_t count = static_cast<int64_t>(rng() % 5) - 2;
          size_t want = 0;
          const size_t limit = count == 0 ? SIZE_MAX : static_cast<size_t>(std::abs(count));
          if (count >= 0) {
            for (auto it = ref.begin(); it != ref.end() && want < limit;) {
              if (*it == v) { it = ref.erase(it); ++want; } else { ++it; }
            }
          } else {
            for (auto i = static_cast<int64_t>(ref.size()) - 1; i >= 0 && want < limit; --i) {
              if (ref[static_cast<size_t>(i)] == v) {
                ref.erase(ref.begin() + i);
                ++want;
              }
            }
          }
          ASSERT_EQ(l.Remove(v, count), want);
          break;
        }
        case 7:
          if (n > 0) {
            const auto idx = static_cast<int64_t>(rng() % n);
            ASSERT_EQ(*l.At(idx), ref[static_cast<size_t>(idx)]);
            ASSERT_EQ(*l.At(idx - n), ref[static_cast<size_t>(idx)]);
          }
          break;
        case 8:
          if (n > 0 && rng() % 50 == 0) {
            l.Erase(0, static_cast<size_t>(n));
            ref.clear();
          }
          break;
      }
      ASSERT_EQ(l.size(), ref.size()) << "step " << step;
      if (step % 500 == 0) {
        ASSERT_EQ(Contents(l), ref) << "fill " << fill << " step " << step;
        ASSERT_EQ(ContentsBackwards(l), ref);
        const size_t bytes = fill >= 0 ? 8192 : 4096;
        CheckNodes(l, bytes, fill >= 0 ? static_cast<size_t>(fill) : SIZE_MAX);
      }
    }
    EXPECT_EQ(Contents(l), ref);
  }
}

TEST(ListValueTest, LargeListStaysCompact) {
  ListValue l;
  for (int i = 0; i < 100000; ++i) l.PushBack(std::to_string(i));
  size_t bytes = 0;
  for (size_t i = 0; i < l.node_count(); ++i) bytes += l.NodeAt(i).bytes();
  // 5-digit numbers take 4 bytes + 2 of framing; nodes are close to 8 KB.
  EXPECT_LT(bytes / l.size(), 7u);
  EXPECT_LT(l.node_count(), 100000u * 8 / 8192 + 2);
  EXPECT_EQ(*l.At(54321), "54321");
  EXPECT_EQ(*l.At(-1), "99999");
}

}  // namespace
}  // namespace vigil::server

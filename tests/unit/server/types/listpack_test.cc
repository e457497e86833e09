#include "server/types/listpack.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>

namespace vigil::server {
namespace {

std::deque<std::string> Contents(const Listpack& lp) {
  std::deque<std::string> out;
  for (size_t p = lp.Begin(); p != lp.End(); p = lp.Next(p)) out.emplace_back(lp.At(p));
  return out;
}

std::deque<std::string> ContentsBackwards(const Listpack& lp) {
  std::deque<std::string> out;
  for (size_t p = lp.End(); p != lp.Begin();) {
    p = lp.Prev(p);
    out.emplace_front(lp.At(p));
  }
  return out;
}

TEST(ListpackTest, PushWalkBothWays) {
  Listpack lp;
  lp.PushBack("b");
  lp.PushFront("a");
  lp.PushBack(std::string(300, 'x'));  // two-byte length prefix
  lp.PushBack("");
  EXPECT_EQ(lp.size(), 4u);
  std::deque<std::string> want{"a", "b", std::string(300, 'x'), ""};
  EXPECT_EQ(Contents(lp), want);
  EXPECT_EQ(ContentsBackwards(lp), want);
  EXPECT_EQ(lp.At(lp.Seek(-2)), std::string(300, 'x'));
  EXPECT_EQ(lp.At(lp.Seek(1)), "b");
  EXPECT_EQ(lp.Seek(4), lp.End());
  EXPECT_EQ(lp.Seek(-5), lp.End());
  // Framing: 1-byte lengths cost 2 bytes per short entry.
  EXPECT_EQ(lp.bytes(), 3u + 3u + (300u + 4u) + 2u);
}

TEST(ListpackTest, FindWithSkipMatchesOnlyKeys) {
  Listpack lp;
  for (const char* s : {"f1", "v", "v", "f2", "f3", "v3"}) lp.PushBack(s);
  EXPECT_EQ(lp.At(lp.Find(lp.Begin(), "v", 1)), "v");
  EXPECT_EQ(lp.Find(lp.Begin(), "v3", 1), lp.End());  // a value, not a key
  size_t p = lp.Find(lp.Begin(), "f3", 1);
  ASSERT_NE(p, lp.End());
  EXPECT_EQ(lp.At(lp.Next(p)), "v3");
}

TEST(ListpackTest, RandomOperationsMatchADeque) {
  std::mt19937 rng(42);
  Listpack lp;
  std::deque<std::string> ref;
  auto random_value = [&] {
    static const size_t sizes[] = {0, 1, 5, 127, 128, 200, 20000};
    return std::string(sizes[rng() % 7], static_cast<char>('a' + rng() % 26));
  };
  for (int step = 0; step < 5000; ++step) {
    int op = static_cast<int>(rng() % 5);
    if (op <= 1 || ref.empty()) {
      size_t idx = ref.empty() ? 0 : rng() % (ref.size() + 1);
      std::string v = random_value();
      lp.Insert(idx == ref.size() ? lp.End() : lp.Seek(static_cast<int64_t>(idx)), v);
      ref.insert(ref.begin() + static_cast<long>(idx), v);
    } else if (op == 2) {
      size_t idx = rng() % ref.size();
      lp.Erase(lp.Seek(static_cast<int64_t>(idx)));
      ref.erase(ref.begin() + static_cast<long>(idx));
    } else if (op == 3) {
      size_t idx = rng() % ref.size();
      std::string v = random_value();
      lp.Replace(lp.Seek(static_cast<int64_t>(idx)), v);
      ref[idx] = v;
    } else {
      size_t idx = rng() % ref.size();
      size_t n = rng() % 4;
      lp.EraseRange(lp.Seek(static_cast<int64_t>(idx)), n);
      ref.erase(ref.begin() + static_cast<long>(idx),
                ref.begin() + static_cast<long>(std::min(ref.size(), idx + n)));
    }
    ASSERT_EQ(lp.size(), ref.size());
  }
  EXPECT_EQ(Contents(lp), ref);
  EXPECT_EQ(ContentsBackwards(lp), ref);
}

}  // namespace
}  // namespace vigil::server

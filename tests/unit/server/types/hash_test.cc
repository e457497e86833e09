#include "server/types/hash.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace vigil::server {
namespace {

constexpr HashValue::Limits kSmall{4, 8};

std::map<std::string, std::string> Contents(const HashValue& h) {
  std::map<std::string, std::string> out;
  h.ForEach([&](std::string_view f, std::string_view v) { out.emplace(f, v); });
  return out;
}

TEST(HashValueTest, ListpackSetGetDelete) {
  HashValue h;
  EXPECT_TRUE(h.Set("a", "1", kSmall));
  EXPECT_TRUE(h.Set("b", "2", kSmall));
  EXPECT_FALSE(h.Set("a", "10", kSmall));
  EXPECT_STREQ(h.EncodingName(), "listpack");
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.Get("a"), "10");
  EXPECT_EQ(h.Get("b"), "2");
  EXPECT_FALSE(h.Get("c"));
  // A value equal to a field name must not be taken for the field.
  EXPECT_TRUE(h.Set("c", "a", kSmall));
  EXPECT_EQ(h.Get("a"), "10");
  EXPECT_FALSE(h.Get("10"));
  EXPECT_TRUE(h.Delete("a"));
  EXPECT_FALSE(h.Delete("a"));
  EXPECT_EQ(Contents(h), (std::map<std::string, std::string>{{"b", "2"}, {"c", "a"}}));
}

TEST(HashValueTest, ConvertsPastTheEntryLimit) {
  HashValue h;
  for (int i = 0; i < 4; ++i) h.Set("f" + std::to_string(i), "v", kSmall);
  EXPECT_STREQ(h.EncodingName(), "listpack");
  h.Set("f0", "w", kSmall);  // overwrite: still 4 entries
  EXPECT_STREQ(h.EncodingName(), "listpack");
  h.Set("f4", "v", kSmall);
  EXPECT_STREQ(h.EncodingName(), "hashtable");
  EXPECT_EQ(h.size(), 5u);
  EXPECT_EQ(h.Get("f0"), "w");
  h.Delete("f4");
  h.Delete("f3");
  EXPECT_STREQ(h.EncodingName(), "hashtable");  // never back
}

TEST(HashValueTest, ConvertsOnAFieldOrValueLongerThanTheLimit) {
  HashValue fields, values, checked;
  fields.Set("12345678", "v", kSmall);  // exactly the limit: stays
  EXPECT_STREQ(fields.EncodingName(), "listpack");
  fields.Set("123456789", "v", kSmall);
  EXPECT_STREQ(fields.EncodingName(), "hashtable");
  values.Set("f", "123456789", kSmall);
  EXPECT_STREQ(values.EncodingName(), "hashtable");
  EXPECT_EQ(values.Get("f"), "123456789");
  checked.Set("f", "v", kSmall);
  checked.ConvertIfTooLong(8, kSmall);
  EXPECT_STREQ(checked.EncodingName(), "listpack");
  checked.ConvertIfTooLong(9, kSmall);
  EXPECT_STREQ(checked.EncodingName(), "hashtable");
  EXPECT_EQ(checked.Get("f"), "v");
}

TEST(HashValueTest, CopyIsDeepInBothEncodings) {
  for (size_t n : {2, 10}) {
    HashValue h;
    for (size_t i = 0; i < n; ++i) h.Set("f" + std::to_string(i), std::to_string(i), kSmall);
    HashValue copy(h);
    h.Set("f0", "changed", kSmall);
    EXPECT_EQ(copy.Get("f0"), "0");
    EXPECT_STREQ(copy.EncodingName(), h.EncodingName());
    EXPECT_EQ(copy.size(), n);
  }
}

TEST(HashValueTest, ScanVisitsEveryFieldOnce) {
  HashValue h;
  for (int i = 0; i < 1000; ++i) h.Set("f" + std::to_string(i), "v" + std::to_string(i), kSmall);
  std::map<std::string, int> seen;
  uint64_t cursor = 0;
  do {
    cursor = h.Scan(cursor, [&](std::string_view f, std::string_view v) {
      ++seen[std::string(f)];
      EXPECT_EQ("v" + std::string(f.substr(1)), v);
    });
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 1000u);
  for (const auto& [f, n] : seen) EXPECT_EQ(n, 1) << f;
}

TEST(HashValueTest, RandomReturnsMatchingPairsAndCoversAllFields) {
  for (HashValue::Limits limits : {HashValue::Limits{512, 64}, kSmall}) {
    HashValue h;
    for (int i = 0; i < 20; ++i) h.Set("f" + std::to_string(i), "v" + std::to_string(i), limits);
    std::mt19937_64 rng(3);
    std::map<std::string, int> hits;
    for (int i = 0; i < 20000; ++i) {
      auto [f, v] = h.Random(rng);
      EXPECT_EQ("v" + std::string(f.substr(1)), v);
      ++hits[std::string(f)];
    }
    EXPECT_EQ(hits.size(), 20u);
    for (const auto& [f, n] : hits) {
      EXPECT_GT(n, 500) << f;
      EXPECT_LT(n, 1500) << f;
    }
  }
}

}  // namespace
}  // namespace vigil::server

#include "server/db/digest.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/util/sha1.h"

namespace vigil::server {
namespace {

std::string Hex(const Digest& d) { return HexDigest(d); }

std::string Sha1Hex(std::string_view s) { return HexDigest(Sha1::Hash(s.data(), s.size())); }

TEST(Sha1Test, StandardVectors) {
  EXPECT_EQ(Sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  // 56 bytes: the length no longer fits the first padded block.
  EXPECT_EQ(Sha1Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  Sha1 h;
  const std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) h.Update(chunk);
  EXPECT_EQ(HexDigest(h.Final()), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(Sha1Test, SplitUpdatesMatchOneShot) {
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>(i * 7));
  for (size_t cut : {1u, 63u, 64u, 65u, 128u, 299u}) {
    Sha1 h;
    h.Update(data.data(), cut);
    h.Update(data.data() + cut, data.size() - cut);
    EXPECT_EQ(HexDigest(h.Final()), Sha1Hex(data)) << cut;
  }
}

Object List(const std::vector<std::string>& items) {
  auto l = std::make_unique<ListValue>();
  for (const auto& i : items) l->PushBack(i);
  return Object(std::move(l));
}

Object Set(const std::vector<std::string>& members, bool hashtable) {
  auto s = std::make_unique<SetValue>();
  for (const auto& m : members) s->Add(m, 512);
  if (hashtable) s->ConvertToHashTable();
  return Object(std::move(s));
}

Object Hash(const std::vector<std::pair<std::string, std::string>>& entries, bool hashtable) {
  HashValue h;
  for (const auto& [f, v] : entries) h.Set(f, v, HashValue::Limits{128, 64});
  EXPECT_TRUE(h.is_listpack());
  if (hashtable) h.ConvertToHashTable();
  return Object(std::move(h));
}

Object ZSet(const std::vector<std::pair<std::string, double>>& entries, bool skiplist) {
  ZSetValue z;
  for (const auto& [m, s] : entries) {
    double out;
    z.Add(s, m, 0, &out, ZSetValue::Limits{});
  }
  if (skiplist) z.ToSkiplist();
  return Object(std::move(z));
}

// Expected values were produced by Redis 7.0.15 (DEBUG DIGEST-VALUE / DIGEST)
// for the same data.
TEST(DigestTest, ValuesMatchRedis) {
  EXPECT_EQ(Hex(ValueDigest(Object(std::string("1")), false)),
            "b4fc66738120fba0b5aa500ab5c2bf89cea1c5da");
  // A TTL adds a marker, not its time.
  EXPECT_EQ(Hex(ValueDigest(Object(std::string("1")), true)),
            "5279988c5d1911f474bcbbf2f0a87012d40f8459");
  EXPECT_EQ(Hex(ValueDigest(Object(std::string("hello")), false)),
            "36b23a1456b2dce2c3ed252c456761301dba8060");
  EXPECT_EQ(Hex(ValueDigest(List({"1", "2", "3", "abc"}), false)),
            "cbc2b0523a70ea13d1198b6811ae18689f1328fe");
  EXPECT_EQ(Hex(ValueDigest(ZSet({{"m", 0.1}}, false), false)),
            "285a6e508750d13f749019c7cddbd43bf282cb72");
  const auto inf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<std::string, double>> z = {
      {"a", 1}, {"b", 2.5}, {"c", -inf}, {"12", 0.1}};
  for (bool skiplist : {false, true}) {
    EXPECT_EQ(Hex(ValueDigest(ZSet(z, skiplist), false)),
              "b5508cd03458de8b2902d938d1e6da9206931588");
  }
  // Every encoding of the same contents digests alike.
  EXPECT_STREQ(Set({"5", "-3", "100"}, false).EncodingName(), "intset");
  EXPECT_STREQ(ZSet(z, true).EncodingName(), "skiplist");
  for (bool hashtable : {false, true}) {
    EXPECT_EQ(Hex(ValueDigest(Hash({{"f", "v"}, {"n", "12"}}, hashtable), false)),
              "76d7ce7d8cb69c65ddb54b94589fa9396351461b");
    EXPECT_EQ(Hex(ValueDigest(Set({"1", "2", "x"}, hashtable), false)),
              "4c6eef6b7853d1b76391c849d71b0d35d3faf18f");
    EXPECT_EQ(Hex(ValueDigest(Set({"5", "-3", "100"}, hashtable), false)),
              "f1760de6edb75b56be8b432b186e66b75860eb65");
  }
}

TEST(DigestTest, DatasetMatchesRedis) {
  std::vector<Database> dbs(16);
  EXPECT_EQ(Hex(DatasetDigest(dbs)), std::string(40, '0'));
  dbs[0].Set("a", Object(std::string("1")));
  EXPECT_EQ(Hex(DatasetDigest(dbs)), "943d800368fb9c0e951138f1bc0e313ac769d91f");

  dbs[0].Clear();
  dbs[0].Set("l", List({"1", "2", "3", "abc"}));
  dbs[0].Set("h", Hash({{"f", "v"}, {"n", "12"}}, false));
  dbs[0].Set("s", Set({"1", "2", "x"}, false));
  dbs[0].Set("si", Set({"5", "-3", "100"}, false));
  dbs[0].Set(
      "z",
      ZSet({{"a", 1}, {"b", 2.5}, {"c", -std::numeric_limits<double>::infinity()}, {"12", 0.1}},
           false));
  dbs[0].Set("str", Object(std::string("hello")));
  EXPECT_EQ(Hex(DatasetDigest(dbs)), "f67a521ef2dd564dedb4c5ae0ec26202e5875963");
  // The db index is part of the digest.
  dbs[3].Set("k", Object(std::string("v")));
  EXPECT_EQ(Hex(DatasetDigest(dbs)), "02271389e5e99d4a61f9beeda4668e2159e0c686");
}

TEST(DigestTest, OrderCountsOnlyWhereRedisKeepsIt) {
  EXPECT_NE(ValueDigest(List({"a", "b"}), false), ValueDigest(List({"b", "a"}), false));
  EXPECT_EQ(ValueDigest(Set({"a", "b"}, true), false), ValueDigest(Set({"b", "a"}, true), false));
  // A list spanning many quicklist nodes digests as the same elements would.
  std::vector<std::string> many;
  for (int i = 0; i < 5000; ++i) many.push_back(std::to_string(i));
  Digest expected{};
  {
    // Redis's recurrence, written out: mix each element in order.
    const uint32_t type_be = htonl(1);
    auto mix = [&](const void* p, size_t n) {
      const Digest h = Sha1::Hash(p, n);
      for (size_t i = 0; i < 20; ++i) expected[i] ^= h[i];
      expected = Sha1::Hash(expected.data(), expected.size());
    };
    mix(&type_be, sizeof type_be);
    for (const auto& e : many) mix(e.data(), e.size());
  }
  EXPECT_EQ(ValueDigest(List(many), false), expected);
  // Same key/value under another key, or a string vs a list, differ.
  EXPECT_NE(KeyValueDigest("a", Object(std::string("x")), false),
            KeyValueDigest("b", Object(std::string("x")), false));
  EXPECT_NE(ValueDigest(Object(std::string("x")), false), ValueDigest(List({"x"}), false));
}

}  // namespace
}  // namespace vigil::server

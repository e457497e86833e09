#include "server/db/object.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace vigil::server {
namespace {

TEST(ObjectTest, IsSixteenBytes) { EXPECT_EQ(sizeof(Object), 16u); }

// Up to 8 bytes live in the payload word, longer values in a heap block;
// every length on both sides of that line must read back exactly.
TEST(ObjectTest, StringsOnBothSidesOfTheInlineLimit) {
  for (size_t len : {0, 1, 7, 8, 9, 20, 44, 45, 1000, 100000}) {
    std::string s(len, 'a');
    for (size_t i = 0; i < len; ++i) s[i] = static_cast<char>('a' + i % 26);
    Object o(s);
    EXPECT_EQ(o.type(), ObjType::kString);
    EXPECT_EQ(o.str(), s) << len;
  }
  Object bin(std::string("\0\1\0", 3));
  EXPECT_EQ(bin.str(), std::string("\0\1\0", 3));
}

TEST(ObjectTest, SetStrSwitchesBetweenInlineAndHeap) {
  Object o("12");
  o.SetStr(std::string(50, 'x'));
  EXPECT_EQ(o.str(), std::string(50, 'x'));
  o.SetStr("3");
  EXPECT_EQ(o.str(), "3");
  o.SetStr("");
  EXPECT_EQ(o.str(), "");
}

TEST(ObjectTest, AppendGrowsFromInlineToHeapAndKeepsBytes) {
  Object o("ab");
  std::string want = "ab";
  for (int i = 0; i < 2000; ++i) {
    std::string piece = std::to_string(i);
    o.AppendStr(piece);
    want += piece;
    ASSERT_EQ(o.str(), want) << i;
  }
  o.AppendStr("");
  EXPECT_EQ(o.str(), want);
}

TEST(ObjectTest, ResizeZeroFillsAndLeavesLongerValuesAlone) {
  Object o("abc");
  char* d = o.ResizeStrAtLeast(6);
  d[5] = 'z';
  EXPECT_EQ(o.str(), std::string("abc\0\0z", 6));
  d = o.ResizeStrAtLeast(30);  // leaves the payload for the heap
  d[29] = 'q';
  EXPECT_EQ(o.str().size(), 30u);
  EXPECT_EQ(o.str().substr(0, 6), std::string("abc\0\0z", 6));
  EXPECT_EQ(o.str()[28], '\0');
  EXPECT_EQ(o.str()[29], 'q');
  o.ResizeStrAtLeast(4);  // never shrinks
  EXPECT_EQ(o.str().size(), 30u);
}

TEST(ObjectTest, MovesTransferOwnershipAndLeaveAnEmptyString) {
  Object a(std::string(100, 'm'));
  Object b(std::move(a));
  EXPECT_EQ(b.str(), std::string(100, 'm'));
  EXPECT_EQ(a.type(), ObjType::kString);  // NOLINT(bugprone-use-after-move): defined state
  EXPECT_EQ(a.str(), "");
  HashValue h;
  h.Set("f", "v", {128, 64});
  Object c(std::move(h));
  b = std::move(c);  // frees b's string, takes the hash
  EXPECT_EQ(b.type(), ObjType::kHash);
  EXPECT_EQ(*b.hash().Get("f"), "v");
  b = Object("s");
  EXPECT_EQ(b.str(), "s");
}

TEST(ObjectTest, CloneCopiesEveryTypeDeeply) {
  Object s(std::string(30, 's'));
  s.lru_s = 77;
  s.str_enc = Object::kRaw;
  Object sc = s.Clone();
  sc.AppendStr("x");
  EXPECT_EQ(s.str(), std::string(30, 's'));
  EXPECT_EQ(sc.lru_s, 77u);
  EXPECT_EQ(sc.str_enc, Object::kRaw);

  auto set = std::make_unique<SetValue>();
  set->Add("1", 512);
  Object so(std::move(set));
  Object soc = so.Clone();
  soc.set().Add("2", 512);
  EXPECT_EQ(so.set().size(), 1u);
  EXPECT_EQ(soc.set().size(), 2u);
  EXPECT_EQ(soc.type(), ObjType::kSet);
}

// Hashes and zsets live in the payload word in either encoding; moving the
// Object relocates them, and each must be freed exactly once (ASan builds
// check the latter).
TEST(ObjectTest, EmbeddedHashAndZSetSurviveMovesInBothEncodings) {
  const HashValue::Limits hl{4, 64};
  const ZSetValue::Limits zl{4, 64};
  for (int fields : {2, 50}) {  // listpack, then hashtable / skiplist
    HashValue h;
    ZSetValue z;
    for (int i = 0; i < fields; ++i) {
      h.Set("f" + std::to_string(i), "v" + std::to_string(i), hl);
      double unused;
      z.Add(i, "m" + std::to_string(i), 0, &unused, zl);
    }
    Object ho(std::move(h));
    Object zo(std::move(z));
    EXPECT_STREQ(ho.EncodingName(), fields > 4 ? "hashtable" : "listpack");
    EXPECT_STREQ(zo.EncodingName(), fields > 4 ? "skiplist" : "listpack");
    Object hm(std::move(ho));
    Object zm;
    zm = std::move(zo);
    EXPECT_EQ(ho.type(), ObjType::kString);  // NOLINT(bugprone-use-after-move)
    ASSERT_EQ(hm.hash().size(), static_cast<size_t>(fields));
    ASSERT_EQ(zm.zset().size(), static_cast<size_t>(fields));
    EXPECT_EQ(*hm.hash().Get("f1"), "v1");
    EXPECT_EQ(*zm.zset().Score("m1"), 1.0);
    Object hc = hm.Clone();
    Object zc = zm.Clone();
    hc.hash().Delete("f1");
    zc.zset().Remove("m1");
    EXPECT_TRUE(hm.hash().Contains("f1"));
    EXPECT_TRUE(zm.zset().Score("m1").has_value());
    hm.SetStr("now a string");  // frees the hash
    EXPECT_EQ(hm.str(), "now a string");
  }
}

TEST(ObjectTest, EncodingNamesFollowRedis) {
  EXPECT_STREQ(Object("12345").EncodingName(), "int");
  EXPECT_STREQ(Object("-9223372036854775808").EncodingName(), "int");
  EXPECT_STREQ(Object("hello").EncodingName(), "embstr");
  EXPECT_STREQ(Object(std::string(44, 'e')).EncodingName(), "embstr");
  EXPECT_STREQ(Object(std::string(45, 'r')).EncodingName(), "raw");
  Object appended("12");
  appended.str_enc = Object::kRaw;
  EXPECT_STREQ(appended.EncodingName(), "raw");
}

}  // namespace
}  // namespace vigil::server

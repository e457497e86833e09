// MEMORY USAGE's accounting: Object::MemoryUsage per type and encoding,
// sampling, and the allocator's size classes.
#include <string>

#include <gtest/gtest.h>

#include "server/allocator.h"
#include "server/db/dict.h"
#include "server/db/object.h"

namespace vigil::server {
namespace {

constexpr size_t kAll = SIZE_MAX;

TEST(AllocSizeTest, RoundsUpToASizeClass) {
  EXPECT_EQ(AllocSize(0), 0u);
  size_t last = 0;
  for (size_t n = 1; n < 20000; n += 7) {
    const size_t a = AllocSize(n);
    EXPECT_GE(a, n);
    EXPECT_GE(a, last);  // monotonic
    last = a;
  }
}

TEST(ExtrapolateTest, ScalesTheSampleToTheWhole) {
  EXPECT_EQ(Extrapolate(100, 5, 50), 1000u);
  EXPECT_EQ(Extrapolate(0, 0, 50), 0u);
  EXPECT_EQ(Extrapolate(300, 3, 3), 300u);
}

TEST(DictSampleTest, VisitsAtMostN) {
  Dict<int> d;
  for (int i = 0; i < 100; ++i) d.Upsert("k" + std::to_string(i), i);
  int seen = 0;
  d.Sample(10, [&](std::string_view, const int&) { ++seen; });
  EXPECT_EQ(seen, 10);
  seen = 0;
  d.Sample(kAll, [&](std::string_view, const int&) { ++seen; });
  EXPECT_EQ(seen, 100);
  EXPECT_GE(Dict<int>::NodeBytes(1000), 1000u);
}

TEST(ObjectMemoryUsageTest, StringsInlineCostNothingElseTheirBlock) {
  EXPECT_EQ(Object("12345678").MemoryUsage(5), 0u);  // fits the payload word
  const size_t long_value = Object(std::string(100, 'x')).MemoryUsage(5);
  EXPECT_GE(long_value, 104u);  // the bytes and their length prefix
  EXPECT_LE(long_value, 128u);
}

TEST(ObjectMemoryUsageTest, CompactEncodingsCountTheirBlock) {
  HashValue h;
  ZSetValue z;
  const HashValue::Limits hl{128, 64};
  const ZSetValue::Limits zl{128, 64};
  double unused;
  for (int i = 0; i < 10; ++i) {
    h.Set("field" + std::to_string(i), "value", hl);
    z.Add(i, "member" + std::to_string(i), 0, &unused, zl);
  }
  h.ShrinkToFit();
  const size_t hash_bytes = Object(std::move(h)).MemoryUsage(5);
  EXPECT_GE(hash_bytes, 10u * (6 + 5));
  EXPECT_LE(hash_bytes, 400u);
  const size_t zset_bytes = Object(std::move(z)).MemoryUsage(5);
  EXPECT_GE(zset_bytes, 10u * (7 + 1));
  EXPECT_LE(zset_bytes, 400u);
}

// For elements of one size, 5 samples predict the whole as well as all.
TEST(ObjectMemoryUsageTest, LargeEncodingsGrowWithTheElementsAndSampleWell) {
  auto list = std::make_unique<ListValue>();
  auto set = std::make_unique<SetValue>();
  HashValue hash;
  ZSetValue zset;
  double unused;
  for (int i = 0; i < 20000; ++i) {
    const std::string v = "element:" + std::to_string(100000 + i);
    list->PushBack(v);
    set->Add(v, 512);
    hash.Set(v, v, {128, 64});
    zset.Add(i, v, 0, &unused, {128, 64});
  }
  ASSERT_STREQ(set->EncodingName(), "hashtable");
  ASSERT_STREQ(hash.EncodingName(), "hashtable");
  ASSERT_STREQ(zset.EncodingName(), "skiplist");
  Object objects[] = {Object(std::move(list)), Object(std::move(set)), Object(std::move(hash)),
                      Object(std::move(zset))};
  for (const Object& o : objects) {
    const size_t exact = o.MemoryUsage(kAll);
    EXPECT_GE(exact, 20000u * 14) << TypeName(o.type());  // at least the element bytes
    EXPECT_LE(exact, 20000u * 200) << TypeName(o.type());
    const size_t sampled = o.MemoryUsage(5);
    EXPECT_GE(sampled, exact * 8 / 10) << TypeName(o.type());
    EXPECT_LE(sampled, exact * 12 / 10) << TypeName(o.type());
  }
}

TEST(ObjectMemoryUsageTest, IntsetCountsItsMembers) {
  auto small = std::make_unique<SetValue>();
  auto big = std::make_unique<SetValue>();
  for (int i = 0; i < 3; ++i) small->Add(std::to_string(i), 512);
  for (int i = 0; i < 500; ++i) big->Add(std::to_string(i * 1000), 512);
  ASSERT_STREQ(big->EncodingName(), "intset");
  const size_t small_bytes = Object(std::move(small)).MemoryUsage(5);
  const size_t big_bytes = Object(std::move(big)).MemoryUsage(5);
  EXPECT_GE(big_bytes, small_bytes + 500 * 2);  // 500 members of at least 2 bytes
}

}  // namespace
}  // namespace vigil::server

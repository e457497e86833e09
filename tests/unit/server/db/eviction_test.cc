#include "server/eviction.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "server/allocator.h"
#include "server/db/database.h"
#include "server/db/object.h"

namespace vigil::server {
namespace {

constexpr int64_t kMinute = 60000;
// A time whose minute count is well inside the 16-bit window.
constexpr int64_t kT0 = 1000 * kMinute;

TEST(LfuTest, WordPacksMinutesAndCounter) {
  const uint32_t w = lfu::Word(kT0, lfu::kInitVal);
  EXPECT_EQ(w & 0xff, lfu::kInitVal);
  EXPECT_EQ(w >> 8, 1000u);
  // The minutes wrap at 16 bits.
  EXPECT_EQ(lfu::Minutes(65536 * kMinute + 7 * kMinute), 7u);
}

TEST(LfuTest, DecayOnePerPeriod) {
  const uint32_t w = lfu::Word(kT0, 10);
  EXPECT_EQ(lfu::DecayedCounter(w, kT0, 1), 10);
  EXPECT_EQ(lfu::DecayedCounter(w, kT0 + kMinute - 1, 1), 10);  // not a full minute yet
  EXPECT_EQ(lfu::DecayedCounter(w, kT0 + 3 * kMinute, 1), 7);
  EXPECT_EQ(lfu::DecayedCounter(w, kT0 + 3 * kMinute, 2), 9);    // one period of 2 minutes
  EXPECT_EQ(lfu::DecayedCounter(w, kT0 + 50 * kMinute, 1), 0);   // floors at 0
  EXPECT_EQ(lfu::DecayedCounter(w, kT0 + 50 * kMinute, 0), 10);  // decay-time 0: never
  // Across the wrap of the minute clock (LFUTimeElapsed: 65535 - then + now).
  const uint32_t late = lfu::Word(65534 * kMinute, 10);
  EXPECT_EQ(lfu::DecayedCounter(late, 65536 * kMinute + 2 * kMinute, 1), 7);
}

TEST(LfuTest, LogIncrProbability) {
  // At or below LFU_INIT_VAL the increment is certain.
  EXPECT_EQ(lfu::LogIncr(0, 10, 0.999), 1);
  EXPECT_EQ(lfu::LogIncr(lfu::kInitVal, 10, 0.999), lfu::kInitVal + 1);
  // Counter 6 with factor 10: p = 1 / 11.
  EXPECT_EQ(lfu::LogIncr(6, 10, 1.0 / 11 - 1e-9), 7);
  EXPECT_EQ(lfu::LogIncr(6, 10, 1.0 / 11 + 1e-9), 6);
  EXPECT_EQ(lfu::LogIncr(255, 0, 0.0), 255);  // saturates
  // Factor 0: every access counts.
  EXPECT_EQ(lfu::LogIncr(100, 0, 0.999), 101);
}

TEST(LfuTest, AccessDecaysThenIncrements) {
  const uint32_t w = lfu::Word(kT0, 9);
  // Two minutes later: 9 -> 7, then +1 with r = 0 (always increments).
  const uint32_t after = lfu::Access(w, kT0 + 2 * kMinute, 10, 1, 0.0);
  EXPECT_EQ(after & 0xff, 8u);
  EXPECT_EQ(after >> 8, lfu::Minutes(kT0 + 2 * kMinute));
}

TEST(LfuTest, DatabaseTracksLfuOnLookupAndKeepsItOnOverwrite) {
  Database db;
  AccessTracking tracking{.lfu = true, .log_factor = 0, .decay_time = 1};
  db.set_access_tracking(&tracking);
  db.Set("k", Object(std::string_view("v")));
  EXPECT_EQ(db.Peek("k")->lru_s & 0xff, lfu::kInitVal);
  const int64_t now = static_cast<int64_t>(db.Peek("k")->lru_s >> 8) * kMinute;
  for (int i = 0; i < 3; ++i) db.Lookup("k", now);  // factor 0: +1 each
  EXPECT_EQ(db.Peek("k")->lru_s & 0xff, lfu::kInitVal + 3u);
  db.Set("k", Object(std::string_view("w")));
  EXPECT_EQ(db.Peek("k")->lru_s & 0xff, lfu::kInitVal + 3u);
}

TEST(EvictionPoolTest, KeepsTheSixteenBestInOrder) {
  EvictionPool pool;
  for (int i = 0; i < 40; ++i)
    pool.Offer(static_cast<uint64_t>((i * 7) % 40), 0, "k" + std::to_string(i));
  ASSERT_EQ(pool.entries().size(), EvictionPool::kSize);
  for (size_t i = 1; i < pool.entries().size(); ++i)
    EXPECT_LE(pool.entries()[i - 1].idle, pool.entries()[i].idle);
  EXPECT_EQ(pool.entries().front().idle, 24u);  // the 16 best of 0..39
  // A candidate no better than the worst pooled one is dropped.
  pool.Offer(24, 0, "tie");
  pool.Offer(3, 0, "low");
  for (const auto& e : pool.entries()) EXPECT_TRUE(e.key != "tie" && e.key != "low");
  // The best come out first.
  EXPECT_EQ(pool.PopBest()->idle, 39u);
  EXPECT_EQ(pool.PopBest()->idle, 38u);
  EXPECT_EQ(pool.entries().size(), EvictionPool::kSize - 2);
}

TEST(EvictionPoolTest, NoDuplicatesAndDbsKeptApart) {
  EvictionPool pool;
  pool.Offer(5, 0, "a");
  pool.Offer(9, 0, "a");
  pool.Offer(7, 1, "a");
  ASSERT_EQ(pool.entries().size(), 2u);
  auto best = pool.PopBest();
  EXPECT_EQ(best->db, 1);
  EXPECT_EQ(best->idle, 7u);
  EXPECT_EQ(pool.PopBest()->idle, 5u);
  EXPECT_FALSE(pool.PopBest().has_value());
}

TEST(EvictionPolicyTest, NamesAndTimeBudget) {
  EXPECT_EQ(ParseEvictionPolicy("allkeys-lru"), EvictionPolicy::kAllKeysLru);
  EXPECT_EQ(ParseEvictionPolicy("volatile-ttl"), EvictionPolicy::kVolatileTtl);
  EXPECT_EQ(ParseEvictionPolicy("noeviction"), EvictionPolicy::kNoEviction);
  EXPECT_TRUE(IsVolatilePolicy(EvictionPolicy::kVolatileRandom));
  EXPECT_FALSE(IsVolatilePolicy(EvictionPolicy::kAllKeysLfu));
  EXPECT_TRUE(IsLfuPolicy(EvictionPolicy::kVolatileLfu));
  EXPECT_EQ(EvictionTimeLimitUs(0), 0u);
  EXPECT_EQ(EvictionTimeLimitUs(10), 500u);
  EXPECT_EQ(EvictionTimeLimitUs(11), 575u);  // 500 * 1.15
  EXPECT_EQ(EvictionTimeLimitUs(100), UINT64_MAX);
}

TEST(DatabaseSampleTest, VolatileSamplesOnlyKeysWithTtl) {
  Database db;
  for (int i = 0; i < 50; ++i) db.Set("p" + std::to_string(i), Object(std::string_view("v")));
  for (int i = 0; i < 5; ++i) {
    db.Set("t" + std::to_string(i), Object(std::string_view("v")));
    db.SetExpire("t" + std::to_string(i), 1000 + i);
  }
  std::set<std::string> seen;
  db.SampleKeys(200, /*volatile_only=*/true, [&](std::string_view k, const Object&, int64_t when) {
    EXPECT_EQ(k[0], 't');
    EXPECT_EQ(when, 1000 + (k[1] - '0'));
    seen.emplace(k);
  });
  EXPECT_EQ(seen.size(), 5u);
  size_t calls = 0;
  db.SampleKeys(7, /*volatile_only=*/false,
                [&](std::string_view, const Object&, int64_t) { ++calls; });
  EXPECT_EQ(calls, 7u);
}

TEST(UsedMemoryMeterTest, EstimateFollowsAllocationsBetweenSyncs) {
  UsedMemoryMeter meter;
  const uint64_t before = meter.Used();
  constexpr size_t kBytes = 8 << 20;
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 8; ++i) {
    blocks.emplace_back(new char[kBytes / 8]);
    blocks.back()[0] = 1;
  }
  const uint64_t grown = meter.Used();
  EXPECT_GE(grown, before + kBytes - (256 << 10));
  EXPECT_LE(grown, before + kBytes + (1 << 20));
  blocks.clear();
  EXPECT_LE(meter.Used(), before + (512 << 10));
  // A sync takes the exact figure, close to the estimate.
  meter.Sync();
  const uint64_t exact = meter.Used();
  EXPECT_LE(exact, before + (2 << 20));
  EXPECT_GE(exact + (2 << 20), before);
}

}  // namespace
}  // namespace vigil::server

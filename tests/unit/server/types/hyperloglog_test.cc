#include "server/types/hyperloglog.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace vigil::server::hll {
namespace {

using namespace std::string_literals;

const std::string kSparseHeader = "HYLL\x01"s + std::string(11, '\0');

std::string WithBody(const std::string& body, bool stale = false) {
  std::string s = kSparseHeader + body;
  if (stale) InvalidateCache(s);
  return s;
}

std::string Build(const std::vector<std::string>& elements,
                  size_t max_bytes = kDefaultSparseMaxBytes) {
  std::string s = CreateEmpty();
  for (const auto& e : elements) EXPECT_GE(Add(s, e, max_bytes), 0);
  return s;
}

std::vector<std::string> Numbered(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back("e" + std::to_string(i));
  return out;
}

// Every register of a valid HLL, whatever its encoding.
RawRegisters RegistersOf(const std::string& s) {
  RawRegisters r{};
  EXPECT_TRUE(MergeInto(r, s));
  return r;
}

TEST(HyperLogLogTest, PatternsMatchRedis) {
  // Seen with PFADD h a b c + PFDEBUG DECODE h on redis-server 7.0.15.
  EXPECT_EQ(PatternOf("a").index, 12711u);
  EXPECT_EQ(PatternOf("a").count, 2);
  EXPECT_EQ(PatternOf("b").index, 15780u);
  EXPECT_EQ(PatternOf("b").count, 1);
  EXPECT_EQ(PatternOf("c").index, 8436u);
  EXPECT_EQ(PatternOf("c").count, 1);
  // Tails of every length 0..7 after full 8-byte blocks are hashed.
  EXPECT_NE(MurmurHash64A("abcdefgh1", 9, 0xadc83b19), MurmurHash64A("abcdefgh2", 9, 0xadc83b19));
  EXPECT_EQ(MurmurHash64A("", 0, 0), 0u);
}

TEST(HyperLogLogTest, EmptyIsOneXZero) {
  std::string s = CreateEmpty();
  EXPECT_EQ(s, kSparseHeader + "\x7f\xff"s);
  EXPECT_TRUE(LooksValid(s));
  EXPECT_TRUE(CacheValid(s));
  EXPECT_EQ(Count(s), 0u);
  EXPECT_EQ(DecodeSparse(s), "Z:16384");
}

TEST(HyperLogLogTest, SparseBytesOfKnownInput) {
  std::string s = Build({"a", "b", "c"});
  // GET h on redis-server after PFADD h a b c.
  EXPECT_EQ(s, WithBody("\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a"s, /*stale=*/true));
  EXPECT_EQ(DecodeSparse(s), "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603");
  EXPECT_EQ(Count(s), 3u);
  // Adding again changes nothing.
  EXPECT_EQ(Add(s, "a", kDefaultSparseMaxBytes), 0);
}

TEST(HyperLogLogTest, SparseSplitsAndMergesOpcodes) {
  std::string s = CreateEmpty();
  ASSERT_EQ(SetRegister(s, 0, 3, kDefaultSparseMaxBytes), 1);
  EXPECT_EQ(DecodeSparse(s), "v:3,1 Z:16383");
  ASSERT_EQ(SetRegister(s, 2, 3, kDefaultSparseMaxBytes), 1);
  EXPECT_EQ(DecodeSparse(s), "v:3,1 z:1 v:3,1 Z:16381");
  // Filling the gap joins the three runs into one VAL.
  ASSERT_EQ(SetRegister(s, 1, 3, kDefaultSparseMaxBytes), 1);
  EXPECT_EQ(DecodeSparse(s), "v:3,3 Z:16381");
  // Raising inside a VAL run splits it.
  ASSERT_EQ(SetRegister(s, 1, 5, kDefaultSparseMaxBytes), 1);
  EXPECT_EQ(DecodeSparse(s), "v:3,1 v:5,1 v:3,1 Z:16381");
  EXPECT_EQ(SetRegister(s, 1, 4, kDefaultSparseMaxBytes), 0);
  // Zero runs of up to 64 registers use ZERO, longer ones XZERO.
  ASSERT_EQ(SetRegister(s, 60, 1, kDefaultSparseMaxBytes), 1);
  ASSERT_EQ(SetRegister(s, 130, 1, kDefaultSparseMaxBytes), 1);
  ASSERT_EQ(SetRegister(s, 16383, 2, kDefaultSparseMaxBytes), 1);
  EXPECT_EQ(DecodeSparse(s), "v:3,1 v:5,1 v:3,1 z:57 v:1,1 Z:69 v:1,1 Z:16252 v:2,1");
  EXPECT_EQ(EncodingOf(s), kSparse);
}

TEST(HyperLogLogTest, AdjacentEqualRunsMergeUpToFour) {
  std::string s = CreateEmpty();
  const char* expect[] = {"v:3,1 Z:16383", "v:3,2 Z:16382", "v:3,3 Z:16381", "v:3,4 Z:16380",
                          "v:3,4 v:3,1 Z:16379"};
  for (uint32_t i = 0; i < 5; ++i) {
    ASSERT_EQ(SetRegister(s, i, 3, kDefaultSparseMaxBytes), 1);
    EXPECT_EQ(DecodeSparse(s), expect[i]);
  }
}

TEST(HyperLogLogTest, CountAbove32PromotesToDense) {
  std::string s = CreateEmpty();
  ASSERT_EQ(SetRegister(s, 5, 32, kDefaultSparseMaxBytes), 1);
  EXPECT_EQ(EncodingOf(s), kSparse);
  ASSERT_EQ(SetRegister(s, 6, 33, kDefaultSparseMaxBytes), 1);
  ASSERT_EQ(EncodingOf(s), kDense);
  ASSERT_EQ(s.size(), kDenseSize);
  RawRegisters r = RegistersOf(s);
  EXPECT_EQ(r[5], 32);
  EXPECT_EQ(r[6], 33);
}

TEST(HyperLogLogTest, PromotesExactlyPastSparseMaxBytes) {
  for (size_t limit : {size_t{100}, size_t{300}, kDefaultSparseMaxBytes}) {
    std::string s = CreateEmpty();
    bool promoted = false;
    for (const auto& e : Numbered(0, 5000)) {
      // What the add would make with no limit at all.
      std::string unlimited = s;
      ASSERT_GE(Add(unlimited, e, SIZE_MAX), 0);
      ASSERT_GE(Add(s, e, limit), 0);
      if (EncodingOf(s) == kSparse) {
        ASSERT_EQ(s, unlimited) << limit;
        ASSERT_LE(s.size(), limit);
        continue;
      }
      // Promoted: only because the sparse form would outgrow the limit (or
      // a count past 32), and with the same registers.
      ASSERT_TRUE(unlimited.size() > limit || EncodingOf(unlimited) == kDense) << limit;
      ASSERT_EQ(RegistersOf(s), RegistersOf(unlimited));
      promoted = true;
      break;
    }
    EXPECT_TRUE(promoted) << limit;
  }
}

TEST(HyperLogLogTest, DenseRegistersAtEveryBitAlignment) {
  // One guard byte past the registers: the last register must not touch it.
  std::vector<uint8_t> buf(kDenseSize - kHeaderSize + 1, 0);
  buf.back() = 0xa5;
  uint8_t* regs = buf.data();
  // Registers 0..3 start at bits 0, 6, 4 (of the next byte) and 2: check a
  // full-ones register among zeros and a zero among full-ones neighbours.
  for (uint32_t i : {0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u, 8190u, 16380u, 16381u, 16382u, 16383u}) {
    std::fill(buf.begin(), buf.end() - 1, 0);
    DenseSet(regs, i, kRegisterMax);
    for (uint32_t j = (i > 2 ? i - 2 : 0); j <= std::min<uint32_t>(i + 2, kRegisters - 1); ++j) {
      EXPECT_EQ(DenseGet(regs, j), j == i ? kRegisterMax : 0) << i << " " << j;
    }
    std::fill(buf.begin(), buf.end() - 1, 0xff);
    DenseSet(regs, i, 0);
    for (uint32_t j = (i > 2 ? i - 2 : 0); j <= std::min<uint32_t>(i + 2, kRegisters - 1); ++j) {
      EXPECT_EQ(DenseGet(regs, j), j == i ? 0 : kRegisterMax) << i << " " << j;
    }
    EXPECT_EQ(buf.back(), 0xa5) << i;
  }
  // Random round trip over all registers.
  std::mt19937 rng(7);
  std::vector<uint8_t> expect(kRegisters);
  for (uint32_t i = 0; i < kRegisters; ++i) {
    expect[i] = static_cast<uint8_t>(rng() & kRegisterMax);
    DenseSet(regs, i, expect[i]);
  }
  for (uint32_t i = 0; i < kRegisters; ++i) ASSERT_EQ(DenseGet(regs, i), expect[i]) << i;
  EXPECT_EQ(buf.back(), 0xa5);
  EXPECT_TRUE(DenseRaise(regs, 9, 63) || expect[9] == 63);
  EXPECT_FALSE(DenseRaise(regs, 9, 1));
}

TEST(HyperLogLogTest, SparseToDenseKeepsRegistersAndHeader) {
  std::string s = Build(Numbered(0, 200));
  SetCachedCount(s, 199);
  RawRegisters before = RegistersOf(s);
  ASSERT_TRUE(SparseToDense(s));
  EXPECT_EQ(EncodingOf(s), kDense);
  EXPECT_EQ(s.size(), kDenseSize);
  EXPECT_TRUE(LooksValid(s));
  EXPECT_EQ(CachedCount(s), 199u);
  EXPECT_EQ(RegistersOf(s), before);
}

TEST(HyperLogLogTest, MergeOfSparseAndDense) {
  std::string sparse = Build(Numbered(0, 100));
  std::string dense = Build(Numbered(50, 20000));
  ASSERT_EQ(EncodingOf(sparse), kSparse);
  ASSERT_EQ(EncodingOf(dense), kDense);
  RawRegisters merged{};
  ASSERT_TRUE(MergeInto(merged, sparse));
  ASSERT_TRUE(MergeInto(merged, dense));
  std::string all = Build(Numbered(0, 20000));
  EXPECT_EQ(merged, RegistersOf(all));
  EXPECT_EQ(CountRaw(merged), Count(all));
  // Writing the union into an empty sparse HLL register by register (as
  // PFMERGE does) gives the same registers.
  std::string dest = CreateEmpty();
  for (uint32_t i = 0; i < kRegisters; ++i) {
    if (merged[i]) {
      ASSERT_GE(SetRegister(dest, i, merged[i], kDefaultSparseMaxBytes), 0);
    }
  }
  EXPECT_EQ(RegistersOf(dest), merged);
}

TEST(HyperLogLogTest, CountWithinStandardError) {
  // Redis documents a standard error of 1.04/sqrt(16384) = 0.81%; these fixed
  // inputs stay within three of it, and sparse and dense agree.
  const double stderr_rel = 1.04 / std::sqrt(double{kRegisters});
  std::string s = CreateEmpty();
  std::string dense = CreateEmpty();
  ASSERT_TRUE(SparseToDense(dense));
  int next_check = 1;
  for (int n = 1; n <= 200000; ++n) {
    std::string e = "element:" + std::to_string(n);
    ASSERT_GE(Add(s, e, kDefaultSparseMaxBytes), 0);
    ASSERT_GE(Add(dense, e, kDefaultSparseMaxBytes), 0);
    if (n != next_check && n != 200000) continue;
    next_check = next_check < 10 ? next_check + 1 : next_check * 2;
    auto est = Count(s);
    ASSERT_TRUE(est.has_value());
    EXPECT_EQ(est, Count(dense)) << n;
    double err = std::fabs(static_cast<double>(*est) - n);
    EXPECT_LE(err, std::max(1.0, 3 * stderr_rel * n)) << n << " estimated " << *est;
  }
}

TEST(HyperLogLogTest, CacheFieldRoundTrip) {
  std::string s = CreateEmpty();
  SetCachedCount(s, 0x0123456789abcdULL);
  EXPECT_TRUE(CacheValid(s));
  EXPECT_EQ(CachedCount(s), 0x0123456789abcdULL);
  EXPECT_EQ(static_cast<uint8_t>(s[8]), 0xcd);  // little endian
  InvalidateCache(s);
  EXPECT_FALSE(CacheValid(s));
  EXPECT_EQ(static_cast<uint8_t>(s[15]), 0x80);
}

TEST(HyperLogLogTest, HeaderValidation) {
  EXPECT_FALSE(LooksValid("foo"));
  EXPECT_FALSE(LooksValid("HYLX\x01"s + std::string(11, '\0') + "\x7f\xff"s));
  EXPECT_FALSE(LooksValid("HYLL\x02"s + std::string(11, '\0') + "\x7f\xff"s));
  EXPECT_FALSE(LooksValid("HYLL\x00"s + std::string(111, '\0')));
  EXPECT_TRUE(LooksValid("HYLL\x00"s + std::string(kDenseSize - 5, '\0')));
  EXPECT_TRUE(LooksValid(kSparseHeader));  // opcodes are checked when read
}

TEST(HyperLogLogTest, CorruptSparseIsRejected) {
  const std::vector<std::string> bodies = {
      "",               // covers nothing
      "\x7f\xfe"s,      // 16383 registers
      "\x7f\xff\x00"s,  // 16385
      "\x7f\xfe\x83"s,  // a VAL run past the end
      "\x7f"s,          // XZERO cut short
  };
  for (const auto& body : bodies) {
    std::string s = WithBody(body, /*stale=*/true);
    ASSERT_TRUE(LooksValid(s));
    EXPECT_FALSE(Count(s).has_value()) << DecodeSparse(s);
    RawRegisters r{};
    EXPECT_FALSE(MergeInto(r, s)) << DecodeSparse(s);
    std::string copy = s;
    EXPECT_FALSE(SparseToDense(copy));
    EXPECT_EQ(copy, s);
  }
  // An edit at a register no opcode covers is refused, as in Redis.
  std::string short_one = WithBody("\x7f\xfe"s);
  EXPECT_EQ(SetRegister(short_one, 16383, 1, kDefaultSparseMaxBytes), -1);
  EXPECT_EQ(SetRegister(short_one, 16382, 1, kDefaultSparseMaxBytes), 1);
  std::string empty_body = WithBody("");
  EXPECT_EQ(SetRegister(empty_body, 0, 1, kDefaultSparseMaxBytes), -1);
  EXPECT_EQ(DecodeSparse(WithBody("\x7f\xfe\x83"s)), "Z:16383 v:1,4");
}

TEST(HyperLogLogTest, RandomBytesNeverCrash) {
  std::mt19937 rng(11);
  for (int round = 0; round < 2000; ++round) {
    std::string body(rng() % 40, '\0');
    for (char& c : body) c = static_cast<char>(rng());
    std::string s = WithBody(body);
    auto count = Count(s);
    RawRegisters r{};
    bool merged = MergeInto(r, s);
    std::string dense = s;
    bool converted = SparseToDense(dense);
    // The readers agree on what is valid.
    EXPECT_EQ(count.has_value(), merged);
    EXPECT_EQ(merged, converted);
    if (converted) {
      EXPECT_EQ(Count(dense), count);
    }
    DecodeSparse(s);
    for (int k = 0; k < 5; ++k) {
      int res = Add(s, std::to_string(rng()), kDefaultSparseMaxBytes);
      ASSERT_GE(res, -1);
      if (res < 0) break;
    }
  }
}

TEST(HyperLogLogTest, SelfTestPasses) { EXPECT_EQ(SelfTest(kDefaultSparseMaxBytes), std::nullopt); }

}  // namespace
}  // namespace vigil::server::hll

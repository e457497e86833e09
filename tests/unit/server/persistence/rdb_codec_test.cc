#include "server/persistence/rdb_codec.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "server/persistence/crc64.h"

namespace vigil::server::rdb {
namespace {

TEST(Crc64Test, RedisTestVector) {
  EXPECT_EQ(Crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
}

struct Loaded {
  std::map<std::string, std::string> aux;
  std::map<std::pair<uint64_t, std::string>, Value> keys;
  std::map<std::string, int64_t> expires;
};

Value& At(Loaded& l, uint64_t db, const std::string& key) { return l.keys[{db, key}]; }

StatusOr<Loaded> LoadString(const std::string& data) {
  Loaded out;
  uint64_t db = 0;
  StringInput in(data);
  LoadCallbacks cb;
  cb.on_aux = [&](std::string_view k, std::string_view v) { out.aux[std::string(k)] = v; };
  cb.on_select_db = [&](uint64_t d) { db = d; };
  cb.on_entry = [&](std::string key, Value v, std::optional<int64_t> exp) {
    if (exp) out.expires[key] = *exp;
    out.keys[{db, key}] = std::move(v);
    return Status::Ok();
  };
  Status st = Load(in, cb);
  if (!st.ok()) return st;
  return out;
}

std::string Encode(bool compress, bool checksum, const std::function<void(Encoder&)>& body) {
  std::string out;
  Encoder enc([&](std::string_view s) { out.append(s); return Status::Ok(); }, compress, checksum);
  EXPECT_TRUE(enc.Header().ok());
  body(enc);
  EXPECT_TRUE(enc.Eof().ok());
  return out;
}

Value Str(std::string s) {
  Value v;
  v.str = std::move(s);
  return v;
}

TEST(RdbCodecTest, RoundTripsEveryKindAndEncoding) {
  Value list{Kind::kList, "", {"a", "12", "-5", std::string(100, 'x'), ""}, {}};
  Value set{Kind::kSet, "", {"1", "2", "three"}, {}};
  Value hash{Kind::kHash, "", {"f", "v", "n", "123456789012"}, {}};
  Value zset{Kind::kZSet, "", {}, {{"m", 1.5}, {"inf", HUGE_VAL}, {"neg", -0.1}}};
  std::string data = Encode(true, true, [&](Encoder& e) {
    EXPECT_TRUE(e.Aux("redis-ver", "7.0.15").ok());
    EXPECT_TRUE(e.SelectDb(0).ok());
    EXPECT_TRUE(e.ResizeDb(5, 1).ok());
    EXPECT_TRUE(e.Entry("s", Str("hello"), std::nullopt).ok());
    EXPECT_TRUE(e.Entry("i", Str("-2147483648"), 1700000000123).ok());
    EXPECT_TRUE(e.Entry("big", Str(std::string(5000, 'z')), std::nullopt).ok());  // LZF
    EXPECT_TRUE(e.Entry("l", list, std::nullopt).ok());
    EXPECT_TRUE(e.SelectDb(3).ok());
    EXPECT_TRUE(e.Entry("set", set, std::nullopt).ok());
    EXPECT_TRUE(e.Entry("h", hash, std::nullopt).ok());
    EXPECT_TRUE(e.Entry("z", zset, std::nullopt).ok());
  });
  EXPECT_LT(data.size(), 1000u);  // the 5000-byte run compressed
  auto loaded = LoadString(data);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_EQ(loaded->aux["redis-ver"], "7.0.15");
  EXPECT_EQ(At(*loaded, 0, "s").str, "hello");
  EXPECT_EQ(At(*loaded, 0, "i").str, "-2147483648");
  EXPECT_EQ(loaded->expires["i"], 1700000000123);
  EXPECT_EQ(At(*loaded, 0, "big").str, std::string(5000, 'z'));
  EXPECT_EQ(At(*loaded, 0, "l").items, list.items);
  EXPECT_EQ(At(*loaded, 3, "set").items, set.items);
  EXPECT_EQ(At(*loaded, 3, "h").items, hash.items);
  EXPECT_EQ(At(*loaded, 3, "z").zset, zset.zset);
}

TEST(RdbCodecTest, EveryTruncationFailsWithAnOffsetAndNeverCrashes) {
  std::string data = Encode(true, true, [](Encoder& e) {
    EXPECT_TRUE(e.SelectDb(0).ok());
    EXPECT_TRUE(e.Entry("k", Str(std::string(300, 'q') + "tail"), 123).ok());
    EXPECT_TRUE(e.Entry("l", Value{Kind::kList, "", {"x", "y"}, {}}, std::nullopt).ok());
  });
  for (size_t cut = 0; cut < data.size(); ++cut) {
    auto r = LoadString(data.substr(0, cut));
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
  }
  // A flipped byte is caught by the checksum (or by the structure).
  for (size_t i = 9; i + 8 < data.size(); ++i) {
    std::string bad = data;
    bad[i] ^= 0x20;
    EXPECT_FALSE(LoadString(bad).ok()) << "flip at " << i;
  }
}

TEST(RdbCodecTest, ChecksumZeroMeansNotChecked) {
  std::string data = Encode(false, false, [](Encoder& e) {
    EXPECT_TRUE(e.Entry("k", Str("v"), std::nullopt).ok());
  });
  EXPECT_EQ(data.substr(data.size() - 8), std::string(8, '\0'));
  EXPECT_TRUE(LoadString(data).ok());
}

TEST(RdbCodecTest, BadHeaders) {
  EXPECT_EQ(LoadString("RUBBISH00").message(), "Wrong signature trying to load DB from file");
  EXPECT_EQ(LoadString("REDIS0011\xff").message(), "Can't handle RDB format version 11");
}

TEST(RdbBlobTest, ListpackIntegersAndStrings) {
  // Built by hand per listpack.md: 7-bit uint 5, 6-bit str "ab", 13-bit int
  // -1, 16-bit int 1000, EOF.
  std::string body;
  body += '\x05'; body += '\x01';                      // 5, backlen 1
  body += '\x82'; body += "ab"; body += '\x03';        // "ab"
  body += '\xdf'; body += '\xff'; body += '\x02';      // 13-bit -1
  body += '\xf1'; body += '\xe8'; body += '\x03'; body += '\x03';  // int16 1000
  std::string blob(6, '\0');
  blob += body;
  blob += '\xff';
  blob[0] = static_cast<char>(blob.size());
  blob[4] = 4;
  auto v = DecodeListpack(blob);
  ASSERT_TRUE(v.ok()) << v.message();
  EXPECT_EQ(*v, (std::vector<std::string>{"5", "ab", "-1", "1000"}));
  // Truncated anywhere: an error, not a crash.
  for (size_t cut = 0; cut < blob.size(); ++cut) EXPECT_FALSE(DecodeListpack(blob.substr(0, cut)).ok());
}

TEST(RdbBlobTest, IntsetWidths) {
  std::string blob;
  auto put = [&](uint64_t v, int n) { for (int i = 0; i < n; ++i) blob += static_cast<char>(v >> (8 * i)); };
  put(4, 4);
  put(2, 4);
  put(static_cast<uint64_t>(-70000), 4);
  put(70000, 4);
  auto v = DecodeIntset(blob);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, (std::vector<std::string>{"-70000", "70000"}));
  EXPECT_FALSE(DecodeIntset(blob.substr(0, 12)).ok());
}

// The decisive check: load what Debian's redis-server 7.0 itself writes, with
// every encoding it uses (listpack, quicklist, intset, skiplist, hashtable,
// integer-encoded and LZF strings, expiries, several databases).
TEST(RdbCodecTest, LoadsADumpWrittenByRedis) {
  const char* redis = "/usr/bin/redis-server";
  if (access(redis, X_OK) != 0) GTEST_SKIP() << "redis-server not installed";
  auto dir = std::filesystem::temp_directory_path() /
             ("vigil-rdb-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const int port = 20000 + getpid() % 20000;
  pid_t pid = fork();
  if (pid == 0) {
    std::string p = std::to_string(port);
    execl(redis, redis, "--port", p.c_str(), "--bind", "127.0.0.1", "--save", "", "--dir",
          dir.c_str(), "--daemonize", "no", "--logfile", (dir / "log").c_str(), nullptr);
    _exit(127);
  }
  std::string cli = "redis-cli -p " + std::to_string(port) + " ";
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    up = std::system((cli + "ping >/dev/null 2>&1").c_str()) == 0;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(up);
  std::string script =
      "set s hello\nset n 12345\nset neg -70000\nset big " + std::string(200, 'a') + "\n"
      "pexpireat n 4102444800000\n"
      "rpush small a b 1 -2 300000\n"
      "sadd ints 1 2 3 -4\nsadd strs a b c\n"
      "hset hsmall f v n 1\nzadd zsmall 1.5 a 2 b\n"
      "select 2\nset other db2\n"
      "eval \"for i=1,300 do redis.call('rpush','biglist',i) redis.call('hset','bighash','f'..i,i) "
      "redis.call('zadd','bigz',i/3,'m'..i) redis.call('sadd','bigset','s'..i) end\" 0\n"
      "save\n";
  std::ofstream(dir / "cmds") << script;
  ASSERT_EQ(std::system((cli + "< " + (dir / "cmds").string() + " >/dev/null").c_str()), 0);
  std::system((cli + "shutdown nosave >/dev/null 2>&1").c_str());
  waitpid(pid, nullptr, 0);

  std::ifstream f(dir / "dump.rdb", std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  auto loaded = LoadString(ss.str());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_EQ(At(*loaded, 0, "s").str, "hello");
  EXPECT_EQ(At(*loaded, 0, "n").str, "12345");
  EXPECT_EQ(At(*loaded, 0, "neg").str, "-70000");
  EXPECT_EQ(At(*loaded, 0, "big").str, std::string(200, 'a'));
  EXPECT_EQ(loaded->expires["n"], 4102444800000);
  EXPECT_EQ(At(*loaded, 0, "small").items, (std::vector<std::string>{"a", "b", "1", "-2", "300000"}));
  EXPECT_EQ(std::set<std::string>(At(*loaded, 0, "ints").items.begin(), At(*loaded, 0, "ints").items.end()),
            (std::set<std::string>{"1", "2", "3", "-4"}));
  EXPECT_EQ(At(*loaded, 0, "strs").items.size(), 3u);
  EXPECT_EQ(At(*loaded, 0, "hsmall").items, (std::vector<std::string>{"f", "v", "n", "1"}));
  EXPECT_EQ(At(*loaded, 0, "zsmall").zset, (std::vector<std::pair<std::string, double>>{{"a", 1.5}, {"b", 2}}));
  EXPECT_EQ(At(*loaded, 2, "other").str, "db2");
  EXPECT_EQ(At(*loaded, 2, "biglist").items.size(), 300u);
  EXPECT_EQ(At(*loaded, 2, "biglist").items[299], "300");
  EXPECT_EQ(At(*loaded, 2, "bighash").items.size(), 600u);
  EXPECT_EQ(At(*loaded, 2, "bigz").zset.size(), 300u);
  EXPECT_EQ(At(*loaded, 2, "bigset").items.size(), 300u);
  EXPECT_EQ(loaded->aux["redis-ver"], "7.0.15");
}

// ---- DUMP/RESTORE payloads: Redis's layout (type byte, value, RDB
// version, CRC64), checked against payloads redis-server 7.0.15 produced.

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

TEST(DumpPayloadTest, StringsAreByteForByteRedis) {
  // DUMP of "hello" and of "12345" (integer-encoded) from redis-server 7.0.15.
  EXPECT_EQ(EncodeDumpPayload(Str("hello"), true), FromHex("000568656c6c6f0a006372df766534200a"));
  EXPECT_EQ(EncodeDumpPayload(Str("12345"), true), FromHex("00c139300a009d94ea2793fc08b9"));
}

TEST(DumpPayloadTest, ReadsRedisListpackEncodings) {
  // RPUSH l a b; DUMP l: a quicklist of one listpack node (type 18).
  auto v = DecodeDumpPayload(FromHex("1201020d0d0000000200816102816202ff0a0068eb0a891341bbb1"));
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->kind, Kind::kList);
  EXPECT_EQ(v->items, (std::vector<std::string>{"a", "b"}));
}

TEST(DumpPayloadTest, EveryKindRoundTrips) {
  Value list, set, hash, zset;
  list.kind = Kind::kList;
  list.items = {"a", "", std::string(1000, 'x')};
  set.kind = Kind::kSet;
  set.items = {"1", "two"};
  hash.kind = Kind::kHash;
  hash.items = {"f", "v", "g", "w"};
  zset.kind = Kind::kZSet;
  zset.zset = {{"m", 1.5}, {"n", -2}};
  for (const Value& in : {Str(std::string(500, 'y')), list, set, hash, zset}) {
    for (bool compress : {false, true}) {
      auto out = DecodeDumpPayload(EncodeDumpPayload(in, compress));
      ASSERT_TRUE(out.ok()) << out.status().message();
      EXPECT_EQ(out->kind, in.kind);
      EXPECT_EQ(out->str, in.str);
      EXPECT_EQ(out->items, in.items);
      EXPECT_EQ(out->zset, in.zset);
    }
  }
}

TEST(DumpPayloadTest, FooterAndBodyErrorsAsRedis) {
  const std::string good = EncodeDumpPayload(Str("hello"), true);
  const std::string footer_error = "DUMP payload version or checksum are wrong";
  EXPECT_EQ(DecodeDumpPayload("short").status().message(), footer_error);
  std::string bad_crc = good;
  bad_crc.back() ^= 1;
  EXPECT_EQ(DecodeDumpPayload(bad_crc).status().message(), footer_error);
  // A newer RDB version is refused even with a matching checksum.
  std::string body = good.substr(0, good.size() - 10) + std::string("\x0b\x00", 2);
  EXPECT_FALSE(DecodeDumpPayload(body + std::string(8, '\0')).ok());
  // A good footer around a truncated value: the body is what is wrong.
  Value list;
  list.kind = Kind::kList;
  list.items = {"a", "b"};
  std::string payload = EncodeDumpPayload(list, false);
  std::string cut = payload.substr(0, payload.size() - 12) + payload.substr(payload.size() - 10);
  EXPECT_EQ(DecodeDumpPayload(cut).status().message(), footer_error);  // checksum first
  // A list that announces 5 elements and holds none, with a valid footer.
  std::string lying = std::string("\x01\x05", 2) + std::string("\x0a\x00", 2);
  const uint64_t crc = Crc64(0, lying.data(), lying.size());
  for (int i = 0; i < 8; ++i) lying.push_back(static_cast<char>(crc >> (8 * i)));
  EXPECT_EQ(DecodeDumpPayload(lying).status().message(), "Bad data format");
}

}  // namespace
}  // namespace vigil::server::rdb

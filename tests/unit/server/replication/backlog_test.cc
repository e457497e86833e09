#include "server/replication/backlog.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace vigil::server::repl {
namespace {

TEST(BacklogTest, OffsetsFollowRedis) {
  Backlog b(10, 100);
  EXPECT_EQ(b.offset(), 100);
  EXPECT_TRUE(b.CanServe(101));  // nothing missing yet
  EXPECT_FALSE(b.CanServe(100));
  b.Append("abcdef");
  EXPECT_EQ(b.offset(), 106);
  EXPECT_EQ(b.first_byte_offset(), 101);
  EXPECT_EQ(b.histlen(), 6u);
  EXPECT_EQ(b.CopyFrom(103), "cdef");
  EXPECT_EQ(b.CopyFrom(107), "");
  b.Append("ghijklmn");  // wraps: keeps the last 10 bytes
  EXPECT_EQ(b.offset(), 114);
  EXPECT_EQ(b.first_byte_offset(), 105);
  EXPECT_EQ(b.CopyFrom(105), "efghijklmn");
  EXPECT_FALSE(b.CanServe(104));
  EXPECT_TRUE(b.CanServe(115));
  EXPECT_FALSE(b.CanServe(116));
}

TEST(BacklogTest, RandomAppendsMatchTheStreamTail) {
  std::mt19937 rng(7);
  for (size_t size : {1u, 7u, 64u, 1000u}) {
    Backlog b(size);
    std::string stream;
    for (int i = 0; i < 300; ++i) {
      std::string chunk(rng() % 150, static_cast<char>('a' + rng() % 26));
      b.Append(chunk);
      stream += chunk;
      ASSERT_EQ(b.offset(), static_cast<int64_t>(stream.size()));
      const int64_t from = b.first_byte_offset() + static_cast<int64_t>(rng() % (b.histlen() + 1));
      ASSERT_EQ(b.CopyFrom(from), stream.substr(static_cast<size_t>(from - 1)));
    }
    b.Resize(size / 2 + 1);
    EXPECT_EQ(b.offset(), static_cast<int64_t>(stream.size()));
    EXPECT_EQ(b.CopyFrom(b.first_byte_offset()), stream.substr(stream.size() - b.histlen()));
  }
}

TEST(PsyncTest, DecisionsAndReasons) {
  Backlog b(100, 1000);
  b.Append(std::string(50, 'x'));  // bytes 1001..1050
  const std::string id(40, 'a'), id2(40, 'b');
  EXPECT_TRUE(DecidePsync(id, 1001, id, id2, 900, &b).partial);
  EXPECT_TRUE(DecidePsync(id, 1051, id, id2, 900, &b).partial);
  EXPECT_FALSE(DecidePsync(id, 1052, id, id2, 900, &b).partial);
  EXPECT_FALSE(DecidePsync("?", -1, id, id2, 900, &b).partial);
  // The previous history is accepted up to where it ended (after a promotion).
  EXPECT_TRUE(DecidePsync(id2, 1010, id, id2, 1020, &b).partial);
  auto d = DecidePsync(id2, 1030, id, id2, 1020, &b);
  EXPECT_FALSE(d.partial);
  EXPECT_EQ(d.reason, "Requested offset for second ID was 1030, but I can reply up to 1020");
  d = DecidePsync(std::string(40, 'c'), 1010, id, id2, 1020, &b);
  EXPECT_FALSE(d.partial);
  EXPECT_NE(d.reason.find("Replication ID mismatch"), std::string::npos);
  EXPECT_FALSE(DecidePsync(id, 999, id, id2, 900, &b).partial);
  EXPECT_FALSE(DecidePsync(id, 1001, id, id2, 900, nullptr).partial);
}

TEST(PsyncTest, ReplIdsAreFortyHex) {
  std::string a = RandomReplId(), b = RandomReplId();
  EXPECT_EQ(a.size(), 40u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace vigil::server::repl

#include "server/pubsub.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace vigil::server {
namespace {

using Matches = std::vector<std::pair<std::string, uint64_t>>;

Matches PatternMatches(const PubSub& ps, std::string_view channel) {
  Matches out;
  ps.ForEachPatternMatch(channel,
                         [&](const std::string& p, uint64_t id) { out.emplace_back(p, id); });
  return out;
}

TEST(PubSubTest, SubscribersKeepSubscriptionOrderAndAreNotDuplicated) {
  PubSub ps;
  EXPECT_TRUE(ps.Subscribe("news", 7));
  EXPECT_TRUE(ps.Subscribe("news", 3));
  EXPECT_FALSE(ps.Subscribe("news", 7));
  ASSERT_NE(ps.Subscribers("news"), nullptr);
  EXPECT_EQ(*ps.Subscribers("news"), (std::vector<uint64_t>{7, 3}));
  EXPECT_EQ(ps.NumSub("news"), 2u);
  EXPECT_EQ(ps.Subscribers("other"), nullptr);
  EXPECT_EQ(ps.NumSub("other"), 0u);
}

TEST(PubSubTest, LastUnsubscribeDropsTheChannel) {
  PubSub ps;
  ps.Subscribe("a", 1);
  ps.Subscribe("a", 2);
  ps.Subscribe("b", 1);
  EXPECT_EQ(ps.channel_count(), 2u);
  EXPECT_FALSE(ps.Unsubscribe("a", 9));  // never subscribed
  EXPECT_TRUE(ps.Unsubscribe("a", 1));
  EXPECT_EQ(ps.channel_count(), 2u);
  EXPECT_TRUE(ps.Unsubscribe("a", 2));
  EXPECT_EQ(ps.channel_count(), 1u);
  EXPECT_EQ(ps.Subscribers("a"), nullptr);
  EXPECT_FALSE(ps.Unsubscribe("a", 2));
}

// Shard channels are a namespace of their own: a name can be both a channel
// and a shard channel with different subscribers, and patterns never see
// shard channels.
TEST(PubSubTest, ShardChannelsAreSeparateFromChannelsAndPatterns) {
  PubSub ps;
  EXPECT_TRUE(ps.SSubscribe("orders", 1));
  EXPECT_FALSE(ps.SSubscribe("orders", 1));
  EXPECT_TRUE(ps.Subscribe("orders", 2));
  ps.PSubscribe("ord*", 3);
  EXPECT_EQ(*ps.ShardSubscribers("orders"), (std::vector<uint64_t>{1}));
  EXPECT_EQ(*ps.Subscribers("orders"), (std::vector<uint64_t>{2}));
  EXPECT_EQ(ps.NumSub("orders", /*shard=*/true), 1u);
  EXPECT_EQ(ps.shard_channel_count(), 1u);
  EXPECT_EQ(ps.channel_count(), 1u);
  EXPECT_EQ(ps.Channels("ord*", /*shard=*/true), (std::vector<std::string>{"orders"}));
  EXPECT_EQ(PatternMatches(ps, "orders"), (Matches{{"ord*", 3}}));
  EXPECT_FALSE(ps.SUnsubscribe("orders", 2));
  EXPECT_TRUE(ps.SUnsubscribe("orders", 1));
  EXPECT_EQ(ps.ShardSubscribers("orders"), nullptr);
  EXPECT_EQ(ps.shard_channel_count(), 0u);
  EXPECT_EQ(ps.NumSub("orders"), 1u);  // the plain channel is untouched
}

TEST(PubSubTest, ChannelsFiltersWithGlob) {
  PubSub ps;
  ps.Subscribe("channel1", 1);
  ps.Subscribe("channel2", 1);
  ps.Subscribe("other", 2);
  auto all = ps.Channels(std::nullopt);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::string>{"channel1", "channel2", "other"}));
  auto chann = ps.Channels("chann*");
  std::sort(chann.begin(), chann.end());
  EXPECT_EQ(chann, (std::vector<std::string>{"channel1", "channel2"}));
  EXPECT_TRUE(ps.Channels("x?").empty());
}

TEST(PubSubTest, PatternsMatchByGlobAndCountDistinctPatterns) {
  PubSub ps;
  EXPECT_TRUE(ps.PSubscribe("chann*", 1));
  EXPECT_TRUE(ps.PSubscribe("chann*", 2));
  EXPECT_FALSE(ps.PSubscribe("chann*", 1));
  EXPECT_TRUE(ps.PSubscribe("c[ah]annel?", 1));
  EXPECT_TRUE(ps.PSubscribe("news.*", 3));
  EXPECT_EQ(ps.pattern_count(), 3u);  // PUBSUB NUMPAT counts patterns, not subscriptions
  EXPECT_EQ(PatternMatches(ps, "channel1"),
            (Matches{{"c[ah]annel?", 1}, {"chann*", 1}, {"chann*", 2}}));
  EXPECT_TRUE(PatternMatches(ps, "nothing").empty());
  // Patterns are not channels: NUMSUB and CHANNELS ignore them.
  EXPECT_EQ(ps.NumSub("chann*"), 0u);
  EXPECT_TRUE(ps.Channels(std::nullopt).empty());
  EXPECT_TRUE(ps.PUnsubscribe("chann*", 1));
  EXPECT_TRUE(ps.PUnsubscribe("chann*", 2));
  EXPECT_FALSE(ps.PUnsubscribe("chann*", 2));
  EXPECT_EQ(ps.pattern_count(), 2u);
}

TEST(PubSubTest, FramesFollowTheClientProtocol) {
  std::string out;
  resp::Writer w2(&out, 2);
  WriteMessage(w2, "message", "ch", "hi");
  EXPECT_EQ(out, "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
  out.clear();
  resp::Writer w3(&out, 3);
  WritePatternMessage(w3, "c*", "ch", "hi");
  EXPECT_EQ(out, ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$2\r\nhi\r\n");
  out.clear();
  WriteSubscription(w2, "unsubscribe", std::nullopt, 0);
  EXPECT_EQ(out, "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  out.clear();
  WriteSubscription(w3, "subscribe", "ch", 2);
  EXPECT_EQ(out, ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:2\r\n");
}

}  // namespace
}  // namespace vigil::server

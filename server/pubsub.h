// The pub/sub registry: which clients listen on which channels and patterns.
// It knows clients only by id, so it holds no connection state and can be
// tested alone; the server keeps each client's own list of subscriptions
// (for replies and CLIENT LIST) and turns ids into connections on PUBLISH.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/resp/writer.h"

namespace vigil::server {

class PubSub {
 public:
  // Each returns true when the subscription changed (a client subscribing
  // twice to one channel, or leaving one it never joined, changes nothing).
  bool Subscribe(std::string_view channel, uint64_t client);
  bool Unsubscribe(std::string_view channel, uint64_t client);
  bool PSubscribe(std::string_view pattern, uint64_t client);
  bool PUnsubscribe(std::string_view pattern, uint64_t client);
  // Shard channels (SSUBSCRIBE / SPUBLISH): a namespace of their own, which
  // patterns never match. Without cluster mode every channel is in our shard.
  bool SSubscribe(std::string_view channel, uint64_t client);
  bool SUnsubscribe(std::string_view channel, uint64_t client);

  // Subscribers of `channel` in the order they subscribed; nullptr if none.
  const std::vector<uint64_t>* Subscribers(std::string_view channel) const {
    return Find(channels_, channel);
  }
  const std::vector<uint64_t>* ShardSubscribers(std::string_view channel) const {
    return Find(shard_channels_, channel);
  }
  // Calls fn(pattern, client) for every pattern subscription matching
  // `channel`, patterns in lexical order, clients in subscription order.
  void ForEachPatternMatch(std::string_view channel,
                           const std::function<void(const std::string&, uint64_t)>& fn) const;

  // PUBSUB NUMSUB / SHARDNUMSUB: channel subscribers only, patterns excluded.
  size_t NumSub(std::string_view channel, bool shard = false) const;
  // PUBSUB CHANNELS / SHARDCHANNELS [pattern]: channels with a subscriber.
  std::vector<std::string> Channels(std::optional<std::string_view> pattern,
                                    bool shard = false) const;
  size_t channel_count() const { return channels_.size(); }  // INFO pubsub_channels
  size_t shard_channel_count() const { return shard_channels_.size(); }  // pubsubshard_channels
  size_t pattern_count() const { return patterns_.size(); }  // NUMPAT, INFO pubsub_patterns

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using ChannelMap =
      std::unordered_map<std::string, std::vector<uint64_t>, StringHash, std::equal_to<>>;
  static const std::vector<uint64_t>* Find(const ChannelMap& map, std::string_view channel) {
    auto it = map.find(channel);
    return it == map.end() ? nullptr : &it->second;
  }
  ChannelMap channels_;
  ChannelMap shard_channels_;
  std::map<std::string, std::vector<uint64_t>, std::less<>> patterns_;
};

// The frames a subscriber receives, as Redis spells them: a push in RESP3,
// an array in RESP2. `kind` is "message", "subscribe", "unsubscribe" ...
void WriteMessage(resp::Writer& w, std::string_view kind, std::string_view channel,
                  std::string_view payload);
void WritePatternMessage(resp::Writer& w, std::string_view pattern, std::string_view channel,
                         std::string_view payload);
// A (un)subscribe confirmation: [kind, channel, subscriptions left]; a null
// channel when UNSUBSCRIBE found nothing to leave.
void WriteSubscription(resp::Writer& w, std::string_view kind,
                       std::optional<std::string_view> channel, int64_t count);

}  // namespace vigil::server

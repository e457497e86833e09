#include "server/pubsub.h"

#include <algorithm>

#include "common/util/glob.h"

namespace vigil::server {
namespace {

// Adds `client` to the subscriber list stored under `name`, once.
template <typename Map>
bool AddSubscriber(Map& map, std::string_view name, uint64_t client) {
  auto it = map.find(name);
  if (it == map.end()) it = map.emplace(std::string(name), std::vector<uint64_t>{}).first;
  auto& ids = it->second;
  if (std::find(ids.begin(), ids.end(), client) != ids.end()) return false;
  ids.push_back(client);
  return true;
}

// Removes `client` from the list under `name`; an emptied list is dropped so
// PUBSUB CHANNELS and NUMPAT only count live entries.
template <typename Map>
bool RemoveSubscriber(Map& map, std::string_view name, uint64_t client) {
  auto it = map.find(name);
  if (it == map.end()) return false;
  auto& ids = it->second;
  auto pos = std::find(ids.begin(), ids.end(), client);
  if (pos == ids.end()) return false;
  ids.erase(pos);
  if (ids.empty()) map.erase(it);
  return true;
}

}  // namespace

bool PubSub::Subscribe(std::string_view channel, uint64_t client) {
  return AddSubscriber(channels_, channel, client);
}

bool PubSub::Unsubscribe(std::string_view channel, uint64_t client) {
  return RemoveSubscriber(channels_, channel, client);
}

bool PubSub::PSubscribe(std::string_view pattern, uint64_t client) {
  return AddSubscriber(patterns_, pattern, client);
}

bool PubSub::PUnsubscribe(std::string_view pattern, uint64_t client) {
  return RemoveSubscriber(patterns_, pattern, client);
}

bool PubSub::SSubscribe(std::string_view channel, uint64_t client) {
  return AddSubscriber(shard_channels_, channel, client);
}

bool PubSub::SUnsubscribe(std::string_view channel, uint64_t client) {
  return RemoveSubscriber(shard_channels_, channel, client);
}

void PubSub::ForEachPatternMatch(
    std::string_view channel, const std::function<void(const std::string&, uint64_t)>& fn) const {
  for (const auto& [pattern, ids] : patterns_) {
    if (!GlobMatch(pattern, channel)) continue;
    for (uint64_t id : ids) fn(pattern, id);
  }
}

size_t PubSub::NumSub(std::string_view channel, bool shard) const {
  const auto* ids = Find(shard ? shard_channels_ : channels_, channel);
  return ids ? ids->size() : 0;
}

std::vector<std::string> PubSub::Channels(std::optional<std::string_view> pattern,
                                          bool shard) const {
  std::vector<std::string> out;
  for (const auto& [name, ids] : shard ? shard_channels_ : channels_)
    if (!pattern || GlobMatch(*pattern, name)) out.push_back(name);
  return out;
}

void WriteMessage(resp::Writer& w, std::string_view kind, std::string_view channel,
                  std::string_view payload) {
  w.PushHeader(3);
  w.Bulk(kind);
  w.Bulk(channel);
  w.Bulk(payload);
}

void WritePatternMessage(resp::Writer& w, std::string_view pattern, std::string_view channel,
                         std::string_view payload) {
  w.PushHeader(4);
  w.Bulk("pmessage");
  w.Bulk(pattern);
  w.Bulk(channel);
  w.Bulk(payload);
}

void WriteSubscription(resp::Writer& w, std::string_view kind,
                       std::optional<std::string_view> channel, int64_t count) {
  w.PushHeader(3);
  w.Bulk(kind);
  if (channel) w.Bulk(*channel); else w.Null();
  w.Integer(count);
}

}  // namespace vigil::server

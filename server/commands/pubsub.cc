// Pub/sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH, the
// shard forms SSUBSCRIBE SUNSUBSCRIBE SPUBLISH, and PUBSUB CHANNELS / NUMSUB /
// NUMPAT / SHARDCHANNELS / SHARDNUMSUB. The registry is server/pubsub.h; the
// RESP2 subscribed-mode restrictions are checked by the dispatcher.
#include "common/util/strings.h"
#include "server/command_table.h"
#include "server/connection.h"
#include "server/server.h"

namespace vigil::server {
namespace {

// Channels, patterns and shard channels share this shape; the registry
// calls, the reply kind and the count in the reply differ (shard
// subscriptions are counted apart from the other two, as Redis does).
struct SubscriptionKind {
  std::set<std::string>& (Client::*set)();
  bool (PubSub::*add)(std::string_view, uint64_t);
  bool (PubSub::*remove)(std::string_view, uint64_t);
  size_t (Client::*count)() const;
  std::string_view subscribe_reply;
  std::string_view unsubscribe_reply;
};

const SubscriptionKind kChannels{&Client::channels, &PubSub::Subscribe, &PubSub::Unsubscribe,
                                 &Client::subscription_count, "subscribe", "unsubscribe"};
const SubscriptionKind kPatterns{&Client::patterns, &PubSub::PSubscribe, &PubSub::PUnsubscribe,
                                 &Client::subscription_count, "psubscribe", "punsubscribe"};
const SubscriptionKind kShard{&Client::shard_channels, &PubSub::SSubscribe, &PubSub::SUnsubscribe,
                              &Client::shard_subscription_count, "ssubscribe", "sunsubscribe"};

void Subscribe(CommandContext& ctx, const SubscriptionKind& kind) {
  auto& mine = (ctx.client.*kind.set)();
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const std::string& name = ctx.args[i];
    if (mine.insert(name).second) (ctx.server.pubsub().*kind.add)(name, ctx.client.id());
    WriteSubscription(ctx.reply, kind.subscribe_reply, name,
                      static_cast<int64_t>((ctx.client.*kind.count)()));
  }
}

void Unsubscribe(CommandContext& ctx, const SubscriptionKind& kind) {
  auto& mine = (ctx.client.*kind.set)();
  auto leave = [&](const std::string& name) {
    if (mine.erase(name) > 0) (ctx.server.pubsub().*kind.remove)(name, ctx.client.id());
    WriteSubscription(ctx.reply, kind.unsubscribe_reply, name,
                      static_cast<int64_t>((ctx.client.*kind.count)()));
  };
  if (ctx.argc() > 1) {
    for (size_t i = 1; i < ctx.argc(); ++i) leave(ctx.args[i]);
    return;
  }
  // No arguments: leave everything, one reply per subscription, or a single
  // reply with a null name when there was nothing to leave.
  if (mine.empty()) {
    WriteSubscription(ctx.reply, kind.unsubscribe_reply, std::nullopt,
                      static_cast<int64_t>((ctx.client.*kind.count)()));
    return;
  }
  const std::vector<std::string> all(mine.begin(), mine.end());
  for (const auto& name : all) leave(name);
}

void CmdSubscribe(CommandContext& ctx) { Subscribe(ctx, kChannels); }
void CmdUnsubscribe(CommandContext& ctx) { Unsubscribe(ctx, kChannels); }
void CmdPSubscribe(CommandContext& ctx) { Subscribe(ctx, kPatterns); }
void CmdPUnsubscribe(CommandContext& ctx) { Unsubscribe(ctx, kPatterns); }

void CmdSSubscribe(CommandContext& ctx) { Subscribe(ctx, kShard); }
void CmdSUnsubscribe(CommandContext& ctx) { Unsubscribe(ctx, kShard); }

void CmdPublish(CommandContext& ctx) {
  ctx.reply.Integer(ctx.server.Publish(ctx.args[1], ctx.args[2]));
}
void CmdSPublish(CommandContext& ctx) {
  ctx.reply.Integer(ctx.server.Publish(ctx.args[1], ctx.args[2], /*shard=*/true));
}

// PUBSUB CHANNELS / SHARDCHANNELS [pattern]
void ReplyChannels(CommandContext& ctx, bool shard) {
  if (ctx.argc() > 3) {
    return ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                           ctx.args[1].substr(0, 128) + "'. Try PUBSUB HELP.");
  }
  std::optional<std::string_view> pattern;
  if (ctx.argc() == 3) pattern = ctx.args[2];
  ctx.reply.BulkArray(ctx.server.pubsub().Channels(pattern, shard));
}
void CmdPubSubChannels(CommandContext& ctx) { ReplyChannels(ctx, false); }
void CmdPubSubShardChannels(CommandContext& ctx) { ReplyChannels(ctx, true); }

// PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: a flat array of channel, count pairs.
void ReplyNumSub(CommandContext& ctx, bool shard) {
  ctx.reply.ArrayHeader(static_cast<int64_t>((ctx.argc() - 2) * 2));
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Bulk(ctx.args[i]);
    ctx.reply.Integer(static_cast<int64_t>(ctx.server.pubsub().NumSub(ctx.args[i], shard)));
  }
}
void CmdPubSubNumSub(CommandContext& ctx) { ReplyNumSub(ctx, false); }
void CmdPubSubShardNumSub(CommandContext& ctx) { ReplyNumSub(ctx, true); }

void CmdPubSubNumPat(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.pubsub().pattern_count()));
}

}  // namespace

void RegisterPubSubCommands(CommandTable& t) {
  constexpr uint32_t kSub = kCmdPubSub | kCmdNoScript | kCmdLoading | kCmdStale;
  constexpr uint32_t kInfo = kCmdPubSub | kCmdLoading | kCmdStale;
  t.Add({"subscribe", -2, kSub, 0, 0, 0, &CmdSubscribe})
      .Add({"unsubscribe", -1, kSub, 0, 0, 0, &CmdUnsubscribe})
      .Add({"psubscribe", -2, kSub, 0, 0, 0, &CmdPSubscribe})
      .Add({"punsubscribe", -1, kSub, 0, 0, 0, &CmdPUnsubscribe})
      .Add({"ssubscribe", -2, kSub, 1, -1, 1, &CmdSSubscribe})
      .Add({"sunsubscribe", -1, kSub, 1, -1, 1, &CmdSUnsubscribe})
      .Add({"publish", 3, kInfo | kCmdFast, 0, 0, 0, &CmdPublish})
      .Add({"spublish", 3, kInfo | kCmdFast, 1, 1, 1, &CmdSPublish})
      // No handler of its own: arity -2 means a subcommand is always given,
      // and the dispatcher answers unknown ones.
      .Add({"pubsub", -2, 0, 0, 0, 0, nullptr,
            {{"channels", -2, kInfo, 0, 0, 0, &CmdPubSubChannels},
             {"numsub", -2, kInfo, 0, 0, 0, &CmdPubSubNumSub},
             {"numpat", 2, kInfo, 0, 0, 0, &CmdPubSubNumPat},
             {"shardchannels", -2, kInfo, 0, 0, 0, &CmdPubSubShardChannels},
             {"shardnumsub", -2, kInfo, 0, 0, 0, &CmdPubSubShardNumSub}}});
}

}  // namespace vigil::server

// Pub/sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH and
// PUBSUB CHANNELS / NUMSUB / NUMPAT. The registry is server/pubsub.h; the
// RESP2 subscribed-mode restrictions are checked by the dispatcher.
#include "common/util/strings.h"
#include "server/command_table.h"
#include "server/connection.h"
#include "server/server.h"

namespace vigil::server {
namespace {

// Channels and patterns share this shape; only the registry calls and the
// reply kind differ.
struct SubscriptionKind {
  std::set<std::string>& (Client::*set)();
  bool (PubSub::*add)(std::string_view, uint64_t);
  bool (PubSub::*remove)(std::string_view, uint64_t);
  std::string_view subscribe_reply;
  std::string_view unsubscribe_reply;
};

const SubscriptionKind kChannels{&Client::channels, &PubSub::Subscribe, &PubSub::Unsubscribe,
                                 "subscribe", "unsubscribe"};
const SubscriptionKind kPatterns{&Client::patterns, &PubSub::PSubscribe, &PubSub::PUnsubscribe,
                                 "psubscribe", "punsubscribe"};

void Subscribe(CommandContext& ctx, const SubscriptionKind& kind) {
  auto& mine = (ctx.client.*kind.set)();
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const std::string& name = ctx.args[i];
    if (mine.insert(name).second) (ctx.server.pubsub().*kind.add)(name, ctx.client.id());
    WriteSubscription(ctx.reply, kind.subscribe_reply, name,
                      static_cast<int64_t>(ctx.client.subscription_count()));
  }
}

void Unsubscribe(CommandContext& ctx, const SubscriptionKind& kind) {
  auto& mine = (ctx.client.*kind.set)();
  auto leave = [&](const std::string& name) {
    if (mine.erase(name) > 0) (ctx.server.pubsub().*kind.remove)(name, ctx.client.id());
    WriteSubscription(ctx.reply, kind.unsubscribe_reply, name,
                      static_cast<int64_t>(ctx.client.subscription_count()));
  };
  if (ctx.argc() > 1) {
    for (size_t i = 1; i < ctx.argc(); ++i) leave(ctx.args[i]);
    return;
  }
  // No arguments: leave everything, one reply per subscription, or a single
  // reply with a null name when there was nothing to leave.
  if (mine.empty()) {
    WriteSubscription(ctx.reply, kind.unsubscribe_reply, std::nullopt,
                      static_cast<int64_t>(ctx.client.subscription_count()));
    return;
  }
  const std::vector<std::string> all(mine.begin(), mine.end());
  for (const auto& name : all) leave(name);
}

void CmdSubscribe(CommandContext& ctx) { Subscribe(ctx, kChannels); }
void CmdUnsubscribe(CommandContext& ctx) { Unsubscribe(ctx, kChannels); }
void CmdPSubscribe(CommandContext& ctx) { Subscribe(ctx, kPatterns); }
void CmdPUnsubscribe(CommandContext& ctx) { Unsubscribe(ctx, kPatterns); }

void CmdPublish(CommandContext& ctx) {
  ctx.reply.Integer(ctx.server.Publish(ctx.args[1], ctx.args[2]));
}

// PUBSUB CHANNELS [pattern]
void CmdPubSubChannels(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    return ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                           ctx.args[1].substr(0, 128) + "'. Try PUBSUB HELP.");
  }
  std::optional<std::string_view> pattern;
  if (ctx.argc() == 3) pattern = ctx.args[2];
  ctx.reply.BulkArray(ctx.server.pubsub().Channels(pattern));
}

// PUBSUB NUMSUB [channel ...]: a flat array of channel, count pairs.
void CmdPubSubNumSub(CommandContext& ctx) {
  ctx.reply.ArrayHeader(static_cast<int64_t>((ctx.argc() - 2) * 2));
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Bulk(ctx.args[i]);
    ctx.reply.Integer(static_cast<int64_t>(ctx.server.pubsub().NumSub(ctx.args[i])));
  }
}

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
      .Add({"publish", 3, kInfo | kCmdFast, 0, 0, 0, &CmdPublish})
      // No handler of its own: arity -2 means a subcommand is always given,
      // and the dispatcher answers unknown ones.
      .Add({"pubsub", -2, 0, 0, 0, 0, nullptr,
            {{"channels", -2, kInfo, 0, 0, 0, &CmdPubSubChannels},
             {"numsub", -2, kInfo, 0, 0, 0, &CmdPubSubNumSub},
             {"numpat", 2, kInfo, 0, 0, 0, &CmdPubSubNumPat}}});
}

}  // namespace vigil::server

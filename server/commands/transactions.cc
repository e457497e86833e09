// Transactions: MULTI EXEC DISCARD WATCH UNWATCH. The dispatcher queues
// commands while the client is inside MULTI and flags the transaction when one
// is rejected; WATCH invalidation comes from Server::SignalModifiedKey.
#include "server/command_table.h"
#include "server/connection.h"
#include "server/server.h"

namespace vigil::server {
namespace {

void CmdMulti(CommandContext& ctx) {
  TransactionState& tx = ctx.client.tx();
  if (tx.active) return ctx.reply.Error("ERR MULTI calls can not be nested");
  tx.active = true;
  ctx.reply.SimpleString("OK");
}

void CmdDiscard(CommandContext& ctx) {
  if (!ctx.client.tx().active) return ctx.reply.Error("ERR DISCARD without MULTI");
  ctx.server.DiscardTransaction(ctx.client);
  ctx.reply.SimpleString("OK");
}

void CmdExec(CommandContext& ctx) {
  TransactionState& tx = ctx.client.tx();
  if (!tx.active) return ctx.reply.Error("ERR EXEC without MULTI");
  if (ctx.server.WatchedKeyExpired(ctx.client)) tx.watch_touched = true;
  if (tx.aborted) {
    ctx.server.DiscardTransaction(ctx.client);
    return ctx.reply.Error("EXECABORT Transaction discarded because of previous errors.");
  }
  if (tx.watch_touched) {
    ctx.server.DiscardTransaction(ctx.client);
    return ctx.reply.NullArray();
  }
  const std::vector<QueuedCommand> queued = std::move(tx.queued);
  ctx.server.DiscardTransaction(ctx.client);
  // The queue runs inside EXEC's own dispatch, so no other client runs in
  // between and clients blocked on keys it feeds are served after all of it.
  // Blocking commands answer their timeout reply at once.
  ctx.reply.ArrayHeader(static_cast<int64_t>(queued.size()));
  for (const auto& q : queued) ctx.server.Call(ctx.client, q.cmd, q.args, ctx.reply, false);
}

void CmdWatch(CommandContext& ctx) {
  if (ctx.client.tx().active) return ctx.reply.Error("ERR WATCH inside MULTI is not allowed");
  // Already dirty: EXEC fails whatever else is watched.
  if (!ctx.client.tx().watch_touched) {
    for (size_t i = 1; i < ctx.argc(); ++i) ctx.server.Watch(ctx.client, ctx.args[i]);
  }
  ctx.reply.SimpleString("OK");
}

void CmdUnwatch(CommandContext& ctx) {
  ctx.server.UnwatchAll(ctx.client);
  ctx.client.tx().watch_touched = false;
  ctx.reply.SimpleString("OK");
}

}  // namespace

void RegisterTransactionCommands(CommandTable& t) {
  constexpr uint32_t kTx = kCmdNoScript | kCmdLoading | kCmdStale;
  t.Add({"multi", 1, kTx | kCmdFast, 0, 0, 0, &CmdMulti})
      .Add({"exec", 1, kTx, 0, 0, 0, &CmdExec})
      .Add({"discard", 1, kTx | kCmdFast, 0, 0, 0, &CmdDiscard})
      .Add({"watch", -2, kTx | kCmdFast, 1, -1, 1, &CmdWatch})
      .Add({"unwatch", 1, kTx | kCmdFast, 0, 0, 0, &CmdUnwatch});
}

}  // namespace vigil::server

// Replication commands: REPLICAOF/SLAVEOF, REPLCONF, PSYNC, SYNC, ROLE, WAIT,
// FAILOVER.
// The state they act on lives in server/replication/replication.h.
#include "server/command.h"
#include "server/command_table.h"
#include "server/server.h"

namespace vigil::server {
namespace {

void CmdReplicaOf(CommandContext& ctx) { ctx.server.replication().CmdReplicaOf(ctx); }
void CmdReplconf(CommandContext& ctx) { ctx.server.replication().CmdReplconf(ctx); }
void CmdPsync(CommandContext& ctx) { ctx.server.replication().CmdSync(ctx, /*legacy=*/false); }
void CmdSync(CommandContext& ctx) { ctx.server.replication().CmdSync(ctx, /*legacy=*/true); }
void CmdRole(CommandContext& ctx) { ctx.server.replication().CmdRole(ctx); }
void CmdWait(CommandContext& ctx) { ctx.server.replication().CmdWait(ctx); }
void CmdFailover(CommandContext& ctx) { ctx.server.replication().CmdFailover(ctx); }

}  // namespace

void RegisterReplicationCommands(CommandTable& t) {
  constexpr uint32_t kAdmin = kCmdAdmin | kCmdNoScript;
  t.Add({"replicaof", 3, kAdmin | kCmdStale, 0, 0, 0, &CmdReplicaOf})
      .Add({"slaveof", 3, kAdmin | kCmdStale, 0, 0, 0, &CmdReplicaOf})
      .Add({"replconf", -1, kAdmin | kCmdLoading | kCmdStale | kCmdSkipMonitor, 0, 0, 0,
            &CmdReplconf})
      .Add({"psync", -3, kAdmin | kCmdNoMulti | kCmdSkipMonitor, 0, 0, 0, &CmdPsync})
      .Add({"sync", 1, kAdmin | kCmdNoMulti | kCmdSkipMonitor, 0, 0, 0, &CmdSync})
      .Add({"role", 1, kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, &CmdRole})
      .Add({"wait", 3, kCmdNoScript, 0, 0, 0, &CmdWait})
      .Add({"failover", -1, kAdmin | kCmdStale, 0, 0, 0, &CmdFailover});
}

}  // namespace vigil::server

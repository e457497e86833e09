// Persistence commands: SAVE BGSAVE BGREWRITEAOF.
#include "common/util/strings.h"
#include "server/command_table.h"
#include "server/errors.h"
#include "server/persistence/persistence.h"
#include "server/server.h"

namespace vigil::server {
namespace {

void CmdSave(CommandContext& ctx) {
  Status st = ctx.server.persistence().Save();
  if (!st.ok()) {
    ctx.reply.Error(st.message().rfind("ERR ", 0) == 0 ? st.message() : "ERR " + st.message());
    return;
  }
  ctx.reply.SimpleString("OK");
}

// BGSAVE [SCHEDULE]
void CmdBgSave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.argc() == 2) {
    if (!EqualsIgnoreCase(ctx.args[1], "SCHEDULE")) return ctx.reply.Error(errors::kSyntax);
    schedule = true;
  } else if (ctx.argc() > 2) {
    return ctx.reply.Error(errors::kSyntax);
  }
  auto r = ctx.server.persistence().BackgroundSave(schedule);
  if (!r.ok()) return ctx.reply.Error(r.message());
  ctx.reply.SimpleString(*r);
}

void CmdBgRewriteAof(CommandContext& ctx) {
  auto r = ctx.server.persistence().BackgroundRewriteAof();
  if (!r.ok()) return ctx.reply.Error(r.message());
  ctx.reply.SimpleString(*r);
}

}  // namespace

void RegisterPersistenceCommands(CommandTable& table) {
  table.Add({"save", 1, kCmdAdmin | kCmdNoMulti, 0, 0, 0, &CmdSave})
      // BGSAVE and BGREWRITEAOF may be queued: inside EXEC they are scheduled.
      .Add({"bgsave", -1, kCmdAdmin | kCmdNoScript, 0, 0, 0, &CmdBgSave})
      .Add({"bgrewriteaof", 1, kCmdAdmin | kCmdNoScript, 0, 0, 0, &CmdBgRewriteAof});
}

}  // namespace vigil::server

// Connection commands: PING ECHO QUIT SELECT AUTH HELLO RESET.
#include "common/util/strings.h"
#include "server/command_table.h"
#include "server/connection.h"
#include "server/errors.h"
#include "server/server.h"

namespace vigil::server {
namespace {

void CmdPing(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    ctx.reply.Error(errors::WrongArity("ping"));
  } else if (ctx.client.subscribed() && ctx.client.protocol() == 2) {
    // A subscribed RESP2 client reads every frame as a message: ["pong", arg].
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("pong");
    ctx.reply.Bulk(ctx.argc() == 2 ? std::string_view(ctx.args[1]) : "");
  } else if (ctx.argc() == 2) {
    ctx.reply.Bulk(ctx.args[1]);
  } else {
    ctx.reply.SimpleString("PONG");
  }
}

void CmdEcho(CommandContext& ctx) { ctx.reply.Bulk(ctx.args[1]); }

void CmdQuit(CommandContext& ctx) {
  ctx.reply.SimpleString("OK");
  ctx.client.CloseAfterReply();
}

void CmdSelect(CommandContext& ctx) {
  auto idx = ParseInt64(ctx.args[1]);
  if (!idx) {
    ctx.reply.Error(errors::kNotInteger);
    return;
  }
  if (*idx < 0 || *idx >= ctx.server.config().databases) {
    ctx.reply.Error(errors::kDbIndexOutOfRange);
    return;
  }
  ctx.client.set_db_index(static_cast<int>(*idx));
  ctx.reply.SimpleString("OK");
}

// Checks a user/password pair against requirepass (only the "default" user
// exists until ACLs arrive).
bool CheckPassword(Server& server, std::string_view user, std::string_view pass) {
  return user == "default" && pass == server.config().requirepass;
}

void CmdAuth(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  std::string_view user = ctx.argc() == 3 ? std::string_view(ctx.args[1]) : "default";
  std::string_view pass = ctx.args.back();
  if (ctx.argc() == 2 && ctx.server.config().requirepass.empty()) {
    ctx.reply.Error(errors::kAuthNotConfigured);
    return;
  }
  if (ctx.server.config().requirepass.empty() && user == "default") {
    ctx.client.set_authenticated(true);  // nopass default user accepts any password
    ctx.reply.SimpleString("OK");
    return;
  }
  if (!CheckPassword(ctx.server, user, pass)) {
    ctx.reply.Error(errors::kWrongPass);
    return;
  }
  ctx.client.set_authenticated(true);
  ctx.reply.SimpleString("OK");
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void CmdHello(CommandContext& ctx) {
  const auto& a = ctx.args;
  int proto = ctx.client.protocol();
  size_t i = 1;
  if (a.size() >= 2) {
    auto v = ParseInt64(a[1]);
    if (!v) {
      ctx.reply.Error("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (*v < 2 || *v > 3) {
      ctx.reply.Error("NOPROTO unsupported protocol version");
      return;
    }
    proto = static_cast<int>(*v);
    i = 2;
  }
  std::string setname;
  bool has_setname = false;
  for (; i < a.size(); ++i) {
    if (EqualsIgnoreCase(a[i], "AUTH") && i + 2 < a.size()) {
      if (!(ctx.server.config().requirepass.empty() && a[i + 1] == "default") &&
          !CheckPassword(ctx.server, a[i + 1], a[i + 2])) {
        ctx.reply.Error(errors::kWrongPass);
        return;
      }
      ctx.client.set_authenticated(true);
      i += 2;
    } else if (EqualsIgnoreCase(a[i], "SETNAME") && i + 1 < a.size()) {
      setname = a[i + 1];
      has_setname = true;
      ++i;
    } else {
      ctx.reply.Error("ERR Syntax error in HELLO option '" + a[i] + "'");
      return;
    }
  }
  if (!ctx.client.authenticated()) {
    ctx.reply.Error("NOAUTH HELLO must be called with the client already authenticated, "
                    "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to "
                    "authenticate the client and select the RESP protocol version at the same "
                    "time");
    return;
  }
  if (has_setname) ctx.client.set_name(setname);
  ctx.client.set_protocol(proto);
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk("7.0.15");
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(proto);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id()));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk("standalone");
  ctx.reply.Bulk("role");
  ctx.reply.Bulk("master");
  ctx.reply.Bulk("modules");
  ctx.reply.ArrayHeader(0);
}

// RESET: back to a fresh connection's state (no MONITOR, MULTI, WATCH or
// subscriptions, DB 0, RESP2, no name, default authentication).
void CmdReset(CommandContext& ctx) {
  ctx.server.ResetClientState(ctx.client);
  ctx.client.set_db_index(0);
  ctx.client.set_protocol(2);
  ctx.client.set_name("");
  ctx.client.set_authenticated(!ctx.server.RequiresAuth());
  ctx.reply.SimpleString("RESET");
}

}  // namespace

void RegisterConnectionCommands(CommandTable& t) {
  constexpr uint32_t kConn = kCmdFast | kCmdLoading | kCmdStale;
  t.Add({"ping", -1, kConn, 0, 0, 0, &CmdPing})
      .Add({"echo", 2, kConn, 0, 0, 0, &CmdEcho})
      .Add({"quit", -1, kConn | kCmdNoAuth, 0, 0, 0, &CmdQuit})
      .Add({"select", 2, kConn, 0, 0, 0, &CmdSelect})
      .Add({"auth", -2, kConn | kCmdNoAuth | kCmdNoScript | kCmdSkipMonitor, 0, 0, 0, &CmdAuth})
      .Add({"hello", -1, kConn | kCmdNoAuth | kCmdNoScript | kCmdSkipMonitor, 0, 0, 0,
            &CmdHello})
      .Add({"reset", 1, kConn | kCmdNoAuth | kCmdNoScript, 0, 0, 0, &CmdReset});
}

}  // namespace vigil::server

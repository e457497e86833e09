// Server administration: INFO CONFIG CLIENT COMMAND TIME SHUTDOWN.
#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/command_table.h"
#include "server/connection.h"
#include "server/errors.h"
#include "server/server.h"

namespace vigil::server {
namespace {

std::string InfoServer(Server& s) {
  int64_t uptime = (MonotonicMs() - s.start_ms()) / 1000;
  return fmt::format(
      "# Server\r\nredis_version:7.0.15\r\nvigil_version:{}\r\nredis_mode:standalone\r\n"
      "os:Linux\r\narch_bits:64\r\nprocess_id:{}\r\nrun_id:{}\r\ntcp_port:{}\r\n"
      "uptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nexecutable:\r\nconfig_file:{}\r\n",
      VIGIL_VERSION, getpid(), s.run_id(), s.config().port, uptime, uptime / 86400,
      s.config().hz, s.config_file());
}

std::string InfoClients(Server& s) {
  return fmt::format("# Clients\r\nconnected_clients:{}\r\nmaxclients:{}\r\nblocked_clients:0\r\n",
                     s.clients().size(), s.config().maxclients);
}

std::string InfoStats(Server& s) {
  const auto& st = s.stats();
  return fmt::format(
      "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\n"
      "total_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\nrejected_connections:{}\r\n"
      "expired_keys:{}\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\n",
      st.total_connections_received, st.total_commands_processed, st.total_net_input_bytes,
      st.total_net_output_bytes, st.rejected_connections, st.expired_keys, st.keyspace_hits,
      st.keyspace_misses);
}

std::string InfoKeyspace(Server& s) {
  std::string out = "# Keyspace\r\n";
  for (size_t i = 0; i < s.dbs().size(); ++i) {
    const auto& db = s.dbs()[i];
    if (db.size() == 0) continue;
    out += fmt::format("db{}:keys={},expires={},avg_ttl=0\r\n", i, db.size(), db.expires_size());
  }
  return out;
}

void CmdInfo(CommandContext& ctx) {
  using Fn = std::string (*)(Server&);
  const std::vector<std::pair<std::string, Fn>> sections = {
      {"server", &InfoServer}, {"clients", &InfoClients}, {"stats", &InfoStats},
      {"keyspace", &InfoKeyspace}};
  std::vector<std::string> wanted;
  for (size_t i = 1; i < ctx.argc(); ++i) wanted.push_back(ToLower(ctx.args[i]));
  bool all = wanted.empty() ||
             std::any_of(wanted.begin(), wanted.end(), [](const std::string& w) {
               return w == "all" || w == "default" || w == "everything";
             });
  std::string out;
  for (const auto& [name, fn] : sections) {
    if (!all && std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
    if (!out.empty()) out += "\r\n";
    out += fn(ctx.server);
  }
  ctx.reply.Verbatim(out);
}

void CmdConfigGet(CommandContext& ctx) {
  std::vector<std::string> patterns(ctx.args.begin() + 2, ctx.args.end());
  auto pairs = ctx.server.registry().Get(patterns);
  ctx.reply.MapHeader(static_cast<int64_t>(pairs.size()));
  for (const auto& [k, v] : pairs) {
    ctx.reply.Bulk(k);
    ctx.reply.Bulk(v);
  }
}

void CmdConfigSet(CommandContext& ctx) {
  if (ctx.argc() % 2 != 0) return ctx.reply.Error(errors::WrongArity("config|set"));
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) pairs.emplace_back(ctx.args[i], ctx.args[i + 1]);
  Status st = ctx.server.registry().Set(pairs, ctx.client.peer_is_loopback());
  if (!st.ok()) return ctx.reply.Error(st.message());
  ctx.reply.SimpleString("OK");
}

void CmdConfigRewrite(CommandContext& ctx) {
  if (ctx.server.config_file().empty())
    return ctx.reply.Error("ERR The server is running without a config file");
  Status st = ctx.server.registry().Rewrite(ctx.server.config_file());
  if (!st.ok()) return ctx.reply.Error("ERR Rewriting config file: " + st.message());
  ctx.reply.SimpleString("OK");
}

void CmdConfigResetStat(CommandContext& ctx) {
  ctx.server.stats() = ServerStats{};
  ctx.reply.SimpleString("OK");
}

void CmdClientId(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.client.id())); }

void CmdClientSetName(CommandContext& ctx) {
  for (char c : ctx.args[2]) {
    if (c < '!' || c > '~')
      return ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
  }
  ctx.client.set_name(ctx.args[2]);
  ctx.reply.SimpleString("OK");
}

void CmdClientGetName(CommandContext& ctx) {
  if (ctx.client.name().empty()) return ctx.reply.Null();
  ctx.reply.Bulk(ctx.client.name());
}

std::string ClientLine(const Client& c) {
  int64_t now = MonotonicMs();
  return fmt::format(
      "id={} addr={} laddr={} fd=0 name={} age={} idle={} flags=N db={} sub=0 psub=0 ssub=0 "
      "multi=-1 qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 obl=0 oll=0 omem={} tot-mem=0 "
      "events=r cmd={} user=default redir=-1 resp={}\n",
      c.id(), c.peer(), c.local(), c.name(), (now - c.created_ms()) / 1000,
      (now - c.last_interaction_ms()) / 1000, c.db_index(), c.query_buffer_size(),
      c.output_buffer_size(), ToLower(c.last_command()), c.protocol());
}

void CmdClientList(CommandContext& ctx) {
  std::string out;
  for (const auto& [id, c] : ctx.server.clients()) out += ClientLine(*c);
  ctx.reply.Verbatim(out);
}

void CmdClientInfo(CommandContext& ctx) { ctx.reply.Verbatim(ClientLine(ctx.client)); }

// CLIENT KILL ip:port | CLIENT KILL [ID id] [ADDR ip:port] [LADDR ip:port] [SKIPME yes/no]
void CmdClientKill(CommandContext& ctx) {
  const auto& a = ctx.args;
  std::vector<std::shared_ptr<Client>> victims;
  if (a.size() == 3) {
    for (const auto& [id, c] : ctx.server.clients())
      if (c->peer() == a[2]) victims.push_back(c);
    if (victims.empty()) return ctx.reply.Error("ERR No such client");
    for (auto& v : victims) {
      if (v.get() == &ctx.client) v->CloseAfterReply(); else v->Close();
    }
    return ctx.reply.SimpleString("OK");
  }
  if ((a.size() - 2) % 2 != 0) return ctx.reply.Error(errors::kSyntax);
  std::optional<uint64_t> id;
  std::string addr, laddr;
  bool skipme = true;
  for (size_t i = 2; i + 1 < a.size(); i += 2) {
    if (EqualsIgnoreCase(a[i], "ID")) {
      auto v = ParseUint64(a[i + 1]);
      if (!v || *v == 0) return ctx.reply.Error("ERR client-id should be greater than 0");
      id = *v;
    } else if (EqualsIgnoreCase(a[i], "ADDR")) {
      addr = a[i + 1];
    } else if (EqualsIgnoreCase(a[i], "LADDR")) {
      laddr = a[i + 1];
    } else if (EqualsIgnoreCase(a[i], "SKIPME")) {
      if (EqualsIgnoreCase(a[i + 1], "yes")) skipme = true;
      else if (EqualsIgnoreCase(a[i + 1], "no")) skipme = false;
      else return ctx.reply.Error(errors::kSyntax);
    } else if (EqualsIgnoreCase(a[i], "TYPE")) {
      std::string t = ToLower(a[i + 1]);
      if (t != "normal" && t != "master" && t != "replica" && t != "slave" && t != "pubsub")
        return ctx.reply.Error("ERR Unknown client type '" + a[i + 1] + "'");
      // Every client is "normal" until replication and pub/sub arrive.
      if (t != "normal") return ctx.reply.Integer(0);
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  for (const auto& [cid, c] : ctx.server.clients()) {
    if (id && c->id() != *id) continue;
    if (!addr.empty() && c->peer() != addr) continue;
    if (!laddr.empty() && c->local() != laddr) continue;
    if (skipme && c.get() == &ctx.client) continue;
    victims.push_back(c);
  }
  for (auto& v : victims) {
    if (v.get() == &ctx.client) v->CloseAfterReply(); else v->Close();
  }
  ctx.reply.Integer(static_cast<int64_t>(victims.size()));
}

void CmdCommandCount(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.commands().all().size()));
}

// COMMAND with no arguments: redis-cli 7 only needs the reply to be an array;
// full COMMAND INFO/DOCS come with the rest of the command table metadata.
void CmdCommand(CommandContext& ctx) {
  if (ctx.argc() > 1) {
    return ctx.reply.Error("ERR unknown subcommand '" + ctx.args[1] + "'. Try COMMAND HELP.");
  }
  ctx.reply.ArrayHeader(0);
}

void CmdCommandDocs(CommandContext& ctx) { ctx.reply.MapHeader(0); }

void CmdTime(CommandContext& ctx) {
  int64_t us = UnixUs();
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(us / 1000000));
  ctx.reply.Bulk(std::to_string(us % 1000000));
}

void CmdShutdown(CommandContext& ctx) {
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string o = ToLower(ctx.args[i]);
    if (o != "nosave" && o != "save" && o != "now" && o != "force" && o != "abort")
      return ctx.reply.Error(errors::kSyntax);
  }
  ctx.server.Shutdown();
}

void SubcommandDispatchError(CommandContext& ctx) {
  ctx.reply.Error("ERR unknown subcommand '" + ctx.args[1].substr(0, 128) + "'. Try " +
                  ToUpper(ctx.args[0]) + " HELP.");
}

}  // namespace

void RegisterServerAdminCommands(CommandTable& t) {
  constexpr uint32_t kA = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
  t.Add({"info", -1, kCmdLoading | kCmdStale, 0, 0, 0, &CmdInfo})
      .Add({"config", -2, kA, 0, 0, 0, &SubcommandDispatchError,
            {{"get", -3, kA, 0, 0, 0, &CmdConfigGet},
             {"set", -4, kA, 0, 0, 0, &CmdConfigSet},
             {"rewrite", 2, kA, 0, 0, 0, &CmdConfigRewrite},
             {"resetstat", 2, kA, 0, 0, 0, &CmdConfigResetStat}}})
      .Add({"client", -2, kCmdNoScript | kCmdLoading | kCmdStale, 0, 0, 0,
            &SubcommandDispatchError,
            {{"id", 2, 0, 0, 0, 0, &CmdClientId},
             {"setname", 3, 0, 0, 0, 0, &CmdClientSetName},
             {"getname", 2, 0, 0, 0, 0, &CmdClientGetName},
             {"list", -2, kCmdAdmin, 0, 0, 0, &CmdClientList},
             {"info", 2, 0, 0, 0, 0, &CmdClientInfo},
             {"kill", -3, kCmdAdmin, 0, 0, 0, &CmdClientKill}}})
      .Add({"command", -1, kCmdLoading | kCmdStale, 0, 0, 0, &CmdCommand,
            {{"count", 2, 0, 0, 0, 0, &CmdCommandCount},
             {"docs", -2, 0, 0, 0, 0, &CmdCommandDocs}}})
      .Add({"time", 1, kCmdFast | kCmdLoading | kCmdStale, 0, 0, 0, &CmdTime})
      .Add({"shutdown", -1, kA, 0, 0, 0, &CmdShutdown});
}

}  // namespace vigil::server

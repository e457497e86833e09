// Server administration: INFO CONFIG CLIENT COMMAND SLOWLOG OBJECT DEBUG MONITOR LASTSAVE
// TIME SHUTDOWN.
#include <unistd.h>

#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/util/clock.h"
#include "common/util/glob.h"
#include "common/util/strings.h"
#include "server/command_table.h"
#include "server/commands/command_docs.h"
#include "server/commands/debug_digest.h"
#include "server/commands/info_util.h"
#include "server/connection.h"
#include "server/db/database.h"
#include "server/errors.h"
#include "server/server.h"

namespace vigil::server {
namespace {

void CmdInfo(CommandContext& ctx) {
  ctx.reply.Verbatim(GenerateInfo(ctx.server, {ctx.args.begin() + 1, ctx.args.end()}));
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
  // appendonly takes effect at once: turning it on starts the background
  // rewrite that writes the first base (as Redis 7.0); off stops the AOF.
  ServerConfig& cfg = ctx.server.config();
  if (Status ap = ctx.server.persistence().SetAppendOnly(cfg.appendonly); !ap.ok()) {
    spdlog::warn("{}", ap.message());
    cfg.appendonly = !cfg.appendonly;
    return ctx.reply.Error(
        "ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on "
        "AOF. Check server logs.");
  }
  // repl-backlog-size resizes the backlog at once, keeping its newest bytes.
  ctx.server.replication().ApplyBacklogSize();
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
  ctx.server.ResetStats();
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

// Parses a CLIENT KILL/LIST TYPE argument; nullopt (after the error) for an
// unknown class.
std::optional<ClientClass> ClientTypeArg(CommandContext& ctx, const std::string& arg) {
  std::string t = ToLower(arg);
  if (t == "normal") return ClientClass::kNormal;
  if (t == "replica" || t == "slave") return ClientClass::kReplica;
  if (t == "pubsub") return ClientClass::kPubSub;
  if (t == "master") return ClientClass::kMaster;
  ctx.reply.Error("ERR Unknown client type '" + arg + "'");
  return std::nullopt;
}

// CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id ...]
void CmdClientList(CommandContext& ctx) {
  const auto& a = ctx.args;
  std::optional<ClientClass> type;
  std::vector<uint64_t> ids;
  if (a.size() == 4 && EqualsIgnoreCase(a[2], "TYPE")) {
    type = ClientTypeArg(ctx, a[3]);
    if (!type) return;
  } else if (a.size() >= 4 && EqualsIgnoreCase(a[2], "ID")) {
    for (size_t i = 3; i < a.size(); ++i) {
      auto v = ParseInt64(a[i]);
      if (!v || *v <= 0) return ctx.reply.Error("ERR Invalid client ID");
      ids.push_back(static_cast<uint64_t>(*v));
    }
  } else if (a.size() != 2) {
    return ctx.reply.Error(errors::kSyntax);
  }
  std::string out;
  for (const auto& [id, c] : ctx.server.clients()) {
    if (type && c->client_class() != *type) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    out += c->InfoString();
  }
  ctx.reply.Verbatim(out);
}

void CmdClientInfo(CommandContext& ctx) { ctx.reply.Verbatim(ctx.client.InfoString()); }

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
  std::optional<ClientClass> type;
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
      type = ClientTypeArg(ctx, a[i + 1]);
      if (!type) return;
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  for (const auto& [cid, c] : ctx.server.clients()) {
    if (id && c->id() != *id) continue;
    if (!addr.empty() && c->peer() != addr) continue;
    if (!laddr.empty() && c->local() != laddr) continue;
    if (type && c->client_class() != *type) continue;
    if (skipme && c.get() == &ctx.client) continue;
    victims.push_back(c);
  }
  for (auto& v : victims) {
    if (v.get() == &ctx.client) v->CloseAfterReply(); else v->Close();
  }
  ctx.reply.Integer(static_cast<int64_t>(victims.size()));
}

// CLIENT PAUSE timeout [WRITE|ALL]: the covered commands wait (they are not
// refused) until the timeout passes or CLIENT UNPAUSE.
void CmdClientPause(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    return ctx.reply.Error(
        "ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP.");
  }
  auto ms = ParseInt64(ctx.args[2]);
  if (!ms) return ctx.reply.Error("ERR timeout is not an integer or out of range");
  if (*ms < 0) return ctx.reply.Error("ERR timeout is negative");
  Server::PauseMode mode = Server::PauseMode::kAll;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.args[3], "write")) {
      mode = Server::PauseMode::kWrite;
    } else if (!EqualsIgnoreCase(ctx.args[3], "all")) {
      return ctx.reply.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
    }
  }
  ctx.server.PauseClients(mode, MonotonicMs() + *ms);
  ctx.reply.SimpleString("OK");
}

void CmdClientUnpause(CommandContext& ctx) {
  ctx.server.UnpauseClients();
  ctx.reply.SimpleString("OK");
}

void CmdCommandCount(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.commands().all().size()));
}

// COMMAND / COMMAND INFO entries in Redis 7's shape: name, arity, flags,
// first key, last key, step, ACL categories, tips, key specs, subcommands.
void ReplyCommandInfo(resp::Writer& w, const CommandSpec& c, const std::string& name) {
  static const std::pair<uint32_t, const char*> kFlagNames[] = {
      {kCmdWrite, "write"},         {kCmdReadOnly, "readonly"},  {kCmdDenyOom, "denyoom"},
      {kCmdAdmin, "admin"},         {kCmdPubSub, "pubsub"},      {kCmdNoScript, "noscript"},
      {kCmdBlocking, "blocking"},   {kCmdLoading, "loading"},    {kCmdStale, "stale"},
      {kCmdSkipMonitor, "skip_monitor"}, {kCmdFast, "fast"},     {kCmdNoAuth, "no_auth"},
  };
  w.ArrayHeader(10);
  w.Bulk(name);
  w.Integer(c.arity);
  std::vector<std::string> flags;
  for (const auto& [bit, text] : kFlagNames)
    if (c.flags & bit) flags.emplace_back(text);
  w.SetHeader(static_cast<int64_t>(flags.size()));
  for (const auto& f : flags) w.SimpleString(f);
  w.Integer(c.first_key);
  w.Integer(c.last_key);
  w.Integer(c.key_step);
  w.SetHeader(0);    // ACL categories: no ACLs yet
  w.SetHeader(0);    // tips
  w.ArrayHeader(0);  // key specs: first/last/step above carry the same facts
  w.ArrayHeader(static_cast<int64_t>(c.subcommands.size()));
  for (const auto& sub : c.subcommands) ReplyCommandInfo(w, sub, name + "|" + sub.name);
}

void CmdCommand(CommandContext& ctx) {
  if (ctx.argc() > 1) {
    return ctx.reply.Error("ERR unknown subcommand '" + ctx.args[1].substr(0, 128) +
                           "'. Try COMMAND HELP.");
  }
  const auto& all = ctx.server.commands().all();
  ctx.reply.ArrayHeader(static_cast<int64_t>(all.size()));
  for (const auto& [name, spec] : all) ReplyCommandInfo(ctx.reply, spec, name);
}

// COMMAND INFO [name ...]: nil for unknown names; no names means all.
void CmdCommandInfo(CommandContext& ctx) {
  const auto& table = ctx.server.commands();
  if (ctx.argc() == 2) {
    ctx.reply.ArrayHeader(static_cast<int64_t>(table.all().size()));
    for (const auto& [name, spec] : table.all()) ReplyCommandInfo(ctx.reply, spec, name);
    return;
  }
  ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const CommandSpec* spec = table.Find(ctx.args[i]);
    if (spec) ReplyCommandInfo(ctx.reply, *spec, spec->name); else ctx.reply.NullArray();
  }
}

// COMMAND LIST (the FILTERBY forms are not supported yet).
// COMMAND LIST [FILTERBY MODULE name | PATTERN glob]: every command and
// subcommand by full name ("config|get"), as Redis 7.0 lists them. There are
// no modules, so MODULE matches nothing. ACLCAT needs ACL categories, which
// vigil does not have yet.
void CmdCommandList(CommandContext& ctx) {
  std::optional<std::string_view> pattern;
  if (ctx.argc() != 2) {
    if (ctx.argc() != 5 || !EqualsIgnoreCase(ctx.args[2], "filterby"))
      return ctx.reply.Error(errors::kSyntax);
    if (EqualsIgnoreCase(ctx.args[3], "pattern")) {
      pattern = ctx.args[4];
    } else if (EqualsIgnoreCase(ctx.args[3], "module")) {
      return ctx.reply.ArrayHeader(0);
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  std::vector<std::string> names;
  const auto add = [&](const std::string& name) {
    if (!pattern || GlobMatch(*pattern, name, /*nocase=*/true)) names.push_back(name);
  };
  for (const auto& [name, spec] : ctx.server.commands().all()) {
    add(name);
    for (const CommandSpec& sub : spec.subcommands) add(name + "|" + sub.name);
  }
  ctx.reply.BulkArray(names);
}

void CmdCommandDocs(CommandContext& ctx) {
  ReplyCommandDocs(ctx.reply, ctx.server.commands(), {ctx.args.begin() + 2, ctx.args.end()});
}

void CmdTime(CommandContext& ctx) {
  int64_t us = UnixUs();
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(us / 1000000));
  ctx.reply.Bulk(std::to_string(us % 1000000));
}

void CmdShutdown(CommandContext& ctx) {
  bool save = false, nosave = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string o = ToLower(ctx.args[i]);
    if (o != "nosave" && o != "save" && o != "now" && o != "force" && o != "abort")
      return ctx.reply.Error(errors::kSyntax);
    save |= o == "save";
    nosave |= o == "nosave";
  }
  if (save && nosave) return ctx.reply.Error(errors::kSyntax);
  if (!ctx.server.ShutdownWithSave(save, nosave).ok())
    ctx.reply.Error("ERR Errors trying to SHUTDOWN. Check logs.");
}

// SLOWLOG GET [count]: newest first; count -1 means all (Redis 7).
void CmdSlowlogGet(CommandContext& ctx) {
  auto& log = ctx.server.slowlog();
  int64_t count = 10;
  if (ctx.argc() == 3) {
    auto v = ParseInt64(ctx.args[2]);
    if (!v || *v < -1) return ctx.reply.Error("ERR count should be greater than or equal to -1");
    count = *v == -1 ? static_cast<int64_t>(log.size()) : *v;
  }
  int64_t n = std::min<int64_t>(count, static_cast<int64_t>(log.size()));
  ctx.reply.ArrayHeader(n);
  for (int64_t i = 0; i < n; ++i) {
    const auto& e = log[static_cast<size_t>(i)];
    ctx.reply.ArrayHeader(6);
    ctx.reply.Integer(static_cast<int64_t>(e.id));
    ctx.reply.Integer(e.unix_time);
    ctx.reply.Integer(e.duration_us);
    ctx.reply.BulkArray(e.args);
    ctx.reply.Bulk(e.peer);
    ctx.reply.Bulk(e.client_name);
  }
}

void CmdSlowlogLen(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.slowlog().size()));
}

void CmdSlowlogReset(CommandContext& ctx) {
  ctx.server.slowlog().clear();
  ctx.reply.SimpleString("OK");
}

// OBJECT looks keys up as Redis's objectCommandLookup: counted, not touched.
void CmdObjectEncoding(CommandContext& ctx) {
  Object* o = ctx.LookupRead(ctx.args[2], /*touch=*/false);
  if (!o) return ctx.reply.Null();
  ctx.reply.Bulk(o->EncodingName());
}

// Redis's tail of the OBJECT IDLETIME / FREQ errors.
constexpr std::string_view kPolicySwitchNote =
    " Please note that when switching between policies at runtime LRU and LFU data will take "
    "some time to adjust.";

void CmdObjectIdleTime(CommandContext& ctx) {
  const Object* o = ctx.LookupRead(ctx.args[2], /*touch=*/false);
  if (o == nullptr) return ctx.reply.Null();
  if (ctx.db().tracks_lfu()) {
    return ctx.reply.Error("ERR An LFU maxmemory policy is selected, idle time not tracked." +
                           std::string(kPolicySwitchNote));
  }
  ctx.reply.Integer(std::max<int64_t>(0, UnixMs() / 1000 - o->lru_s));
}

void CmdObjectRefCount(CommandContext& ctx) {
  if (!ctx.LookupRead(ctx.args[2], /*touch=*/false)) return ctx.reply.Null();
  ctx.reply.Integer(1);
}

void CmdObjectFreq(CommandContext& ctx) {
  const Object* o = ctx.LookupRead(ctx.args[2], /*touch=*/false);
  if (o == nullptr) return ctx.reply.Null();
  if (!ctx.db().tracks_lfu()) {
    return ctx.reply.Error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked." +
        std::string(kPolicySwitchNote));
  }
  // The counter as decayed now, without storing the decay (LFUDecrAndReturn).
  const AccessTracking& t = ctx.server.evictor().tracking();
  ctx.reply.Integer(lfu::DecayedCounter(o->lru_s, UnixMs(), t.decay_time));
}

// DEBUG RELOAD: save the dataset and load it back (a round trip through
// the RDB code, used by tests).
void CmdDebugReload(CommandContext& ctx) {
  Status st = ctx.server.persistence().Reload();
  if (!st.ok()) return ctx.reply.Error(st.message().rfind("ERR ", 0) == 0 ? st.message() : "ERR " + st.message());
  ctx.reply.SimpleString("OK");
}

void CmdDebugSleep(CommandContext& ctx) {
  auto secs = ParseDouble(ctx.args[2]);
  if (!secs) return ctx.reply.Error(errors::kNotFloat);
  // DEBUG SLEEP blocks the whole server on purpose: tests use it to simulate
  // a stuck instance.
  if (*secs > 0) usleep(static_cast<useconds_t>(*secs * 1e6));
  ctx.reply.SimpleString("OK");
}

void CmdLastSave(CommandContext& ctx) {
  // The last successful save; the start (or load) time before the first.
  ctx.reply.Integer(ctx.server.persistence().last_save_unix());
}

void CmdMonitor(CommandContext& ctx) {
  if (!ctx.client.is_monitor()) {
    ctx.client.set_monitor(true);
    ctx.server.AddMonitor(ctx.client.id());
  }
  ctx.reply.SimpleString("OK");
}

// <CONTAINER> HELP, for every container (RegisterContainerHelp).
void CmdContainerHelp(CommandContext& ctx) {
  const CommandSpec* container = ctx.server.commands().Find(ctx.args[0]);
  const std::vector<std::string> lines = SubcommandHelpLines(ctx.args[0], *container);
  ctx.reply.ArrayHeader(static_cast<int64_t>(lines.size()));
  for (const std::string& line : lines) ctx.reply.SimpleString(line);
}

}  // namespace

void RegisterContainerHelp(CommandTable& t) { t.AddHelpSubcommands(&CmdContainerHelp); }

// Containers with a nullptr handler always take a subcommand (arity -2);
// the dispatcher answers unknown ones ("unknown subcommand ... Try X HELP.").
void RegisterServerAdminCommands(CommandTable& t) {
  constexpr uint32_t kA = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
  t.Add({"info", -1, kCmdLoading | kCmdStale, 0, 0, 0, &CmdInfo})
      .Add({"config", -2, kA, 0, 0, 0, nullptr,
            {{"get", -3, kA, 0, 0, 0, &CmdConfigGet},
             {"set", -4, kA, 0, 0, 0, &CmdConfigSet},
             {"rewrite", 2, kA, 0, 0, 0, &CmdConfigRewrite},
             {"resetstat", 2, kA, 0, 0, 0, &CmdConfigResetStat}}})
      .Add({"client", -2, kCmdNoScript | kCmdLoading | kCmdStale, 0, 0, 0,
            nullptr,
            {{"id", 2, 0, 0, 0, 0, &CmdClientId},
             {"setname", 3, 0, 0, 0, 0, &CmdClientSetName},
             {"getname", 2, 0, 0, 0, 0, &CmdClientGetName},
             {"list", -2, kCmdAdmin, 0, 0, 0, &CmdClientList},
             {"info", 2, 0, 0, 0, 0, &CmdClientInfo},
             {"kill", -3, kCmdAdmin, 0, 0, 0, &CmdClientKill},
             {"pause", -3, kCmdAdmin, 0, 0, 0, &CmdClientPause},
             {"unpause", 2, kCmdAdmin, 0, 0, 0, &CmdClientUnpause}}})
      .Add({"command", -1, kCmdLoading | kCmdStale, 0, 0, 0, &CmdCommand,
            {{"count", 2, 0, 0, 0, 0, &CmdCommandCount},
             {"info", -2, 0, 0, 0, 0, &CmdCommandInfo},
             {"list", -2, 0, 0, 0, 0, &CmdCommandList},
             {"docs", -2, 0, 0, 0, 0, &CmdCommandDocs}}})
      .Add({"slowlog", -2, kCmdAdmin | kCmdLoading | kCmdStale, 0, 0, 0,
            nullptr,
            {{"get", -2, kCmdAdmin, 0, 0, 0, &CmdSlowlogGet},
             {"len", 2, kCmdAdmin, 0, 0, 0, &CmdSlowlogLen},
             {"reset", 2, kCmdAdmin, 0, 0, 0, &CmdSlowlogReset}}})
      .Add({"object", -2, kCmdReadOnly, 0, 0, 0, nullptr,
            {{"encoding", 3, kCmdReadOnly, 2, 2, 1, &CmdObjectEncoding},
             {"idletime", 3, kCmdReadOnly, 2, 2, 1, &CmdObjectIdleTime},
             {"refcount", 3, kCmdReadOnly, 2, 2, 1, &CmdObjectRefCount},
             {"freq", 3, kCmdReadOnly, 2, 2, 1, &CmdObjectFreq}}})
      .Add({"debug", -2, kA, 0, 0, 0, nullptr,
            {{"sleep", 3, kA, 0, 0, 0, &CmdDebugSleep},
             {"reload", -2, kA, 0, 0, 0, &CmdDebugReload},
             // DIGEST checks its own arity (Redis's wording); see debug_digest.cc.
             {"digest", -2, kA, 0, 0, 0, &CmdDebugDigest},
             {"digest-value", -2, kA, 0, 0, 0, &CmdDebugDigestValue}}})
      .Add({"monitor", 1, kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale, 0, 0, 0, &CmdMonitor})
      .Add({"lastsave", 1, kCmdFast | kCmdLoading | kCmdStale, 0, 0, 0, &CmdLastSave})
      .Add({"time", 1, kCmdFast | kCmdLoading | kCmdStale, 0, 0, 0, &CmdTime})
      .Add({"shutdown", -1, kA | kCmdNoMulti, 0, 0, 0, &CmdShutdown});
}

}  // namespace vigil::server

// Keyspace commands: DEL UNLINK EXISTS TYPE KEYS DBSIZE FLUSHDB FLUSHALL
// EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT) TTL PTTL EXPIRETIME
// PEXPIRETIME PERSIST TOUCH RENAME RENAMENX SWAPDB MOVE COPY RANDOMKEY.
#include <climits>

#include "common/util/clock.h"
#include "common/util/glob.h"
#include "common/util/strings.h"
#include "server/command_table.h"
#include "server/connection.h"
#include "server/db/database.h"
#include "server/errors.h"
#include "server/server.h"

namespace vigil::server {
namespace {

// Reports a key change in DB `db` (not necessarily the client's: MOVE, COPY
// DB): WATCH, dirty counter, and a generic keyspace event.
void Changed(CommandContext& ctx, int db, std::string_view key, std::string_view event) {
  ctx.server.SignalModifiedKey(db, key);
  ctx.server.NotifyKeyspaceEvent(kNotifyGeneric, event, key, db);
}

void Changed(CommandContext& ctx, std::string_view key, std::string_view event) {
  Changed(ctx, ctx.client.db_index(), key, event);
}

void CmdDel(CommandContext& ctx) {
  int64_t n = 0;
  int64_t now = UnixMs();
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (ctx.db().Lookup(ctx.args[i], now) && ctx.db().Delete(ctx.args[i])) {
      Changed(ctx, ctx.args[i], "del");
      ++n;
    }
  }
  ctx.reply.Integer(n);
}

void CmdExists(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) n += ctx.LookupRead(ctx.args[i], /*touch=*/false) ? 1 : 0;
  ctx.reply.Integer(n);
}

void CmdType(CommandContext& ctx) {
  Object* o = ctx.LookupRead(ctx.args[1], /*touch=*/false);
  ctx.reply.SimpleString(o ? TypeName(o->type()) : "none");
}

void CmdKeys(CommandContext& ctx) {
  std::vector<std::string> out;
  int64_t now = UnixMs();
  const auto& pattern = ctx.args[1];
  bool all = pattern == "*";
  ctx.db().ForEach([&](std::string_view k, const Object&) {
    auto exp = ctx.db().GetExpire(k);
    if (exp && *exp <= now) return;
    if (all || GlobMatch(pattern, k)) out.emplace_back(k);
  });
  ctx.reply.BulkArray(out);
}

void CmdDbSize(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.db().size())); }

// FLUSHDB/FLUSHALL [ASYNC|SYNC]: both run synchronously for now.
bool FlushModeOk(CommandContext& ctx) {
  if (ctx.argc() == 1) return true;
  if (ctx.argc() == 2 &&
      (EqualsIgnoreCase(ctx.args[1], "ASYNC") || EqualsIgnoreCase(ctx.args[1], "SYNC")))
    return true;
  ctx.reply.Error(errors::kSyntax);
  return false;
}

// Empties one DB: the clients watching one of its keys fail their EXEC.
void FlushOne(CommandContext& ctx, int index) {
  Database& db = ctx.server.db(index);
  ctx.server.TouchAllWatchedKeysInDb(index);
  ctx.server.add_dirty(db.size());
  db.Clear();
}

// Both reach replicas and the AOF even when there was nothing to delete
// (Redis 7.0 forces their propagation); clients blocked on keys of the DB
// stay blocked.
void CmdFlushDb(CommandContext& ctx) {
  if (!FlushModeOk(ctx)) return;
  FlushOne(ctx, ctx.client.db_index());
  ctx.PropagateAs(ctx.args);
  ctx.reply.SimpleString("OK");
}

void CmdFlushAll(CommandContext& ctx) {
  if (!FlushModeOk(ctx)) return;
  for (size_t i = 0; i < ctx.server.dbs().size(); ++i) FlushOne(ctx, static_cast<int>(i));
  ctx.PropagateAs(ctx.args);
  ctx.reply.SimpleString("OK");
}

// Shared body of EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT.
void GenericExpire(CommandContext& ctx, bool seconds, bool absolute) {
  const auto& a = ctx.args;
  bool nx = false, xx = false, gt = false, lt = false;
  for (size_t i = 3; i < a.size(); ++i) {
    if (EqualsIgnoreCase(a[i], "NX")) nx = true;
    else if (EqualsIgnoreCase(a[i], "XX")) xx = true;
    else if (EqualsIgnoreCase(a[i], "GT")) gt = true;
    else if (EqualsIgnoreCase(a[i], "LT")) lt = true;
    else return ctx.reply.Error("ERR Unsupported option " + a[i]);
  }
  if (nx && (xx || gt || lt))
    return ctx.reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
  if (gt && lt) return ctx.reply.Error("ERR GT and LT options at the same time are not compatible");
  // The options are checked before the time, as Redis does.
  auto v = ParseInt64(a[2]);
  if (!v) return ctx.reply.Error(errors::kNotInteger);
  std::string cmd = ToLower(a[0]);
  int64_t when = *v;
  if (seconds) {
    if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000)
      return ctx.reply.Error(errors::InvalidExpire(cmd));
    when *= 1000;
  }
  int64_t now = UnixMs();
  if (!absolute) {
    if ((when > 0 && now > LLONG_MAX - when) || (when < 0 && now < LLONG_MIN - when))
      return ctx.reply.Error(errors::InvalidExpire(cmd));
    when += now;
  }
  if (!ctx.db().Lookup(a[1], now)) return ctx.reply.Integer(0);
  auto cur = ctx.db().GetExpire(a[1]);
  if (nx && cur) return ctx.reply.Integer(0);
  if (xx && !cur) return ctx.reply.Integer(0);
  // A key without TTL counts as an infinite TTL for GT/LT.
  if (gt && (!cur || when <= *cur)) return ctx.reply.Integer(0);
  if (lt && cur && when >= *cur) return ctx.reply.Integer(0);
  if (when <= now) {
    ctx.db().Delete(a[1]);
    Changed(ctx, a[1], "del");
    ctx.PropagateAs({"DEL", a[1]});
  } else {
    ctx.db().SetExpire(a[1], when);
    Changed(ctx, a[1], "expire");
    // Replayed later (AOF, replicas), a relative time would extend the key.
    ctx.PropagateAs({"PEXPIREAT", a[1], std::to_string(when)});
  }
  ctx.reply.Integer(1);
}

void CmdExpire(CommandContext& ctx) { GenericExpire(ctx, true, false); }
void CmdPExpire(CommandContext& ctx) { GenericExpire(ctx, false, false); }
void CmdExpireAt(CommandContext& ctx) { GenericExpire(ctx, true, true); }
void CmdPExpireAt(CommandContext& ctx) { GenericExpire(ctx, false, true); }

// TTL family: -2 missing, -1 no TTL.
void GenericTtl(CommandContext& ctx, bool ms, bool absolute) {
  const int64_t now = UnixMs();
  if (!ctx.LookupRead(ctx.args[1], /*touch=*/false)) return ctx.reply.Integer(-2);
  auto e = ctx.db().GetExpire(ctx.args[1]);
  if (!e) return ctx.reply.Integer(-1);
  int64_t v = absolute ? *e : std::max<int64_t>(0, *e - now);
  ctx.reply.Integer(ms ? v : (absolute ? v / 1000 : (v + 500) / 1000));
}
void CmdTtl(CommandContext& ctx) { GenericTtl(ctx, false, false); }
void CmdPTtl(CommandContext& ctx) { GenericTtl(ctx, true, false); }
void CmdExpireTime(CommandContext& ctx) { GenericTtl(ctx, false, true); }
void CmdPExpireTime(CommandContext& ctx) { GenericTtl(ctx, true, true); }

void CmdPersist(CommandContext& ctx) {
  if (!ctx.db().Lookup(ctx.args[1], UnixMs())) return ctx.reply.Integer(0);
  if (!ctx.db().Persist(ctx.args[1])) return ctx.reply.Integer(0);
  Changed(ctx, ctx.args[1], "persist");
  ctx.reply.Integer(1);
}

// TOUCH counts as EXISTS does but updates the access time.
void CmdTouch(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) n += ctx.LookupRead(ctx.args[i]) ? 1 : 0;
  ctx.reply.Integer(n);
}

void GenericRename(CommandContext& ctx, bool nx) {
  int64_t now = UnixMs();
  Object* src = ctx.db().Lookup(ctx.args[1], now);
  if (!src) return ctx.reply.Error(errors::kNoSuchKey);
  if (ctx.args[1] == ctx.args[2]) return nx ? ctx.reply.Integer(0) : ctx.reply.SimpleString("OK");
  if (nx && ctx.db().Lookup(ctx.args[2], now)) return ctx.reply.Integer(0);
  Object moved = std::move(*src);
  auto ttl = ctx.db().GetExpire(ctx.args[1]);
  ctx.db().Delete(ctx.args[1]);
  ctx.db().Set(ctx.args[2], std::move(moved));
  if (ttl) ctx.db().SetExpire(ctx.args[2], *ttl);
  Changed(ctx, ctx.args[1], "rename_from");
  Changed(ctx, ctx.args[2], "rename_to");
  // A list or zset arriving under a key someone blocks on wakes them.
  ctx.KeyReady(ctx.args[2]);
  if (nx) ctx.reply.Integer(1); else ctx.reply.SimpleString("OK");
}
void CmdRename(CommandContext& ctx) { GenericRename(ctx, false); }
void CmdRenameNx(CommandContext& ctx) { GenericRename(ctx, true); }

// Parses a DB index argument; replies and returns nullopt when invalid.
std::optional<int> DbIndexArg(CommandContext& ctx, const std::string& arg) {
  auto v = ParseInt64(arg);
  if (!v) {
    ctx.reply.Error(errors::kNotInteger);
    return std::nullopt;
  }
  if (*v < 0 || *v >= ctx.server.config().databases) {
    ctx.reply.Error(errors::kDbIndexOutOfRange);
    return std::nullopt;
  }
  return static_cast<int>(*v);
}

void CmdSwapDb(CommandContext& ctx) {
  auto a = ParseInt64(ctx.args[1]);
  auto b = ParseInt64(ctx.args[2]);
  if (!a) return ctx.reply.Error("ERR invalid first DB index");
  if (!b) return ctx.reply.Error("ERR invalid second DB index");
  int64_t n = ctx.server.config().databases;
  if (*a < 0 || *a >= n || *b < 0 || *b >= n) return ctx.reply.Error(errors::kDbIndexOutOfRange);
  if (*a != *b) {
    const int first = static_cast<int>(*a), second = static_cast<int>(*b);
    ctx.server.TouchAllWatchedKeysInDb(first, second);
    ctx.server.TouchAllWatchedKeysInDb(second, first);
    ctx.server.db(first).Swap(ctx.server.db(second));
    ctx.server.add_dirty(1);
    // Blocked clients stay in their DB index: one waiting on a key that the
    // swapped-in dataset holds as a list or zset is served after this command.
    ctx.server.blocking().SignalReadyKeysInDb(first);
    ctx.server.blocking().SignalReadyKeysInDb(second);
  }
  ctx.reply.SimpleString("OK");
}

void CmdMove(CommandContext& ctx) {
  auto dst_index = DbIndexArg(ctx, ctx.args[2]);
  if (!dst_index) return;
  if (*dst_index == ctx.client.db_index())
    return ctx.reply.Error("ERR source and destination objects are the same");
  int64_t now = UnixMs();
  Object* src = ctx.db().Lookup(ctx.args[1], now);
  if (!src) return ctx.reply.Integer(0);
  Database& dst = ctx.server.db(*dst_index);
  if (dst.Lookup(ctx.args[1], now)) return ctx.reply.Integer(0);
  auto ttl = ctx.db().GetExpire(ctx.args[1]);
  dst.Set(ctx.args[1], std::move(*src));
  if (ttl) dst.SetExpire(ctx.args[1], *ttl);
  ctx.db().Delete(ctx.args[1]);
  Changed(ctx, ctx.args[1], "move_from");
  Changed(ctx, *dst_index, ctx.args[1], "move_to");
  ctx.server.SignalKeyAsReady(*dst_index, ctx.args[1]);
  ctx.reply.Integer(1);
}

// COPY source destination [DB destination-db] [REPLACE]
void CmdCopy(CommandContext& ctx) {
  const auto& a = ctx.args;
  int dst_index = ctx.client.db_index();
  bool replace = false;
  for (size_t i = 3; i < a.size(); ++i) {
    if (EqualsIgnoreCase(a[i], "REPLACE")) {
      replace = true;
    } else if (EqualsIgnoreCase(a[i], "DB") && i + 1 < a.size()) {
      auto d = DbIndexArg(ctx, a[++i]);
      if (!d) return;
      dst_index = *d;
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  if (dst_index == ctx.client.db_index() && a[1] == a[2])
    return ctx.reply.Error("ERR source and destination objects are the same");
  int64_t now = UnixMs();
  Object* src = ctx.db().Lookup(a[1], now);
  if (!src) return ctx.reply.Integer(0);
  Database& dst = ctx.server.db(dst_index);
  if (dst.Lookup(a[2], now) && !replace) return ctx.reply.Integer(0);
  Object copy = src->Clone();
  auto ttl = ctx.db().GetExpire(a[1]);
  dst.Set(a[2], std::move(copy));
  if (ttl) dst.SetExpire(a[2], *ttl);
  Changed(ctx, dst_index, a[2], "copy_to");
  ctx.server.SignalKeyAsReady(dst_index, a[2]);
  ctx.reply.Integer(1);
}

// RANDOMKEY: a random live key, nil when the DB is empty. Expired keys met on
// the way are reclaimed; the number of attempts is bounded so a DB full of
// expired-but-unreclaimed keys cannot spin forever.
void CmdRandomKey(CommandContext& ctx) {
  int64_t now = UnixMs();
  for (int attempt = 0; attempt < 100 && ctx.db().size() > 0; ++attempt) {
    auto key = ctx.db().RandomKey();
    if (!key) break;
    if (ctx.db().Lookup(*key, now)) return ctx.reply.Bulk(*key);
  }
  ctx.reply.Null();
}

}  // namespace

void RegisterKeyCommands(CommandTable& t) {
  t.Add({"del", -2, kCmdWrite, 1, -1, 1, &CmdDel})
      .Add({"unlink", -2, kCmdWrite | kCmdFast, 1, -1, 1, &CmdDel})
      .Add({"exists", -2, kCmdReadOnly | kCmdFast, 1, -1, 1, &CmdExists})
      .Add({"type", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, &CmdType})
      .Add({"keys", 2, kCmdReadOnly, 0, 0, 0, &CmdKeys})
      .Add({"dbsize", 1, kCmdReadOnly | kCmdFast, 0, 0, 0, &CmdDbSize})
      .Add({"flushdb", -1, kCmdWrite, 0, 0, 0, &CmdFlushDb})
      .Add({"flushall", -1, kCmdWrite, 0, 0, 0, &CmdFlushAll})
      .Add({"expire", -3, kCmdWrite | kCmdFast, 1, 1, 1, &CmdExpire})
      .Add({"pexpire", -3, kCmdWrite | kCmdFast, 1, 1, 1, &CmdPExpire})
      .Add({"expireat", -3, kCmdWrite | kCmdFast, 1, 1, 1, &CmdExpireAt})
      .Add({"pexpireat", -3, kCmdWrite | kCmdFast, 1, 1, 1, &CmdPExpireAt})
      .Add({"ttl", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, &CmdTtl})
      .Add({"pttl", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, &CmdPTtl})
      .Add({"expiretime", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, &CmdExpireTime})
      .Add({"pexpiretime", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, &CmdPExpireTime})
      .Add({"persist", 2, kCmdWrite | kCmdFast, 1, 1, 1, &CmdPersist})
      .Add({"touch", -2, kCmdReadOnly | kCmdFast, 1, -1, 1, &CmdTouch})
      .Add({"rename", 3, kCmdWrite, 1, 2, 1, &CmdRename})
      .Add({"renamenx", 3, kCmdWrite | kCmdFast, 1, 2, 1, &CmdRenameNx})
      .Add({"swapdb", 3, kCmdWrite | kCmdFast, 0, 0, 0, &CmdSwapDb})
      .Add({"move", 3, kCmdWrite | kCmdFast, 1, 1, 1, &CmdMove})
      .Add({"copy", -3, kCmdWrite | kCmdDenyOom, 1, 2, 1, &CmdCopy})
      .Add({"randomkey", 1, kCmdReadOnly, 0, 0, 0, &CmdRandomKey});
}

}  // namespace vigil::server

// DUMP and RESTORE: a key's value as Redis's serialization format
// (server/persistence/rdb_codec.h), so values move between vigil and Redis
// with the tools that use these commands.
#include <climits>
#include <optional>
#include <string>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/command_table.h"
#include "server/connection.h"
#include "server/db/database.h"
#include "server/errors.h"
#include "server/persistence/object_codec.h"
#include "server/persistence/rdb_codec.h"
#include "server/server.h"

namespace vigil::server {
namespace {

void CmdDump(CommandContext& ctx) {
  const Object* o = ctx.LookupRead(ctx.args[1]);
  if (o == nullptr) return ctx.reply.Null();
  ctx.reply.Bulk(rdb::EncodeDumpPayload(ToRdbValue(*o), ctx.server.config().rdbcompression));
}

bool IsEmptyCollection(const rdb::Value& v) {
  return v.kind == rdb::Kind::kZSet ? v.zset.empty() : v.kind != rdb::Kind::kString && v.items.empty();
}

// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency],
// checked in Redis 7.0's order: options, then an existing key (BUSYKEY), then
// the TTL, then the payload.
void CmdRestore(CommandContext& ctx) {
  const auto& a = ctx.args;
  bool replace = false, absttl = false;
  std::optional<int64_t> idle_s, freq;
  for (size_t i = 4; i < a.size(); ++i) {
    const bool has_value = i + 1 < a.size();
    if (EqualsIgnoreCase(a[i], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(a[i], "absttl")) {
      absttl = true;
    } else if (EqualsIgnoreCase(a[i], "idletime") && has_value && !freq) {
      idle_s = ParseInt64(a[++i]);
      if (!idle_s) return ctx.reply.Error(errors::kNotInteger);
      if (*idle_s < 0) return ctx.reply.Error("ERR Invalid IDLETIME value, must be >= 0");
    } else if (EqualsIgnoreCase(a[i], "freq") && has_value && !idle_s) {
      freq = ParseInt64(a[++i]);
      if (!freq) return ctx.reply.Error(errors::kNotInteger);
      if (*freq < 0 || *freq > 255)
        return ctx.reply.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  const std::string& key = a[1];
  const int64_t now = UnixMs();
  Database& db = ctx.db();
  if (!replace && db.Lookup(key, now) != nullptr)
    return ctx.reply.Error("BUSYKEY Target key name already exists.");
  auto ttl = ParseInt64(a[2]);
  if (!ttl) return ctx.reply.Error(errors::kNotInteger);
  if (*ttl < 0) return ctx.reply.Error("ERR Invalid TTL value, must be >= 0");
  auto value = rdb::DecodeDumpPayload(a[3]);
  if (!value.ok()) return ctx.reply.Error("ERR " + value.status().message());
  if (IsEmptyCollection(*value)) return ctx.reply.Error("ERR Bad data format");
  auto obj = FromRdbValue(std::move(*value), ctx.server.config());
  if (!obj.ok()) return ctx.reply.Error("ERR Bad data format");

  const bool deleted = replace && db.Delete(key);
  const int64_t when = *ttl != 0 && !absttl ? now + *ttl : *ttl;
  // An already expired TTL leaves no key (a master's; a replica obeys).
  if (*ttl != 0 && when <= now && !ctx.client.is_master()) {
    if (deleted) {
      ctx.KeyModified(key);
      ctx.Notify(kNotifyGeneric, "del", key);
      ctx.PropagateAs({"DEL", key});
    } else {
      ctx.DontPropagate();
    }
    return ctx.reply.SimpleString("OK");
  }
  Object& stored = db.Set(key, std::move(*obj));
  // Redis's objectSetLRUOrLFU: FREQ counts under an LFU policy, IDLETIME
  // under the others; the other one is ignored.
  if (db.tracks_lfu()) {
    if (freq) stored.lru_s = lfu::Word(now, static_cast<uint8_t>(*freq));
  } else if (idle_s) {
    stored.lru_s = Object::Seconds(now - std::min<int64_t>(*idle_s, now / 1000) * 1000);
  }
  if (*ttl != 0) {
    db.SetExpire(key, when);
    if (!absttl) {
      // The replicas and the AOF get the absolute time, as Redis sends it.
      std::vector<std::string> cmd(a.begin(), a.end());
      cmd[2] = std::to_string(when);
      cmd.push_back("ABSTTL");
      ctx.PropagateAs(std::move(cmd));
    }
  }
  ctx.KeyModified(key);
  ctx.Notify(kNotifyGeneric, "restore", key);
  ctx.server.SignalKeyAsReady(ctx.client.db_index(), key);
  ctx.reply.SimpleString("OK");
}

}  // namespace

void RegisterDumpCommands(CommandTable& t) {
  t.Add({"dump", 2, kCmdReadOnly, 1, 1, 1, &CmdDump})
      .Add({"restore", -4, kCmdWrite | kCmdDenyOom, 1, 1, 1, &CmdRestore});
}

}  // namespace vigil::server

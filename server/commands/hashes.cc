// Hash commands: HSET HSETNX HMSET HGET HMGET HDEL HLEN HEXISTS HSTRLEN HKEYS
// HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, with Redis 7.0's
// replies, errors, keyspace events and listpack -> hashtable conversions.
#include <algorithm>
#include <cerrno>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <random>
#include <unordered_set>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/command_table.h"
#include "server/commands/scan_util.h"
#include "server/db/database.h"
#include "server/errors.h"
#include "server/server.h"

namespace vigil::server {
namespace {

std::mt19937_64& Rng() {
  static std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

HashValue::Limits Limits(CommandContext& ctx) {
  const auto& cfg = ctx.server.config();
  return {static_cast<size_t>(std::max<int64_t>(cfg.hash_max_listpack_entries, 0)),
          static_cast<size_t>(std::max<int64_t>(cfg.hash_max_listpack_value, 0))};
}

// The hash at `key` for a read (counts a keyspace hit or miss): nullptr when
// the key is missing or holds another type (*wrongtype).
HashValue* ReadHash(CommandContext& ctx, std::string_view key, bool* wrongtype) {
  Object* o = ctx.db().Lookup(key, UnixMs());
  ctx.server.stats().RecordLookup(o != nullptr);
  *wrongtype = o && o->type() != ObjType::kHash;
  return o && !*wrongtype ? &o->hash() : nullptr;
}

// The hash at `key` for a write, created empty if missing (the caller stores
// at least one field before returning). nullptr after a WRONGTYPE reply.
HashValue* WriteHash(CommandContext& ctx, std::string_view key) {
  Object* o = ctx.db().Lookup(key, UnixMs());
  if (!o) return &ctx.db().Set(key, Object(HashValue(), UnixMs())).hash();
  if (o->type() == ObjType::kHash) return &o->hash();
  ctx.reply.Error(errors::kWrongType);
  return nullptr;
}

// The hash at `key` for a read-only command that answers `empty` when the
// key is missing; nullptr once the reply is written.
template <typename EmptyReply>
HashValue* ReadHashOrReply(CommandContext& ctx, EmptyReply&& empty) {
  bool wrongtype;
  HashValue* h = ReadHash(ctx, ctx.args[1], &wrongtype);
  if (wrongtype) ctx.reply.Error(errors::kWrongType);
  else if (!h) empty();
  return h;
}

// A write changed the hash at args[1]: compact it, then WATCH/dirty
// bookkeeping and the keyspace event.
void HashChanged(CommandContext& ctx, HashValue& h, std::string_view event) {
  h.ShrinkToFit();
  ctx.KeyModified(ctx.args[1]);
  ctx.Notify(kNotifyHash, event, ctx.args[1]);
}

// Redis's string2ld: strtold on the whole string (no leading space, at most
// 5 KiB), NaN and overflow rejected, "inf" accepted (callers reject it).
std::optional<long double> StringToLongDouble(const std::string& s) {
  if (s.empty() || s.size() >= 5 * 1024 || std::isspace(static_cast<unsigned char>(s[0])))
    return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long double v = std::strtold(s.c_str(), &end);
  if (end != s.c_str() + s.size() || std::isnan(v) ||
      (errno == ERANGE && (std::isinf(v) || v == 0)))
    return std::nullopt;
  return v;
}

// HSET key field value [field value ...]; HMSET is the same with +OK.
void CmdHSet(CommandContext& ctx) {
  if (ctx.argc() % 2 != 0) return ctx.reply.Error(errors::WrongArity(ctx.spec.name));
  HashValue* h = WriteHash(ctx, ctx.args[1]);
  if (!h) return;
  const auto limits = Limits(ctx);
  // As Redis, any over-long argument converts first, even for a field whose
  // value does not change.
  for (size_t i = 2; i < ctx.argc(); ++i) h->ConvertIfTooLong(ctx.args[i].size(), limits);
  int64_t created = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2) created += h->Set(ctx.args[i], ctx.args[i + 1], limits);
  HashChanged(ctx, *h, "hset");
  if (ctx.spec.name == "hmset") ctx.reply.SimpleString("OK"); else ctx.reply.Integer(created);
}

void CmdHSetNx(CommandContext& ctx) {
  HashValue* h = WriteHash(ctx, ctx.args[1]);
  if (!h) return;
  if (h->Contains(ctx.args[2])) return ctx.reply.Integer(0);
  h->Set(ctx.args[2], ctx.args[3], Limits(ctx));
  HashChanged(ctx, *h, "hset");
  ctx.reply.Integer(1);
}

void CmdHGet(CommandContext& ctx) {
  HashValue* h = ReadHashOrReply(ctx, [&] { ctx.reply.Null(); });
  if (!h) return;
  auto v = h->Get(ctx.args[2]);
  if (v) ctx.reply.Bulk(*v); else ctx.reply.Null();
}

void CmdHMGet(CommandContext& ctx) {
  bool wrongtype;
  HashValue* h = ReadHash(ctx, ctx.args[1], &wrongtype);
  if (wrongtype) return ctx.reply.Error(errors::kWrongType);
  ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); ++i) {
    auto v = h ? h->Get(ctx.args[i]) : std::nullopt;
    if (v) ctx.reply.Bulk(*v); else ctx.reply.Null();
  }
}

void CmdHDel(CommandContext& ctx) {
  HashValue* h = ReadHashOrReply(ctx, [&] { ctx.reply.Integer(0); });
  if (!h) return;
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc() && !h->empty(); ++i) deleted += h->Delete(ctx.args[i]);
  if (deleted > 0) {
    HashChanged(ctx, *h, "hdel");
    if (h->empty()) {
      ctx.db().Delete(ctx.args[1]);
      ctx.Notify(kNotifyGeneric, "del", ctx.args[1]);
    }
  }
  ctx.reply.Integer(deleted);
}

void CmdHLen(CommandContext& ctx) {
  HashValue* h = ReadHashOrReply(ctx, [&] { ctx.reply.Integer(0); });
  if (h) ctx.reply.Integer(static_cast<int64_t>(h->size()));
}

void CmdHExists(CommandContext& ctx) {
  HashValue* h = ReadHashOrReply(ctx, [&] { ctx.reply.Integer(0); });
  if (h) ctx.reply.Integer(h->Contains(ctx.args[2]) ? 1 : 0);
}

void CmdHStrLen(CommandContext& ctx) {
  HashValue* h = ReadHashOrReply(ctx, [&] { ctx.reply.Integer(0); });
  if (!h) return;
  auto v = h->Get(ctx.args[2]);
  ctx.reply.Integer(v ? static_cast<int64_t>(v->size()) : 0);
}

// HKEYS, HVALS and HGETALL: which parts of each entry to reply.
void ReplyEntries(CommandContext& ctx, bool fields, bool values) {
  const bool map = fields && values;
  auto empty = [&] { if (map) ctx.reply.MapHeader(0); else ctx.reply.ArrayHeader(0); };
  HashValue* h = ReadHashOrReply(ctx, empty);
  if (!h) return;
  const auto n = static_cast<int64_t>(h->size());
  if (map) ctx.reply.MapHeader(n); else ctx.reply.ArrayHeader(n);
  h->ForEach([&](std::string_view f, std::string_view v) {
    if (fields) ctx.reply.Bulk(f);
    if (values) ctx.reply.Bulk(v);
  });
}
void CmdHKeys(CommandContext& ctx) { ReplyEntries(ctx, true, false); }
void CmdHVals(CommandContext& ctx) { ReplyEntries(ctx, false, true); }
void CmdHGetAll(CommandContext& ctx) { ReplyEntries(ctx, true, true); }

void CmdHIncrBy(CommandContext& ctx) {
  auto incr = ParseInt64(ctx.args[3]);
  if (!incr) return ctx.reply.Error(errors::kNotInteger);
  HashValue* h = WriteHash(ctx, ctx.args[1]);
  if (!h) return;
  int64_t cur = 0;
  if (auto v = h->Get(ctx.args[2])) {
    auto parsed = ParseInt64(*v);
    if (!parsed) return ctx.reply.Error("ERR hash value is not an integer");
    cur = *parsed;
  }
  if ((*incr < 0 && cur < 0 && *incr < LLONG_MIN - cur) ||
      (*incr > 0 && cur > 0 && *incr > LLONG_MAX - cur))
    return ctx.reply.Error(errors::kOverflow);
  cur += *incr;
  h->Set(ctx.args[2], std::to_string(cur), Limits(ctx));
  HashChanged(ctx, *h, "hincrby");
  ctx.reply.Integer(cur);
}

void CmdHIncrByFloat(CommandContext& ctx) {
  auto incr = StringToLongDouble(ctx.args[3]);
  if (!incr) return ctx.reply.Error(errors::kNotFloat);
  if (std::isinf(*incr)) return ctx.reply.Error("ERR value is NaN or Infinity");
  HashValue* h = WriteHash(ctx, ctx.args[1]);
  if (!h) return;
  long double cur = 0;
  if (auto v = h->Get(ctx.args[2])) {
    auto parsed = StringToLongDouble(std::string(*v));
    if (!parsed) return ctx.reply.Error("ERR hash value is not a float");
    cur = *parsed;
  }
  long double result = cur + *incr;
  if (std::isnan(result) || std::isinf(result))
    return ctx.reply.Error("ERR increment would produce NaN or Infinity");
  std::string s = FormatLongDouble(result);
  h->Set(ctx.args[2], s, Limits(ctx));
  HashChanged(ctx, *h, "hincrbyfloat");
  ctx.reply.Bulk(s);
}

// One HRANDFIELD entry: [field, value] pairs are nested arrays in RESP3 and
// flattened in RESP2.
void ReplyRandomEntry(CommandContext& ctx, const HashValue::Entry& e, bool withvalues) {
  if (withvalues && ctx.reply.protocol() > 2) ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(e.first);
  if (withvalues) ctx.reply.Bulk(e.second);
}

void ReplyRandomHeader(CommandContext& ctx, size_t n, bool withvalues) {
  const bool flat_pairs = withvalues && ctx.reply.protocol() == 2;
  ctx.reply.ArrayHeader(static_cast<int64_t>(flat_pairs ? 2 * n : n));
}

// HRANDFIELD key count [WITHVALUES]. A negative count allows repetitions.
// Work stays O(count) for a hashtable (random picks) and O(size + count)
// for a listpack (indexed once), as Redis.
void HRandFieldWithCount(CommandContext& ctx, int64_t count, bool withvalues) {
  HashValue* h = ReadHashOrReply(ctx, [&] { ctx.reply.ArrayHeader(0); });
  if (!h) return;
  if (count == 0) return ctx.reply.ArrayHeader(0);
  auto& rng = Rng();
  const size_t size = h->size();
  if (count < 0) {
    const auto n = static_cast<size_t>(-count);
    ReplyRandomHeader(ctx, n, withvalues);
    std::vector<HashValue::Entry> all;
    if (h->is_listpack()) all = h->Entries();
    for (size_t i = 0; i < n; ++i)
      ReplyRandomEntry(ctx, all.empty() ? h->Random(rng) : all[rng() % size], withvalues);
    return;
  }
  const auto n = std::min(static_cast<size_t>(count), size);
  ReplyRandomHeader(ctx, n, withvalues);
  if (n == size) {
    h->ForEach([&](std::string_view f, std::string_view v) {
      ReplyRandomEntry(ctx, {f, v}, withvalues);
    });
  } else if (h->is_listpack() || n * 3 > size) {
    // Close to the whole hash (or cheap to index): a partial shuffle.
    std::vector<HashValue::Entry> all = h->Entries();
    for (size_t i = 0; i < n; ++i) {
      std::swap(all[i], all[i + rng() % (size - i)]);
      ReplyRandomEntry(ctx, all[i], withvalues);
    }
  } else {
    // Far below the size: random picks until `n` distinct fields.
    std::unordered_set<std::string_view> seen;
    while (seen.size() < n) {
      HashValue::Entry e = h->Random(rng);
      if (seen.insert(e.first).second) ReplyRandomEntry(ctx, e, withvalues);
    }
  }
}

void CmdHRandField(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
    auto count = ParseInt64(ctx.args[2]);
    if (!count) return ctx.reply.Error(errors::kNotInteger);
    if (*count == LLONG_MIN)
      return ctx.reply.Error("ERR value is out of range, value must between -9223372036854775807 "
                             "and 9223372036854775807");
    const bool withvalues = ctx.argc() == 4 && EqualsIgnoreCase(ctx.args[3], "WITHVALUES");
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !withvalues)) return ctx.reply.Error(errors::kSyntax);
    if (withvalues && (*count < -LLONG_MAX / 2 || *count > LLONG_MAX / 2))
      return ctx.reply.Error("ERR value is out of range");
    return HRandFieldWithCount(ctx, *count, withvalues);
  }
  HashValue* h = ReadHashOrReply(ctx, [&] { ctx.reply.Null(); });
  if (h) ctx.reply.Bulk(h->Random(Rng()).first);
}


// HSCAN key cursor [MATCH pattern] [COUNT count]. A listpack is returned
// whole with cursor 0, as Redis.
void CmdHScan(CommandContext& ctx) {
  // Cursor, then the key, then the options (as Redis).
  if (!ParseScanCursor(ctx, ctx.args[2])) return;
  HashValue* h = ReadHashOrReply(ctx, [&] { ReplyScan(ctx, 0, {}); });
  if (!h) return;
  auto opts = ParseScanArgs(ctx, 2, /*allow_type=*/false);
  if (!opts) return;
  std::vector<std::string> items;  // field, value, field, value ...
  uint64_t cursor = 0;
  auto collect = [&items](std::string_view f, std::string_view v) {
    items.emplace_back(f);
    items.emplace_back(v);
  };
  if (h->is_listpack()) {
    h->ForEach(collect);
  } else {
    // As Redis: COUNT bounds the collected items (fields and values both
    // count), and 10x COUNT bucket visits bound a sparse table's walk.
    cursor = opts->cursor;
    int64_t budget = opts->count * 10;
    do {
      cursor = h->Scan(cursor, collect);
    } while (cursor != 0 && --budget > 0 && static_cast<int64_t>(items.size()) < opts->count);
  }
  std::vector<std::string> out;
  out.reserve(items.size());
  for (size_t i = 0; i < items.size(); i += 2) {
    if (!opts->Matches(items[i])) continue;
    out.push_back(std::move(items[i]));
    out.push_back(std::move(items[i + 1]));
  }
  ReplyScan(ctx, cursor, out);
}

}  // namespace

void RegisterHashCommands(CommandTable& t) {
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom | kCmdFast;
  constexpr uint32_t kR = kCmdReadOnly | kCmdFast;
  t.Add({"hset", -4, kW, 1, 1, 1, &CmdHSet})
      .Add({"hmset", -4, kW, 1, 1, 1, &CmdHSet})
      .Add({"hsetnx", 4, kW, 1, 1, 1, &CmdHSetNx})
      .Add({"hget", 3, kR, 1, 1, 1, &CmdHGet})
      .Add({"hmget", -3, kR, 1, 1, 1, &CmdHMGet})
      .Add({"hdel", -3, kCmdWrite | kCmdFast, 1, 1, 1, &CmdHDel})
      .Add({"hlen", 2, kR, 1, 1, 1, &CmdHLen})
      .Add({"hexists", 3, kR, 1, 1, 1, &CmdHExists})
      .Add({"hstrlen", 3, kR, 1, 1, 1, &CmdHStrLen})
      .Add({"hkeys", 2, kCmdReadOnly, 1, 1, 1, &CmdHKeys})
      .Add({"hvals", 2, kCmdReadOnly, 1, 1, 1, &CmdHVals})
      .Add({"hgetall", 2, kCmdReadOnly, 1, 1, 1, &CmdHGetAll})
      .Add({"hincrby", 4, kW, 1, 1, 1, &CmdHIncrBy})
      .Add({"hincrbyfloat", 4, kW, 1, 1, 1, &CmdHIncrByFloat})
      .Add({"hrandfield", -2, kCmdReadOnly, 1, 1, 1, &CmdHRandField})
      .Add({"hscan", -3, kCmdReadOnly, 1, 1, 1, &CmdHScan});
}

}  // namespace vigil::server

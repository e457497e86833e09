// String commands: SET GET GETSET GETDEL GETEX SETNX SETEX PSETEX MSET MSETNX
// MGET APPEND STRLEN INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SETRANGE LCS.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <new>
#include <optional>
#include <vector>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/command_table.h"
#include "server/db/database.h"
#include "server/errors.h"
#include "server/server.h"

namespace vigil::server {
namespace {

// Redis's checkStringLength: APPEND and SETRANGE may not grow a string past
// proto-max-bulk-len (`base` + `append` bytes, overflow-safe), except from
// the master or the AOF; false after the error reply.
bool StringLengthOk(CommandContext& ctx, int64_t base, size_t append) {
  if (ctx.client.must_obey()) return true;
  if (base <= ctx.server.config().proto_max_bulk_len - static_cast<int64_t>(append)) return true;
  ctx.reply.Error(errors::kStringTooLong);
  return false;
}

// A long double as Redis's string2ld reads it: like ParseLongDouble, but an
// infinity ("inf", "-infinity" ...) is a number too, so INCRBYFLOAT answers
// "increment would produce NaN or Infinity" rather than "not a valid float".
std::optional<long double> ParseIncrFloat(std::string_view s) {
  if (auto v = ParseLongDouble(s)) return v;
  auto d = ParseDouble(s);
  if (d && std::isinf(*d)) return static_cast<long double>(*d);
  return std::nullopt;
}

// Looks up a string; sets *wrongtype when the key holds another type. Only
// a read lookup counts in keyspace_hits/misses: Redis's lookupKeyWrite
// (APPEND, INCR..., SETRANGE) does not.
Object* LookupString(CommandContext& ctx, std::string_view key, bool* wrongtype,
                     bool read = true) {
  Object* o = ctx.db().Lookup(key, UnixMs());
  *wrongtype = o != nullptr && o->type() != ObjType::kString;
  if (*wrongtype) return nullptr;
  if (read) {
    ctx.server.stats().RecordLookup(o != nullptr);
  }
  return o;
}

void StoreString(CommandContext& ctx, std::string_view key, std::string value, bool keep_ttl) {
  ctx.db().Set(key, Object(std::move(value), UnixMs()), keep_ttl);
}

// Reports a changed string key: WATCH, dirty counter, and the keyspace event.
void Changed(CommandContext& ctx, std::string_view key, std::string_view event) {
  ctx.KeyModified(key);
  ctx.Notify(kNotifyString, event, key);
}

// Stores `value` as SET does and reports it ("set" event).
void SetAndNotify(CommandContext& ctx, std::string_view key, std::string value, bool keep_ttl) {
  StoreString(ctx, key, std::move(value), keep_ttl);
  Changed(ctx, key, "set");
}

// Gives `key` its TTL (already checked to be in the future, or not, as SET
// EXAT allows) and reports the "expire" event.
void ExpireAndNotify(CommandContext& ctx, std::string_view key, int64_t when_ms) {
  ctx.db().SetExpire(key, when_ms);
  ctx.Notify(kNotifyGeneric, "expire", key);
}

void DeleteAndNotify(CommandContext& ctx, std::string_view key) {
  ctx.db().Delete(key);
  ctx.KeyModified(key);
  ctx.Notify(kNotifyGeneric, "del", key);
}

enum class ExpireUnit { kNone, kEx, kPx, kExAt, kPxAt };

// Turns an expire argument into absolute Unix ms; nullopt + error reply on
// failure ("invalid expire time in 'set' command").
std::optional<int64_t> AbsoluteExpire(CommandContext& ctx, ExpireUnit unit, std::string_view arg,
                                      std::string_view cmd) {
  auto v = ParseInt64(arg);
  if (!v) {
    ctx.reply.Error(errors::kNotInteger);
    return std::nullopt;
  }
  if (*v <= 0 || ((unit == ExpireUnit::kEx || unit == ExpireUnit::kExAt) && *v > LLONG_MAX / 1000)) {
    ctx.reply.Error(errors::InvalidExpire(cmd));
    return std::nullopt;
  }
  int64_t ms = (unit == ExpireUnit::kEx || unit == ExpireUnit::kExAt) ? *v * 1000 : *v;
  if (unit == ExpireUnit::kEx || unit == ExpireUnit::kPx) {
    int64_t now = UnixMs();
    if (ms > LLONG_MAX - now) {
      ctx.reply.Error(errors::InvalidExpire(cmd));
      return std::nullopt;
    }
    ms += now;
  }
  return ms;
}

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ts|KEEPTTL]
void CmdSet(CommandContext& ctx) {
  const auto& a = ctx.args;
  bool nx = false, xx = false, get = false, keepttl = false;
  ExpireUnit unit = ExpireUnit::kNone;
  std::string_view expire_arg;
  for (size_t i = 3; i < a.size(); ++i) {
    const std::string& opt = a[i];
    bool has_next = i + 1 < a.size();
    if (EqualsIgnoreCase(opt, "NX") && !xx) {
      nx = true;
    } else if (EqualsIgnoreCase(opt, "XX") && !nx) {
      xx = true;
    } else if (EqualsIgnoreCase(opt, "GET")) {
      get = true;
    } else if (EqualsIgnoreCase(opt, "KEEPTTL") && unit == ExpireUnit::kNone) {
      keepttl = true;
    } else if (!keepttl && unit == ExpireUnit::kNone && has_next &&
               (EqualsIgnoreCase(opt, "EX") || EqualsIgnoreCase(opt, "PX") ||
                EqualsIgnoreCase(opt, "EXAT") || EqualsIgnoreCase(opt, "PXAT"))) {
      unit = EqualsIgnoreCase(opt, "EX")   ? ExpireUnit::kEx
             : EqualsIgnoreCase(opt, "PX") ? ExpireUnit::kPx
             : EqualsIgnoreCase(opt, "EXAT") ? ExpireUnit::kExAt
                                             : ExpireUnit::kPxAt;
      expire_arg = a[++i];
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  std::optional<int64_t> when;
  if (unit != ExpireUnit::kNone) {
    when = AbsoluteExpire(ctx, unit, expire_arg, "set");
    if (!when) return;
  }
  bool wrongtype = false;
  // SET ... GET reads the old value: a counted read lookup, as GET.
  Object* cur = get ? ctx.LookupRead(a[1]) : ctx.db().Lookup(a[1], UnixMs());
  wrongtype = cur && cur->type() != ObjType::kString;
  if (get && wrongtype) {
    ctx.reply.Error(errors::kWrongType);
    return;
  }
  std::optional<std::string> old;
  if (get && cur) old = cur->str();
  bool exists = cur != nullptr;
  if ((nx && exists) || (xx && !exists)) {
    if (get) {
      if (old) ctx.reply.Bulk(*old); else ctx.reply.Null();
    } else {
      ctx.reply.Null();
    }
    return;
  }
  SetAndNotify(ctx, a[1], a[2], keepttl);
  if (when) {
    ExpireAndNotify(ctx, a[1], *when);
    // An absolute time, so a replay does not extend the key (Redis 7.0 too).
    ctx.PropagateAs({"SET", a[1], a[2], "PXAT", std::to_string(*when)});
  }
  if (get) {
    if (old) ctx.reply.Bulk(*old); else ctx.reply.Null();
  } else {
    ctx.reply.SimpleString("OK");
  }
}

void CmdGet(CommandContext& ctx) {
  bool wrongtype;
  Object* o = LookupString(ctx, ctx.args[1], &wrongtype);
  if (wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (!o) return ctx.reply.Null();
  ctx.reply.Bulk(o->str());
}

void CmdGetSet(CommandContext& ctx) {
  bool wrongtype;
  Object* o = LookupString(ctx, ctx.args[1], &wrongtype);
  if (wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (o) ctx.reply.Bulk(o->str()); else ctx.reply.Null();
  SetAndNotify(ctx, ctx.args[1], ctx.args[2], false);
}

void CmdGetDel(CommandContext& ctx) {
  bool wrongtype;
  Object* o = LookupString(ctx, ctx.args[1], &wrongtype);
  if (wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (!o) return ctx.reply.Null();
  ctx.reply.Bulk(o->str());
  DeleteAndNotify(ctx, ctx.args[1]);
}

// GETEX key [EX s|PX ms|EXAT ts|PXAT ts|PERSIST]
void CmdGetEx(CommandContext& ctx) {
  const auto& a = ctx.args;
  ExpireUnit unit = ExpireUnit::kNone;
  bool persist = false;
  std::string_view arg;
  for (size_t i = 2; i < a.size(); ++i) {
    bool has_next = i + 1 < a.size();
    if (EqualsIgnoreCase(a[i], "PERSIST") && unit == ExpireUnit::kNone && !persist) {
      persist = true;
    } else if (unit == ExpireUnit::kNone && !persist && has_next &&
               (EqualsIgnoreCase(a[i], "EX") || EqualsIgnoreCase(a[i], "PX") ||
                EqualsIgnoreCase(a[i], "EXAT") || EqualsIgnoreCase(a[i], "PXAT"))) {
      unit = EqualsIgnoreCase(a[i], "EX")   ? ExpireUnit::kEx
             : EqualsIgnoreCase(a[i], "PX") ? ExpireUnit::kPx
             : EqualsIgnoreCase(a[i], "EXAT") ? ExpireUnit::kExAt
                                              : ExpireUnit::kPxAt;
      arg = a[++i];
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  // As Redis: a missing key answers nil before the expire time is parsed.
  bool wrongtype;
  Object* o = LookupString(ctx, a[1], &wrongtype);
  if (wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (!o) return ctx.reply.Null();
  std::optional<int64_t> when;
  if (unit != ExpireUnit::kNone) {
    when = AbsoluteExpire(ctx, unit, arg, "getex");
    if (!when) return;
  }
  ctx.reply.Bulk(o->str());
  if (when) {
    if (*when <= UnixMs()) {
      DeleteAndNotify(ctx, a[1]);
      ctx.PropagateAs({"DEL", a[1]});
    } else {
      ExpireAndNotify(ctx, a[1], *when);
      ctx.KeyModified(a[1]);
      ctx.PropagateAs({"PEXPIREAT", a[1], std::to_string(*when)});
    }
  } else if (persist && ctx.db().Persist(a[1])) {
    ctx.KeyModified(a[1]);
    ctx.Notify(kNotifyGeneric, "persist", a[1]);
    ctx.PropagateAs({"PERSIST", a[1]});
  } else {
    ctx.DontPropagate();  // a plain GET
  }
}

void CmdSetNx(CommandContext& ctx) {
  if (ctx.db().Lookup(ctx.args[1], UnixMs())) return ctx.reply.Integer(0);
  SetAndNotify(ctx, ctx.args[1], ctx.args[2], false);
  ctx.reply.Integer(1);
}

void SetWithExpire(CommandContext& ctx, ExpireUnit unit, std::string_view cmd) {
  auto when = AbsoluteExpire(ctx, unit, ctx.args[2], cmd);
  if (!when) return;
  SetAndNotify(ctx, ctx.args[1], ctx.args[3], false);
  ExpireAndNotify(ctx, ctx.args[1], *when);
  ctx.PropagateAs({"SET", ctx.args[1], ctx.args[3], "PXAT", std::to_string(*when)});
  ctx.reply.SimpleString("OK");
}
void CmdSetEx(CommandContext& ctx) { SetWithExpire(ctx, ExpireUnit::kEx, "setex"); }
void CmdPSetEx(CommandContext& ctx) { SetWithExpire(ctx, ExpireUnit::kPx, "psetex"); }

void CmdMGet(CommandContext& ctx) {
  ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 1));
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Object* o = ctx.LookupRead(ctx.args[i]);
    if (o && o->type() == ObjType::kString) ctx.reply.Bulk(o->str()); else ctx.reply.Null();
  }
}

void CmdMSet(CommandContext& ctx) {
  if (ctx.argc() % 2 == 0) return ctx.reply.Error(errors::WrongArity("mset"));
  for (size_t i = 1; i < ctx.argc(); i += 2) SetAndNotify(ctx, ctx.args[i], ctx.args[i + 1], false);
  ctx.reply.SimpleString("OK");
}

void CmdMSetNx(CommandContext& ctx) {
  if (ctx.argc() % 2 == 0) return ctx.reply.Error(errors::WrongArity("msetnx"));
  int64_t now = UnixMs();
  for (size_t i = 1; i < ctx.argc(); i += 2)
    if (ctx.db().Lookup(ctx.args[i], now)) return ctx.reply.Integer(0);
  for (size_t i = 1; i < ctx.argc(); i += 2) SetAndNotify(ctx, ctx.args[i], ctx.args[i + 1], false);
  ctx.reply.Integer(1);
}

void CmdAppend(CommandContext& ctx) {
  bool wrongtype;
  Object* o = LookupString(ctx, ctx.args[1], &wrongtype, /*read=*/false);
  if (wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (!o) {
    StoreString(ctx, ctx.args[1], ctx.args[2], false);
    Changed(ctx, ctx.args[1], "append");
    return ctx.reply.Integer(static_cast<int64_t>(ctx.args[2].size()));
  }
  if (!StringLengthOk(ctx, static_cast<int64_t>(o->str().size()), ctx.args[2].size())) return;
  o->AppendStr(ctx.args[2]);
  o->str_enc = Object::kRaw;
  Changed(ctx, ctx.args[1], "append");
  ctx.reply.Integer(static_cast<int64_t>(o->str().size()));
}

void CmdStrLen(CommandContext& ctx) {
  bool wrongtype;
  Object* o = LookupString(ctx, ctx.args[1], &wrongtype);
  if (wrongtype) return ctx.reply.Error(errors::kWrongType);
  ctx.reply.Integer(o ? static_cast<int64_t>(o->str().size()) : 0);
}

void IncrBy(CommandContext& ctx, int64_t delta) {
  bool wrongtype;
  Object* o = LookupString(ctx, ctx.args[1], &wrongtype, /*read=*/false);
  if (wrongtype) return ctx.reply.Error(errors::kWrongType);
  int64_t cur = 0;
  if (o) {
    auto v = ParseInt64(o->str());
    if (!v) return ctx.reply.Error(errors::kNotInteger);
    cur = *v;
  }
  if ((delta < 0 && cur < 0 && delta < LLONG_MIN - cur) ||
      (delta > 0 && cur > 0 && delta > LLONG_MAX - cur))
    return ctx.reply.Error(errors::kOverflow);
  cur += delta;
  if (o) {
    o->SetStr(std::to_string(cur));
    o->str_enc = Object::kAuto;
  } else {
    StoreString(ctx, ctx.args[1], std::to_string(cur), false);
  }
  Changed(ctx, ctx.args[1], "incrby");
  ctx.reply.Integer(cur);
}

void CmdIncr(CommandContext& ctx) { IncrBy(ctx, 1); }
void CmdDecr(CommandContext& ctx) { IncrBy(ctx, -1); }
void CmdIncrBy(CommandContext& ctx) {
  auto d = ParseInt64(ctx.args[2]);
  if (!d) return ctx.reply.Error(errors::kNotInteger);
  IncrBy(ctx, *d);
}
void CmdDecrBy(CommandContext& ctx) {
  auto d = ParseInt64(ctx.args[2]);
  if (!d) return ctx.reply.Error(errors::kNotInteger);
  if (*d == LLONG_MIN) return ctx.reply.Error("ERR decrement would overflow");
  IncrBy(ctx, -*d);
}

void CmdIncrByFloat(CommandContext& ctx) {
  bool wrongtype;
  Object* o = LookupString(ctx, ctx.args[1], &wrongtype, /*read=*/false);
  if (wrongtype) return ctx.reply.Error(errors::kWrongType);
  long double cur = 0;
  if (o) {
    auto v = ParseIncrFloat(o->str());
    if (!v) return ctx.reply.Error(errors::kNotFloat);
    cur = *v;
  }
  auto d = ParseIncrFloat(ctx.args[2]);
  if (!d) return ctx.reply.Error(errors::kNotFloat);
  long double r = cur + *d;
  if (std::isnan(r) || std::isinf(r)) return ctx.reply.Error("ERR increment would produce NaN or Infinity");
  std::string s = FormatLongDouble(r);
  if (!o) {
    StoreString(ctx, ctx.args[1], s, false);
    o = ctx.db().Lookup(ctx.args[1], UnixMs());
  } else {
    o->SetStr(s);
  }
  o->str_enc = Object::kNoInt;
  Changed(ctx, ctx.args[1], "incrbyfloat");
  ctx.reply.Bulk(s);
}

void CmdGetRange(CommandContext& ctx) {
  auto start = ParseInt64(ctx.args[2]);
  auto end = ParseInt64(ctx.args[3]);
  if (!start || !end) return ctx.reply.Error(errors::kNotInteger);
  bool wrongtype;
  Object* o = LookupString(ctx, ctx.args[1], &wrongtype);
  if (wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (!o) return ctx.reply.Bulk("");
  int64_t len = static_cast<int64_t>(o->str().size());
  int64_t s = *start, e = *end;
  if (s < 0 && e < 0 && s > e) return ctx.reply.Bulk("");
  if (s < 0) s = len + s;
  if (e < 0) e = len + e;
  if (s < 0) s = 0;
  if (e < 0) e = 0;
  if (e >= len) e = len - 1;
  if (len == 0 || s > e) return ctx.reply.Bulk("");
  ctx.reply.Bulk(o->str().substr(static_cast<size_t>(s), static_cast<size_t>(e - s + 1)));
}

void CmdSetRange(CommandContext& ctx) {
  auto off = ParseInt64(ctx.args[2]);
  if (!off) return ctx.reply.Error(errors::kNotInteger);
  if (*off < 0) return ctx.reply.Error("ERR offset is out of range");
  const std::string& val = ctx.args[3];
  bool wrongtype;
  Object* o = LookupString(ctx, ctx.args[1], &wrongtype, /*read=*/false);
  if (wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (!val.empty() && !StringLengthOk(ctx, *off, val.size())) return;
  if (!o) {
    if (val.empty()) return ctx.reply.Integer(0);
    std::string s(static_cast<size_t>(*off), '\0');
    s += val;
    StoreString(ctx, ctx.args[1], std::move(s), false);
    ctx.db().Lookup(ctx.args[1], UnixMs())->str_enc = Object::kRaw;
    Changed(ctx, ctx.args[1], "setrange");
    return ctx.reply.Integer(*off + static_cast<int64_t>(val.size()));
  }
  if (!val.empty()) {
    size_t need = static_cast<size_t>(*off) + val.size();
    char* data = o->ResizeStrAtLeast(need);
    std::memcpy(data + *off, val.data(), val.size());
    o->str_enc = Object::kRaw;
    Changed(ctx, ctx.args[1], "setrange");
  }
  ctx.reply.Integer(static_cast<int64_t>(o->str().size()));
}

// One IDX match of LCS: inclusive ranges in each string.
struct LcsMatch {
  uint32_t a_start, a_end, b_start, b_end;
};

// Walks Redis 7.0's LCS table back from its last cell (`at(i, j)` = LCS
// length of a[0..i) and b[0..j)), filling `out` with the subsequence and
// `matches` (when not null) with the contiguous runs at least `min_len`
// long, last one first, as Redis emits them.
template <typename At>
void LcsWalkBack(std::string_view a, std::string_view b, At at, int64_t min_len, std::string* out,
                 std::vector<LcsMatch>* matches) {
  const auto alen = static_cast<uint32_t>(a.size());
  uint32_t i = alen, j = static_cast<uint32_t>(b.size()), idx = at(i, j);
  LcsMatch cur{alen, 0, 0, 0};  // a_start == alen: no run in progress
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      (*out)[idx - 1] = a[i - 1];
      if (cur.a_start == alen) {
        cur = {i - 1, i - 1, j - 1, j - 1};
      } else {  // the run extends backwards: the previous step matched at (i, j)
        --cur.a_start;
        --cur.b_start;
      }
      // A run that reached the start of either string is complete.
      emit = cur.a_start == 0 || cur.b_start == 0;
      --idx, --i, --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) --i; else --j;
      emit = cur.a_start != alen;
    }
    if (!emit) continue;
    if (matches && (min_len == 0 || cur.a_end - cur.a_start + 1 >= min_len)) {
      matches->push_back(cur);
    }
    cur.a_start = alen;
  }
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: checks run in
// Redis 7.0's order (types, options, LEN with IDX, table size).
void CmdLcs(CommandContext& ctx) {
  const auto& args = ctx.args;
  std::string strs[2];
  for (int k = 0; k < 2; ++k) {
    const Object* o = ctx.db().Lookup(args[1 + k], UnixMs());
    ctx.server.stats().RecordLookup(o != nullptr);
    if (o && o->type() != ObjType::kString) {
      return ctx.reply.Error("ERR The specified keys must contain string values");
    }
    if (o) strs[k] = o->str();
  }
  bool get_len = false, get_idx = false, with_match_len = false;
  int64_t min_len = 0;
  for (size_t j = 3; j < args.size(); ++j) {
    if (EqualsIgnoreCase(args[j], "IDX")) {
      get_idx = true;
    } else if (EqualsIgnoreCase(args[j], "LEN")) {
      get_len = true;
    } else if (EqualsIgnoreCase(args[j], "WITHMATCHLEN")) {
      with_match_len = true;
    } else if (EqualsIgnoreCase(args[j], "MINMATCHLEN") && j + 1 < args.size()) {
      auto v = ParseInt64(args[++j]);
      if (!v) return ctx.reply.Error(errors::kNotInteger);
      min_len = std::max<int64_t>(*v, 0);
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  if (get_idx && get_len) {
    return ctx.reply.Error("ERR If you want both the length and indexes, please just use IDX.");
  }
  const std::string_view a = strs[0], b = strs[1];
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    return ctx.reply.Error("ERR String too long for LCS");
  }
  const uint64_t cells = (a.size() + 1) * (b.size() + 1);
  if (cells * sizeof(uint32_t) > static_cast<uint64_t>(ctx.server.config().proto_max_bulk_len)) {
    return ctx.reply.Error(
        "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  }
  std::vector<uint32_t> table;
  try {
    table.resize(cells);
  } catch (const std::bad_alloc&) {
    return ctx.reply.Error("ERR Insufficient memory, failed allocating transient memory for LCS");
  }
  const size_t width = b.size() + 1;
  auto at = [&](size_t i, size_t j) -> uint32_t& { return table[i * width + j]; };
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
    }
  }
  const uint32_t length = at(a.size(), b.size());
  if (get_len) return ctx.reply.Integer(length);
  std::string subsequence(length, '\0');
  std::vector<LcsMatch> matches;
  LcsWalkBack(a, b, at, min_len, &subsequence, get_idx ? &matches : nullptr);
  if (!get_idx) return ctx.reply.Bulk(subsequence);
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("matches");
  ctx.reply.ArrayHeader(static_cast<int64_t>(matches.size()));
  for (const LcsMatch& m : matches) {
    ctx.reply.ArrayHeader(with_match_len ? 3 : 2);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(m.a_start);
    ctx.reply.Integer(m.a_end);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(m.b_start);
    ctx.reply.Integer(m.b_end);
    if (with_match_len) ctx.reply.Integer(m.a_end - m.a_start + 1);
  }
  ctx.reply.Bulk("len");
  ctx.reply.Integer(length);
}

}  // namespace

void RegisterStringCommands(CommandTable& t) {
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
  constexpr uint32_t kR = kCmdReadOnly | kCmdFast;
  t.Add({"set", -3, kW, 1, 1, 1, &CmdSet})
      .Add({"get", 2, kR, 1, 1, 1, &CmdGet})
      .Add({"getset", 3, kW | kCmdFast, 1, 1, 1, &CmdGetSet})
      .Add({"getdel", 2, kCmdWrite | kCmdFast, 1, 1, 1, &CmdGetDel})
      .Add({"getex", -2, kCmdWrite | kCmdFast, 1, 1, 1, &CmdGetEx})
      .Add({"setnx", 3, kW | kCmdFast, 1, 1, 1, &CmdSetNx})
      .Add({"setex", 4, kW, 1, 1, 1, &CmdSetEx})
      .Add({"psetex", 4, kW, 1, 1, 1, &CmdPSetEx})
      .Add({"mget", -2, kR, 1, -1, 1, &CmdMGet})
      .Add({"mset", -3, kW, 1, -1, 2, &CmdMSet})
      .Add({"msetnx", -3, kW, 1, -1, 2, &CmdMSetNx})
      .Add({"append", 3, kW | kCmdFast, 1, 1, 1, &CmdAppend})
      .Add({"strlen", 2, kR, 1, 1, 1, &CmdStrLen})
      .Add({"incr", 2, kW | kCmdFast, 1, 1, 1, &CmdIncr})
      .Add({"decr", 2, kW | kCmdFast, 1, 1, 1, &CmdDecr})
      .Add({"incrby", 3, kW | kCmdFast, 1, 1, 1, &CmdIncrBy})
      .Add({"decrby", 3, kW | kCmdFast, 1, 1, 1, &CmdDecrBy})
      .Add({"incrbyfloat", 3, kW | kCmdFast, 1, 1, 1, &CmdIncrByFloat})
      .Add({"getrange", 4, kCmdReadOnly, 1, 1, 1, &CmdGetRange})
      .Add({"substr", 4, kCmdReadOnly, 1, 1, 1, &CmdGetRange})
      .Add({"setrange", 4, kW, 1, 1, 1, &CmdSetRange})
      .Add({"lcs", -3, kCmdReadOnly, 1, 2, 1, &CmdLcs});
}

}  // namespace vigil::server

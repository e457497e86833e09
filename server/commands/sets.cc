// Set commands: SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SPOP
// SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF
// SDIFFSTORE SSCAN, with Redis 7.0's replies, errors, keyspace events and
// intset -> hashtable conversions.
#include <algorithm>
#include <climits>
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

size_t MaxIntsetEntries(CommandContext& ctx) {
  return static_cast<size_t>(std::max<int64_t>(ctx.server.config().set_max_intset_entries, 0));
}

// The set at `key` (counting a keyspace hit or miss when `read`): nullptr
// when missing or of another type (*wrongtype).
SetValue* LookupSet(CommandContext& ctx, std::string_view key, bool read, bool* wrongtype) {
  Object* o = ctx.db().Lookup(key, UnixMs());
  if (read) {
    ctx.server.stats().RecordLookup(o != nullptr);
  }
  *wrongtype = o && o->type() != ObjType::kSet;
  return o && !*wrongtype ? &o->set() : nullptr;
}

// The set at args[1] for a command that answers `empty` when the key is
// missing; nullptr once the reply is written.
template <typename EmptyReply>
SetValue* SetOrReply(CommandContext& ctx, bool read, EmptyReply&& empty) {
  bool wrongtype;
  SetValue* s = LookupSet(ctx, ctx.args[1], read, &wrongtype);
  if (wrongtype) ctx.reply.Error(errors::kWrongType);
  else if (!s) empty();
  return s;
}

// Removes the key of a set that became empty, as every Redis set command
// does ("del" follows the command's own event).
void DeleteIfEmpty(CommandContext& ctx, std::string_view key, const SetValue& s) {
  if (!s.empty()) return;
  ctx.db().Delete(key);
  ctx.Notify(kNotifyGeneric, "del", key);
}

void ReplyMembers(CommandContext& ctx, const SetValue& s) {
  ctx.reply.SetHeader(static_cast<int64_t>(s.size()));
  s.ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
}

void CmdSAdd(CommandContext& ctx) {
  bool wrongtype;
  SetValue* s = LookupSet(ctx, ctx.args[1], false, &wrongtype);
  if (wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (!s) s = &ctx.db().Set(ctx.args[1], Object(std::make_unique<SetValue>(), UnixMs())).set();
  const size_t max_ints = MaxIntsetEntries(ctx);
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) added += s->Add(ctx.args[i], max_ints);
  if (added > 0) {
    ctx.KeyModified(ctx.args[1]);
    ctx.Notify(kNotifySet, "sadd", ctx.args[1]);
  }
  ctx.reply.Integer(added);
}

void CmdSRem(CommandContext& ctx) {
  SetValue* s = SetOrReply(ctx, false, [&] { ctx.reply.Integer(0); });
  if (!s) return;
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argc() && !s->empty(); ++i) removed += s->Remove(ctx.args[i]);
  if (removed > 0) {
    ctx.KeyModified(ctx.args[1]);
    ctx.Notify(kNotifySet, "srem", ctx.args[1]);
    DeleteIfEmpty(ctx, ctx.args[1], *s);
  }
  ctx.reply.Integer(removed);
}

void CmdSCard(CommandContext& ctx) {
  SetValue* s = SetOrReply(ctx, true, [&] { ctx.reply.Integer(0); });
  if (s) ctx.reply.Integer(static_cast<int64_t>(s->size()));
}

void CmdSIsMember(CommandContext& ctx) {
  SetValue* s = SetOrReply(ctx, true, [&] { ctx.reply.Integer(0); });
  if (s) ctx.reply.Integer(s->Contains(ctx.args[2]) ? 1 : 0);
}

void CmdSMIsMember(CommandContext& ctx) {
  bool wrongtype;
  SetValue* s = LookupSet(ctx, ctx.args[1], true, &wrongtype);
  if (wrongtype) return ctx.reply.Error(errors::kWrongType);
  ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); ++i) ctx.reply.Integer(s && s->Contains(ctx.args[i]) ? 1 : 0);
}

void CmdSMembers(CommandContext& ctx) {
  SetValue* s = SetOrReply(ctx, true, [&] { ctx.reply.SetHeader(0); });
  if (s) ReplyMembers(ctx, *s);
}

// SPOP key count: O(count) random removals unless nearly everything goes, in
// which case the few survivors are picked into a fresh set (as Redis, which
// may turn a hashtable back into an intset).
void SPopWithCount(CommandContext& ctx) {
  auto count = ParseInt64(ctx.args[2]);
  if (!count || *count < 0) return ctx.reply.Error("ERR value is out of range, must be positive");
  SetValue* s = SetOrReply(ctx, false, [&] { ctx.reply.SetHeader(0); });
  if (!s) return;
  if (*count == 0) return ctx.reply.SetHeader(0);
  const std::string& key = ctx.args[1];
  const size_t size = s->size();
  const auto n = static_cast<size_t>(*count);
  auto& rng = Rng();
  if (n >= size) {
    ReplyMembers(ctx, *s);
    ctx.PropagateAs({"DEL", key});
    ctx.db().Delete(key);
    ctx.KeyModified(key);
    ctx.Notify(kNotifySet, "spop", key);
    ctx.Notify(kNotifyGeneric, "del", key);
    return;
  }
  const size_t remaining = size - n;
  // Replicas and the AOF get the members that went, not another draw.
  std::vector<std::string> srem{"SREM", key};
  if (remaining * 5 > n) {
    ctx.reply.SetHeader(static_cast<int64_t>(n));
    for (size_t i = 0; i < n; ++i) {
      std::string m = s->Random(rng);
      s->Remove(m);
      ctx.reply.Bulk(m);
      srem.push_back(std::move(m));
    }
  } else {
    SetValue kept;
    const size_t max_ints = MaxIntsetEntries(ctx);
    for (size_t i = 0; i < remaining; ++i) {
      std::string m = s->Random(rng);
      s->Remove(m);
      kept.Add(m, max_ints);
    }
    ReplyMembers(ctx, *s);
    for (auto& m : s->Members()) srem.push_back(std::move(m));
    *s = std::move(kept);
  }
  ctx.PropagateAs(std::move(srem));
  ctx.KeyModified(key);
  ctx.Notify(kNotifySet, "spop", key);
}

void CmdSPop(CommandContext& ctx) {
  if (ctx.argc() == 3) return SPopWithCount(ctx);
  if (ctx.argc() > 3) return ctx.reply.Error(errors::kSyntax);
  SetValue* s = SetOrReply(ctx, false, [&] { ctx.reply.Null(); });
  if (!s) return;
  std::string m = s->Random(Rng());
  s->Remove(m);
  ctx.PropagateAs({"SREM", ctx.args[1], m});
  ctx.KeyModified(ctx.args[1]);
  ctx.Notify(kNotifySet, "spop", ctx.args[1]);
  DeleteIfEmpty(ctx, ctx.args[1], *s);
  ctx.reply.Bulk(m);
}

// SRANDMEMBER key count: a negative count allows repetitions; each path is
// O(count) except when count is close to the size (then O(size)), as Redis.
void SRandMemberWithCount(CommandContext& ctx) {
  auto count = ParseInt64(ctx.args[2]);
  if (!count) return ctx.reply.Error(errors::kNotInteger);
  if (*count == LLONG_MIN)
    return ctx.reply.Error("ERR value is out of range, value must between -9223372036854775807 "
                           "and 9223372036854775807");
  SetValue* s = SetOrReply(ctx, true, [&] { ctx.reply.ArrayHeader(0); });
  if (!s) return;
  auto& rng = Rng();
  const size_t size = s->size();
  if (*count <= 0) {
    const auto n = static_cast<size_t>(-*count);
    ctx.reply.ArrayHeader(static_cast<int64_t>(n));
    for (size_t i = 0; i < n; ++i) ctx.reply.Bulk(s->Random(rng));
    return;
  }
  const auto n = std::min(static_cast<size_t>(*count), size);
  ctx.reply.ArrayHeader(static_cast<int64_t>(n));
  if (n == size) {
    s->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
  } else if (n * 3 > size) {
    std::vector<std::string> all = s->Members();
    for (size_t i = 0; i < n; ++i) {
      std::swap(all[i], all[i + rng() % (size - i)]);
      ctx.reply.Bulk(all[i]);
    }
  } else {
    std::unordered_set<std::string> seen;
    while (seen.size() < n) {
      auto [it, fresh] = seen.insert(s->Random(rng));
      if (fresh) ctx.reply.Bulk(*it);
    }
  }
}

void CmdSRandMember(CommandContext& ctx) {
  if (ctx.argc() == 3) return SRandMemberWithCount(ctx);
  if (ctx.argc() > 3) return ctx.reply.Error(errors::kSyntax);
  SetValue* s = SetOrReply(ctx, true, [&] { ctx.reply.Null(); });
  if (s) ctx.reply.Bulk(s->Random(Rng()));
}

void CmdSMove(CommandContext& ctx) {
  const std::string& src_key = ctx.args[1];
  const std::string& dst_key = ctx.args[2];
  const std::string& member = ctx.args[3];
  bool src_wrong, dst_wrong;
  SetValue* src = LookupSet(ctx, src_key, false, &src_wrong);
  SetValue* dst = LookupSet(ctx, dst_key, false, &dst_wrong);
  if (!src && !src_wrong) return ctx.reply.Integer(0);
  if (src_wrong || dst_wrong) return ctx.reply.Error(errors::kWrongType);
  if (src == dst) return ctx.reply.Integer(src->Contains(member) ? 1 : 0);
  if (!src->Remove(member)) return ctx.reply.Integer(0);
  ctx.Notify(kNotifySet, "srem", src_key);
  DeleteIfEmpty(ctx, src_key, *src);
  ctx.KeyModified(src_key);
  if (!dst) dst = &ctx.db().Set(dst_key, Object(std::make_unique<SetValue>(), UnixMs())).set();
  if (dst->Add(member, MaxIntsetEntries(ctx))) {
    ctx.KeyModified(dst_key);
    ctx.Notify(kNotifySet, "sadd", dst_key);
  }
  ctx.reply.Integer(1);
}

// The sets named by args[first, first + n): nullptr entries for missing
// keys. False after a WRONGTYPE reply (any key of another type, even after
// a missing one, as Redis 7.0).
bool CollectSets(CommandContext& ctx, size_t first, size_t n, bool read,
                 std::vector<const SetValue*>* sets) {
  for (size_t i = first; i < first + n; ++i) {
    bool wrongtype;
    SetValue* s = LookupSet(ctx, ctx.args[i], read, &wrongtype);
    if (wrongtype) {
      ctx.reply.Error(errors::kWrongType);
      return false;
    }
    sets->push_back(s);
  }
  return true;
}

// Calls fn(member) for each member of the intersection until fn returns
// false. Walks the smallest set, probing the others.
template <typename F>
void ForEachInIntersection(std::vector<const SetValue*> sets, F&& fn) {
  if (sets.empty() || std::count(sets.begin(), sets.end(), nullptr) > 0) return;
  std::sort(sets.begin(), sets.end(),
            [](const SetValue* a, const SetValue* b) { return a->size() < b->size(); });
  bool more = true;
  sets[0]->ForEach([&](std::string_view m) {
    if (!more) return;
    for (size_t j = 1; j < sets.size(); ++j)
      if (!sets[j]->Contains(m)) return;
    more = fn(m);
  });
}

enum class SetOp { kInter, kUnion, kDiff };

SetValue Combine(CommandContext& ctx, const std::vector<const SetValue*>& sets, SetOp op) {
  SetValue out;
  const size_t max_ints = MaxIntsetEntries(ctx);
  auto add = [&](std::string_view m) {
    out.Add(m, max_ints);
    return true;
  };
  if (op == SetOp::kInter) {
    ForEachInIntersection(sets, add);
  } else if (op == SetOp::kUnion) {
    for (const SetValue* s : sets)
      if (s) s->ForEach(add);
  } else if (sets[0]) {
    sets[0]->ForEach([&](std::string_view m) {
      for (size_t j = 1; j < sets.size(); ++j)
        if (sets[j] && sets[j]->Contains(m)) return;
      add(m);
    });
  }
  return out;
}

// SINTER/SUNION/SDIFF key [key ...]
void SetOpReply(CommandContext& ctx, SetOp op) {
  std::vector<const SetValue*> sets;
  if (!CollectSets(ctx, 1, ctx.argc() - 1, true, &sets)) return;
  ReplyMembers(ctx, Combine(ctx, sets, op));
}

// SINTERSTORE/SUNIONSTORE/SDIFFSTORE dst key [key ...]: an empty result
// deletes dst.
void SetOpStore(CommandContext& ctx, SetOp op, std::string_view event) {
  std::vector<const SetValue*> sets;
  if (!CollectSets(ctx, 2, ctx.argc() - 2, false, &sets)) return;
  SetValue result = Combine(ctx, sets, op);
  const std::string& dst = ctx.args[1];
  const auto size = static_cast<int64_t>(result.size());
  if (size == 0) {
    if (ctx.db().Delete(dst)) {
      ctx.KeyModified(dst);
      ctx.Notify(kNotifyGeneric, "del", dst);
    }
  } else {
    ctx.db().Set(dst, Object(std::make_unique<SetValue>(std::move(result)), UnixMs()));
    ctx.KeyModified(dst);
    ctx.Notify(kNotifySet, event, dst);
  }
  ctx.reply.Integer(size);
}

void CmdSInter(CommandContext& ctx) { SetOpReply(ctx, SetOp::kInter); }
void CmdSUnion(CommandContext& ctx) { SetOpReply(ctx, SetOp::kUnion); }
void CmdSDiff(CommandContext& ctx) { SetOpReply(ctx, SetOp::kDiff); }
void CmdSInterStore(CommandContext& ctx) { SetOpStore(ctx, SetOp::kInter, "sinterstore"); }
void CmdSUnionStore(CommandContext& ctx) { SetOpStore(ctx, SetOp::kUnion, "sunionstore"); }
void CmdSDiffStore(CommandContext& ctx) { SetOpStore(ctx, SetOp::kDiff, "sdiffstore"); }

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void CmdSInterCard(CommandContext& ctx) {
  auto numkeys = ParseInt64(ctx.args[1]);
  if (!numkeys || *numkeys < 1) return ctx.reply.Error("ERR numkeys should be greater than 0");
  if (*numkeys > static_cast<int64_t>(ctx.argc() - 2))
    return ctx.reply.Error("ERR Number of keys can't be greater than number of args");
  const auto n = static_cast<size_t>(*numkeys);
  int64_t limit = 0;
  for (size_t i = 2 + n; i < ctx.argc(); ++i) {
    if (!EqualsIgnoreCase(ctx.args[i], "LIMIT") || i + 1 >= ctx.argc())
      return ctx.reply.Error(errors::kSyntax);
    auto l = ParseInt64(ctx.args[++i]);
    if (!l || *l < 0) return ctx.reply.Error("ERR LIMIT can't be negative");
    limit = *l;
  }
  std::vector<const SetValue*> sets;
  if (!CollectSets(ctx, 2, n, true, &sets)) return;
  int64_t card = 0;
  ForEachInIntersection(sets, [&](std::string_view) { return ++card != limit; });
  ctx.reply.Integer(card);
}


// SSCAN key cursor [MATCH pattern] [COUNT count]. An intset is returned
// whole with cursor 0, as Redis.
void CmdSScan(CommandContext& ctx) {
  // Cursor, then the key, then the options (as Redis).
  if (!ParseScanCursor(ctx, ctx.args[2])) return;
  SetValue* s = SetOrReply(ctx, true, [&] { ReplyScan(ctx, 0, {}); });
  if (!s) return;
  auto opts = ParseScanArgs(ctx, 2, /*allow_type=*/false);
  if (!opts) return;
  std::vector<std::string> members;
  uint64_t cursor = 0;
  if (s->is_intset()) {
    members = s->Members();
  } else {
    // As SCAN: about COUNT members, at most 10x COUNT bucket visits.
    cursor = opts->cursor;
    int64_t budget = opts->count * 10;
    do {
      cursor = s->Scan(cursor, [&members](std::string_view m) { members.emplace_back(m); });
    } while (cursor != 0 && --budget > 0 && static_cast<int64_t>(members.size()) < opts->count);
  }
  std::erase_if(members, [&](const std::string& m) { return !opts->Matches(m); });
  ReplyScan(ctx, cursor, members);
}

}  // namespace

void RegisterSetCommands(CommandTable& t) {
  constexpr uint32_t kR = kCmdReadOnly | kCmdFast;
  t.Add({"sadd", -3, kCmdWrite | kCmdDenyOom | kCmdFast, 1, 1, 1, &CmdSAdd})
      .Add({"srem", -3, kCmdWrite | kCmdFast, 1, 1, 1, &CmdSRem})
      .Add({"scard", 2, kR, 1, 1, 1, &CmdSCard})
      .Add({"sismember", 3, kR, 1, 1, 1, &CmdSIsMember})
      .Add({"smismember", -3, kR, 1, 1, 1, &CmdSMIsMember})
      .Add({"smembers", 2, kCmdReadOnly, 1, 1, 1, &CmdSMembers})
      .Add({"spop", -2, kCmdWrite | kCmdFast, 1, 1, 1, &CmdSPop})
      .Add({"srandmember", -2, kCmdReadOnly, 1, 1, 1, &CmdSRandMember})
      .Add({"smove", 4, kCmdWrite | kCmdFast, 1, 2, 1, &CmdSMove})
      .Add({"sinter", -2, kCmdReadOnly, 1, -1, 1, &CmdSInter})
      .Add({"sintercard", -3, kCmdReadOnly, 0, 0, 0, &CmdSInterCard})
      .Add({"sinterstore", -3, kCmdWrite | kCmdDenyOom, 1, -1, 1, &CmdSInterStore})
      .Add({"sunion", -2, kCmdReadOnly, 1, -1, 1, &CmdSUnion})
      .Add({"sunionstore", -3, kCmdWrite | kCmdDenyOom, 1, -1, 1, &CmdSUnionStore})
      .Add({"sdiff", -2, kCmdReadOnly, 1, -1, 1, &CmdSDiff})
      .Add({"sdiffstore", -3, kCmdWrite | kCmdDenyOom, 1, -1, 1, &CmdSDiffStore})
      .Add({"sscan", -3, kCmdReadOnly, 1, 1, 1, &CmdSScan});
}

}  // namespace vigil::server

// List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LINDEX LSET LRANGE
// LTRIM LREM LINSERT LPOS LMOVE RPOPLPUSH LMPOP and the blocking BLPOP BRPOP
// BLMOVE BRPOPLPUSH BLMPOP. Argument checks run in the order Redis 7.0's
// t_list.c runs them, so the same bad command gets the same error.
#include <climits>
#include <memory>
#include <span>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/blocking.h"
#include "server/command_table.h"
#include "server/config/server_config.h"
#include "server/db/database.h"
#include "server/errors.h"
#include "server/server.h"

namespace vigil::server {
namespace {

constexpr std::string_view kNotPositive = "ERR value is out of range, must be positive";

struct ListLookup {
  ListValue* list = nullptr;
  bool wrongtype = false;
};

// Looks a list up. Read commands (`read`) count keyspace hits and misses as
// Redis's lookupKeyRead does; write lookups do not.
ListLookup FindList(CommandContext& ctx, std::string_view key, bool read = false) {
  Object* o = ctx.db().Lookup(key, UnixMs());
  if (read) {
    ctx.server.stats().RecordLookup(o != nullptr);
  }
  if (o == nullptr) return {};
  if (o->type() != ObjType::kList) return {nullptr, true};
  return {&o->list(), false};
}

// LEFT/RIGHT (LMOVE, LMPOP) -> true for the head; nullopt + syntax error.
std::optional<bool> ParseWhere(CommandContext& ctx, std::string_view arg) {
  if (EqualsIgnoreCase(arg, "LEFT")) return true;
  if (EqualsIgnoreCase(arg, "RIGHT")) return false;
  ctx.reply.Error(errors::kSyntax);
  return std::nullopt;
}

std::optional<int64_t> ParseIndex(CommandContext& ctx, std::string_view arg) {
  auto v = ParseInt64(arg);
  if (!v) ctx.reply.Error(errors::kNotInteger);
  return v;
}

// An integer in [min, LLONG_MAX]; anything else (not a number included) gets
// `error`, as Redis's getRangeLongFromObjectOrReply with a message does.
std::optional<int64_t> ParseAtLeast(CommandContext& ctx, std::string_view arg, int64_t min,
                                    std::string_view error) {
  auto v = ParseInt64(arg);
  if (!v || *v < min) {
    ctx.reply.Error(error);
    return std::nullopt;
  }
  return v;
}

// Pushes `values` onto `key` (creating the list when `list` is null) and
// returns the list.
ListValue& PushValues(CommandContext& ctx, std::string_view key, ListValue* list,
                      std::span<const std::string> values, bool front) {
  if (list == nullptr) {
    auto fresh = std::make_unique<ListValue>(ctx.server.config().list_max_listpack_size);
    list = &ctx.db().Set(key, Object(std::move(fresh), UnixMs())).list();
  }
  for (const auto& v : values) list->Push(v, front);
  ctx.KeyModified(key);
  ctx.Notify(kNotifyList, front ? "lpush" : "rpush", key);
  ctx.KeyReady(key);
  return *list;
}

// After elements were popped from `key`: the pop event, and the key goes
// away with a "del" event once the list is empty.
void AfterPop(CommandContext& ctx, std::string_view key, const ListValue& list, bool front) {
  ctx.Notify(kNotifyList, front ? "lpop" : "rpop", key);
  if (list.empty()) {
    ctx.db().Delete(key);
    ctx.Notify(kNotifyGeneric, "del", key);
  }
  ctx.KeyModified(key);
}

// Erases the key of a list a command emptied (LREM, LTRIM).
void DeleteIfEmpty(CommandContext& ctx, std::string_view key, const ListValue& list) {
  if (!list.empty()) return;
  ctx.db().Delete(key);
  ctx.Notify(kNotifyGeneric, "del", key);
}

// Replies with up to `count` elements popped from one end, as an array.
void ReplyPopped(CommandContext& ctx, ListValue& list, bool front, int64_t count) {
  const auto n = std::min<int64_t>(count, static_cast<int64_t>(list.size()));
  ctx.reply.ArrayHeader(n);
  for (int64_t i = 0; i < n; ++i) ctx.reply.Bulk(list.Pop(front));
}

void PushCommand(CommandContext& ctx, bool front, bool only_existing) {
  auto l = FindList(ctx, ctx.args[1]);
  if (l.wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (l.list == nullptr && only_existing) return ctx.reply.Integer(0);
  std::span<const std::string> values(ctx.args.begin() + 2, ctx.args.end());
  ListValue& list = PushValues(ctx, ctx.args[1], l.list, values, front);
  ctx.reply.Integer(static_cast<int64_t>(list.size()));
}
void CmdLPush(CommandContext& ctx) { PushCommand(ctx, true, false); }
void CmdRPush(CommandContext& ctx) { PushCommand(ctx, false, false); }
void CmdLPushX(CommandContext& ctx) { PushCommand(ctx, true, true); }
void CmdRPushX(CommandContext& ctx) { PushCommand(ctx, false, true); }

// LPOP/RPOP key [count]: a missing key answers a null array when a count was
// given (even 0), a null bulk otherwise; an existing key with count 0 gets [].
void PopCommand(CommandContext& ctx, bool front) {
  if (ctx.argc() > 3) return ctx.reply.Error(errors::WrongArity(ctx.spec.name));
  std::optional<int64_t> count;
  if (ctx.argc() == 3) {
    count = ParseAtLeast(ctx, ctx.args[2], 0, kNotPositive);
    if (!count) return;
  }
  const std::string& key = ctx.args[1];
  auto l = FindList(ctx, key);
  if (l.wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (l.list == nullptr) return count ? ctx.reply.NullArray() : ctx.reply.Null();
  if (!count) {
    ctx.reply.Bulk(l.list->Pop(front));
  } else if (*count == 0) {
    return ctx.reply.ArrayHeader(0);
  } else {
    ReplyPopped(ctx, *l.list, front, *count);
  }
  AfterPop(ctx, key, *l.list, front);
}
void CmdLPop(CommandContext& ctx) { PopCommand(ctx, true); }
void CmdRPop(CommandContext& ctx) { PopCommand(ctx, false); }

void CmdLLen(CommandContext& ctx) {
  auto l = FindList(ctx, ctx.args[1], true);
  if (l.wrongtype) return ctx.reply.Error(errors::kWrongType);
  ctx.reply.Integer(l.list ? static_cast<int64_t>(l.list->size()) : 0);
}

void CmdLIndex(CommandContext& ctx) {
  auto l = FindList(ctx, ctx.args[1], true);
  if (l.wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (l.list == nullptr) return ctx.reply.Null();
  auto index = ParseIndex(ctx, ctx.args[2]);
  if (!index) return;
  auto value = l.list->At(*index);
  if (value) ctx.reply.Bulk(*value); else ctx.reply.Null();
}

void CmdLSet(CommandContext& ctx) {
  auto l = FindList(ctx, ctx.args[1]);
  if (l.wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (l.list == nullptr) return ctx.reply.Error(errors::kNoSuchKey);
  auto index = ParseIndex(ctx, ctx.args[2]);
  if (!index) return;
  if (!l.list->Set(*index, ctx.args[3])) return ctx.reply.Error("ERR index out of range");
  ctx.KeyModified(ctx.args[1]);
  ctx.Notify(kNotifyList, "lset", ctx.args[1]);
  ctx.reply.SimpleString("OK");
}

// Resolves LRANGE/LTRIM's inclusive [start, end] against a length the way
// Redis does; nullopt when the range is empty.
std::optional<std::pair<size_t, size_t>> ResolveRange(int64_t start, int64_t end, size_t size) {
  const auto len = static_cast<int64_t>(size);
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return std::nullopt;
  if (end >= len) end = len - 1;
  return std::make_pair(static_cast<size_t>(start), static_cast<size_t>(end));
}

void CmdLRange(CommandContext& ctx) {
  auto start = ParseIndex(ctx, ctx.args[2]);
  if (!start) return;
  auto end = ParseIndex(ctx, ctx.args[3]);
  if (!end) return;
  auto l = FindList(ctx, ctx.args[1], true);
  if (l.wrongtype) return ctx.reply.Error(errors::kWrongType);
  auto range = l.list ? ResolveRange(*start, *end, l.list->size()) : std::nullopt;
  if (!range) return ctx.reply.ArrayHeader(0);
  size_t left = range->second - range->first + 1;
  ctx.reply.ArrayHeader(static_cast<int64_t>(left));
  l.list->Walk(range->first, false, [&](std::string_view v) {
    ctx.reply.Bulk(v);
    return --left > 0;
  });
}

void CmdLTrim(CommandContext& ctx) {
  auto start = ParseIndex(ctx, ctx.args[2]);
  if (!start) return;
  auto end = ParseIndex(ctx, ctx.args[3]);
  if (!end) return;
  const std::string& key = ctx.args[1];
  auto l = FindList(ctx, key);
  if (l.wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (l.list == nullptr) return ctx.reply.SimpleString("OK");
  ListValue& list = *l.list;
  if (auto range = ResolveRange(*start, *end, list.size())) {
    list.Erase(range->second + 1, list.size());
    list.Erase(0, range->first);
  } else {
    list.Erase(0, list.size());
  }
  ctx.Notify(kNotifyList, "ltrim", key);
  DeleteIfEmpty(ctx, key, list);
  ctx.KeyModified(key);
  ctx.reply.SimpleString("OK");
}

void CmdLRem(CommandContext& ctx) {
  auto count = ParseIndex(ctx, ctx.args[2]);
  if (!count) return;
  const std::string& key = ctx.args[1];
  auto l = FindList(ctx, key);
  if (l.wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (l.list == nullptr) return ctx.reply.Integer(0);
  const size_t removed = l.list->Remove(ctx.args[3], *count);
  if (removed > 0) {
    ctx.KeyModified(key);
    ctx.Notify(kNotifyList, "lrem", key);
    DeleteIfEmpty(ctx, key, *l.list);
  }
  ctx.reply.Integer(static_cast<int64_t>(removed));
}

// LINSERT key BEFORE|AFTER pivot element
void CmdLInsert(CommandContext& ctx) {
  bool after;
  if (EqualsIgnoreCase(ctx.args[2], "AFTER")) {
    after = true;
  } else if (EqualsIgnoreCase(ctx.args[2], "BEFORE")) {
    after = false;
  } else {
    return ctx.reply.Error(errors::kSyntax);
  }
  auto l = FindList(ctx, ctx.args[1]);
  if (l.wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (l.list == nullptr) return ctx.reply.Integer(0);
  if (!l.list->InsertAtPivot(ctx.args[3], ctx.args[4], after)) return ctx.reply.Integer(-1);
  ctx.KeyModified(ctx.args[1]);
  ctx.Notify(kNotifyList, "linsert", ctx.args[1]);
  ctx.reply.Integer(static_cast<int64_t>(l.list->size()));
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void CmdLPos(CommandContext& ctx) {
  const auto& a = ctx.args;
  int64_t rank = 1, count = -1, maxlen = 0;  // count -1: no COUNT, reply an integer
  for (size_t j = 3; j < a.size(); ++j) {
    const bool more = j + 1 < a.size();
    if (EqualsIgnoreCase(a[j], "RANK") && more) {
      auto v = ParseIndex(ctx, a[++j]);
      if (!v) return;
      if (*v == 0) {
        return ctx.reply.Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
      }
      rank = *v;
    } else if (EqualsIgnoreCase(a[j], "COUNT") && more) {
      auto v = ParseAtLeast(ctx, a[++j], 0, "ERR COUNT can't be negative");
      if (!v) return;
      count = *v;
    } else if (EqualsIgnoreCase(a[j], "MAXLEN") && more) {
      auto v = ParseAtLeast(ctx, a[++j], 0, "ERR MAXLEN can't be negative");
      if (!v) return;
      maxlen = *v;
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  auto l = FindList(ctx, a[1], true);
  if (l.wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (l.list == nullptr) return count >= 0 ? ctx.reply.ArrayHeader(0) : ctx.reply.Null();
  const ListValue& list = *l.list;
  const bool from_tail = rank < 0;
  // Redis negates a negative rank in a long: LLONG_MIN stays negative there
  // and so matches from the first hit, like -1.
  const int64_t skip = from_tail ? (rank == LLONG_MIN ? 0 : -rank - 1) : rank - 1;
  const auto size = static_cast<int64_t>(list.size());
  std::vector<int64_t> found;
  int64_t index = 0, matches = 0;
  const std::string_view element = a[2];
  list.Walk(from_tail ? list.size() - 1 : 0, from_tail, [&](std::string_view v) {
    if (maxlen != 0 && index >= maxlen) return false;
    if (v == element && matches++ >= skip) {
      found.push_back(from_tail ? size - 1 - index : index);
      if (count <= 0 ? count < 0 : static_cast<int64_t>(found.size()) >= count) return false;
    }
    ++index;
    return true;
  });
  if (count >= 0) {
    ctx.reply.ArrayHeader(static_cast<int64_t>(found.size()));
    for (int64_t pos : found) ctx.reply.Integer(pos);
  } else if (found.empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Integer(found[0]);
  }
}

// Replicas and the AOF get BRPOPLPUSH as RPOPLPUSH and BLMOVE as LMOVE, as
// Redis 7.0 rewrites them: with the directions as typed when the source had
// data at once, in lower case when a parked client is served.
void PropagateBlockingMove(CommandContext& ctx, bool from_front, bool to_front) {
  const auto& a = ctx.args;
  if (a.size() == 4) return ctx.PropagateAs({"RPOPLPUSH", a[1], a[2]});
  auto where = [&](bool front, const std::string& typed) -> std::string {
    return ctx.reexec ? (front ? "left" : "right") : typed;
  };
  ctx.PropagateAs({"LMOVE", a[1], a[2], where(from_front, a[3]), where(to_front, a[4])});
}

// LMOVE's body once the arguments are parsed; with `block_deadline` (BLMOVE)
// a missing source parks the client instead of answering nil.
void MoveCommand(CommandContext& ctx, bool from_front, bool to_front,
                 std::optional<int64_t> block_deadline = std::nullopt) {
  const std::string& src_key = ctx.args[1];
  const std::string& dst_key = ctx.args[2];
  auto src = FindList(ctx, src_key);
  if (src.wrongtype) return ctx.reply.Error(errors::kWrongType);
  if (src.list == nullptr) {
    // Redis 7.0 answers a null bulk here (and inside MULTI), but a null
    // array when a blocked BLMOVE times out.
    if (!block_deadline || !ctx.may_block) return ctx.reply.Null();
    BlockSpec spec{{src_key}, ObjType::kList, *block_deadline, TimeoutReply::kNullArray};
    return BlockClient(ctx, std::move(spec));
  }
  auto dst = FindList(ctx, dst_key);
  if (dst.wrongtype) return ctx.reply.Error(errors::kWrongType);
  // Lists live behind a pointer, so creating the destination cannot move it.
  ListValue& list = *src.list;
  const std::string value = list.Pop(from_front);
  PushValues(ctx, dst_key, dst.list, std::span<const std::string>(&value, 1), to_front);
  ctx.reply.Bulk(value);
  AfterPop(ctx, src_key, list, from_front);
  if (block_deadline) PropagateBlockingMove(ctx, from_front, to_front);
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
void CmdLMove(CommandContext& ctx) {
  auto from = ParseWhere(ctx, ctx.args[3]);
  if (!from) return;
  auto to = ParseWhere(ctx, ctx.args[4]);
  if (!to) return;
  MoveCommand(ctx, *from, *to);
}

void CmdRPopLPush(CommandContext& ctx) { MoveCommand(ctx, false, true); }

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
void CmdBLMove(CommandContext& ctx) {
  auto from = ParseWhere(ctx, ctx.args[3]);
  if (!from) return;
  auto to = ParseWhere(ctx, ctx.args[4]);
  if (!to) return;
  auto deadline = ParseBlockTimeout(ctx, ctx.args[5]);
  if (!deadline) return;
  MoveCommand(ctx, *from, *to, deadline);
}

// BRPOPLPUSH source destination timeout
void CmdBRPopLPush(CommandContext& ctx) {
  auto deadline = ParseBlockTimeout(ctx, ctx.args[3]);
  if (!deadline) return;
  MoveCommand(ctx, false, true, deadline);
}

// Pops from the first non-empty list among `keys` (on a re-run: from the
// key that became ready). count < 0: one element, replied BLPOP-style as
// [key, value] and propagated as [LR]POP key; otherwise up to `count`
// elements, replied LMPOP-style as [key, [values...]] and propagated as
// [LR]POP key n, n being the number popped (Redis 7.0). Returns false,
// without replying, when all the keys are empty.
bool PopFromFirstList(CommandContext& ctx, std::vector<std::string> keys, bool front,
                      int64_t count) {
  for (const auto& key : KeysToServe(ctx, std::move(keys))) {
    auto l = FindList(ctx, key);
    if (l.wrongtype) {
      ctx.reply.Error(errors::kWrongType);
      return true;
    }
    if (l.list == nullptr) continue;
    std::vector<std::string> propagated{front ? "LPOP" : "RPOP", key};
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    if (count < 0) {
      ctx.reply.Bulk(l.list->Pop(front));
    } else {
      propagated.push_back(std::to_string(std::min(count, static_cast<int64_t>(l.list->size()))));
      ReplyPopped(ctx, *l.list, front, count);
    }
    AfterPop(ctx, key, *l.list, front);
    ctx.PropagateAs(std::move(propagated));
    return true;
  }
  return false;
}

// BLPOP/BRPOP key [key ...] timeout
void BlockingPopCommand(CommandContext& ctx, bool front) {
  auto deadline = ParseBlockTimeout(ctx, ctx.args.back());
  if (!deadline) return;
  std::vector<std::string> keys(ctx.args.begin() + 1, ctx.args.end() - 1);
  if (PopFromFirstList(ctx, keys, front, -1)) return;
  BlockClient(ctx, BlockSpec{std::move(keys), ObjType::kList, *deadline, TimeoutReply::kNullArray});
}
void CmdBLPop(CommandContext& ctx) { BlockingPopCommand(ctx, true); }
void CmdBRPop(CommandContext& ctx) { BlockingPopCommand(ctx, false); }

// [B]LMPOP [timeout] numkeys key [key ...] LEFT|RIGHT [COUNT count]; the
// numkeys argument is at `numkeys_idx` (1 for LMPOP, 2 for BLMPOP).
void MultiPopCommand(CommandContext& ctx, size_t numkeys_idx, bool blocking) {
  const auto& a = ctx.args;
  auto numkeys = ParseAtLeast(ctx, a[numkeys_idx], 1, "ERR numkeys should be greater than 0");
  if (!numkeys) return;
  if (static_cast<uint64_t>(*numkeys) >= a.size() - numkeys_idx - 1) {
    return ctx.reply.Error(errors::kSyntax);
  }
  const size_t where_idx = numkeys_idx + static_cast<size_t>(*numkeys) + 1;
  auto front = ParseWhere(ctx, a[where_idx]);
  if (!front) return;
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < a.size(); ++j) {
    if (count == -1 && EqualsIgnoreCase(a[j], "COUNT") && j + 1 < a.size()) {
      auto v = ParseAtLeast(ctx, a[++j], 1, "ERR count should be greater than 0");
      if (!v) return;
      count = *v;
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  if (count == -1) count = 1;
  std::optional<int64_t> deadline;
  if (blocking) {
    deadline = ParseBlockTimeout(ctx, a[1]);
    if (!deadline) return;
  }
  std::vector<std::string> keys(a.begin() + static_cast<ptrdiff_t>(numkeys_idx) + 1,
                                a.begin() + static_cast<ptrdiff_t>(where_idx));
  if (PopFromFirstList(ctx, keys, *front, count)) return;
  if (!blocking) return ctx.reply.NullArray();
  BlockClient(ctx, BlockSpec{std::move(keys), ObjType::kList, *deadline, TimeoutReply::kNullArray});
}
void CmdLMPop(CommandContext& ctx) { MultiPopCommand(ctx, 1, false); }
void CmdBLMPop(CommandContext& ctx) { MultiPopCommand(ctx, 2, true); }

}  // namespace

void RegisterListCommands(CommandTable& t) {
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
  constexpr uint32_t kR = kCmdReadOnly;
  constexpr uint32_t kB = kCmdWrite | kCmdNoScript | kCmdBlocking;
  t.Add({"lpush", -3, kW | kCmdFast, 1, 1, 1, &CmdLPush})
      .Add({"rpush", -3, kW | kCmdFast, 1, 1, 1, &CmdRPush})
      .Add({"lpushx", -3, kW | kCmdFast, 1, 1, 1, &CmdLPushX})
      .Add({"rpushx", -3, kW | kCmdFast, 1, 1, 1, &CmdRPushX})
      .Add({"lpop", -2, kCmdWrite | kCmdFast, 1, 1, 1, &CmdLPop})
      .Add({"rpop", -2, kCmdWrite | kCmdFast, 1, 1, 1, &CmdRPop})
      .Add({"llen", 2, kR | kCmdFast, 1, 1, 1, &CmdLLen})
      .Add({"lindex", 3, kR, 1, 1, 1, &CmdLIndex})
      .Add({"lset", 4, kW, 1, 1, 1, &CmdLSet})
      .Add({"lrange", 4, kR, 1, 1, 1, &CmdLRange})
      .Add({"ltrim", 4, kCmdWrite, 1, 1, 1, &CmdLTrim})
      .Add({"lrem", 4, kCmdWrite, 1, 1, 1, &CmdLRem})
      .Add({"linsert", 5, kW, 1, 1, 1, &CmdLInsert})
      .Add({"lpos", -3, kR, 1, 1, 1, &CmdLPos})
      .Add({"lmove", 5, kW, 1, 2, 1, &CmdLMove})
      .Add({"rpoplpush", 3, kW, 1, 2, 1, &CmdRPopLPush})
      .Add({"lmpop", -4, kCmdWrite, 0, 0, 0, &CmdLMPop})
      .Add({"blpop", -3, kB, 1, -2, 1, &CmdBLPop})
      .Add({"brpop", -3, kB, 1, -2, 1, &CmdBRPop})
      .Add({"blmove", 6, kB | kCmdDenyOom, 1, 2, 1, &CmdBLMove})
      .Add({"brpoplpush", 4, kB | kCmdDenyOom, 1, 2, 1, &CmdBRPopLPush})
      .Add({"blmpop", -5, kCmdWrite | kCmdBlocking, 0, 0, 0, &CmdBLMPop});
}

}  // namespace vigil::server

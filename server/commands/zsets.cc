// Sorted-set commands: ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK
// ZCOUNT ZLEXCOUNT ZRANGE ZRANGESTORE ZREVRANGE Z[REV]RANGEBYSCORE
// Z[REV]RANGEBYLEX ZREMRANGEBYRANK/SCORE/LEX ZPOPMIN ZPOPMAX BZPOPMIN
// BZPOPMAX ZMPOP BZMPOP ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE
// ZDIFFSTORE ZINTERCARD ZRANDMEMBER ZSCAN, with Redis 7.0's replies.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/blocking.h"
#include "server/command_table.h"
#include "server/commands/scan_util.h"
#include "server/db/database.h"
#include "server/errors.h"
#include "server/server.h"

namespace vigil::server {
namespace {

using Entry = ZSetValue::Entry;

constexpr std::string_view kNaNScore = "ERR resulting score is not a number (NaN)";
constexpr std::string_view kMinMaxNotFloat = "ERR min or max is not a float";
constexpr std::string_view kMinMaxNotLex = "ERR min or max not valid string range item";

std::mt19937_64& Rng() {
  static std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

ZSetValue::Limits Limits(CommandContext& ctx) {
  const auto& c = ctx.server.config();
  return {static_cast<size_t>(std::max<int64_t>(0, c.zset_max_listpack_entries)),
          static_cast<size_t>(std::max<int64_t>(0, c.zset_max_listpack_value))};
}

// The zset at `key`, or nullptr when missing. On a key of another type
// replies WRONGTYPE and sets *failed. Reads count keyspace hits/misses.
ZSetValue* FindZSet(CommandContext& ctx, std::string_view key, bool for_write, bool* failed) {
  *failed = false;
  Object* o = ctx.db().Lookup(key, UnixMs());
  if (o != nullptr && o->type() != ObjType::kZSet) {
    *failed = true;
    ctx.reply.Error(errors::kWrongType);
    return nullptr;
  }
  if (!for_write) {
    ctx.server.stats().RecordLookup(o != nullptr);
  }
  return o ? &o->zset() : nullptr;
}

// ---- replies ----

enum class Shape {
  kMembers,     // [m, m, ...]
  kWithScores,  // RESP2 [m, s, m, s]; RESP3 [[m, s], [m, s]]
  kFlat,        // [m, s, m, s] in both protocols (ZPOPMIN without count)
};

void ReplyEntries(CommandContext& ctx, const std::vector<Entry>& entries, Shape shape) {
  const auto n = static_cast<int64_t>(entries.size());
  const bool pairs = shape == Shape::kWithScores && ctx.reply.protocol() >= 3;
  ctx.reply.ArrayHeader(shape == Shape::kMembers || pairs ? n : 2 * n);
  for (const Entry& e : entries) {
    if (pairs) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(e.member);
    if (shape != Shape::kMembers) ctx.reply.Double(e.score);
  }
}

// ---- change reporting ----

// After elements were removed from the zset at `key`: WATCH, the event, and
// the key's removal (with a "del" event) when it became empty.
void Removed(CommandContext& ctx, std::string_view key, const ZSetValue& z,
             std::string_view event) {
  ctx.KeyModified(key);
  ctx.Notify(kNotifyZset, event, key);
  if (z.empty()) {
    ctx.db().Delete(key);
    ctx.Notify(kNotifyGeneric, "del", key);
  }
}

// The store variants (ZRANGESTORE, ZUNIONSTORE ...): `result` replaces `dst`,
// or an empty result deletes it; replies the stored size.
void StoreResult(CommandContext& ctx, std::string_view dst, ZSetValue result,
                 std::string_view event) {
  if (result.empty()) {
    ctx.reply.Integer(0);
    if (ctx.db().Delete(dst)) {
      ctx.KeyModified(dst);
      ctx.Notify(kNotifyGeneric, "del", dst);
    }
    return;
  }
  const auto size = static_cast<int64_t>(result.size());
  ctx.db().Set(dst, Object(std::move(result), UnixMs()));
  ctx.reply.Integer(size);
  ctx.KeyModified(dst);
  ctx.Notify(kNotifyZset, event, dst);
  ctx.KeyReady(dst);
}

// ZRANGE's order: by score, then member.
bool EntryLess(const Entry& x, const Entry& y) {
  return x.score < y.score || (x.score == y.score && x.member < y.member);
}

// A zset holding `entries` (distinct members, any order), encoded as Redis
// encodes a stored result.
ZSetValue BuildZSet(CommandContext& ctx, std::vector<Entry> entries) {
  std::sort(entries.begin(), entries.end(), EntryLess);
  return ZSetValue::FromSorted(entries, Limits(ctx));
}

// ---- range parsing ----

// A score bound as zslParseRange reads it: plain strtod up to the first NUL
// (so " 1", "1e400" and "(" are accepted); NaN and trailing bytes rejected.
bool ParseScoreBound(const std::string& arg, double* value, bool* exclusive) {
  *exclusive = !arg.empty() && arg[0] == '(';
  const char* start = arg.c_str() + (*exclusive ? 1 : 0);
  char* end = nullptr;
  *value = std::strtod(start, &end);
  return *end == '\0' && !std::isnan(*value);
}

std::optional<ScoreRange> ParseScoreRange(const std::string& min, const std::string& max) {
  ScoreRange r;
  if (!ParseScoreBound(min, &r.min, &r.minex) || !ParseScoreBound(max, &r.max, &r.maxex))
    return std::nullopt;
  return r;
}

bool ParseLexBound(const std::string& arg, LexBound* b) {
  if (arg.empty()) return false;
  switch (arg[0]) {
    case '+':
    case '-':
      if (arg.size() != 1) return false;
      b->kind = arg[0] == '+' ? LexBound::kMax : LexBound::kMin;
      b->exclusive = true;
      return true;
    case '(':
    case '[':
      b->kind = LexBound::kValue;
      b->exclusive = arg[0] == '(';
      b->value = arg.substr(1);
      return true;
    default:
      return false;
  }
}

std::optional<LexRange> ParseLexRange(const std::string& min, const std::string& max) {
  LexRange r;
  if (!ParseLexBound(min, &r.min) || !ParseLexBound(max, &r.max)) return std::nullopt;
  return r;
}

// Redis's rank clamping (ZRANGE, ZREMRANGEBYRANK): negative ranks count
// from the end; nullopt when the range selects nothing.
std::optional<std::pair<size_t, size_t>> ClampRanks(int64_t start, int64_t end, size_t size) {
  const auto len = static_cast<int64_t>(size);
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return std::nullopt;
  if (end >= len) end = len - 1;
  return std::make_pair(static_cast<size_t>(start), static_cast<size_t>(end));
}

// ---- range queries ----

enum class RangeType { kAuto, kRank, kScore, kLex };

// A parsed ZRANGE request: the range in one of its three forms.
struct RangeQuery {
  RangeType type = RangeType::kRank;
  bool reverse = false;
  int64_t start = 0, end = 0;  // kRank
  ScoreRange score;            // kScore
  LexRange lex;                // kLex
  int64_t offset = 0, limit = -1;
};

// Parses min/max for q.type into q; on error replies Redis's text.
bool ParseQueryRange(CommandContext& ctx, const std::string& min, const std::string& max,
                     RangeQuery* q) {
  if (q->type == RangeType::kRank) {
    auto s = ParseInt64(min), e = ParseInt64(max);
    if (!s || !e) {
      ctx.reply.Error(errors::kNotInteger);
      return false;
    }
    q->start = *s;
    q->end = *e;
  } else if (q->type == RangeType::kScore) {
    auto r = ParseScoreRange(min, max);
    if (!r) {
      ctx.reply.Error(kMinMaxNotFloat);
      return false;
    }
    q->score = *r;
  } else {
    auto r = ParseLexRange(min, max);
    if (!r) {
      ctx.reply.Error(kMinMaxNotLex);
      return false;
    }
    q->lex = std::move(*r);
  }
  return true;
}

// [begin, end) forward ranks of a score or lex query.
std::pair<size_t, size_t> Span(const ZSetValue& z, const RangeQuery& q) {
  return q.type == RangeType::kScore ? z.RankSpan(q.score) : z.RankSpan(q.lex);
}

// ZCOUNT / ZLEXCOUNT key min max
void CountGeneric(CommandContext& ctx, RangeType type) {
  RangeQuery q;
  q.type = type;
  if (!ParseQueryRange(ctx, ctx.args[2], ctx.args[3], &q)) return;
  bool failed;
  const ZSetValue* z = FindZSet(ctx, ctx.args[1], false, &failed);
  if (failed) return;
  auto [begin, end] = z ? Span(*z, q) : std::pair<size_t, size_t>{0, 0};
  ctx.reply.Integer(static_cast<int64_t>(end - begin));
}

void CmdZCount(CommandContext& ctx) { CountGeneric(ctx, RangeType::kScore); }
void CmdZLexCount(CommandContext& ctx) { CountGeneric(ctx, RangeType::kLex); }

// ---- ZADD / ZINCRBY ----

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]; also
// ZINCRBY key increment member (always INCR), as Redis shares the parser.
void ZAddGeneric(CommandContext& ctx, int flags) {
  const auto& a = ctx.args;
  const std::string& key = a[1];
  bool ch = false;
  size_t idx = 2;
  for (; idx < a.size(); ++idx) {
    const std::string& opt = a[idx];
    if (EqualsIgnoreCase(opt, "nx")) flags |= ZSetValue::kAddNx;
    else if (EqualsIgnoreCase(opt, "xx")) flags |= ZSetValue::kAddXx;
    else if (EqualsIgnoreCase(opt, "ch")) ch = true;
    else if (EqualsIgnoreCase(opt, "incr")) flags |= ZSetValue::kAddIncr;
    else if (EqualsIgnoreCase(opt, "gt")) flags |= ZSetValue::kAddGt;
    else if (EqualsIgnoreCase(opt, "lt")) flags |= ZSetValue::kAddLt;
    else break;
  }
  const size_t elements = a.size() - idx;
  if (elements == 0 || elements % 2 != 0) return ctx.reply.Error(errors::kSyntax);
  const bool nx = flags & ZSetValue::kAddNx, xx = flags & ZSetValue::kAddXx;
  const bool gt = flags & ZSetValue::kAddGt, lt = flags & ZSetValue::kAddLt;
  const bool incr = flags & ZSetValue::kAddIncr;
  if (nx && xx) return ctx.reply.Error("ERR XX and NX options at the same time are not compatible");
  if ((gt && nx) || (lt && nx) || (gt && lt))
    return ctx.reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
  if (incr && elements > 2)
    return ctx.reply.Error("ERR INCR option supports a single increment-element pair");
  std::vector<double> scores;
  for (size_t i = idx; i < a.size(); i += 2) {
    auto s = ParseDouble(a[i]);
    if (!s) return ctx.reply.Error(errors::kNotFloat);
    scores.push_back(*s);
  }

  bool failed;
  ZSetValue* z = FindZSet(ctx, key, true, &failed);
  if (failed) return;
  const ZSetValue::Limits limits = Limits(ctx);
  if (z == nullptr) {
    if (xx) return incr ? ctx.reply.Null() : ctx.reply.Integer(0);
    // A new key always receives its first element, so it never stays empty.
    z = &ctx.db().Set(key, Object(ZSetValue(limits, a[idx + 1].size()), UnixMs())).zset();
  }
  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    switch (z->Add(scores[i], a[idx + 2 * i + 1], flags, &score, limits)) {
      case ZSetValue::AddResult::kNaN: return ctx.reply.Error(kNaNScore);
      case ZSetValue::AddResult::kNop: continue;
      case ZSetValue::AddResult::kAdded: ++added; break;
      case ZSetValue::AddResult::kUpdated: ++updated; break;
      case ZSetValue::AddResult::kUnchanged: break;
    }
    ++processed;
  }
  if (incr) {
    if (processed) ctx.reply.Double(score); else ctx.reply.Null();
  } else {
    ctx.reply.Integer(ch ? added + updated : added);
  }
  if (added || updated) {
    ctx.KeyModified(key);
    ctx.Notify(kNotifyZset, incr ? "zincr" : "zadd", key);
  }
  if (added) ctx.KeyReady(key);
}

void CmdZAdd(CommandContext& ctx) { ZAddGeneric(ctx, 0); }
void CmdZIncrBy(CommandContext& ctx) { ZAddGeneric(ctx, ZSetValue::kAddIncr); }

// ---- single-member reads and ZREM ----

void CmdZRem(CommandContext& ctx) {
  bool failed;
  ZSetValue* z = FindZSet(ctx, ctx.args[1], true, &failed);
  if (failed) return;
  if (z == nullptr) return ctx.reply.Integer(0);
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc() && !z->empty(); ++i) deleted += z->Remove(ctx.args[i]);
  ctx.reply.Integer(deleted);
  if (deleted) Removed(ctx, ctx.args[1], *z, "zrem");
}

void CmdZCard(CommandContext& ctx) {
  bool failed;
  const ZSetValue* z = FindZSet(ctx, ctx.args[1], false, &failed);
  if (failed) return;
  ctx.reply.Integer(z ? static_cast<int64_t>(z->size()) : 0);
}

void CmdZScore(CommandContext& ctx) {
  bool failed;
  const ZSetValue* z = FindZSet(ctx, ctx.args[1], false, &failed);
  if (failed) return;
  auto s = z ? z->Score(ctx.args[2]) : std::nullopt;
  if (s) ctx.reply.Double(*s); else ctx.reply.Null();
}

void CmdZMScore(CommandContext& ctx) {
  bool failed;
  const ZSetValue* z = FindZSet(ctx, ctx.args[1], false, &failed);
  if (failed) return;
  ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); ++i) {
    auto s = z ? z->Score(ctx.args[i]) : std::nullopt;
    if (s) ctx.reply.Double(*s); else ctx.reply.Null();
  }
}

void RankGeneric(CommandContext& ctx, bool reverse) {
  bool failed;
  const ZSetValue* z = FindZSet(ctx, ctx.args[1], false, &failed);
  if (failed) return;
  auto r = z ? z->Rank(ctx.args[2], reverse) : std::nullopt;
  if (r) ctx.reply.Integer(static_cast<int64_t>(*r)); else ctx.reply.Null();
}

void CmdZRank(CommandContext& ctx) { RankGeneric(ctx, false); }
void CmdZRevRank(CommandContext& ctx) { RankGeneric(ctx, true); }

// ---- ZRANGE family ----

enum class Direction { kAuto, kForward, kReverse };

// The entries a query selects, in reply order.
std::vector<Entry> RunRange(const ZSetValue& z, const RangeQuery& q) {
  const size_t n = z.size();
  if (q.type == RangeType::kRank) {
    auto ranks = ClampRanks(q.start, q.end, n);
    if (!ranks) return {};
    auto [first, last] = *ranks;
    // Reverse ranks count from the highest score.
    return q.reverse ? z.Range(n - 1 - last, n - 1 - first, true) : z.Range(first, last, false);
  }
  auto [begin, end] = Span(z, q);
  const size_t available = end - begin;
  if (q.offset < 0 || static_cast<size_t>(q.offset) >= available) return {};
  size_t take = available - static_cast<size_t>(q.offset);
  if (q.limit >= 0) take = std::min(take, static_cast<size_t>(q.limit));
  if (take == 0) return {};
  if (q.reverse) {
    size_t last = end - 1 - static_cast<size_t>(q.offset);
    return z.Range(last + 1 - take, last, true);
  }
  size_t first = begin + static_cast<size_t>(q.offset);
  return z.Range(first, first + take - 1, false);
}

// zrangeGenericCommand: the key is args[key_index], then min, max and the
// options; `dst` is set for ZRANGESTORE. `type`/`dir` are preset by the
// legacy commands (ZRANGEBYSCORE ...), kAuto for ZRANGE.
void RangeGeneric(CommandContext& ctx, size_t key_index, const std::string* dst, RangeType type,
                  Direction dir) {
  const auto& a = ctx.args;
  size_t min_index = key_index + 1, max_index = key_index + 2;
  bool withscores = false, has_limit = false;
  RangeQuery q;
  for (size_t j = key_index + 3; j < a.size(); ++j) {
    const size_t left = a.size() - j - 1;
    if (!dst && EqualsIgnoreCase(a[j], "withscores")) {
      withscores = true;
    } else if (EqualsIgnoreCase(a[j], "limit") && left >= 2) {
      auto off = ParseInt64(a[j + 1]), cnt = ParseInt64(a[j + 2]);
      if (!off || !cnt) return ctx.reply.Error(errors::kNotInteger);
      q.offset = *off;
      q.limit = *cnt;
      has_limit = true;
      j += 2;
    } else if (dir == Direction::kAuto && EqualsIgnoreCase(a[j], "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(a[j], "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(a[j], "byscore")) {
      type = RangeType::kScore;
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  if (type == RangeType::kAuto) type = RangeType::kRank;
  q.type = type;
  q.reverse = dir == Direction::kReverse;
  // Redis only rejects a real count here: LIMIT x -1 is "no limit" and is
  // accepted (and ignored) with a rank range.
  if (has_limit && q.limit != -1 && type == RangeType::kRank)
    return ctx.reply.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  if (withscores && type == RangeType::kLex)
    return ctx.reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  // Reversed score and lex ranges are given as max, min.
  if (q.reverse && type != RangeType::kRank) std::swap(min_index, max_index);
  if (!ParseQueryRange(ctx, a[min_index], a[max_index], &q)) return;

  bool failed;
  const ZSetValue* z = FindZSet(ctx, a[key_index], false, &failed);
  if (failed) return;
  std::vector<Entry> entries = z ? RunRange(*z, q) : std::vector<Entry>{};
  if (dst) return StoreResult(ctx, *dst, BuildZSet(ctx, std::move(entries)), "zrangestore");
  ReplyEntries(ctx, entries, withscores ? Shape::kWithScores : Shape::kMembers);
}

void CmdZRange(CommandContext& ctx) {
  RangeGeneric(ctx, 1, nullptr, RangeType::kAuto, Direction::kAuto);
}
void CmdZRangeStore(CommandContext& ctx) {
  RangeGeneric(ctx, 2, &ctx.args[1], RangeType::kAuto, Direction::kAuto);
}
void CmdZRevRange(CommandContext& ctx) {
  RangeGeneric(ctx, 1, nullptr, RangeType::kRank, Direction::kReverse);
}
void CmdZRangeByScore(CommandContext& ctx) {
  RangeGeneric(ctx, 1, nullptr, RangeType::kScore, Direction::kForward);
}
void CmdZRevRangeByScore(CommandContext& ctx) {
  RangeGeneric(ctx, 1, nullptr, RangeType::kScore, Direction::kReverse);
}
void CmdZRangeByLex(CommandContext& ctx) {
  RangeGeneric(ctx, 1, nullptr, RangeType::kLex, Direction::kForward);
}
void CmdZRevRangeByLex(CommandContext& ctx) {
  RangeGeneric(ctx, 1, nullptr, RangeType::kLex, Direction::kReverse);
}

// ZREMRANGEBYRANK/SCORE/LEX key min max.
void RemRangeGeneric(CommandContext& ctx, RangeType type) {
  const auto& a = ctx.args;
  RangeQuery q;
  q.type = type;
  if (!ParseQueryRange(ctx, a[2], a[3], &q)) return;
  bool failed;
  ZSetValue* z = FindZSet(ctx, a[1], true, &failed);
  if (failed) return;
  if (z == nullptr) return ctx.reply.Integer(0);
  std::optional<std::pair<size_t, size_t>> ranks;
  if (type == RangeType::kRank) {
    ranks = ClampRanks(q.start, q.end, z->size());
  } else {
    auto [begin, end] = Span(*z, q);
    if (begin < end) ranks = std::make_pair(begin, end - 1);
  }
  const size_t removed = ranks ? z->RemoveRanks(ranks->first, ranks->second) : 0;
  ctx.reply.Integer(static_cast<int64_t>(removed));
  if (removed == 0) return;
  static constexpr std::string_view kEvents[] = {"", "zremrangebyrank", "zremrangebyscore",
                                                 "zremrangebylex"};
  Removed(ctx, a[1], *z, kEvents[static_cast<int>(type)]);
}

void CmdZRemRangeByRank(CommandContext& ctx) { RemRangeGeneric(ctx, RangeType::kRank); }
void CmdZRemRangeByScore(CommandContext& ctx) { RemRangeGeneric(ctx, RangeType::kScore); }
void CmdZRemRangeByLex(CommandContext& ctx) { RemRangeGeneric(ctx, RangeType::kLex); }

// ---- pops ----

enum class PopReply {
  kPlain,   // ZPOPMIN/ZPOPMAX: flat, or RESP3 pairs with a count
  kKeyed,   // BZPOPMIN/BZPOPMAX: [key, member, score]
  kMulti,   // ZMPOP/BZMPOP: [key, [[member, score] ...]]
};

// Pops up to `count` entries from the lowest (or highest with `max`) end of
// the non-empty zset at `key` and replies them in `shape`.
void PopAndReply(CommandContext& ctx, const std::string& key, ZSetValue& z, bool max, size_t count,
                 PopReply shape, bool nested) {
  const size_t n = z.size();
  count = std::min(count, n);
  std::vector<Entry> entries = max ? z.Range(n - count, n - 1, true) : z.Range(0, count - 1, false);
  if (shape == PopReply::kKeyed) {
    ctx.reply.ArrayHeader(3);
    ctx.reply.Bulk(key);
    ctx.reply.Bulk(entries[0].member);
    ctx.reply.Double(entries[0].score);
  } else if (shape == PopReply::kMulti) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    ctx.reply.ArrayHeader(static_cast<int64_t>(entries.size()));
    for (const Entry& e : entries) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(e.member);
      ctx.reply.Double(e.score);
    }
  } else {
    ReplyEntries(ctx, entries, nested ? Shape::kWithScores : Shape::kFlat);
  }
  // The reply is written: the views into the set may now go.
  if (max) z.RemoveRanks(n - count, n - 1); else z.RemoveRanks(0, count - 1);
  Removed(ctx, key, z, max ? "zpopmax" : "zpopmin");
  // Redis 7.0 propagates BZPOPMIN/BZPOPMAX as ZPOPMIN/ZPOPMAX key, and
  // [B]ZMPOP as ZPOPMIN/ZPOPMAX key n (n = the number popped).
  if (shape == PopReply::kKeyed) ctx.PropagateAs({max ? "ZPOPMAX" : "ZPOPMIN", key});
  if (shape == PopReply::kMulti)
    ctx.PropagateAs({max ? "ZPOPMAX" : "ZPOPMIN", key, std::to_string(count)});
}

void PopGeneric(CommandContext& ctx, bool max) {
  if (ctx.argc() > 3) return ctx.reply.Error(errors::kSyntax);
  int64_t count = 1;
  if (ctx.argc() == 3) {
    auto c = ParseInt64(ctx.args[2]);
    if (!c || *c < 0) return ctx.reply.Error("ERR value is out of range, must be positive");
    count = *c;
  }
  bool failed;
  ZSetValue* z = FindZSet(ctx, ctx.args[1], true, &failed);
  if (failed) return;
  if (z == nullptr || count == 0) return ctx.reply.ArrayHeader(0);
  PopAndReply(ctx, ctx.args[1], *z, max, static_cast<size_t>(count), PopReply::kPlain,
              ctx.argc() == 3);
}

void CmdZPopMin(CommandContext& ctx) { PopGeneric(ctx, false); }
void CmdZPopMax(CommandContext& ctx) { PopGeneric(ctx, true); }

// Pops from the first non-empty zset among `keys` (on a re-run: from the key
// that became ready). Returns false (nothing replied) when all are missing;
// true when it replied (entries or WRONGTYPE for a key of another type met
// first).
bool PopFirst(CommandContext& ctx, std::vector<std::string> keys, bool max, size_t count,
              PopReply shape) {
  for (const std::string& key : KeysToServe(ctx, std::move(keys))) {
    bool failed;
    ZSetValue* z = FindZSet(ctx, key, true, &failed);
    if (failed) return true;
    if (z == nullptr) continue;
    PopAndReply(ctx, key, *z, max, count, shape, true);
    return true;
  }
  return false;
}

// BZPOPMIN/BZPOPMAX key [key ...] timeout
void BlockingPopGeneric(CommandContext& ctx, bool max) {
  auto deadline = ParseBlockTimeout(ctx, ctx.args.back());
  if (!deadline) return;
  std::vector<std::string> keys(ctx.args.begin() + 1, ctx.args.end() - 1);
  if (PopFirst(ctx, keys, max, 1, PopReply::kKeyed)) return;
  BlockClient(ctx, BlockSpec{std::move(keys), ObjType::kZSet, *deadline, TimeoutReply::kNullArray});
}

void CmdBZPopMin(CommandContext& ctx) { BlockingPopGeneric(ctx, false); }
void CmdBZPopMax(CommandContext& ctx) { BlockingPopGeneric(ctx, true); }

// [B]ZMPOP [timeout] numkeys key [key ...] MIN|MAX [COUNT count]
void MPopGeneric(CommandContext& ctx, bool blocking) {
  const auto& a = ctx.args;
  const size_t numkeys_index = blocking ? 2 : 1;
  auto numkeys = ParseInt64(a[numkeys_index]);
  if (!numkeys || *numkeys < 1) return ctx.reply.Error("ERR numkeys should be greater than 0");
  const size_t where_index = numkeys_index + 1;
  if (static_cast<uint64_t>(*numkeys) >= a.size() - where_index)
    return ctx.reply.Error(errors::kSyntax);
  const size_t minmax_index = where_index + static_cast<size_t>(*numkeys);
  bool max;
  if (EqualsIgnoreCase(a[minmax_index], "min")) max = false;
  else if (EqualsIgnoreCase(a[minmax_index], "max")) max = true;
  else return ctx.reply.Error(errors::kSyntax);
  int64_t count = -1;
  for (size_t j = minmax_index + 1; j < a.size(); ++j) {
    if (count == -1 && EqualsIgnoreCase(a[j], "count") && j + 1 < a.size()) {
      auto c = ParseInt64(a[++j]);
      if (!c || *c < 1) return ctx.reply.Error("ERR count should be greater than 0");
      count = *c;
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  // The timeout is read after the other arguments, as Redis 7.0 does.
  std::optional<int64_t> deadline;
  if (blocking && !(deadline = ParseBlockTimeout(ctx, a[1]))) return;
  std::vector<std::string> keys(a.begin() + static_cast<std::ptrdiff_t>(where_index),
                                a.begin() + static_cast<std::ptrdiff_t>(minmax_index));
  if (PopFirst(ctx, keys, max, count == -1 ? 1 : static_cast<size_t>(count), PopReply::kMulti))
    return;
  if (!blocking) return ctx.reply.NullArray();
  BlockClient(ctx, BlockSpec{std::move(keys), ObjType::kZSet, *deadline, TimeoutReply::kNullArray});
}

void CmdZMPop(CommandContext& ctx) { MPopGeneric(ctx, false); }
void CmdBZMPop(CommandContext& ctx) { MPopGeneric(ctx, true); }

// ---- ZUNION / ZINTER / ZDIFF ----

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// One input: a zset, a plain set (every score 1) or a missing key (empty).
struct Source {
  const ZSetValue* zset = nullptr;
  const SetValue* set = nullptr;
  double weight = 1;

  size_t size() const { return zset ? zset->size() : set ? set->size() : 0; }
  std::optional<double> Score(std::string_view member) const {
    if (zset) return zset->Score(member);
    if (set && set->Contains(member)) return 1.0;
    return std::nullopt;
  }
  template <typename F>  // F(std::string_view member, double score)
  void ForEach(F&& fn) const {
    if (zset) {
      for (const Entry& e : zset->Range(0, zset->size() - 1, false)) fn(e.member, e.score);
    } else if (set) {
      set->ForEach([&](std::string_view m) { fn(m, 1.0); });
    }
  }
};

void AggregateInto(double* target, double value, Aggregate agg) {
  switch (agg) {
    case Aggregate::kSum:
      *target += value;
      // inf + -inf: Redis keeps the sum a number.
      if (std::isnan(*target)) *target = 0;
      break;
    case Aggregate::kMin: *target = std::min(*target, value); break;
    case Aggregate::kMax: *target = std::max(*target, value); break;
  }
}

double Weighted(double score, double weight) {
  double v = score * weight;
  return std::isnan(v) ? 0 : v;  // 0 * inf
}

using Scored = std::vector<std::pair<std::string, double>>;

// Redis sorts the inputs by cardinality before a union too, and the order
// decides sums like inf + inf + -inf (NaN becomes 0 along the way).
Scored Union(std::vector<Source> src, Aggregate agg) {
  std::stable_sort(src.begin(), src.end(),
                   [](const Source& x, const Source& y) { return x.size() < y.size(); });
  std::unordered_map<std::string, double> acc;
  for (const Source& s : src) {
    s.ForEach([&](std::string_view m, double score) {
      double v = Weighted(score, s.weight);
      auto [it, inserted] = acc.try_emplace(std::string(m), v);
      if (!inserted) AggregateInto(&it->second, v, agg);
    });
  }
  return Scored(acc.begin(), acc.end());
}

// The intersection, walking the smallest input; stops after `limit`
// results when limit > 0 (ZINTERCARD).
Scored Inter(std::vector<Source> src, Aggregate agg, size_t limit) {
  std::stable_sort(src.begin(), src.end(),
                   [](const Source& x, const Source& y) { return x.size() < y.size(); });
  Scored out;
  if (src[0].size() == 0) return out;
  bool done = false;
  src[0].ForEach([&](std::string_view m, double score) {
    if (done) return;
    double v = Weighted(score, src[0].weight);
    for (size_t j = 1; j < src.size(); ++j) {
      auto other = src[j].Score(m);
      if (!other) return;
      AggregateInto(&v, Weighted(*other, src[j].weight), agg);
    }
    out.emplace_back(std::string(m), v);
    done = limit > 0 && out.size() >= limit;
  });
  return out;
}

Scored Diff(const std::vector<Source>& src) {
  Scored out;
  src[0].ForEach([&](std::string_view m, double score) {
    for (size_t j = 1; j < src.size(); ++j)
      if (src[j].Score(m)) return;
    out.emplace_back(std::string(m), score);
  });
  return out;
}

// zunionInterDiffGenericCommand: args[numkeys_index] is numkeys; `dst` is
// set for the STORE variants; `card_only` is ZINTERCARD.
void SetOpGeneric(CommandContext& ctx, size_t numkeys_index, const std::string* dst, SetOp op,
                  bool card_only = false) {
  const auto& a = ctx.args;
  auto numkeys = ParseInt64(a[numkeys_index]);
  if (!numkeys) return ctx.reply.Error(errors::kNotInteger);
  if (*numkeys < 1) {
    return ctx.reply.Error("ERR at least 1 input key is needed for '" + ctx.spec.name +
                           "' command");
  }
  if (static_cast<uint64_t>(*numkeys) > a.size() - numkeys_index - 1)
    return ctx.reply.Error(errors::kSyntax);
  const auto setnum = static_cast<size_t>(*numkeys);
  std::vector<Source> src(setnum);
  for (size_t i = 0; i < setnum; ++i) {
    const std::string& key = a[numkeys_index + 1 + i];
    Object* o = ctx.db().Lookup(key, UnixMs());
    if (o == nullptr) continue;
    if (o->type() == ObjType::kZSet) src[i].zset = &o->zset();
    else if (o->type() == ObjType::kSet) src[i].set = &o->set();
    else return ctx.reply.Error(errors::kWrongType);
  }
  Aggregate agg = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  for (size_t j = numkeys_index + 1 + setnum; j < a.size(); ++j) {
    const size_t remaining = a.size() - j;
    const bool weighted = op != SetOp::kDiff && !card_only;
    if (weighted && remaining >= setnum + 1 && EqualsIgnoreCase(a[j], "weights")) {
      for (size_t i = 0; i < setnum; ++i) {
        auto w = ParseDouble(a[++j]);
        if (!w) return ctx.reply.Error("ERR weight value is not a float");
        src[i].weight = *w;
      }
    } else if (weighted && remaining >= 2 && EqualsIgnoreCase(a[j], "aggregate")) {
      const std::string& how = a[++j];
      if (EqualsIgnoreCase(how, "sum")) agg = Aggregate::kSum;
      else if (EqualsIgnoreCase(how, "min")) agg = Aggregate::kMin;
      else if (EqualsIgnoreCase(how, "max")) agg = Aggregate::kMax;
      else return ctx.reply.Error(errors::kSyntax);
    } else if (!dst && !card_only && EqualsIgnoreCase(a[j], "withscores")) {
      withscores = true;
    } else if (card_only && remaining >= 2 && EqualsIgnoreCase(a[j], "limit")) {
      auto l = ParseInt64(a[++j]);
      if (!l || *l < 0) return ctx.reply.Error("ERR LIMIT can't be negative");
      limit = *l;
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }

  if (card_only) {
    return ctx.reply.Integer(
        static_cast<int64_t>(Inter(src, agg, static_cast<size_t>(limit)).size()));
  }
  Scored result = op == SetOp::kUnion ? Union(src, agg)
                  : op == SetOp::kInter ? Inter(src, agg, 0)
                                        : Diff(src);
  std::vector<Entry> entries;
  entries.reserve(result.size());
  for (const auto& [m, s] : result) entries.push_back({m, s});
  if (dst) {
    static constexpr std::string_view kEvents[] = {"zunionstore", "zinterstore", "zdiffstore"};
    return StoreResult(ctx, *dst, BuildZSet(ctx, std::move(entries)),
                       kEvents[static_cast<int>(op)]);
  }
  std::sort(entries.begin(), entries.end(), EntryLess);
  ReplyEntries(ctx, entries, withscores ? Shape::kWithScores : Shape::kMembers);
}

void CmdZUnion(CommandContext& ctx) { SetOpGeneric(ctx, 1, nullptr, SetOp::kUnion); }
void CmdZInter(CommandContext& ctx) { SetOpGeneric(ctx, 1, nullptr, SetOp::kInter); }
void CmdZDiff(CommandContext& ctx) { SetOpGeneric(ctx, 1, nullptr, SetOp::kDiff); }
void CmdZUnionStore(CommandContext& ctx) { SetOpGeneric(ctx, 2, &ctx.args[1], SetOp::kUnion); }
void CmdZInterStore(CommandContext& ctx) { SetOpGeneric(ctx, 2, &ctx.args[1], SetOp::kInter); }
void CmdZDiffStore(CommandContext& ctx) { SetOpGeneric(ctx, 2, &ctx.args[1], SetOp::kDiff); }
void CmdZInterCard(CommandContext& ctx) { SetOpGeneric(ctx, 1, nullptr, SetOp::kInter, true); }

// ---- ZRANDMEMBER / ZSCAN ----

// ZRANDMEMBER key [count [WITHSCORES]]
void CmdZRandMember(CommandContext& ctx) {
  const auto& a = ctx.args;
  bool failed;
  if (a.size() == 2) {
    const ZSetValue* z = FindZSet(ctx, a[1], false, &failed);
    if (failed) return;
    if (z == nullptr) return ctx.reply.Null();
    const size_t rank = std::uniform_int_distribution<size_t>(0, z->size() - 1)(Rng());
    return ctx.reply.Bulk(z->At(rank).member);
  }
  auto count = ParseInt64(a[2]);
  if (!count) return ctx.reply.Error(errors::kNotInteger);
  if (*count < -LONG_MAX) {
    return ctx.reply.Error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
  }
  if (a.size() > 4 || (a.size() == 4 && !EqualsIgnoreCase(a[3], "withscores")))
    return ctx.reply.Error(errors::kSyntax);
  const bool withscores = a.size() == 4;
  if (withscores && (*count < -LONG_MAX / 2 || *count > LONG_MAX / 2))
    return ctx.reply.Error("ERR value is out of range");
  const ZSetValue* z = FindZSet(ctx, a[1], false, &failed);
  if (failed) return;
  const Shape shape = withscores ? Shape::kWithScores : Shape::kMembers;
  if (z == nullptr || *count == 0) return ctx.reply.ArrayHeader(0);
  const size_t size = z->size();
  std::vector<Entry> picked;
  if (*count < 0) {
    // Repetitions allowed: independent picks.
    const auto n = static_cast<size_t>(-*count);
    std::vector<Entry> all;
    if (z->is_listpack()) all = z->Range(0, size - 1, false);
    std::uniform_int_distribution<size_t> dist(0, size - 1);
    picked.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      size_t r = dist(Rng());
      picked.push_back(all.empty() ? z->At(r) : all[r]);
    }
  } else if (static_cast<size_t>(*count) >= size) {
    // The whole set, highest first, as Redis answers this case.
    picked = z->Range(0, size - 1, true);
  } else {
    // Distinct ranks (Floyd's sampling), in random order.
    const auto n = static_cast<size_t>(*count);
    std::unordered_set<size_t> ranks;
    for (size_t j = size - n; j < size; ++j) {
      size_t r = std::uniform_int_distribution<size_t>(0, j)(Rng());
      if (!ranks.insert(r).second) ranks.insert(j);
    }
    for (size_t r : ranks) picked.push_back(z->At(r));
    std::shuffle(picked.begin(), picked.end(), Rng());
  }
  ReplyEntries(ctx, picked, shape);
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]
void CmdZScan(CommandContext& ctx) {
  // Cursor, then the key, then the options (as Redis): a missing key
  // answers an empty scan whatever the options are.
  if (!ParseScanCursor(ctx, ctx.args[2])) return;
  bool failed;
  const ZSetValue* z = FindZSet(ctx, ctx.args[1], false, &failed);
  if (failed) return;
  if (z == nullptr) return ReplyScan(ctx, 0, {});
  auto opts = ParseScanArgs(ctx, 2, false);
  if (!opts) return;
  std::vector<std::string> out;
  uint64_t cursor = 0;
  if (z) {
    auto collect = [&](std::string_view m, double score) {
      if (!opts->Matches(m)) return;
      out.emplace_back(m);
      out.push_back(FormatDouble(score));
    };
    // A listpack is returned whole; a skiplist one bucket at a time until
    // COUNT strings were gathered or 10*COUNT buckets visited, as Redis.
    cursor = opts->cursor;
    int64_t budget = opts->count * 10;
    do {
      cursor = z->Scan(cursor, collect);
    } while (cursor != 0 && budget-- > 0 && static_cast<int64_t>(out.size()) < opts->count);
  }
  ReplyScan(ctx, cursor, out);
}

}  // namespace

void RegisterSortedSetCommands(CommandTable& t) {
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
  constexpr uint32_t kR = kCmdReadOnly;
  constexpr uint32_t kRF = kCmdReadOnly | kCmdFast;
  constexpr uint32_t kBlock = kCmdWrite | kCmdBlocking;
  t.Add({"zadd", -4, kW | kCmdFast, 1, 1, 1, &CmdZAdd})
      .Add({"zincrby", 4, kW | kCmdFast, 1, 1, 1, &CmdZIncrBy})
      .Add({"zrem", -3, kCmdWrite | kCmdFast, 1, 1, 1, &CmdZRem})
      .Add({"zcard", 2, kRF, 1, 1, 1, &CmdZCard})
      .Add({"zscore", 3, kRF, 1, 1, 1, &CmdZScore})
      .Add({"zmscore", -3, kRF, 1, 1, 1, &CmdZMScore})
      .Add({"zrank", 3, kRF, 1, 1, 1, &CmdZRank})
      .Add({"zrevrank", 3, kRF, 1, 1, 1, &CmdZRevRank})
      .Add({"zcount", 4, kRF, 1, 1, 1, &CmdZCount})
      .Add({"zlexcount", 4, kRF, 1, 1, 1, &CmdZLexCount})
      .Add({"zrange", -4, kR, 1, 1, 1, &CmdZRange})
      .Add({"zrangestore", -5, kW, 1, 2, 1, &CmdZRangeStore})
      .Add({"zrevrange", -4, kR, 1, 1, 1, &CmdZRevRange})
      .Add({"zrangebyscore", -4, kR, 1, 1, 1, &CmdZRangeByScore})
      .Add({"zrevrangebyscore", -4, kR, 1, 1, 1, &CmdZRevRangeByScore})
      .Add({"zrangebylex", -4, kR, 1, 1, 1, &CmdZRangeByLex})
      .Add({"zrevrangebylex", -4, kR, 1, 1, 1, &CmdZRevRangeByLex})
      .Add({"zremrangebyrank", 4, kCmdWrite, 1, 1, 1, &CmdZRemRangeByRank})
      .Add({"zremrangebyscore", 4, kCmdWrite, 1, 1, 1, &CmdZRemRangeByScore})
      .Add({"zremrangebylex", 4, kCmdWrite, 1, 1, 1, &CmdZRemRangeByLex})
      .Add({"zpopmin", -2, kCmdWrite | kCmdFast, 1, 1, 1, &CmdZPopMin})
      .Add({"zpopmax", -2, kCmdWrite | kCmdFast, 1, 1, 1, &CmdZPopMax})
      .Add({"bzpopmin", -3, kBlock | kCmdNoScript | kCmdFast, 1, -2, 1, &CmdBZPopMin})
      .Add({"bzpopmax", -3, kBlock | kCmdNoScript | kCmdFast, 1, -2, 1, &CmdBZPopMax})
      .Add({"zmpop", -4, kCmdWrite, 0, 0, 0, &CmdZMPop})
      .Add({"bzmpop", -5, kBlock, 0, 0, 0, &CmdBZMPop})
      .Add({"zunion", -3, kR, 0, 0, 0, &CmdZUnion})
      .Add({"zinter", -3, kR, 0, 0, 0, &CmdZInter})
      .Add({"zdiff", -3, kR, 0, 0, 0, &CmdZDiff})
      .Add({"zunionstore", -4, kW, 1, 1, 1, &CmdZUnionStore})
      .Add({"zinterstore", -4, kW, 1, 1, 1, &CmdZInterStore})
      .Add({"zdiffstore", -4, kW, 1, 1, 1, &CmdZDiffStore})
      .Add({"zintercard", -3, kR, 0, 0, 0, &CmdZInterCard})
      .Add({"zrandmember", -2, kR, 1, 1, 1, &CmdZRandMember})
      .Add({"zscan", -3, kR, 1, 1, 1, &CmdZScan});
}

}  // namespace vigil::server

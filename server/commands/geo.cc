// Geo commands: GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE and
// the deprecated GEORADIUS GEORADIUSBYMEMBER (+ _RO), with Redis 7.0's
// replies. A geo set is a sorted set scored by 52-bit geohashes
// (server/types/geohash.h); searches visit the same cells in the same order
// as Redis, so unsorted replies come back in Redis's order too.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/command_table.h"
#include "server/db/database.h"
#include "server/errors.h"
#include "server/server.h"
#include "server/types/geohash.h"

namespace vigil::server {
namespace {

using geo::Point;
using geo::Shape;

constexpr std::string_view kBadUnit = "ERR unsupported unit provided. please use M, KM, FT, MI";
constexpr std::string_view kNoMember = "ERR could not decode requested zset member";

// ---- lookups and argument parsing ----

bool Fail(CommandContext& ctx, std::string_view error) {
  ctx.reply.Error(error);
  return false;
}

// The sorted set at `key` for a read (counted in keyspace hits/misses), or
// nullptr when missing; on another type replies WRONGTYPE and sets *failed.
const ZSetValue* FindGeoSet(CommandContext& ctx, std::string_view key, bool* failed) {
  const Object* o = ctx.LookupRead(key);
  *failed = o != nullptr && o->type() != ObjType::kZSet;
  if (*failed) ctx.reply.Error(errors::kWrongType);
  return o != nullptr && !*failed ? &o->zset() : nullptr;
}

// A double as getDoubleFromObjectOrReply reads it; replies `error` if not.
std::optional<double> ParseDoubleOrReply(CommandContext& ctx, const std::string& arg,
                                         std::string_view error = errors::kNotFloat) {
  auto v = ParseDouble(arg);
  if (!v) ctx.reply.Error(error);
  return v;
}

// A longitude,latitude pair inside the Mercator limits.
bool ParsePointOrReply(CommandContext& ctx, const std::string& lon, const std::string& lat,
                       Point* out) {
  const auto x = ParseDoubleOrReply(ctx, lon);
  if (!x) return false;
  const auto y = ParseDoubleOrReply(ctx, lat);
  if (!y) return false;
  if (*x < geo::kLonMin || *x > geo::kLonMax || *y < geo::kLatMin || *y > geo::kLatMax) {
    char buf[1024];
    std::snprintf(buf, sizeof(buf), "ERR invalid longitude,latitude pair %f,%f", *x, *y);
    ctx.reply.Error(buf);
    return false;
  }
  *out = {*x, *y};
  return true;
}

// Meters per unit (m, km, ft, mi in any case).
std::optional<double> ParseUnitOrReply(CommandContext& ctx, const std::string& unit) {
  if (EqualsIgnoreCase(unit, "m")) return 1;
  if (EqualsIgnoreCase(unit, "km")) return 1000;
  if (EqualsIgnoreCase(unit, "ft")) return 0.3048;
  if (EqualsIgnoreCase(unit, "mi")) return 1609.34;
  ctx.reply.Error(kBadUnit);
  return std::nullopt;
}

// BYRADIUS's "<radius> <unit>" (one size) or BYBOX's "<width> <height>
// <unit>" (two) at args[i]: the sizes, none negative, then meters per unit.
bool ParseSizesOrReply(CommandContext& ctx, size_t i, std::initializer_list<const char*> names,
                       std::string_view negative_error, double* sizes, double* conversion) {
  double* out = sizes;
  for (const char* name : names) {
    const auto v = ParseDoubleOrReply(ctx, ctx.args[i++], std::string("ERR need numeric ") + name);
    if (!v) return false;
    *out++ = *v;
  }
  if (std::any_of(sizes, out, [](double v) { return v < 0; })) return Fail(ctx, negative_error);
  const auto unit = ParseUnitOrReply(ctx, ctx.args[i]);
  if (unit) *conversion = *unit;
  return unit.has_value();
}

bool ParseRadiusOrReply(CommandContext& ctx, size_t i, Shape* shape) {
  if (!ParseSizesOrReply(ctx, i, {"radius"}, "ERR radius cannot be negative", &shape->radius,
                         &shape->conversion))
    return false;
  shape->type = Shape::Type::kCircle;
  return true;
}

bool ParseBoxOrReply(CommandContext& ctx, size_t i, Shape* shape) {
  double sizes[2];
  if (!ParseSizesOrReply(ctx, i, {"width", "height"}, "ERR height or width cannot be negative",
                         sizes, &shape->conversion))
    return false;
  shape->type = Shape::Type::kBox;
  shape->width = sizes[0];
  shape->height = sizes[1];
  return true;
}

// The position of `member`, if it is in the set.
std::optional<Point> MemberPoint(const ZSetValue& z, std::string_view member) {
  const auto score = z.Score(member);
  if (!score) return std::nullopt;
  return geo::DecodeScore(*score);
}

// ---- replies ----

// "%.4f", as Redis prints distances (a bulk string in both protocols).
void ReplyDistance(CommandContext& ctx, double meters) {
  char buf[512];
  const int n = std::snprintf(buf, sizeof(buf), "%.4f", meters);
  ctx.reply.Bulk(std::string_view(buf, static_cast<size_t>(std::max(n, 0))));
}

// A coordinate as addReplyHumanLongDouble: "%.17Lf" without trailing zeros,
// a bulk string in RESP2 and a double in RESP3.
void ReplyCoordinate(CommandContext& ctx, double v) { ctx.reply.DoubleText(FormatLongDouble(v)); }

void ReplyPoint(CommandContext& ctx, Point p) {
  ctx.reply.ArrayHeader(2);
  ReplyCoordinate(ctx, p.lon);
  ReplyCoordinate(ctx, p.lat);
}

// ---- GEOADD GEODIST GEOHASH GEOPOS ----

ZSetValue::Limits Limits(CommandContext& ctx) {
  const auto& c = ctx.server.config();
  return {static_cast<size_t>(std::max<int64_t>(0, c.zset_max_listpack_entries)),
          static_cast<size_t>(std::max<int64_t>(0, c.zset_max_listpack_value))};
}

// GEOADD key [NX|XX] [CH] lon lat member [lon lat member ...]: a ZADD of the
// members' hashes, and replicated as that ZADD, as Redis does.
void CmdGeoAdd(CommandContext& ctx) {
  const auto& a = ctx.args;
  const std::string& key = a[1];
  bool nx = false, xx = false, ch = false;
  size_t first = 2;
  for (; first < a.size(); ++first) {
    if (EqualsIgnoreCase(a[first], "nx"))
      nx = true;
    else if (EqualsIgnoreCase(a[first], "xx"))
      xx = true;
    else if (EqualsIgnoreCase(a[first], "ch"))
      ch = true;
    else
      break;
  }
  if ((a.size() - first) % 3 != 0 || (nx && xx) || first == a.size())
    return ctx.reply.Error(errors::kSyntax);
  std::vector<uint64_t> hashes;
  for (size_t i = first; i < a.size(); i += 3) {
    Point p;
    if (!ParsePointOrReply(ctx, a[i], a[i + 1], &p)) return;
    hashes.push_back(geo::ScoreBits(p.lon, p.lat));
  }

  Object* o = ctx.db().Lookup(key, UnixMs());
  if (o != nullptr && o->type() != ObjType::kZSet) return ctx.reply.Error(errors::kWrongType);
  if (o == nullptr && xx) return ctx.reply.Integer(0);
  const ZSetValue::Limits limits = Limits(ctx);
  if (o == nullptr)
    o = &ctx.db().Set(key, Object(ZSetValue(limits, a[first + 2].size()), UnixMs()));
  ZSetValue& z = o->zset();
  const int flags = (nx ? ZSetValue::kAddNx : 0) | (xx ? ZSetValue::kAddXx : 0);
  int64_t added = 0, updated = 0;
  std::vector<std::string> zadd(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(first));
  zadd[0] = "zadd";
  for (size_t i = 0; i < hashes.size(); ++i) {
    const std::string& member = a[first + 3 * i + 2];
    double unused;
    const auto result = z.Add(static_cast<double>(hashes[i]), member, flags, &unused, limits);
    added += result == ZSetValue::AddResult::kAdded;
    updated += result == ZSetValue::AddResult::kUpdated;
    zadd.push_back(std::to_string(hashes[i]));
    zadd.push_back(member);
  }
  ctx.reply.Integer(ch ? added + updated : added);
  if (added || updated) {
    ctx.KeyModified(key);
    ctx.Notify(kNotifyZset, "zadd", key);
    ctx.PropagateAs(std::move(zadd));
  }
  if (added) ctx.KeyReady(key);
}

// GEODIST key member1 member2 [unit]
void CmdGeoDist(CommandContext& ctx) {
  double to_meters = 1;
  if (ctx.argc() == 5) {
    const auto unit = ParseUnitOrReply(ctx, ctx.args[4]);
    if (!unit) return;
    to_meters = *unit;
  } else if (ctx.argc() > 5) {
    return ctx.reply.Error(errors::kSyntax);
  }
  bool failed;
  const ZSetValue* z = FindGeoSet(ctx, ctx.args[1], &failed);
  if (failed) return;
  if (z == nullptr) return ctx.reply.Null();
  const auto p1 = MemberPoint(*z, ctx.args[2]);
  const auto p2 = MemberPoint(*z, ctx.args[3]);
  if (!p1 || !p2) return ctx.reply.Null();
  ReplyDistance(ctx, geo::Distance(p1->lon, p1->lat, p2->lon, p2->lat) / to_meters);
}

// GEOHASH and GEOPOS: one reply per member, `missing` for an absent one.
template <typename ReplyFound, typename ReplyMissing>
void PerMember(CommandContext& ctx, ReplyFound found, ReplyMissing missing) {
  bool failed;
  const ZSetValue* z = FindGeoSet(ctx, ctx.args[1], &failed);
  if (failed) return;
  ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const auto p = z ? MemberPoint(*z, ctx.args[i]) : std::nullopt;
    if (p)
      found(*p);
    else
      missing();
  }
}

void CmdGeoHash(CommandContext& ctx) {
  PerMember(
      ctx, [&](Point p) { ctx.reply.Bulk(geo::GeohashString(p)); }, [&] { ctx.reply.Null(); });
}

void CmdGeoPos(CommandContext& ctx) {
  PerMember(
      ctx, [&](Point p) { ReplyPoint(ctx, p); }, [&] { ctx.reply.NullArray(); });
}

// ---- searches ----

enum SearchFlags : int {
  kFromCoords = 1,      // GEORADIUS: lon lat radius unit
  kFromMember = 2,      // GEORADIUSBYMEMBER: member radius unit
  kNoStore = 4,         // the _RO variants
  kGeoSearch = 8,       // GEOSEARCH's FROM.../BY... options
  kGeoSearchStore = 16  // GEOSEARCHSTORE dst src ...
};

struct SearchOptions {
  Shape shape;
  bool with_dist = false, with_hash = false, with_coord = false;
  bool from_member = false, from_lonlat = false, by_radius = false, by_box = false;
  enum class Sort { kNone, kAsc, kDesc } sort = Sort::kNone;
  bool any = false;   // stop at `count` matches instead of the nearest `count`
  int64_t count = 0;  // 0: all
  const std::string* store = nullptr;
  bool store_dist = false;
};

// A member inside the search area.
struct Match {
  std::string member;
  double score;
  Point point;
  double dist;  // meters from the centre
};

// Appends the members of `cell` inside the shape, in score order, stopping
// once `out` holds `limit` (if non-zero) matches.
void MatchesInCell(const ZSetValue& z, geo::HashBits cell, const Shape& shape, size_t limit,
                   std::vector<Match>* out) {
  const geo::ScoreSpan span = geo::ScoresOfCell(cell);
  const ScoreRange range{static_cast<double>(span.min), static_cast<double>(span.max), false, true};
  const auto [begin, end] = z.RankSpan(range);
  if (begin >= end) return;
  for (const ZSetValue::Entry& e : z.Range(begin, end - 1, false)) {
    const Point p = geo::DecodeScore(e.score);
    double dist;
    if (geo::WithinShape(shape, p, &dist))
      out->push_back({std::string(e.member), e.score, p, dist});
    if (limit != 0 && out->size() >= limit) break;
  }
}

// Redis's membersOfAllNeighbors: the centre cell and its neighbours, each
// once (a huge radius makes neighbours repeat; Redis skips a cell equal to
// the last one it visited other than the centre).
std::vector<Match> FindMatches(const ZSetValue& z, const Shape& shape, size_t limit) {
  const auto cells = geo::AreasForShape(shape).InOrder();
  std::vector<Match> out;
  size_t last_visited = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (cells[i].IsZero()) continue;
    if (last_visited != 0 && cells[i] == cells[last_visited]) continue;
    if (limit != 0 && out.size() >= limit) break;
    MatchesInCell(z, cells[i], shape, limit, &out);
    last_visited = i;
  }
  return out;
}

// -1, 0, 1 as Redis's sort_gp_asc / sort_gp_desc.
int CompareDistance(const Match& x, const Match& y, SearchOptions::Sort sort) {
  const int asc = x.dist > y.dist ? 1 : x.dist == y.dist ? 0 : -1;
  return sort == SearchOptions::Sort::kDesc ? -asc : asc;
}

// Redis 7.0's pqsort (Bentley & McIlroy's quicksort that skips the
// partitions lying wholly past the first `k` elements, without the switch to
// insertion sort after a swap-free pass) on v[base, base + n), step by step:
// equal distances end up in the same order as in Redis.
void PartialQuickSort(std::vector<Match>& v, size_t base, size_t n, size_t k,
                      SearchOptions::Sort sort) {
  const auto cmp = [&](size_t i, size_t j) { return CompareDistance(v[i], v[j], sort); };
  const auto swap = [&](size_t i, size_t j) { std::swap(v[i], v[j]); };
  const auto swap_runs = [&](size_t i, size_t j, size_t count) {
    for (size_t t = 0; t < count; ++t) swap(i + t, j + t);
  };
  const auto med3 = [&](size_t a, size_t b, size_t c) {
    return cmp(a, b) < 0 ? (cmp(b, c) < 0 ? b : (cmp(a, c) < 0 ? c : a))
                         : (cmp(b, c) > 0 ? b : (cmp(a, c) < 0 ? a : c));
  };
  const auto insertion_sort = [&] {
    for (size_t m = base + 1; m < base + n; ++m)
      for (size_t l = m; l > base && cmp(l - 1, l) > 0; --l) swap(l, l - 1);
  };
  for (;;) {
    if (n < 7) return insertion_sort();
    size_t pm = base + n / 2;
    if (n > 7) {
      size_t pl = base, pn = base + n - 1;
      if (n > 40) {
        const size_t d = n / 8;
        pl = med3(pl, pl + d, pl + 2 * d);
        pm = med3(pm - d, pm, pm + d);
        pn = med3(pn - 2 * d, pn - d, pn);
      }
      pm = med3(pl, pm, pn);
    }
    swap(base, pm);  // the pivot
    // [base, pa) and (pd, end) gather elements equal to the pivot.
    size_t pa = base + 1, pb = base + 1, pc = base + n - 1, pd = base + n - 1;
    for (;;) {
      int c;
      for (; pb <= pc && (c = cmp(pb, base)) <= 0; ++pb) {
        if (c == 0) swap(pa++, pb);
      }
      for (; pb <= pc && (c = cmp(pc, base)) >= 0; --pc) {
        if (c == 0) swap(pc, pd--);
      }
      if (pb > pc) break;
      swap(pb++, pc--);
    }
    const size_t end = base + n;
    size_t r = std::min(pa - base, pb - pa);
    swap_runs(base, pb - r, r);
    r = std::min(pd - pc, end - pd - 1);
    swap_runs(pb, end - r, r);
    if ((r = pb - pa) > 1 && base < k) PartialQuickSort(v, base, r, k, sort);
    if ((r = pd - pc) <= 1 || end - r >= k) return;
    base = end - r;
    n = r;
  }
}

// Redis sorts all matches with glibc's qsort, a stable merge sort (equal
// distances keep the order the cells were visited in), or only the first
// `n` with pqsort when COUNT cuts the list.
void SortMatches(std::vector<Match>* matches, size_t n, SearchOptions::Sort sort) {
  if (n < matches->size()) return PartialQuickSort(*matches, 0, matches->size(), n, sort);
  std::stable_sort(matches->begin(), matches->end(),
                   [&](const Match& x, const Match& y) { return CompareDistance(x, y, sort) < 0; });
}

// The options after the fixed arguments, in Redis's order of checks: each
// option's own error as it is met, then the combination errors.
bool ParseSearchOptions(CommandContext& ctx, size_t first, int flags, const ZSetValue* z,
                        SearchOptions* o) {
  const auto& a = ctx.args;
  const bool search = flags & kGeoSearch;
  const bool can_store = !(flags & kNoStore) && !search;
  for (size_t i = first; i < a.size(); ++i) {
    const std::string& arg = a[i];
    const size_t left = a.size() - i - 1;  // arguments after this one
    if (EqualsIgnoreCase(arg, "withdist")) {
      o->with_dist = true;
    } else if (EqualsIgnoreCase(arg, "withhash")) {
      o->with_hash = true;
    } else if (EqualsIgnoreCase(arg, "withcoord")) {
      o->with_coord = true;
    } else if (EqualsIgnoreCase(arg, "any")) {
      o->any = true;
    } else if (EqualsIgnoreCase(arg, "asc")) {
      o->sort = SearchOptions::Sort::kAsc;
    } else if (EqualsIgnoreCase(arg, "desc")) {
      o->sort = SearchOptions::Sort::kDesc;
    } else if (EqualsIgnoreCase(arg, "count") && left >= 1) {
      const auto count = ParseInt64(a[++i]);
      if (!count) return Fail(ctx, errors::kNotInteger);
      if (*count <= 0) return Fail(ctx, "ERR COUNT must be > 0");
      o->count = *count;
    } else if ((EqualsIgnoreCase(arg, "store") || EqualsIgnoreCase(arg, "storedist")) &&
               left >= 1 && can_store) {
      o->store_dist = EqualsIgnoreCase(arg, "storedist");
      o->store = &a[++i];
    } else if (EqualsIgnoreCase(arg, "storedist") && (flags & kGeoSearchStore)) {
      o->store_dist = true;
    } else if (EqualsIgnoreCase(arg, "frommember") && left >= 1 && search && !o->from_lonlat) {
      // Without a source key the search answers empty, but only after
      // every option was checked.
      const std::string& member = a[++i];
      if (z != nullptr) {
        const auto p = MemberPoint(*z, member);
        if (!p) return Fail(ctx, kNoMember);
        o->shape.center = *p;
      }
      o->from_member = true;
    } else if (EqualsIgnoreCase(arg, "fromlonlat") && left >= 2 && search && !o->from_member) {
      if (!ParsePointOrReply(ctx, a[i + 1], a[i + 2], &o->shape.center)) return false;
      o->from_lonlat = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "byradius") && left >= 2 && search && !o->by_box) {
      if (!ParseRadiusOrReply(ctx, i + 1, &o->shape)) return false;
      o->by_radius = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "bybox") && left >= 3 && search && !o->by_radius) {
      if (!ParseBoxOrReply(ctx, i + 1, &o->shape)) return false;
      o->by_box = true;
      i += 3;
    } else {
      return Fail(ctx, errors::kSyntax);
    }
  }

  if (o->store != nullptr && (o->with_dist || o->with_hash || o->with_coord)) {
    return Fail(ctx,
                std::string("ERR ") +
                    (flags & kGeoSearchStore ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
                    " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
  }
  // The command name as the client spelled it.
  if (search && !o->from_member && !o->from_lonlat)
    return Fail(ctx, "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + a[0]);
  if (search && !o->by_radius && !o->by_box)
    return Fail(ctx, "ERR exactly one of BYRADIUS and BYBOX can be specified for " + a[0]);
  if (o->any && o->count == 0) return Fail(ctx, "ERR the ANY argument requires COUNT argument");
  return true;
}

// (long long)score as x86-64 computes it: out of range gives INT64_MIN.
int64_t TruncateScore(double score) {
  constexpr double k2p63 = 9223372036854775808.0;
  return score >= -k2p63 && score < k2p63 ? static_cast<int64_t>(score) : INT64_MIN;
}

void ReplyMatches(CommandContext& ctx, const SearchOptions& o, const std::vector<Match>& matches,
                  size_t n) {
  const int64_t extras = int64_t{o.with_dist} + int64_t{o.with_hash} + int64_t{o.with_coord};
  ctx.reply.ArrayHeader(static_cast<int64_t>(n));
  for (size_t i = 0; i < n; ++i) {
    const Match& m = matches[i];
    if (extras) ctx.reply.ArrayHeader(extras + 1);
    ctx.reply.Bulk(m.member);
    if (o.with_dist) ReplyDistance(ctx, m.dist / o.shape.conversion);
    if (o.with_hash) ctx.reply.Integer(TruncateScore(m.score));
    if (o.with_coord) ReplyPoint(ctx, m.point);
  }
}

// The first `n` matches stored at the STORE key (scored by hash, or by
// distance with STOREDIST) with the keyspace event `event`; no match deletes
// the key instead.
void StoreMatches(CommandContext& ctx, const SearchOptions& o, const std::vector<Match>& matches,
                  size_t n, std::string_view event) {
  const std::string& dst = *o.store;
  std::vector<ZSetValue::Entry> entries;
  for (size_t i = 0; i < n; ++i) {
    const Match& m = matches[i];
    entries.push_back({m.member, o.store_dist ? m.dist / o.shape.conversion : m.score});
  }
  ctx.reply.Integer(static_cast<int64_t>(n));
  if (entries.empty()) {
    if (ctx.db().Delete(dst)) {
      ctx.KeyModified(dst);
      ctx.Notify(kNotifyGeneric, "del", dst);
    }
    return;
  }
  std::sort(entries.begin(), entries.end(), [](const auto& x, const auto& y) {
    return x.score < y.score || (x.score == y.score && x.member < y.member);
  });
  ctx.db().Set(dst, Object(ZSetValue::FromSorted(entries, Limits(ctx)), UnixMs()));
  ctx.KeyModified(dst);
  ctx.Notify(kNotifyZset, event, dst);
  ctx.KeyReady(dst);
}

// Redis's georadiusGeneric: every search command, `src_index` naming the
// source key.
void SearchGeneric(CommandContext& ctx, size_t src_index, int flags) {
  const auto& a = ctx.args;
  bool failed;
  const ZSetValue* z = FindGeoSet(ctx, a[src_index], &failed);
  if (failed) return;

  SearchOptions o;
  size_t first_option;
  if (flags & kFromCoords) {
    first_option = 6;
    if (!ParsePointOrReply(ctx, a[2], a[3], &o.shape.center)) return;
    if (!ParseRadiusOrReply(ctx, 4, &o.shape)) return;
  } else if (flags & kFromMember) {
    // Without a source key the radius is not even read.
    first_option = 5;
    if (z != nullptr) {
      const auto p = MemberPoint(*z, a[2]);
      if (!p) return ctx.reply.Error(kNoMember);
      o.shape.center = *p;
      if (!ParseRadiusOrReply(ctx, 3, &o.shape)) return;
    }
  } else {
    first_option = src_index + 1;
    if (flags & kGeoSearchStore) o.store = &a[1];
  }
  if (!ParseSearchOptions(ctx, first_option, flags, z, &o)) return;

  if (z == nullptr) {
    if (o.store == nullptr) return ctx.reply.ArrayHeader(0);
    return StoreMatches(ctx, o, {}, 0, /*event=*/"");  // deletes the destination
  }
  // The nearest COUNT need sorting; ANY takes the first found.
  if (o.count != 0 && o.sort == SearchOptions::Sort::kNone && !o.any)
    o.sort = SearchOptions::Sort::kAsc;

  std::vector<Match> matches = FindMatches(*z, o.shape, o.any ? static_cast<size_t>(o.count) : 0);
  const size_t n =
      o.count == 0 ? matches.size() : std::min(matches.size(), static_cast<size_t>(o.count));
  if (o.sort != SearchOptions::Sort::kNone) SortMatches(&matches, n, o.sort);
  if (o.store == nullptr) return ReplyMatches(ctx, o, matches, n);
  StoreMatches(ctx, o, matches, n, flags & kGeoSearch ? "geosearchstore" : "georadiusstore");
}

void CmdGeoRadius(CommandContext& ctx) { SearchGeneric(ctx, 1, kFromCoords); }
void CmdGeoRadiusByMember(CommandContext& ctx) { SearchGeneric(ctx, 1, kFromMember); }
void CmdGeoRadiusRo(CommandContext& ctx) { SearchGeneric(ctx, 1, kFromCoords | kNoStore); }
void CmdGeoRadiusByMemberRo(CommandContext& ctx) { SearchGeneric(ctx, 1, kFromMember | kNoStore); }
void CmdGeoSearch(CommandContext& ctx) { SearchGeneric(ctx, 1, kGeoSearch); }
void CmdGeoSearchStore(CommandContext& ctx) { SearchGeneric(ctx, 2, kGeoSearch | kGeoSearchStore); }

}  // namespace

void RegisterGeoCommands(CommandTable& t) {
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
  constexpr uint32_t kR = kCmdReadOnly;
  t.Add({"geoadd", -5, kW, 1, 1, 1, &CmdGeoAdd})
      .Add({"geodist", -4, kR, 1, 1, 1, &CmdGeoDist})
      .Add({"geohash", -2, kR, 1, 1, 1, &CmdGeoHash})
      .Add({"geopos", -2, kR, 1, 1, 1, &CmdGeoPos})
      .Add({"geosearch", -7, kR, 1, 1, 1, &CmdGeoSearch})
      .Add({"geosearchstore", -8, kW, 1, 2, 1, &CmdGeoSearchStore})
      .Add({"georadius", -6, kW, 1, 1, 1, &CmdGeoRadius})
      .Add({"georadiusbymember", -5, kW, 1, 1, 1, &CmdGeoRadiusByMember})
      .Add({"georadius_ro", -6, kR, 1, 1, 1, &CmdGeoRadiusRo})
      .Add({"georadiusbymember_ro", -5, kR, 1, 1, 1, &CmdGeoRadiusByMemberRo});
}

}  // namespace vigil::server

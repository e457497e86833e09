// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
// [ALPHA] [STORE destination], and SORT_RO. Elements come from lists, sets
// and sorted sets through the type-neutral RDB element view, so SORT does
// not depend on any one encoding.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/command_table.h"
#include "server/config/server_config.h"
#include "server/errors.h"
#include "server/persistence/object_codec.h"
#include "server/server.h"

namespace vigil::server {
namespace {

// The value of a GET/BY pattern for one element: "#" is the element itself;
// "prefix*suffix" names a string key, "prefix*suffix->field" a hash field.
// Only the first '*' is replaced; a pattern without '*' yields nothing.
std::optional<std::string> LookupPattern(CommandContext& ctx, const std::string& pattern,
                                         const std::string& element) {
  if (pattern == "#") return element;
  size_t star = pattern.find('*');
  if (star == std::string::npos) return std::nullopt;
  size_t arrow = pattern.find("->", star + 1);
  std::string field;
  std::string key_pattern = pattern;
  if (arrow != std::string::npos && arrow + 2 < pattern.size()) {
    field = pattern.substr(arrow + 2);
    key_pattern = pattern.substr(0, arrow);
  }
  std::string key = key_pattern.substr(0, star) + element + key_pattern.substr(star + 1);
  Object* o = ctx.db().Lookup(key, UnixMs());
  if (o == nullptr) return std::nullopt;
  if (field.empty()) {
    if (o->type() != ObjType::kString) return std::nullopt;
    return std::string(o->str());
  }
  if (o->type() != ObjType::kHash) return std::nullopt;
  auto value = o->hash().Get(field);
  if (!value) return std::nullopt;
  return std::string(*value);
}

// Redis reads sort weights with strtod on a C string: leading spaces, hex and
// "inf" are numbers, an embedded NUL ends the number ("7\0x" is 7), and an
// empty string is 0.
std::optional<double> SortScore(const std::string& s) {
  const char* p = s.c_str();
  char* end = nullptr;
  errno = 0;
  double d = std::strtod(p, &end);
  if (*end != '\0' || errno == ERANGE || std::isnan(d)) return std::nullopt;
  return d;
}

struct Item {
  std::string element;
  double score = 0;
  std::optional<std::string> by;  // ALPHA with BY: the compared value
};

void CmdSortGeneric(CommandContext& ctx, bool read_only) {
  const auto& a = ctx.args;
  bool desc = false, alpha = false, dontsort = false;
  int64_t limit_start = 0, limit_count = -1;
  std::optional<std::string> by, store;
  std::vector<std::string> gets;
  for (size_t j = 2; j < a.size(); ++j) {
    const size_t left = a.size() - j - 1;
    if (EqualsIgnoreCase(a[j], "ASC")) {
      desc = false;
    } else if (EqualsIgnoreCase(a[j], "DESC")) {
      desc = true;
    } else if (EqualsIgnoreCase(a[j], "ALPHA")) {
      alpha = true;
    } else if (EqualsIgnoreCase(a[j], "LIMIT") && left >= 2) {
      auto s = ParseInt64(a[j + 1]);
      auto c = ParseInt64(a[j + 2]);
      if (!s || !c) return ctx.reply.Error(errors::kNotInteger);
      limit_start = *s;
      limit_count = *c;
      j += 2;
    } else if (!read_only && EqualsIgnoreCase(a[j], "STORE") && left >= 1) {
      store = a[j + 1];
      ++j;
    } else if (EqualsIgnoreCase(a[j], "BY") && left >= 1) {
      by = a[j + 1];
      // A BY pattern without '*' means "do not sort".
      if (by->find('*') == std::string::npos) dontsort = true;
      ++j;
    } else if (EqualsIgnoreCase(a[j], "GET") && left >= 1) {
      gets.push_back(a[j + 1]);
      ++j;
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }

  Object* src = ctx.db().Lookup(a[1], UnixMs());
  std::vector<std::string> elements;
  ObjType src_type = ObjType::kList;
  if (src != nullptr) {
    src_type = src->type();
    if (src_type != ObjType::kList && src_type != ObjType::kSet && src_type != ObjType::kZSet)
      return ctx.reply.Error(errors::kWrongType);
    // Redis 7.0 converts a sorted set it sorts to the skiplist encoding.
    if (src_type == ObjType::kZSet) src->zset().ToSkiplist();
    rdb::Value v = ToRdbValue(*src);
    if (src_type == ObjType::kZSet) {
      for (auto& [m, s] : v.zset) elements.push_back(std::move(m));
    } else {
      elements = std::move(v.items);
    }
  }
  // A set's order is its hash order; SORT ... STORE must be deterministic
  // (replicas and the AOF replay it), so it sorts the set lexically.
  if (dontsort && src_type == ObjType::kSet && store) {
    dontsort = false;
    alpha = true;
    by.reset();
  }
  // A list or sorted set sorted "by nothing" keeps its own order; DESC
  // reverses it (a set has no order to reverse).
  if (dontsort && src_type != ObjType::kSet && desc) std::reverse(elements.begin(), elements.end());

  std::vector<Item> items;
  items.reserve(elements.size());
  for (auto& e : elements) items.push_back(Item{std::move(e), 0, std::nullopt});

  if (!dontsort) {
    bool conversion_error = false;
    for (Item& it : items) {
      std::optional<std::string> byval;
      if (by) {
        byval = LookupPattern(ctx, *by, it.element);
        if (!byval) continue;  // missing weight: 0 (numeric) / sorts first (ALPHA)
      }
      if (alpha) {
        if (by) it.by = std::move(byval);
      } else {
        auto d = SortScore(by ? *byval : it.element);
        if (!d) {
          conversion_error = true;
          break;
        }
        it.score = *d;
      }
    }
    if (conversion_error) return ctx.reply.Error("ERR One or more scores can't be converted into double");
    auto cmp = [&](const Item& x, const Item& y) {
      int c;
      if (alpha) {
        if (by) {
          if (!x.by && !y.by) c = 0;
          else if (!x.by) c = -1;
          else if (!y.by) c = 1;
          else c = std::strcoll(x.by->c_str(), y.by->c_str());
        } else {
          c = std::strcoll(x.element.c_str(), y.element.c_str());
        }
      } else if (x.score != y.score) {
        c = x.score < y.score ? -1 : 1;
      } else {
        // Equal scores: order by the raw bytes so the result is deterministic.
        c = x.element.compare(y.element);
      }
      return desc ? c > 0 : c < 0;
    };
    std::stable_sort(items.begin(), items.end(), cmp);
  }

  // LIMIT, clamped as Redis does.
  const int64_t n = static_cast<int64_t>(items.size());
  int64_t start = limit_start < 0 ? 0 : limit_start;
  int64_t end = limit_count < 0 ? n - 1 : start + limit_count - 1;
  if (start >= n) {
    start = n - 1;
    end = n - 2;
  }
  if (end >= n) end = n - 1;
  std::vector<std::optional<std::string>> out;
  for (int64_t i = start; i <= end && i >= 0; ++i) {
    if (gets.empty()) {
      out.emplace_back(items[static_cast<size_t>(i)].element);
      continue;
    }
    for (const auto& g : gets) out.push_back(LookupPattern(ctx, g, items[static_cast<size_t>(i)].element));
  }

  if (!store) {
    ctx.reply.ArrayHeader(out.size());
    for (const auto& v : out) {
      if (v) ctx.reply.Bulk(*v); else ctx.reply.Null();
    }
    return;
  }
  if (out.empty()) {
    if (ctx.db().Delete(*store)) {
      ctx.KeyModified(*store);
      ctx.Notify(kNotifyGeneric, "del", *store);
    }
    ctx.reply.Integer(0);
    return;
  }
  rdb::Value list;
  list.kind = rdb::Kind::kList;
  for (auto& v : out) list.items.push_back(v ? std::move(*v) : std::string());
  const size_t count = list.items.size();
  auto obj = FromRdbValue(std::move(list), ctx.server.config());
  if (!obj.ok()) return ctx.reply.Error("ERR " + obj.message());
  ctx.db().Set(*store, std::move(*obj));
  ctx.KeyModified(*store);
  ctx.KeyReady(*store);  // clients blocked on the new list are served
  ctx.Notify(kNotifyList, "sortstore", *store);
  ctx.reply.Integer(static_cast<int64_t>(count));
}

void CmdSort(CommandContext& ctx) { CmdSortGeneric(ctx, false); }
void CmdSortRo(CommandContext& ctx) { CmdSortGeneric(ctx, true); }

}  // namespace

void RegisterSortCommands(CommandTable& table) {
  table.Add({"sort", -2, kCmdWrite | kCmdDenyOom, 1, 1, 1, &CmdSort})
      .Add({"sort_ro", -2, kCmdReadOnly, 1, 1, 1, &CmdSortRo});
}

}  // namespace vigil::server

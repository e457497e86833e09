// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type], and the parsing the
// collection scans (HSCAN, SSCAN, ZSCAN) share.
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "common/util/clock.h"
#include "common/util/glob.h"
#include "common/util/strings.h"
#include "server/command_table.h"
#include "server/commands/scan_util.h"
#include "server/errors.h"
#include "server/server.h"

namespace vigil::server {

bool ScanOptions::Matches(std::string_view element) const {
  return pattern.empty() || GlobMatch(pattern, element);
}

std::optional<uint64_t> ParseScanCursor(CommandContext& ctx, const std::string& cur) {
  // Redis reads the cursor with strtoull: "" is 0, "-1" wraps to the
  // highest cursor, leading space or trailing junk or overflow is invalid.
  errno = 0;
  char* end = nullptr;
  unsigned long long c = std::strtoull(cur.c_str(), &end, 10);
  if ((!cur.empty() && std::isspace(static_cast<unsigned char>(cur[0]))) ||
      end != cur.c_str() + cur.size() || errno == ERANGE) {
    ctx.reply.Error("ERR invalid cursor");
    return std::nullopt;
  }
  return c;
}

std::optional<ScanOptions> ParseScanArgs(CommandContext& ctx, size_t cursor_index,
                                         bool allow_type) {
  const auto& a = ctx.args;
  ScanOptions o;
  auto c = ParseScanCursor(ctx, a[cursor_index]);
  if (!c) return std::nullopt;
  o.cursor = *c;
  for (size_t i = cursor_index + 1; i < a.size(); i += 2) {
    if (i + 1 >= a.size()) {
      ctx.reply.Error(errors::kSyntax);
      return std::nullopt;
    }
    if (EqualsIgnoreCase(a[i], "COUNT")) {
      auto n = ParseInt64(a[i + 1]);
      if (!n) {
        ctx.reply.Error(errors::kNotInteger);
        return std::nullopt;
      }
      if (*n < 1) {
        ctx.reply.Error(errors::kSyntax);
        return std::nullopt;
      }
      o.count = *n;
    } else if (EqualsIgnoreCase(a[i], "MATCH")) {
      o.pattern = a[i + 1] == "*" ? "" : a[i + 1];
    } else if (allow_type && EqualsIgnoreCase(a[i], "TYPE")) {
      o.type = ToLower(a[i + 1]);
    } else {
      ctx.reply.Error(errors::kSyntax);
      return std::nullopt;
    }
  }
  return o;
}

void ReplyScan(CommandContext& ctx, uint64_t next_cursor, const std::vector<std::string>& elements) {
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next_cursor));
  ctx.reply.ArrayHeader(elements.size());
  for (const auto& e : elements) ctx.reply.Bulk(e);
}

namespace {

void CmdScan(CommandContext& ctx) {
  auto opts = ParseScanArgs(ctx, 1, /*allow_type=*/true);
  if (!opts) return;
  Database& db = ctx.db();
  const int64_t now = UnixMs();
  std::vector<std::string> keys;
  uint64_t cursor = opts->cursor;
  // As Redis: visit about COUNT buckets' worth of keys, bounded by 10x COUNT
  // bucket visits so a sparse table cannot make one call walk it all.
  int64_t budget = opts->count * 10;
  do {
    cursor = db.Scan(cursor, [&](std::string_view k, const Object&) { keys.emplace_back(k); });
  } while (cursor != 0 && --budget > 0 && static_cast<int64_t>(keys.size()) < opts->count);
  // Filter after collecting (expired keys, MATCH, TYPE), as Redis does.
  std::vector<std::string> out;
  out.reserve(keys.size());
  for (auto& k : keys) {
    if (db.IsExpired(k, now)) continue;
    if (!opts->Matches(k)) continue;
    if (!opts->type.empty()) {
      const Object* o = db.Peek(k);
      if (o == nullptr || opts->type != TypeName(o->type())) continue;
    }
    out.push_back(std::move(k));
  }
  ReplyScan(ctx, cursor, out);
}

}  // namespace

void RegisterScanCommands(CommandTable& table) {
  table.Add({"scan", -2, kCmdReadOnly, 0, 0, 0, &CmdScan});
}

}  // namespace vigil::server

// MEMORY USAGE STATS DOCTOR MALLOC-STATS PURGE (HELP comes with every
// container). The figures are INFO memory's (info_util.h) and the
// allocator's (server/allocator.h).
#include <climits>
#include <string>

#include <fmt/format.h>

#include "common/util/strings.h"
#include "server/allocator.h"
#include "server/command_table.h"
#include "server/commands/info_util.h"
#include "server/connection.h"
#include "server/db/database.h"
#include "server/errors.h"
#include "server/server.h"

namespace vigil::server {
namespace {

// Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES.
constexpr size_t kDefaultSamples = 5;

// MEMORY USAGE key [SAMPLES count]: the key's entry block plus what its value
// holds on the heap; SAMPLES 0 walks every element. Like Redis, the key is
// looked up raw: no expiry check, no access-time update.
void CmdMemoryUsage(CommandContext& ctx) {
  size_t samples = kDefaultSamples;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (!EqualsIgnoreCase(ctx.args[i], "samples") || i + 1 == ctx.argc())
      return ctx.reply.Error(errors::kSyntax);
    auto n = ParseInt64(ctx.args[++i]);
    if (!n) return ctx.reply.Error(errors::kNotInteger);
    if (*n < 0) return ctx.reply.Error(errors::kSyntax);
    samples = *n == 0 ? SIZE_MAX : static_cast<size_t>(*n);
  }
  const std::string& key = ctx.args[2];
  const Object* o = ctx.db().Peek(key);
  if (o == nullptr) return ctx.reply.Null();
  const size_t entry = AllocSize(Dict<Object>::NodeBytes(key.size()));
  ctx.reply.Integer(static_cast<int64_t>(entry + o->MemoryUsage(samples)));
}

// Redis's field list and order (7.0); vigil has no cluster links, AOF
// buffer, scripts or functions, so those are 0.
void CmdMemoryStats(CommandContext& ctx) {
  const MemoryFigures m = ReadMemoryFigures(ctx.server);
  size_t keys = 0;
  int dbs_with_keys = 0;
  for (const Database& db : ctx.server.dbs()) {
    keys += db.size();
    dbs_with_keys += db.size() != 0;
  }
  const auto ratio = [](uint64_t a, uint64_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
  };
  const auto diff = [](uint64_t a, uint64_t b) {
    return static_cast<int64_t>(a) - static_cast<int64_t>(b);
  };
  resp::Writer& w = ctx.reply;
  const auto field = [&](std::string_view name, int64_t v) {
    w.Bulk(name);
    w.Integer(v);
  };
  const auto real = [&](std::string_view name, double v) {
    w.Bulk(name);
    w.Double(v);
  };
  const auto u = [](uint64_t v) { return static_cast<int64_t>(v); };
  w.MapHeader(27 + dbs_with_keys);
  field("peak.allocated", u(m.peak));
  field("total.allocated", u(m.used));
  field("startup.allocated", u(m.startup));
  field("replication.backlog", u(m.backlog));
  field("clients.slaves", u(m.replica_clients));
  field("clients.normal", u(m.normal_clients));
  field("cluster.links", 0);
  field("aof.buffer", 0);
  field("lua.caches", 0);
  field("functions.caches", 0);
  const auto& dbs = ctx.server.dbs();
  for (size_t i = 0; i < dbs.size(); ++i) {
    if (dbs[i].size() == 0) continue;
    w.Bulk(fmt::format("db.{}", i));
    w.MapHeader(3);
    field("overhead.hashtable.main", u(dbs[i].bucket_count() * sizeof(void*)));
    field("overhead.hashtable.expires", u(dbs[i].expires_size() * sizeof(void*)));
    field("overhead.hashtable.slot-to-keys", 0);
  }
  field("overhead.total", u(m.overhead));
  field("keys.count", u(keys));
  field("keys.bytes-per-key", keys == 0 ? 0 : u(m.net / keys));
  field("dataset.bytes", u(m.dataset));
  real("dataset.percentage", 100 * ratio(m.dataset, m.net));
  real("peak.percentage", 100 * ratio(m.used, m.peak));
  field("allocator.allocated", u(m.used));
  field("allocator.active", u(m.active));
  field("allocator.resident", u(m.resident));
  real("allocator-fragmentation.ratio", ratio(m.active, m.used));
  field("allocator-fragmentation.bytes", diff(m.active, m.used));
  real("allocator-rss.ratio", ratio(m.resident, m.active));
  field("allocator-rss.bytes", diff(m.resident, m.active));
  real("rss-overhead.ratio", ratio(m.rss, m.resident));
  field("rss-overhead.bytes", diff(m.rss, m.resident));
  real("fragmentation", ratio(m.rss, m.used));
  field("fragmentation.bytes", diff(m.rss, m.used));
}

// MEMORY DOCTOR: Redis's checks (and thresholds), in our words.
std::string DoctorReport(Server& s) {
  const MemoryFigures m = ReadMemoryFigures(s);
  if (m.used < (5 << 20)) {
    return "This instance holds less than 5 MB, too little for the memory doctor to judge. "
           "Come back once it holds some data.\n";
  }
  size_t normal = 0, replicas = 0;
  for (const auto& [id, c] : s.clients()) ++(c->is_replica() ? replicas : normal);
  std::string findings;
  if (m.peak > m.used + m.used / 2) {
    findings += fmt::format(
        " * Peak memory: the peak ({} bytes) is more than 1.5 times what is in use now ({} "
        "bytes). The allocator may not give the difference back to the system, so RSS can stay "
        "near the peak.\n\n",
        m.peak, m.used);
  }
  if (m.rss > m.used + m.used * 2 / 5 && m.rss - m.used > (10 << 20)) {
    findings += fmt::format(
        " * Fragmentation: RSS is {:.2f} times the allocated memory, and over 10 MB more. "
        "MEMORY PURGE hands unused pages back; a restart compacts everything.\n\n",
        static_cast<double>(m.rss) / static_cast<double>(m.used));
  }
  if (replicas != 0 && m.replica_clients / replicas > (10 << 20)) {
    findings +=
        " * Replica buffers: replicas' output buffers average more than 10 MB, so a replica is "
        "not keeping up. INFO replication and CLIENT LIST show which one.\n\n";
  }
  if (normal != 0 && m.normal_clients / normal > (200 << 10)) {
    findings +=
        " * Client buffers: client buffers average more than 200 KB (slow subscribers, large "
        "replies or long pipelines). CLIENT LIST shows which clients.\n\n";
  }
  if (findings.empty()) return "No memory problems found.\n";
  return "The memory doctor found these issues:\n\n" + findings;
}

void CmdMemoryDoctor(CommandContext& ctx) { ctx.reply.Verbatim(DoctorReport(ctx.server)); }

void CmdMemoryMallocStats(CommandContext& ctx) { ctx.reply.Verbatim(AllocatorReport()); }

void CmdMemoryPurge(CommandContext& ctx) {
  if (!PurgeAllocator()) return ctx.reply.Error("ERR Error purging dirty pages");
  ctx.reply.SimpleString("OK");
}

}  // namespace

void RegisterMemoryCommands(CommandTable& t) {
  t.Add({"memory", -2, 0, 0, 0, 0, nullptr,
         {{"usage", -3, kCmdReadOnly, 2, 2, 1, &CmdMemoryUsage},
          {"stats", 2, 0, 0, 0, 0, &CmdMemoryStats},
          {"doctor", 2, 0, 0, 0, 0, &CmdMemoryDoctor},
          {"malloc-stats", 2, 0, 0, 0, 0, &CmdMemoryMallocStats},
          {"purge", 2, 0, 0, 0, 0, &CmdMemoryPurge}}});
}

}  // namespace vigil::server

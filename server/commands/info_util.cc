#include "server/commands/info_util.h"

#include <limits.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/allocator.h"
#include "server/connection.h"
#include "server/server.h"

namespace vigil::server {
namespace {

// Bytes the allocator has handed out and not had back.
uint64_t UsedMemory() { return ReadAllocatorStats().allocated; }

// Taken before main() runs: what the process uses with no data and no
// clients (Redis's used_memory_startup).
const uint64_t kStartupMemory = UsedMemory();

// used_memory_peak: sampled by the cron and by INFO; CONFIG RESETSTAT keeps it.
uint64_t peak_used_memory = 0;

uint64_t NotePeak(uint64_t used) {
  peak_used_memory = std::max(peak_used_memory, used);
  return peak_used_memory;
}

uint64_t RssBytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<uint64_t>(resident) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

// Redis's bytesToHuman.
std::string HumanBytes(uint64_t n) {
  const char* units[] = {"B", "K", "M", "G", "T", "P"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{}B", n) : fmt::format("{:.2f}{}", v, units[u]);
}

double Ratio(uint64_t a, uint64_t b) {
  return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
}

// "name:value\r\n" lines, in the order added.
class Fields {
 public:
  explicit Fields(std::string_view title) { out_ = fmt::format("# {}\r\n", title); }
  template <typename T>
  Fields& Add(std::string_view name, const T& value) {
    fmt::format_to(std::back_inserter(out_), "{}:{}\r\n", name, value);
    return *this;
  }
  Fields& Fixed(std::string_view name, double value, int decimals = 2) {
    fmt::format_to(std::back_inserter(out_), "{}:{:.{}f}\r\n", name, value, decimals);
    return *this;
  }
  Fields& Zeros(std::initializer_list<std::string_view> names) {
    for (auto n : names) Add(n, 0);
    return *this;
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

int64_t EffectiveHz(Server& s) { return std::clamp<int64_t>(s.config().hz, 1, 500); }

std::string ExecutablePath() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string InfoServer(Server& s) {
  struct utsname name {};
  uname(&name);
  const int64_t uptime = (MonotonicMs() - s.start_ms()) / 1000;
  // Redis's build id is a hash of its build; ours hashes our version.
  const size_t build_id = std::hash<std::string_view>{}("vigil-" VIGIL_VERSION);
  return Fields("Server")
      .Add("redis_version", "7.0.15")
      .Add("redis_git_sha1", "00000000")
      .Add("redis_git_dirty", 0)
      .Add("redis_build_id", fmt::format("{:x}", build_id & 0xffffffffffffffULL))
      .Add("redis_mode", "standalone")
      .Add("os", fmt::format("{} {} {}", name.sysname, name.release, name.machine))
      .Add("arch_bits", sizeof(long) * 8)
      .Add("monotonic_clock", "POSIX clock_gettime")  // std::chrono::steady_clock
      .Add("multiplexing_api", "epoll")               // boost::asio's reactor on Linux
      .Add("atomicvar_api", "c11-builtin")
      .Add("gcc_version",
           fmt::format("{}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__))
      .Add("process_id", getpid())
      .Add("process_supervised", "no")  // no upstart/systemd notification
      .Add("run_id", s.run_id())
      .Add("tcp_port", s.config().port)
      .Add("server_time_usec", UnixUs())
      .Add("uptime_in_seconds", uptime)
      .Add("uptime_in_days", uptime / 86400)
      .Add("hz", EffectiveHz(s))
      .Add("configured_hz", s.config().hz)
      .Add("lru_clock", (UnixMs() / 1000) & ((1 << 24) - 1))  // LRU_CLOCK_RESOLUTION 1000 ms
      .Add("executable", ExecutablePath())
      .Add("config_file", s.config_file())
      .Add("io_threads_active", 0)
      .Take();
}

std::string InfoClients(Server& s) {
  size_t replicas = 0, max_in = 0, max_out = 0;
  for (const auto& [id, c] : s.clients()) {
    replicas += c->is_replica();
    max_in = std::max(max_in, c->query_buffer_size());
    max_out = std::max(max_out, c->output_buffer_size());
  }
  return Fields("Clients")
      .Add("connected_clients", s.clients().size() - replicas)
      .Add("cluster_connections", 0)
      .Add("maxclients", s.config().maxclients)
      .Add("client_recent_max_input_buffer", max_in)
      .Add("client_recent_max_output_buffer", max_out)
      .Add("blocked_clients", s.blocking().blocked_clients() + s.replication().wait_clients())
      .Add("tracking_clients", 0)
      .Add("clients_in_timeout_table",
           s.blocking().clients_with_timeout() + s.replication().wait_clients_with_timeout())
      .Take();
}

// repl_backlog_histlen from INFO replication: the bytes the backlog holds.
uint64_t BacklogBytes(Server& s) {
  const std::string info = s.replication().Info();
  constexpr std::string_view kField = "repl_backlog_histlen:";
  size_t at = info.find(kField);
  if (at == std::string::npos) return 0;
  const size_t from = at + kField.size();
  auto v = ParseInt64(std::string_view(info).substr(from, info.find('\r', from) - from));
  return v && *v > 0 ? static_cast<uint64_t>(*v) : 0;
}

}  // namespace

MemoryFigures ReadMemoryFigures(Server& s) {
  MemoryFigures m;
  const AllocatorStats heap = ReadAllocatorStats();
  m.used = heap.allocated;
  m.active = heap.active;
  m.rss = RssBytes();
  m.resident = heap.resident != 0 ? heap.resident : m.rss;
  m.peak = NotePeak(m.used);
  m.startup = kStartupMemory;
  for (const auto& [id, c] : s.clients()) {
    (c->is_replica() ? m.replica_clients : m.normal_clients) +=
        c->query_buffer_size() + c->output_buffer_size();
  }
  m.backlog = BacklogBytes(s);
  // What we can measure of the overhead: the startup footprint, client
  // buffers, the backlog and the key tables' bucket arrays.
  m.overhead = kStartupMemory + m.normal_clients + m.replica_clients + m.backlog;
  for (const auto& db : s.dbs()) m.overhead += db.bucket_count() * sizeof(void*);
  m.overhead = std::min(m.overhead, m.used);
  m.dataset = m.used - m.overhead;
  m.net = m.used > kStartupMemory ? m.used - kStartupMemory : 0;
  return m;
}

namespace {

std::string InfoMemory(Server& s) {
  const MemoryFigures m = ReadMemoryFigures(s);
  const uint64_t system = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                          static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const auto maxmemory = static_cast<uint64_t>(s.config().maxmemory);
  Fields f("Memory");
  f.Add("used_memory", m.used)
      .Add("used_memory_human", HumanBytes(m.used))
      .Add("used_memory_rss", m.rss)
      .Add("used_memory_rss_human", HumanBytes(m.rss))
      .Add("used_memory_peak", m.peak)
      .Add("used_memory_peak_human", HumanBytes(m.peak))
      .Add("used_memory_peak_perc", fmt::format("{:.2f}%", 100 * Ratio(m.used, m.peak)))
      .Add("used_memory_overhead", m.overhead)
      .Add("used_memory_startup", kStartupMemory)
      .Add("used_memory_dataset", m.dataset)
      .Add("used_memory_dataset_perc", fmt::format("{:.2f}%", 100 * Ratio(m.dataset, m.net)))
      .Add("allocator_allocated", m.used)
      .Add("allocator_active", m.active)
      .Add("allocator_resident", m.resident)
      .Add("total_system_memory", system)
      .Add("total_system_memory_human", HumanBytes(system));
  // No scripting engine and no functions: nothing to report.
  f.Zeros({"used_memory_lua", "used_memory_vm_eval"})
      .Add("used_memory_lua_human", "0B")
      .Zeros({"used_memory_scripts_eval", "number_of_cached_scripts", "number_of_functions",
              "number_of_libraries", "used_memory_vm_functions", "used_memory_vm_total"})
      .Add("used_memory_vm_total_human", "0B")
      .Zeros({"used_memory_functions", "used_memory_scripts"})
      .Add("used_memory_scripts_human", "0B");
  const auto signed_diff = [](uint64_t a, uint64_t b) {
    return static_cast<int64_t>(a) - static_cast<int64_t>(b);
  };
  f.Add("maxmemory", maxmemory)
      .Add("maxmemory_human", HumanBytes(maxmemory))
      .Add("maxmemory_policy", s.config().maxmemory_policy)
      .Fixed("allocator_frag_ratio", Ratio(m.active, m.used))
      .Add("allocator_frag_bytes", signed_diff(m.active, m.used))
      .Fixed("allocator_rss_ratio", Ratio(m.resident, m.active))
      .Add("allocator_rss_bytes", signed_diff(m.resident, m.active))
      .Fixed("rss_overhead_ratio", Ratio(m.rss, m.resident))
      .Add("rss_overhead_bytes", signed_diff(m.rss, m.resident))
      .Fixed("mem_fragmentation_ratio", Ratio(m.rss, m.used))
      .Add("mem_fragmentation_bytes", signed_diff(m.rss, m.used))
      .Add("mem_not_counted_for_evict", 0)
      .Add("mem_replication_backlog", m.backlog)
      .Add("mem_total_replication_buffers", m.replica_clients)
      .Add("mem_clients_slaves", m.replica_clients)
      .Add("mem_clients_normal", m.normal_clients)
      .Zeros({"mem_cluster_links", "mem_aof_buffer"})
      .Add("mem_allocator", AllocatorName())
      .Zeros({"active_defrag_running", "lazyfree_pending_objects", "lazyfreed_objects"});
  return f.Take();
}

std::string InfoPersistence(Server& s) { return "# Persistence\r\n" + s.persistence().Info(); }

std::string InfoStats(Server& s) {
  const ServerStats& st = s.stats();
  Fields f("Stats");
  f.Add("total_connections_received", st.total_connections_received)
      .Add("total_commands_processed", st.total_commands_processed)
      .Add("instantaneous_ops_per_sec", static_cast<int64_t>(st.inst_ops.PerSecond()))
      .Add("total_net_input_bytes", st.total_net_input_bytes)
      .Add("total_net_output_bytes", st.total_net_output_bytes)
      .Add("total_net_repl_input_bytes", st.total_net_repl_input_bytes)
      .Add("total_net_repl_output_bytes", st.total_net_repl_output_bytes)
      .Fixed("instantaneous_input_kbps", st.inst_net_input.PerSecond() / 1024)
      .Fixed("instantaneous_output_kbps", st.inst_net_output.PerSecond() / 1024)
      .Fixed("instantaneous_input_repl_kbps", st.inst_net_repl_input.PerSecond() / 1024)
      .Fixed("instantaneous_output_repl_kbps", st.inst_net_repl_output.PerSecond() / 1024)
      .Add("rejected_connections", st.rejected_connections)
      .Add("sync_full", s.replication().sync_full())
      .Add("sync_partial_ok", s.replication().sync_partial_ok())
      .Add("sync_partial_err", s.replication().sync_partial_err())
      .Add("expired_keys", st.expired_keys)
      .Fixed("expired_stale_perc", 0)
      .Zeros({"expired_time_cap_reached_count", "expire_cycle_cpu_milliseconds"})
      .Add("evicted_keys", st.evicted_keys)
      // No client eviction; the eviction time is not tracked.
      .Zeros({"evicted_clients", "total_eviction_exceeded_time", "current_eviction_exceeded_time"})
      .Add("keyspace_hits", st.keyspace_hits)
      .Add("keyspace_misses", st.keyspace_misses)
      .Add("pubsub_channels", s.pubsub().channel_count())
      .Add("pubsub_patterns", s.pubsub().pattern_count())
      .Add("pubsubshard_channels", s.pubsub().shard_channel_count())
      .Add("latest_fork_usec", st.latest_fork_usec)
      .Add("total_forks", st.total_forks)
      // No MIGRATE, no writable-replica expiry tracking, no defrag, no
      // client-side caching.
      .Zeros({"migrate_cached_sockets", "slave_expires_tracked_keys", "active_defrag_hits",
              "active_defrag_misses", "active_defrag_key_hits", "active_defrag_key_misses",
              "total_active_defrag_time", "current_active_defrag_time", "tracking_total_keys",
              "tracking_total_items", "tracking_total_prefixes"})
      .Add("unexpected_error_replies", st.unexpected_error_replies)
      .Add("total_error_replies", st.total_error_replies)
      .Add("dump_payload_sanitizations", 0)
      .Add("total_reads_processed", st.total_reads_processed)
      .Add("total_writes_processed", st.total_writes_processed)
      // One thread; reply buffers are std::strings, not Redis's resizable ones.
      .Zeros({"io_threaded_reads_processed", "io_threaded_writes_processed",
              "reply_buffer_shrinks", "reply_buffer_expands"});
  return f.Take();
}

std::string InfoReplication(Server& s) { return s.replication().Info(); }

std::string CpuTime(const timeval& tv) {
  return fmt::format("{}.{:06}", static_cast<int64_t>(tv.tv_sec),
                     static_cast<int64_t>(tv.tv_usec));
}

std::string InfoCpu(Server&) {
  struct rusage self {}, children {}, thread {};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);
  return Fields("CPU")
      .Add("used_cpu_sys", CpuTime(self.ru_stime))
      .Add("used_cpu_user", CpuTime(self.ru_utime))
      .Add("used_cpu_sys_children", CpuTime(children.ru_stime))
      .Add("used_cpu_user_children", CpuTime(children.ru_utime))
      .Add("used_cpu_sys_main_thread", CpuTime(thread.ru_stime))
      .Add("used_cpu_user_main_thread", CpuTime(thread.ru_utime))
      .Take();
}

std::string InfoModules(Server&) { return "# Modules\r\n"; }

std::string InfoCommandStats(Server& s) {
  std::string out = "# Commandstats\r\n";
  for (const auto& [name, cs] : s.command_stats()) {
    fmt::format_to(std::back_inserter(out),
                   "cmdstat_{}:calls={},usec={},usec_per_call={:.2f},rejected_calls={},"
                   "failed_calls={}\r\n",
                   name, cs.calls, cs.usec, Ratio(cs.usec, cs.calls), cs.rejected_calls,
                   cs.failed_calls);
  }
  return out;
}

std::string InfoErrorStats(Server& s) {
  std::string out = "# Errorstats\r\n";
  for (const auto& [prefix, count] : s.stats().error_counts)
    fmt::format_to(std::back_inserter(out), "errorstat_{}:count={}\r\n", prefix, count);
  return out;
}

std::string InfoCluster(Server&) { return "# Cluster\r\ncluster_enabled:0\r\n"; }

// Mean remaining TTL in ms of the keys with one: exact for small databases,
// else over a random sample (Redis estimates it while expiring, too).
int64_t AverageTtl(Database& db) {
  if (db.expires_size() == 0) return 0;
  const int64_t now = UnixMs();
  int64_t sum = 0, n = 0;
  auto add = [&](std::string_view key) {
    auto when = db.GetExpire(key);
    if (when && *when > now) {
      sum += *when - now;
      ++n;
    }
  };
  constexpr size_t kExactUpTo = 128, kSamples = 64;
  if (db.size() <= kExactUpTo) {
    db.ForEach([&](std::string_view key, const Object&) { add(key); });
  } else {
    for (size_t i = 0; i < kSamples; ++i)
      if (auto key = db.RandomKey()) add(*key);
  }
  return n ? sum / n : 0;
}

std::string InfoKeyspace(Server& s) {
  std::string out = "# Keyspace\r\n";
  for (size_t i = 0; i < s.dbs().size(); ++i) {
    Database& db = s.dbs()[i];
    if (db.size() == 0) continue;
    fmt::format_to(std::back_inserter(out), "db{}:keys={},expires={},avg_ttl={}\r\n", i,
                   db.size(), db.expires_size(), AverageTtl(db));
  }
  return out;
}

struct Section {
  std::string_view name;
  bool in_default;
  std::string (*generate)(Server&);
};

// Redis 7.0's order. Latencystats is not produced (no latency histograms).
constexpr Section kSections[] = {
    {"server", true, &InfoServer},       {"clients", true, &InfoClients},
    {"memory", true, &InfoMemory},       {"persistence", true, &InfoPersistence},
    {"stats", true, &InfoStats},         {"replication", true, &InfoReplication},
    {"cpu", true, &InfoCpu},             {"modules", true, &InfoModules},
    {"commandstats", false, &InfoCommandStats}, {"errorstats", true, &InfoErrorStats},
    {"cluster", true, &InfoCluster},     {"keyspace", true, &InfoKeyspace}};

}  // namespace

void InstantaneousMetric::Track(uint64_t reading, int64_t now_ms) {
  const int64_t elapsed = now_ms - last_sample_ms;
  if (last_sample_ms != 0 && elapsed > 0) {
    samples[next] = static_cast<double>(reading - last_reading) * 1000.0 /
                    static_cast<double>(elapsed);
    next = (next + 1) % kSamples;
  }
  last_sample_ms = now_ms;
  last_reading = reading;
}

double InstantaneousMetric::PerSecond() const {
  double sum = 0;
  for (double v : samples) sum += v;
  return sum / kSamples;
}

void ServerStats::CronSample(int64_t now_ms) {
  // Redis samples every 100 ms whatever hz is.
  if (now_ms - inst_ops.last_sample_ms >= 100) {
    inst_ops.Track(total_commands_processed, now_ms);
    inst_net_input.Track(total_net_input_bytes, now_ms);
    inst_net_output.Track(total_net_output_bytes, now_ms);
    inst_net_repl_input.Track(total_net_repl_input_bytes, now_ms);
    inst_net_repl_output.Track(total_net_repl_output_bytes, now_ms);
  }
  NotePeak(UsedMemory());
}

void ServerStats::RecordErrorReply(std::string_view error, bool to_master) {
  ++total_error_replies;
  if (to_master) ++unexpected_error_replies;
  // Redis looks for the space in the first 32 bytes of "-CODE message".
  const std::string_view head = error.substr(0, std::min<size_t>(error.size(), 31));
  const size_t end = head.find_first_of(" \r");
  std::string prefix = end != std::string_view::npos && head[end] == ' '
                           ? std::string(head.substr(0, end))
                           : std::string("ERR");
  ++error_counts[std::move(prefix)];
}

std::string GenerateInfo(Server& server, const std::vector<std::string>& sections) {
  std::vector<std::string> wanted;
  for (const auto& s : sections) wanted.push_back(ToLower(s));
  auto has = [&wanted](std::string_view w) {
    return std::find(wanted.begin(), wanted.end(), w) != wanted.end();
  };
  const bool all = has("all") || has("everything");
  const bool dflt = wanted.empty() || has("default");
  std::string out;
  for (const Section& sec : kSections) {
    if (!all && !(dflt && sec.in_default) && !has(sec.name)) continue;
    if (!out.empty()) out += "\r\n";
    out += sec.generate(server);
  }
  return out;
}

}  // namespace vigil::server

// Binds every redis.conf directive of Redis 7.0 to ServerConfig: names,
// aliases, defaults and bounds are Redis 7.0.15's (checked with CONFIG GET *
// on a stock redis-server), so an operator's file and CONFIG GET/SET/REWRITE
// behave as they did with Redis. Directives a later stage implements are
// accepted and stored (kAcceptOnly) rather than refused, because refusing
// them would stop a stock redis.conf from loading.
#include "server/config/server_config.h"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "common/util/strings.h"

namespace vigil::server {
namespace {

using config::kAcceptOnly;
using config::kEmptyIsNull;
using config::kHidden;
using config::kImmutable;
using config::kMultiArg;
using config::kMultiLine;
using config::kProtected;
using config::kSensitive;
using config::Param;
using config::Registry;

constexpr int64_t kIntMax = INT_MAX;
constexpr int64_t kIntMin = INT_MIN;
constexpr int64_t kUintMax = UINT_MAX;
constexpr int64_t kLongMax = INT64_MAX;
constexpr int kMaxBindAddresses = 16;  // CONFIG_BINDADDR_MAX
constexpr int kMinHz = 1;
constexpr int kMaxHz = 500;
constexpr int64_t kReplBacklogMinSize = 16 * 1024;

const std::vector<std::string> kDefaultBind = {"*", "-::*"};
const std::vector<SavePoint> kDefaultSave = {{3600, 1}, {300, 100}, {60, 10000}};
const OutputBufferLimit kDefaultObuf[3] = {{0, 0, 0},
                                           {256LL * 1024 * 1024, 64LL * 1024 * 1024, 60},
                                           {32LL * 1024 * 1024, 8LL * 1024 * 1024, 60}};

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

// strtoll over the whole string, as Redis's loaders use it (leading blanks
// and '+' pass; "" reads as 0).
bool StrToLL(const std::string& s, int base, int64_t* out) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, base);
  if (errno != 0 || *end != '\0') return false;
  *out = v;
  return true;
}

// memtoull: memory units, no sign.
std::optional<int64_t> ParseUnsignedMemory(const std::string& s) {
  if (!s.empty() && s[0] == '-') return std::nullopt;
  return config::ParseMemory(s);
}

bool PathIsBaseName(const std::string& s) {
  return s.find('/') == std::string::npos && s.find('\\') == std::string::npos;
}

// Wraps a parameter's setter with a check run first.
void AddValidator(Param* p, std::function<Status(const std::string&)> check) {
  auto inner = p->set;
  p->set = [inner, check](const std::vector<std::string>& args, bool at_runtime) -> Status {
    VIGIL_RETURN_IF_ERROR(check(args[0]));
    return inner(args, at_runtime);
  };
}

std::string CurrentDir() {
  char buf[4096];
  if (::getcwd(buf, sizeof(buf)) == nullptr) return "";
  return buf;
}

// Index of a client class in the obuf table (normal, replica, pubsub), or -1.
// "master" is a class in Redis but has no limits.
int ObufClass(const std::string& name) {
  if (EqualsIgnoreCase(name, "normal")) return 0;
  if (EqualsIgnoreCase(name, "slave") || EqualsIgnoreCase(name, "replica")) return 1;
  if (EqualsIgnoreCase(name, "pubsub")) return 2;
  return -1;
}

void RegisterNetwork(ServerConfig* cfg, Registry* r) {
  Param bind;
  bind.name = "bind";
  bind.flags = kImmutable | kMultiArg;
  bind.set = [cfg](const std::vector<std::string>& args, bool) -> Status {
    if (args.size() > kMaxBindAddresses) {
      return Status::Error("Too many bind addresses specified.");
    }
    // A single empty argument means "no addresses" (bind "").
    if (args.size() == 1 && args[0].empty()) {
      cfg->bind.clear();
    } else {
      cfg->bind = args;
    }
    cfg->bind_explicit = true;
    return Status::Ok();
  };
  bind.get = [cfg] { return Join(cfg->bind, " "); };
  bind.rewrite_lines = [cfg] {
    if (cfg->bind == kDefaultBind) return std::vector<std::string>{};
    return std::vector<std::string>{"bind " + (cfg->bind.empty() ? "\"\"" : Join(cfg->bind, " "))};
  };
  bind.is_default = [cfg] { return cfg->bind == kDefaultBind; };
  cfg->bind = kDefaultBind;
  cfg->bind_explicit = false;
  r->Add(std::move(bind));

  // Redis 7 can change port and bind at run time; vigil binds its listeners
  // once at startup, so they are immutable here.
  r->AddInt("port", &cfg->port, 6379, 0, 65535, kImmutable);
  r->AddInt("tcp-backlog", &cfg->tcp_backlog, 511, 0, kIntMax, kImmutable);
  r->AddInt("timeout", &cfg->timeout, 0, 0, kIntMax);
  r->AddInt("tcp-keepalive", &cfg->tcp_keepalive, 300, 0, kIntMax);
  r->AddBool("protected-mode", &cfg->protected_mode, true);
  r->AddInt("maxclients", &cfg->maxclients, 10000, 1, kUintMax);
  r->AddString("unixsocket", &cfg->unixsocket, "", kImmutable | kEmptyIsNull);

  Param perm;
  perm.name = "unixsocketperm";
  perm.flags = kImmutable;
  perm.set = [cfg](const std::vector<std::string>& args, bool) -> Status {
    int64_t v;
    if (!StrToLL(args[0], 8, &v)) {
      return Status::Error("argument couldn't be parsed as an octal number");
    }
    if (v < 0 || v > 0777) return Status::Error("argument must be between 0 and 777 inclusive");
    cfg->unixsocketperm = v;
    return Status::Ok();
  };
  auto octal = [cfg] {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%llo", static_cast<unsigned long long>(cfg->unixsocketperm));
    return std::string(buf);
  };
  perm.get = octal;
  perm.rewrite_lines = [octal] { return std::vector<std::string>{"unixsocketperm " + octal()}; };
  perm.is_default = [cfg] { return cfg->unixsocketperm == 0; };
  cfg->unixsocketperm = 0;
  r->Add(std::move(perm));
}

void RegisterGeneral(ServerConfig* cfg, Registry* r) {
  r->AddBool("daemonize", &cfg->daemonize, false, kImmutable);
  r->AddEnum("supervised", &cfg->supervised, "no", {"upstart", "systemd", "auto", "no"},
             kImmutable);
  r->AddString("pidfile", &cfg->pidfile, "", kImmutable | kEmptyIsNull);
  // "nothing" arrived in Redis 7.2; accepting it costs nothing.
  r->AddEnum("loglevel", &cfg->loglevel, "notice",
             {"debug", "verbose", "notice", "warning", "nothing"});
  r->AddString("logfile", &cfg->logfile, "", kImmutable);
  r->AddBool("syslog-enabled", &cfg->syslog_enabled, false, kImmutable | kAcceptOnly);
  r->AddString("syslog-ident", &cfg->syslog_ident, "redis", kImmutable | kAcceptOnly);
  r->AddInt("databases", &cfg->databases, 16, 1, kIntMax, kImmutable);
  r->AddBool("always-show-logo", &cfg->always_show_logo, false, kImmutable);
  r->AddBool("set-proc-title", &cfg->set_proc_title, true, kImmutable | kAcceptOnly);
  Param* hz = r->AddInt("hz", &cfg->hz, 10, 0, kIntMax);
  // Redis takes hz as a hint and caps it instead of refusing it.
  hz->apply = [cfg]() -> Status {
    if (cfg->hz < kMinHz) cfg->hz = kMinHz;
    if (cfg->hz > kMaxHz) cfg->hz = kMaxHz;
    return Status::Ok();
  };
  r->AddBool("dynamic-hz", &cfg->dynamic_hz, true);
}

void RegisterSecurityAndLimits(ServerConfig* cfg, Registry* r) {
  r->AddString("requirepass", &cfg->requirepass, "", kSensitive | kEmptyIsNull);
  r->AddMemory("proto-max-bulk-len", &cfg->proto_max_bulk_len, 512LL * 1024 * 1024, 1024 * 1024,
               kLongMax);
  r->AddMemory("client-query-buffer-limit", &cfg->client_query_buffer_limit, 1024LL * 1024 * 1024,
               1024 * 1024, kLongMax);

  Param obuf;
  obuf.name = "client-output-buffer-limit";
  obuf.flags = kMultiLine;
  obuf.set = [cfg](const std::vector<std::string>& args, bool) -> Status {
    if (args.size() % 4 != 0) {
      return Status::Error("Wrong number of arguments in buffer limit configuration.");
    }
    // Check every class before changing any, so a bad line changes nothing.
    OutputBufferLimit values[3];
    bool given[3] = {false, false, false};
    for (size_t j = 0; j < args.size(); j += 4) {
      int cls = ObufClass(args[j]);
      if (cls < 0) {
        return Status::Error("Invalid client class specified in buffer limit configuration.");
      }
      auto hard = ParseUnsignedMemory(args[j + 1]);
      auto soft = ParseUnsignedMemory(args[j + 2]);
      int64_t secs;
      if (!hard || !soft || !StrToLL(args[j + 3], 10, &secs) || secs < 0) {
        return Status::Error(
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
      }
      values[cls] = {*hard, *soft, secs};
      given[cls] = true;
    }
    OutputBufferLimit* targets[3] = {&cfg->obuf_normal, &cfg->obuf_replica, &cfg->obuf_pubsub};
    for (int c = 0; c < 3; ++c) {
      if (given[c]) *targets[c] = values[c];
    }
    return Status::Ok();
  };
  obuf.get = [cfg] {
    const OutputBufferLimit* l[3] = {&cfg->obuf_normal, &cfg->obuf_replica, &cfg->obuf_pubsub};
    const char* names[3] = {"normal", "slave", "pubsub"};
    std::string out;
    for (int c = 0; c < 3; ++c) {
      if (c) out += " ";
      out += std::string(names[c]) + " " + std::to_string(l[c]->hard) + " " +
             std::to_string(l[c]->soft) + " " + std::to_string(l[c]->soft_seconds);
    }
    return out;
  };
  auto obuf_lines = [cfg] {
    const OutputBufferLimit* l[3] = {&cfg->obuf_normal, &cfg->obuf_replica, &cfg->obuf_pubsub};
    const char* names[3] = {"normal", "replica", "pubsub"};
    std::vector<std::pair<std::string, bool>> out;
    for (int c = 0; c < 3; ++c) {
      bool force = l[c]->hard != kDefaultObuf[c].hard || l[c]->soft != kDefaultObuf[c].soft ||
                   l[c]->soft_seconds != kDefaultObuf[c].soft_seconds;
      out.emplace_back("client-output-buffer-limit " + std::string(names[c]) + " " +
                           config::FormatMemory(l[c]->hard) + " " +
                           config::FormatMemory(l[c]->soft) + " " +
                           std::to_string(l[c]->soft_seconds),
                       force);
    }
    return out;
  };
  obuf.rewrite_lines_forced = obuf_lines;
  obuf.rewrite_lines = [obuf_lines] {
    std::vector<std::string> out;
    for (auto& [line, force] : obuf_lines()) out.push_back(line);
    return out;
  };
  obuf.is_default = [obuf_lines] {
    for (auto& [line, force] : obuf_lines()) {
      if (force) return false;
    }
    return true;
  };
  cfg->obuf_normal = kDefaultObuf[0];
  cfg->obuf_replica = kDefaultObuf[1];
  cfg->obuf_pubsub = kDefaultObuf[2];
  r->Add(std::move(obuf));

  r->AddMemory("maxmemory", &cfg->maxmemory, 0, 0, kLongMax);
  r->AddEnum("maxmemory-policy", &cfg->maxmemory_policy, "noeviction",
             {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
              "allkeys-lfu", "allkeys-random", "noeviction"});
  r->AddInt("maxmemory-samples", &cfg->maxmemory_samples, 5, 1, kIntMax);
  // Acted on by server/eviction.cc, which keeps pointers to these entries.
  r->AddInt("maxmemory-eviction-tenacity", &cfg->accepted_ints["maxmemory-eviction-tenacity"],
            10, 0, 100);
  r->AddInt("lfu-log-factor", &cfg->accepted_ints["lfu-log-factor"], 10, 0, kIntMax);
  r->AddInt("lfu-decay-time", &cfg->accepted_ints["lfu-decay-time"], 1, 0, kIntMax);
  r->AddBool("replica-ignore-maxmemory", &cfg->accepted_bools["replica-ignore-maxmemory"], true,
             0, {"slave-ignore-maxmemory"});

  r->AddInt("slowlog-log-slower-than", &cfg->slowlog_log_slower_than, 10000, -1, kLongMax);
  r->AddInt("slowlog-max-len", &cfg->slowlog_max_len, 128, 0, kLongMax);
  r->AddInt("latency-monitor-threshold", &cfg->latency_monitor_threshold, 0, 0, kLongMax);

  Param notify;
  notify.name = "notify-keyspace-events";
  notify.set = [cfg](const std::vector<std::string>& args, bool) -> Status {
    auto flags = ParseKeyspaceEvents(args[0]);
    if (!flags) return Status::Error("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    cfg->notify_keyspace_events = KeyspaceEventsToString(*flags);
    return Status::Ok();
  };
  notify.get = [cfg] { return cfg->notify_keyspace_events; };
  notify.rewrite_lines = [cfg] {
    return std::vector<std::string>{"notify-keyspace-events " +
                                    QuoteRepr(cfg->notify_keyspace_events)};
  };
  notify.is_default = [cfg] { return cfg->notify_keyspace_events.empty(); };
  cfg->notify_keyspace_events.clear();
  r->Add(std::move(notify));
}

void RegisterSnapshotting(ServerConfig* cfg, Registry* r) {
  Param save;
  save.name = "save";
  save.flags = kMultiLine;
  // The first save line of a file replaces the defaults, later ones add to
  // it; at run time every CONFIG SET replaces the list.
  auto loaded_one = std::make_shared<bool>(false);
  save.set = [cfg, loaded_one](const std::vector<std::string>& in, bool at_runtime) -> Status {
    std::vector<std::string> args = in;
    if (args.size() == 1 && args[0].empty()) args.clear();  // save ""
    if (args.size() % 2 != 0) return Status::Error("Invalid save parameters");
    std::vector<SavePoint> points;
    for (size_t j = 0; j < args.size(); j += 2) {
      int64_t secs, changes;
      if (!StrToLL(args[j], 10, &secs) || !StrToLL(args[j + 1], 10, &changes) || secs < 1 ||
          changes < 0) {
        return Status::Error("Invalid save parameters");
      }
      points.push_back({secs, changes});
    }
    // save "" clears whatever came before it, in the file too (checked
    // against redis-server 7.0.15).
    if (at_runtime || !*loaded_one || points.empty()) {
      cfg->save_points.clear();
      if (!at_runtime) *loaded_one = true;
    }
    cfg->save_points.insert(cfg->save_points.end(), points.begin(), points.end());
    return Status::Ok();
  };
  save.get = [cfg] {
    std::string out;
    for (const auto& sp : cfg->save_points) {
      if (!out.empty()) out += " ";
      out += std::to_string(sp.seconds) + " " + std::to_string(sp.changes);
    }
    return out;
  };
  save.rewrite_lines = [cfg] {
    // An empty list is written as save "" so the defaults do not come back.
    if (cfg->save_points.empty()) return std::vector<std::string>{"save \"\""};
    std::vector<std::string> out;
    for (const auto& sp : cfg->save_points) {
      out.push_back("save " + std::to_string(sp.seconds) + " " + std::to_string(sp.changes));
    }
    return out;
  };
  save.is_default = [cfg] {
    if (cfg->save_points.size() != kDefaultSave.size()) return false;
    for (size_t i = 0; i < kDefaultSave.size(); ++i) {
      if (cfg->save_points[i].seconds != kDefaultSave[i].seconds ||
          cfg->save_points[i].changes != kDefaultSave[i].changes) {
        return false;
      }
    }
    return true;
  };
  cfg->save_points = kDefaultSave;
  r->Add(std::move(save));

  r->AddBool("stop-writes-on-bgsave-error", &cfg->stop_writes_on_bgsave_error, true);
  r->AddBool("rdbcompression", &cfg->rdbcompression, true);
  r->AddBool("rdbchecksum", &cfg->rdbchecksum, true, kImmutable);
  Param* dbfilename = r->AddString("dbfilename", &cfg->dbfilename, "dump.rdb", kProtected);
  AddValidator(dbfilename, [](const std::string& v) {
    if (!PathIsBaseName(v)) return Status::Error("dbfilename can't be a path, just a filename");
    return Status::Ok();
  });

  Param dir;
  dir.name = "dir";
  dir.flags = kProtected;
  // chdir() at once, while loading too: later relative paths (pidfile,
  // logfile, dbfilename) are taken from the new directory, as in Redis.
  dir.set = [cfg](const std::vector<std::string>& args, bool) -> Status {
    if (::chdir(args[0].c_str()) == -1) return Status::Error(std::strerror(errno));
    std::string cwd = CurrentDir();
    cfg->dir = cwd.empty() ? args[0] : cwd;
    return Status::Ok();
  };
  dir.get = [cfg] {
    std::string cwd = CurrentDir();
    return cwd.empty() ? cfg->dir : cwd;
  };
  dir.rewrite_lines = [cfg] {
    // Always the absolute directory, so the file still means the same
    // directory whatever the next start's working directory is.
    std::string cwd = CurrentDir();
    if (cwd.empty()) return std::vector<std::string>{};
    return std::vector<std::string>{"dir " + QuoteRepr(cwd)};
  };
  // Redis has no default for dir and always writes it.
  dir.is_default = [] { return false; };
  r->Add(std::move(dir));
  r->AddBool("rdb-del-sync-files", &cfg->rdb_del_sync_files, false);
}

void RegisterAof(ServerConfig* cfg, Registry* r) {
  r->AddBool("appendonly", &cfg->appendonly, false);
  Param* fname = r->AddString("appendfilename", &cfg->appendfilename, "appendonly.aof", kImmutable);
  AddValidator(fname, [](const std::string& v) {
    if (v.empty()) return Status::Error("appendfilename can't be empty");
    if (!PathIsBaseName(v)) {
      return Status::Error("appendfilename can't be a path, just a filename");
    }
    return Status::Ok();
  });
  Param* dname = r->AddString("appenddirname", &cfg->appenddirname, "appendonlydir", kImmutable);
  AddValidator(dname, [](const std::string& v) {
    if (v.empty()) return Status::Error("appenddirname can't be empty");
    if (!PathIsBaseName(v)) return Status::Error("appenddirname can't be a path, just a dirname");
    return Status::Ok();
  });
  r->AddEnum("appendfsync", &cfg->appendfsync, "everysec", {"everysec", "always", "no"});
  r->AddBool("no-appendfsync-on-rewrite", &cfg->no_appendfsync_on_rewrite, false);
  r->AddInt("auto-aof-rewrite-percentage", &cfg->auto_aof_rewrite_percentage, 100, 0, kIntMax);
  r->AddMemory("auto-aof-rewrite-min-size", &cfg->auto_aof_rewrite_min_size, 64LL * 1024 * 1024, 0,
               kLongMax);
  r->AddBool("aof-load-truncated", &cfg->aof_load_truncated, true);
  r->AddBool("aof-use-rdb-preamble", &cfg->aof_use_rdb_preamble, true);
  r->AddBool("aof-timestamp-enabled", &cfg->aof_timestamp_enabled, false);
}

void RegisterReplication(ServerConfig* cfg, Registry* r) {
  Param replicaof;
  replicaof.name = "replicaof";
  replicaof.aliases = {"slaveof"};
  // Changed at run time by the REPLICAOF command, not CONFIG SET (as Redis).
  replicaof.flags = kImmutable | kMultiArg;
  replicaof.set = [cfg](const std::vector<std::string>& args, bool) -> Status {
    if (args.size() != 2) return Status::Error("wrong number of arguments");
    cfg->replicaof_host.clear();
    cfg->replicaof_port = 0;
    if (EqualsIgnoreCase(args[0], "no") && EqualsIgnoreCase(args[1], "one")) {
      return Status::Ok();
    }
    char* end = nullptr;
    errno = 0;
    long port = std::strtol(args[1].c_str(), &end, 10);
    if (errno != 0 || *end != '\0' || port < 0 || port > 65535) {
      return Status::Error("Invalid master port");
    }
    cfg->replicaof_host = args[0];
    cfg->replicaof_port = port;
    return Status::Ok();
  };
  replicaof.get = [cfg] {
    if (cfg->replicaof_host.empty()) return std::string();
    return cfg->replicaof_host + " " + std::to_string(cfg->replicaof_port);
  };
  replicaof.rewrite_lines = [cfg] {
    // A master (or a cluster node) has no replicaof line at all.
    if (cfg->replicaof_host.empty() || cfg->cluster_enabled) return std::vector<std::string>{};
    return std::vector<std::string>{"replicaof " + cfg->replicaof_host + " " +
                                    std::to_string(cfg->replicaof_port)};
  };
  replicaof.is_default = [cfg] { return cfg->replicaof_host.empty(); };
  cfg->replicaof_host.clear();
  cfg->replicaof_port = 0;
  r->Add(std::move(replicaof));

  r->AddString("masterauth", &cfg->masterauth, "", kSensitive | kEmptyIsNull);
  r->AddString("masteruser", &cfg->masteruser, "", kSensitive | kEmptyIsNull);
  r->AddBool("replica-serve-stale-data", &cfg->replica_serve_stale_data, true, 0,
             {"slave-serve-stale-data"});
  r->AddBool("replica-read-only", &cfg->replica_read_only, true, 0, {"slave-read-only"});
  r->AddBool("repl-diskless-sync", &cfg->repl_diskless_sync, true);
  r->AddInt("repl-diskless-sync-delay", &cfg->repl_diskless_sync_delay, 5, 0, kIntMax);
  r->AddInt("repl-diskless-sync-max-replicas", &cfg->repl_diskless_sync_max_replicas, 0, 0,
            kIntMax);
  r->AddEnum("repl-diskless-load", &cfg->repl_diskless_load, "disabled",
             {"disabled", "on-empty-db", "swapdb"}, kAcceptOnly);
  r->AddInt("repl-ping-replica-period", &cfg->repl_ping_replica_period, 10, 1, kIntMax, 0,
            {"repl-ping-slave-period"});
  r->AddInt("repl-timeout", &cfg->repl_timeout, 60, 1, kIntMax);
  r->AddBool("repl-disable-tcp-nodelay", &cfg->repl_disable_tcp_nodelay, false);
  Param* backlog =
      r->AddMemory("repl-backlog-size", &cfg->repl_backlog_size, 1024 * 1024, 1, kLongMax);
  // Redis resizes the backlog to at least 16kb when it is changed.
  backlog->apply = [cfg]() -> Status {
    if (cfg->repl_backlog_size < kReplBacklogMinSize) cfg->repl_backlog_size = kReplBacklogMinSize;
    return Status::Ok();
  };
  r->AddInt("repl-backlog-ttl", &cfg->repl_backlog_ttl, 3600, 0, kLongMax);
  r->AddInt("replica-priority", &cfg->replica_priority, 100, 0, kIntMax, 0, {"slave-priority"});
  r->AddBool("replica-announced", &cfg->replica_announced, true);
  r->AddString("replica-announce-ip", &cfg->replica_announce_ip, "", kEmptyIsNull,
               {"slave-announce-ip"});
  r->AddInt("replica-announce-port", &cfg->replica_announce_port, 0, 0, 65535, 0,
            {"slave-announce-port"});
  r->AddInt("min-replicas-to-write", &cfg->min_replicas_to_write, 0, 0, kIntMax, 0,
            {"min-slaves-to-write"});
  r->AddInt("min-replicas-max-lag", &cfg->min_replicas_max_lag, 10, 0, kIntMax, 0,
            {"min-slaves-max-lag"});
  r->AddBool("replica-lazy-flush", &cfg->replica_lazy_flush, false, 0, {"slave-lazy-flush"});
}

void RegisterDataTypes(ServerConfig* cfg, Registry* r) {
  r->AddBool("lazyfree-lazy-eviction", &cfg->lazyfree_lazy_eviction, false, kAcceptOnly);
  r->AddBool("lazyfree-lazy-expire", &cfg->lazyfree_lazy_expire, false, kAcceptOnly);
  r->AddBool("lazyfree-lazy-server-del", &cfg->lazyfree_lazy_server_del, false, kAcceptOnly);
  r->AddBool("lazyfree-lazy-user-del", &cfg->lazyfree_lazy_user_del, false, kAcceptOnly);
  r->AddBool("lazyfree-lazy-user-flush", &cfg->lazyfree_lazy_user_flush, false, kAcceptOnly);

  r->AddInt("hash-max-listpack-entries", &cfg->hash_max_listpack_entries, 512, 0, kLongMax, 0,
            {"hash-max-ziplist-entries"});
  r->AddMemory("hash-max-listpack-value", &cfg->hash_max_listpack_value, 64, 0, kLongMax, 0,
               {"hash-max-ziplist-value"});
  r->AddInt("list-max-listpack-size", &cfg->list_max_listpack_size, -2, kIntMin, kIntMax, 0,
            {"list-max-ziplist-size"});
  r->AddInt("list-compress-depth", &cfg->list_compress_depth, 0, 0, kIntMax);
  r->AddInt("set-max-intset-entries", &cfg->set_max_intset_entries, 512, 0, kLongMax);
  r->AddInt("zset-max-listpack-entries", &cfg->zset_max_listpack_entries, 128, 0, kLongMax, 0,
            {"zset-max-ziplist-entries"});
  r->AddMemory("zset-max-listpack-value", &cfg->zset_max_listpack_value, 64, 0, kLongMax, 0,
               {"zset-max-ziplist-value"});
  r->AddMemory("hll-sparse-max-bytes", &cfg->hll_sparse_max_bytes, 3000, 0, kLongMax);
  r->AddMemory("stream-node-max-bytes", &cfg->stream_node_max_bytes, 4096, 0, kLongMax,
               kAcceptOnly);
  r->AddInt("stream-node-max-entries", &cfg->stream_node_max_entries, 100, 0, kLongMax,
            kAcceptOnly);
  r->AddBool("activerehashing", &cfg->activerehashing, true);
  r->AddBool("activedefrag", &cfg->activedefrag, false, kAcceptOnly);
  r->AddBool("jemalloc-bg-thread", &cfg->jemalloc_bg_thread, true, kAcceptOnly);

  r->AddInt("busy-reply-threshold", &cfg->lua_time_limit, 5000, 0, kLongMax, kAcceptOnly,
            {"lua-time-limit"});
  r->AddBool("cluster-enabled", &cfg->cluster_enabled, false, kImmutable | kAcceptOnly);
  r->AddString("cluster-config-file", &cfg->cluster_config_file, "nodes.conf",
               kImmutable | kAcceptOnly);
  r->AddInt("cluster-node-timeout", &cfg->cluster_node_timeout, 15000, 0, kLongMax, kAcceptOnly);
}

// The rest of Redis 7.0's table: stored by name, flagged kAcceptOnly.
void RegisterAcceptOnly(ServerConfig* cfg, Registry* r) {
  auto b = [&](const char* name, bool def, uint32_t flags = 0,
               std::vector<std::string> aliases = {}) {
    r->AddBool(name, &cfg->accepted_bools[name], def, flags | kAcceptOnly, std::move(aliases));
  };
  auto i = [&](const char* name, int64_t def, int64_t min, int64_t max, uint32_t flags = 0,
               std::vector<std::string> aliases = {}) {
    r->AddInt(name, &cfg->accepted_ints[name], def, min, max, flags | kAcceptOnly,
              std::move(aliases));
  };
  auto m = [&](const char* name, int64_t def, int64_t min, int64_t max) {
    r->AddMemory(name, &cfg->accepted_ints[name], def, min, max, kAcceptOnly);
  };
  auto s = [&](const char* name, const char* def, uint32_t flags = 0) {
    r->AddString(name, &cfg->accepted_strings[name], def, flags | kAcceptOnly);
  };
  auto e = [&](const char* name, const char* def, std::vector<std::string> allowed,
               uint32_t flags = 0) {
    r->AddEnum(name, &cfg->accepted_strings[name], def, std::move(allowed), flags | kAcceptOnly);
  };

  b("io-threads-do-reads", false, kImmutable);
  b("aof-rewrite-incremental-fsync", true);
  b("rdb-save-incremental-fsync", true);
  b("replica-ignore-disk-write-errors", false);
  b("crash-log-enabled", true);
  b("crash-memcheck-enabled", true);
  b("use-exit-on-panic", false, kHidden);
  b("disable-thp", true, kImmutable);
  b("latency-tracking", true);
  b("aof-disable-auto-gc", false);
  b("cluster-require-full-coverage", true);
  b("cluster-replica-no-failover", false, 0, {"cluster-slave-no-failover"});
  b("cluster-allow-reads-when-down", false);
  b("cluster-allow-pubsubshard-when-down", true);
  b("cluster-allow-replica-migration", true);
  b("tls-cluster", false);
  b("tls-replication", false);
  b("tls-prefer-server-ciphers", false);
  b("tls-session-caching", true);

  i("io-threads", 1, 1, 128, kImmutable);
  i("active-defrag-cycle-min", 1, 1, 99);
  i("active-defrag-cycle-max", 25, 1, 99);
  i("active-defrag-threshold-lower", 10, 0, 1000);
  i("active-defrag-threshold-upper", 100, 0, 1000);
  i("active-defrag-max-scan-fields", 1000, 1, kLongMax);
  i("active-expire-effort", 1, 1, 10);
  i("shutdown-timeout", 10, 0, kIntMax);
  i("acllog-max-len", 128, 0, kLongMax);
  i("tracking-table-max-keys", 1000000, 0, kLongMax);
  i("socket-mark-id", 0, 0, kUintMax);
  i("rdb-key-save-delay", 0, kIntMin, kIntMax, kHidden);
  i("key-load-delay", 0, kIntMin, kIntMax, kHidden);
  i("watchdog-period", 0, 0, kIntMax, kHidden);
  i("loading-process-events-interval-bytes", 2 * 1024 * 1024, 1024, kIntMax, kHidden);
  i("cluster-replica-validity-factor", 10, 0, kIntMax, 0, {"cluster-slave-validity-factor"});
  i("cluster-migration-barrier", 1, 0, kIntMax);
  i("cluster-port", 0, 0, 65535, kImmutable);
  i("cluster-announce-bus-port", 0, 0, 65535);
  i("cluster-announce-port", 0, 0, 65535);
  i("cluster-announce-tls-port", 0, 0, 65535);
  i("tls-port", 0, 0, 65535);
  i("tls-session-cache-size", 20 * 1024, 0, kIntMax);
  i("tls-session-cache-timeout", 300, 0, kIntMax);
  m("active-defrag-ignore-bytes", 100LL << 20, 1, kLongMax);
  m("cluster-link-sendbuf-limit", 0, 0, kLongMax);

  s("aclfile", "", kImmutable);
  s("ignore-warnings", "");
  s("proc-title-template", "{title} {listen-addr} {server-mode}");
  s("bind-source-addr", "", kEmptyIsNull);
  s("cluster-announce-ip", "", kEmptyIsNull);
  s("cluster-announce-hostname", "", kEmptyIsNull);
  for (const char* n : {"server_cpulist", "bio_cpulist", "aof_rewrite_cpulist", "bgsave_cpulist"}) {
    s(n, "", kImmutable | kEmptyIsNull);
  }
  for (const char* n :
       {"tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-client-cert-file",
        "tls-client-key-file", "tls-client-key-file-pass", "tls-dh-params-file", "tls-ca-cert-file",
        "tls-ca-cert-dir", "tls-protocols", "tls-ciphers", "tls-ciphersuites"}) {
    s(n, "", kEmptyIsNull);
  }

  e("syslog-facility", "local0",
    {"user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"},
    kImmutable);
  e("oom-score-adj", "no", {"no", "yes", "relative", "absolute"});
  e("acl-pubsub-default", "resetchannels", {"allchannels", "resetchannels"});
  e("sanitize-dump-payload", "no", {"no", "yes", "clients"});
  e("cluster-preferred-endpoint-type", "ip", {"ip", "hostname", "unknown-endpoint"});
  e("tls-auth-clients", "yes", {"no", "yes", "optional"});
  e("propagation-error-behavior", "ignore", {"ignore", "panic", "panic-on-replicas"});
  r->AddEnum("enable-protected-configs", &cfg->enable_protected_configs, "no",
             {"no", "yes", "local"}, kImmutable);
  r->AddEnum("enable-debug-command", &cfg->enable_debug_command, "no", {"no", "yes", "local"},
             kImmutable | kAcceptOnly);
  r->AddEnum("enable-module-command", &cfg->enable_module_command, "no", {"no", "yes", "local"},
             kImmutable | kAcceptOnly);

  // Flag sets: several words from a fixed list ("save now").
  for (const char* name : {"shutdown-on-sigint", "shutdown-on-sigterm"}) {
    std::string* target = &cfg->accepted_strings[name];
    *target = "default";
    Param p;
    p.name = name;
    p.flags = kMultiArg | kAcceptOnly;
    p.set = [target](const std::vector<std::string>& args, bool) -> Status {
      static const std::vector<std::string> kAllowed = {"default", "save", "nosave", "now",
                                                        "force"};
      std::vector<std::string> words;
      for (const auto& a : args) {
        bool ok = false;
        for (const auto& w : kAllowed) ok = ok || EqualsIgnoreCase(a, w);
        if (!ok) {
          return Status::Error(
              "argument(s) must be one of the following: default, save, nosave, now, force");
        }
        if (!EqualsIgnoreCase(a, "default")) words.push_back(ToLower(a));
      }
      *target = words.empty() ? "default" : Join(words, " ");
      return Status::Ok();
    };
    p.get = [target] { return *target; };
    std::string n = name;
    p.rewrite_lines = [n, target] { return std::vector<std::string>{n + " " + *target}; };
    p.is_default = [target] { return *target == "default"; };
    r->Add(std::move(p));
  }

  // maxmemory-clients: bytes, or a percentage of maxmemory ("10%"), stored
  // negative as Redis does.
  {
    int64_t* target = &cfg->accepted_ints["maxmemory-clients"];
    *target = 0;
    Param p;
    p.name = "maxmemory-clients";
    p.flags = kAcceptOnly;
    p.set = [target](const std::vector<std::string>& args, bool) -> Status {
      const std::string& v = args[0];
      int64_t val;
      if (auto mem = ParseUnsignedMemory(v)) {
        val = *mem;
      } else if (v.size() > 1 && v.back() == '%' && ParseInt64(v.substr(0, v.size() - 1)) &&
                 *ParseInt64(v.substr(0, v.size() - 1)) >= 0) {
        val = -*ParseInt64(v.substr(0, v.size() - 1));
        if (val < -100) return Status::Error("percentage argument must be less or equal to 100");
      } else {
        return Status::Error("argument must be a memory or percent value");
      }
      *target = val;
      return Status::Ok();
    };
    p.get = [target] {
      return *target < 0 ? std::to_string(-*target) + "%" : std::to_string(*target);
    };
    p.rewrite_lines = [target] {
      return std::vector<std::string>{"maxmemory-clients " + (*target < 0
                                                                  ? std::to_string(-*target) + "%"
                                                                  : config::FormatMemory(*target))};
    };
    p.is_default = [target] { return *target == 0; };
    r->Add(std::move(p));
  }

  // oom-score-adj-values: exactly three numbers.
  {
    std::string* target = &cfg->accepted_strings["oom-score-adj-values"];
    *target = "0 200 800";
    Param p;
    p.name = "oom-score-adj-values";
    p.flags = kMultiArg | kAcceptOnly;
    p.set = [target](const std::vector<std::string>& args, bool) -> Status {
      if (args.size() != 3) return Status::Error("wrong number of arguments");
      std::vector<std::string> vals;
      for (const auto& a : args) {
        int64_t v;
        if (!StrToLL(a, 10, &v) || v < -2000 || v > 2000) {
          return Status::Error(
              "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
        }
        vals.push_back(std::to_string(v));
      }
      *target = Join(vals, " ");
      return Status::Ok();
    };
    p.get = [target] { return *target; };
    p.rewrite_lines = [target] {
      return std::vector<std::string>{"oom-score-adj-values " + *target};
    };
    p.is_default = [target] { return *target == "0 200 800"; };
    r->Add(std::move(p));
  }

  // latency-tracking-info-percentiles: doubles in [0, 100]; "" for none.
  {
    std::string* target = &cfg->accepted_strings["latency-tracking-info-percentiles"];
    *target = "50 99 99.9";
    Param p;
    p.name = "latency-tracking-info-percentiles";
    p.flags = kMultiArg | kAcceptOnly;
    p.set = [target](const std::vector<std::string>& args, bool) -> Status {
      std::vector<std::string> vals;
      if (!(args.size() == 1 && args[0].empty())) {
        for (const auto& a : args) {
          auto d = ParseDouble(a);
          if (!d) return Status::Error("Invalid latency-tracking-info-percentiles parameters");
          if (*d > 100.0 || *d < 0.0) {
            return Status::Error(
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
          }
          char buf[64];
          std::snprintf(buf, sizeof(buf), "%f", *d);
          std::string f = buf;  // "%f" then trailing zeros trimmed, as Redis prints
          if (f.find('.') != std::string::npos) {
            while (f.back() == '0') f.pop_back();
            if (f.back() == '.') f.pop_back();
          }
          vals.push_back(f);
        }
      }
      *target = Join(vals, " ");
      return Status::Ok();
    };
    p.get = [target] { return *target; };
    p.rewrite_lines = [target] {
      return std::vector<std::string>{"latency-tracking-info-percentiles " +
                                      (target->empty() ? std::string("\"\"") : *target)};
    };
    p.is_default = [target] { return *target == "50 99 99.9"; };
    r->Add(std::move(p));
  }
}

// Directives that are not parameters, as loadServerConfigFromString treats
// them. nullopt = not ours: "Bad directive or wrong number of arguments".
std::optional<Status> HandleOtherDirective(ServerConfig* cfg,
                                           const std::vector<std::string>& args) {
  const std::string name = ToLower(args[0]);
  const size_t argc = args.size();
  // Deprecated in Redis 7 and ignored there, with their old argument count.
  if ((name == "list-max-ziplist-entries" || name == "list-max-ziplist-value" ||
       name == "lua-replicate-commands") &&
      argc == 2) {
    return Status::Ok();
  }
  if (name == "rename-command" && argc == 3) {
    // Checked against the command table by the server when it builds it.
    cfg->rename_commands.push_back({args[1], args[2]});
    return Status::Ok();
  }
  if ((name == "user" || name == "loadmodule") && argc >= 2) {
    cfg->other_directives.push_back(args);
    return Status::Ok();
  }
  if (name.find('.') != std::string::npos) {
    if (argc != 2) return Status::Error("Module config specified without value");
    cfg->other_directives.push_back(args);
    return Status::Ok();
  }
  if (name == "sentinel") {
    // A bare "sentinel" line only selects sentinel mode, which the
    // server's main() decides.
    if (argc == 1) return Status::Ok();
    return Status::Error("sentinel directive while not in sentinel mode");
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> ParseKeyspaceEvents(std::string_view classes) {
  int flags = 0;
  for (char c : classes) {
    switch (c) {
      case 'A':
        flags |= kNotifyAll;
        break;
      case 'g':
        flags |= kNotifyGeneric;
        break;
      case '$':
        flags |= kNotifyString;
        break;
      case 'l':
        flags |= kNotifyList;
        break;
      case 's':
        flags |= kNotifySet;
        break;
      case 'h':
        flags |= kNotifyHash;
        break;
      case 'z':
        flags |= kNotifyZset;
        break;
      case 'x':
        flags |= kNotifyExpired;
        break;
      case 'e':
        flags |= kNotifyEvicted;
        break;
      case 'K':
        flags |= kNotifyKeyspace;
        break;
      case 'E':
        flags |= kNotifyKeyevent;
        break;
      case 't':
        flags |= kNotifyStream;
        break;
      case 'm':
        flags |= kNotifyKeyMiss;
        break;
      case 'd':
        flags |= kNotifyModule;
        break;
      case 'n':
        flags |= kNotifyNew;
        break;
      default:
        return std::nullopt;
    }
  }
  return flags;
}

std::string KeyspaceEventsToString(int flags) {
  std::string res;
  if ((flags & kNotifyAll) == kNotifyAll) {
    // As Redis: with A, 'n' is not printed (a Redis quirk kept for
    // byte-identical CONFIG GET/REWRITE output).
    res += 'A';
  } else {
    if (flags & kNotifyGeneric) res += 'g';
    if (flags & kNotifyString) res += '$';
    if (flags & kNotifyList) res += 'l';
    if (flags & kNotifySet) res += 's';
    if (flags & kNotifyHash) res += 'h';
    if (flags & kNotifyZset) res += 'z';
    if (flags & kNotifyExpired) res += 'x';
    if (flags & kNotifyEvicted) res += 'e';
    if (flags & kNotifyStream) res += 't';
    if (flags & kNotifyModule) res += 'd';
    if (flags & kNotifyNew) res += 'n';
  }
  if (flags & kNotifyKeyspace) res += 'K';
  if (flags & kNotifyKeyevent) res += 'E';
  if (flags & kNotifyKeyMiss) res += 'm';
  return res;
}

void RegisterServerConfig(ServerConfig* cfg, config::Registry* registry) {
  RegisterNetwork(cfg, registry);
  RegisterGeneral(cfg, registry);
  RegisterSecurityAndLimits(cfg, registry);
  RegisterSnapshotting(cfg, registry);
  RegisterAof(cfg, registry);
  RegisterReplication(cfg, registry);
  RegisterDataTypes(cfg, registry);
  RegisterAcceptOnly(cfg, registry);
  cfg->rename_commands.clear();
  cfg->other_directives.clear();
  registry->SetFallback(
      [cfg](const std::vector<std::string>& args) { return HandleOtherDirective(cfg, args); });
  registry->SetProtectedPolicy([cfg](bool client_is_local) {
    return cfg->enable_protected_configs == "yes" ||
           (cfg->enable_protected_configs == "local" && client_is_local);
  });
}

std::optional<config::ConfigError> FinishServerConfig(ServerConfig* cfg) {
  auto error = [](std::string reason) {
    config::ConfigError e;
    e.reason = std::move(reason);
    return e;
  };
  if (!cfg->logfile.empty()) {
    // Fail now rather than after daemonizing, as Redis does.
    FILE* f = std::fopen(cfg->logfile.c_str(), "a");
    if (f == nullptr) return error(std::string("Can't open the log file: ") + std::strerror(errno));
    std::fclose(f);
  }
  if (cfg->cluster_enabled && !cfg->replicaof_host.empty()) {
    return error("replicaof directive not allowed in cluster mode");
  }
  if (cfg->hz < kMinHz) cfg->hz = kMinHz;
  if (cfg->hz > kMaxHz) cfg->hz = kMaxHz;
  return std::nullopt;
}

}  // namespace vigil::server

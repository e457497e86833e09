// vigil-server's configuration: one typed field per redis.conf directive, and
// the registration that binds each field to the config::Registry (defaults,
// bounds, aliases, run-time settability). Every directive operators write in
// redis.conf is known here; the ones a later stage implements are accepted
// and stored (flag kAcceptOnly) and listed in docs/compatibility.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/registry.h"

namespace vigil::server {

struct SavePoint {
  int64_t seconds = 0;
  int64_t changes = 0;
};

// client-output-buffer-limit <class> <hard> <soft> <soft-seconds>
struct OutputBufferLimit {
  int64_t hard = 0;
  int64_t soft = 0;
  int64_t soft_seconds = 0;
};

struct ServerConfig {
  // Network
  std::vector<std::string> bind = {"*", "-::*"};
  bool bind_explicit = false;  // a bind line was given (protected-mode rule)
  int64_t port = 6379;
  int64_t tcp_backlog = 511;
  int64_t timeout = 0;
  int64_t tcp_keepalive = 300;
  bool protected_mode = true;
  int64_t maxclients = 10000;
  std::string unixsocket;
  int64_t unixsocketperm = 0;

  // General
  bool daemonize = false;
  std::string supervised = "no";
  std::string pidfile;
  std::string loglevel = "notice";
  std::string logfile;
  bool syslog_enabled = false;
  std::string syslog_ident = "redis";
  int64_t databases = 16;
  bool always_show_logo = false;
  bool set_proc_title = true;
  int64_t hz = 10;
  bool dynamic_hz = true;

  // Security
  std::string requirepass;
  std::vector<std::vector<std::string>> rename_commands;

  // Limits / protocol
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  OutputBufferLimit obuf_normal{0, 0, 0};
  OutputBufferLimit obuf_replica{256LL * 1024 * 1024, 64LL * 1024 * 1024, 60};
  OutputBufferLimit obuf_pubsub{32LL * 1024 * 1024, 8LL * 1024 * 1024, 60};
  int64_t maxmemory = 0;
  std::string maxmemory_policy = "noeviction";
  int64_t maxmemory_samples = 5;

  // Slow log / latency
  int64_t slowlog_log_slower_than = 10000;
  int64_t slowlog_max_len = 128;
  int64_t latency_monitor_threshold = 0;
  std::string notify_keyspace_events;

  // Snapshotting
  std::vector<SavePoint> save_points = {{3600, 1}, {300, 100}, {60, 10000}};
  bool stop_writes_on_bgsave_error = true;
  bool rdbcompression = true;
  bool rdbchecksum = true;
  std::string dbfilename = "dump.rdb";
  std::string dir = "./";  // CONFIG GET dir prints the absolute cwd
  bool rdb_del_sync_files = false;

  // Append only file
  bool appendonly = false;
  std::string appendfilename = "appendonly.aof";
  std::string appenddirname = "appendonlydir";
  std::string appendfsync = "everysec";
  bool no_appendfsync_on_rewrite = false;
  int64_t auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64LL * 1024 * 1024;
  bool aof_load_truncated = true;
  bool aof_use_rdb_preamble = true;
  bool aof_timestamp_enabled = false;

  // Replication
  std::string replicaof_host;  // empty = master
  int64_t replicaof_port = 0;
  std::string masterauth;
  std::string masteruser;
  bool replica_serve_stale_data = true;
  bool replica_read_only = true;
  bool repl_diskless_sync = true;
  int64_t repl_diskless_sync_delay = 5;
  int64_t repl_diskless_sync_max_replicas = 0;
  std::string repl_diskless_load = "disabled";
  int64_t repl_ping_replica_period = 10;
  int64_t repl_timeout = 60;
  bool repl_disable_tcp_nodelay = false;
  int64_t repl_backlog_size = 1024 * 1024;
  int64_t repl_backlog_ttl = 3600;
  int64_t replica_priority = 100;
  bool replica_announced = true;
  std::string replica_announce_ip;
  int64_t replica_announce_port = 0;
  int64_t min_replicas_to_write = 0;
  int64_t min_replicas_max_lag = 10;
  bool replica_lazy_flush = false;

  // Lazy freeing
  bool lazyfree_lazy_eviction = false;
  bool lazyfree_lazy_expire = false;
  bool lazyfree_lazy_server_del = false;
  bool lazyfree_lazy_user_del = false;
  bool lazyfree_lazy_user_flush = false;

  // Encodings (data-types issue)
  int64_t hash_max_listpack_entries = 512;  // Redis 7.0's built-in default (redis.conf says 512)
  int64_t hash_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;
  int64_t list_compress_depth = 0;
  int64_t set_max_intset_entries = 512;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t hll_sparse_max_bytes = 3000;
  int64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;
  bool activerehashing = true;
  bool activedefrag = false;
  bool jemalloc_bg_thread = true;

  // Scripting / cluster (accepted, later stages)
  int64_t lua_time_limit = 5000;
  bool cluster_enabled = false;
  std::string cluster_config_file = "nodes.conf";
  int64_t cluster_node_timeout = 15000;

  // Parameters of Redis 7.0 without a typed field above: validated, stored,
  // shown by CONFIG GET and rewritten, but not acted on (kAcceptOnly).
  // Keyed by canonical name; std::map keeps the addresses the registry's
  // bindings point to stable.
  std::map<std::string, int64_t> accepted_ints;
  std::map<std::string, bool> accepted_bools;
  std::map<std::string, std::string> accepted_strings;
  // Redis's protected-config switches (immutable, "no" by default).
  std::string enable_protected_configs = "no";
  std::string enable_debug_command = "no";
  std::string enable_module_command = "no";

  // Directives that are not CONFIG parameters in Redis either, as split:
  // user ..., loadmodule ..., module configs (name.with.dot value).
  // Deprecated no-op directives (list-max-ziplist-entries ...) are dropped.
  std::vector<std::vector<std::string>> other_directives;
};

// Registers every parameter of `cfg` in `registry`. `cfg` must outlive it.
// Also installs the fallback for non-parameter directives (rename-command,
// user, loadmodule, module configs, sentinel) and the protected-config
// policy. Loading `dir` chdir()s at once, as Redis does.
void RegisterServerConfig(ServerConfig* cfg, config::Registry* registry);

// The checks and adjustments Redis makes once the whole configuration is
// read: hz clamped to 1..500, the log file must be openable, no replicaof in
// cluster mode. Returns the error to print as FATAL CONFIG FILE ERROR (no
// file location, as Redis prints none for these).
std::optional<config::ConfigError> FinishServerConfig(ServerConfig* cfg);

// notify-keyspace-events as flags (Redis's NOTIFY_* bits) and back; the
// string form is the one CONFIG GET prints ("AKE", "g$xK"). nullopt for a
// character outside "Ag$lshzxeKEtmdn".
enum KeyspaceEventFlags : int {
  kNotifyKeyspace = 1 << 0,  // K
  kNotifyKeyevent = 1 << 1,  // E
  kNotifyGeneric = 1 << 2,   // g
  kNotifyString = 1 << 3,    // $
  kNotifyList = 1 << 4,      // l
  kNotifySet = 1 << 5,       // s
  kNotifyHash = 1 << 6,      // h
  kNotifyZset = 1 << 7,      // z
  kNotifyExpired = 1 << 8,   // x
  kNotifyEvicted = 1 << 9,   // e
  kNotifyStream = 1 << 10,   // t
  kNotifyKeyMiss = 1 << 11,  // m (not part of A)
  kNotifyModule = 1 << 12,   // d
  kNotifyNew = 1 << 13,      // n (not part of A)
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
               kNotifyZset | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};
std::optional<int> ParseKeyspaceEvents(std::string_view classes);
std::string KeyspaceEventsToString(int flags);

}  // namespace vigil::server

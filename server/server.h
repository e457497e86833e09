// The server: owns the io_context, the listeners, the databases, the config
// and the clients, and runs the periodic cron (active expiry, idle timeouts).
// Everything runs on one thread; commands execute one at a time.
#pragma once

#include <utility>  // Boost 1.74 asio needs std::exchange declared first (GCC 12)

#include <boost/asio.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/registry.h"
#include "common/resp/parser.h"
#include "server/blocking.h"
#include "server/command_table.h"
#include "server/persistence/persistence.h"
#include "server/connection.h"
#include "server/db/database.h"
#include "server/config/server_config.h"
#include "server/eviction.h"
#include "server/pubsub.h"
#include "server/replication/replication.h"

namespace vigil::server {

// Per-command counters for INFO commandstats.
struct CommandStats {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
};

struct SlowlogEntry {
  uint64_t id = 0;
  int64_t unix_time = 0;
  int64_t duration_us = 0;
  std::vector<std::string> args;  // already trimmed as Redis does
  std::string peer;
  std::string client_name;
};

// Redis's trackInstantaneousMetric: the growth rate of a counter per second,
// the mean of its last 16 samples (one per 100 ms cron tick).
struct InstantaneousMetric {
  void Track(uint64_t reading, int64_t now_ms);
  double PerSecond() const;

  static constexpr size_t kSamples = 16;
  int64_t last_sample_ms = 0;
  uint64_t last_reading = 0;
  std::array<double, kSamples> samples{};
  size_t next = 0;
};

// Counters for INFO (CONFIG RESETSTAT zeroes them all). The methods are in
// server/commands/info_util.cc, beside the INFO code that reads them.
struct ServerStats {
  uint64_t total_connections_received = 0;
  uint64_t total_commands_processed = 0;
  uint64_t rejected_connections = 0;
  uint64_t expired_keys = 0;
  uint64_t evicted_keys = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
  // Replication traffic, kept out of the two above as Redis does: what a
  // replica reads from its master (RDB and stream), what a master writes to
  // its replicas.
  uint64_t total_net_repl_input_bytes = 0;
  uint64_t total_net_repl_output_bytes = 0;
  uint64_t total_reads_processed = 0;   // socket reads
  uint64_t total_writes_processed = 0;  // socket writes
  uint64_t total_forks = 0;
  int64_t latest_fork_usec = 0;
  uint64_t total_error_replies = 0;
  uint64_t unexpected_error_replies = 0;  // errors answered to our master's stream
  std::map<std::string, uint64_t> error_counts;  // INFO errorstats, by error prefix
  InstantaneousMetric inst_ops, inst_net_input, inst_net_output, inst_net_repl_input,
      inst_net_repl_output;

  // An error reply was sent; `error` is its text without the leading '-'.
  // Counted under its first word ("ERR", "WRONGTYPE"), looked for in the first
  // 32 bytes, else "ERR", as Redis 7's afterErrorReply.
  void RecordErrorReply(std::string_view error, bool to_master = false);
  // A read lookup of a key (Redis's lookupKeyRead*): keyspace_hits/misses.
  void RecordLookup(bool hit) { ++(hit ? keyspace_hits : keyspace_misses); }
  // A fork() for a background job took `usec` microseconds.
  void RecordFork(int64_t usec) {
    ++total_forks;
    latest_fork_usec = usec;
  }
  // Once per cron tick: the instantaneous_* samples (every 100 ms) and the
  // memory peak (process-wide, kept across CONFIG RESETSTAT as in Redis).
  void CronSample(int64_t now_ms);
};

// Redis's protected mode: with no password and no explicit bind, only
// loopback clients are served.
bool ProtectedModeRefuses(const ServerConfig& cfg, bool peer_is_loopback);

class Server {
 public:
  Server(ServerConfig* config, config::Registry* registry, std::string config_file);
  ~Server();

  // Binds every address of `bind`; false (with the reason logged) if none could be bound.
  bool Listen();
  void Run();
  void Shutdown();

  // Runs one parsed command for `client`, appending the reply to `writer`:
  // the checks Redis's processCommand makes (unknown command, arity, auth,
  // RESP2 subscribed mode), then MULTI queueing or Call.
  void Dispatch(Client& client, const std::vector<std::string>& args, resp::Writer& writer);
  // Runs a command that passed the checks (EXEC runs its queue through it)
  // and does the bookkeeping: commandstats, slowlog, MONITOR feed.
  void Call(Client& client, const ResolvedCommand& cmd, const std::vector<std::string>& args,
            resp::Writer& writer, bool may_block);

  void AddClient(std::shared_ptr<Client> c);
  void RemoveClient(uint64_t id);
  void AddMonitor(uint64_t id) { monitors_.push_back(id); }
  void RemoveMonitor(uint64_t id) { std::erase(monitors_, id); }
  // RESET: leaves MONITOR, MULTI (and WATCH) and every subscription.
  void ResetClientState(Client& client);

  // Pub/sub. Publish returns the number of clients that received the message.
  PubSub& pubsub() { return pubsub_; }
  // With `shard`, SPUBLISH: only the channel's shard subscribers receive it.
  int64_t Publish(std::string_view channel, std::string_view message, bool shard = false);
  // Drops every channel and pattern subscription of `client`, with no reply.
  void UnsubscribeAll(Client& client);

  // Transactions (server/commands/transactions.cc drives these).
  void Watch(Client& client, std::string_view key);
  void UnwatchAll(Client& client);
  // Redis 7.0's isWatchedKeyExpired: a watched key whose TTL passed since
  // WATCH (even if nobody touched it yet) fails the EXEC.
  bool WatchedKeyExpired(const Client& client);
  // Leaves MULTI, dropping the queue and the watched keys.
  void DiscardTransaction(Client& client);
  // FLUSHDB/FLUSHALL/SWAPDB: every client watching a key of `db` that exists
  // there (or in `replaced_with`, the DB swapped in; -1 for none) fails.
  void TouchAllWatchedKeysInDb(int db, int replaced_with = -1);
  const std::map<uint64_t, std::shared_ptr<Client>>& clients() const { return clients_; }

  Database& db(int index) { return dbs_[index]; }
  std::vector<Database>& dbs() { return dbs_; }
  ServerConfig& config() { return *config_; }
  config::Registry& registry() { return *registry_; }
  const std::string& config_file() const { return config_file_; }
  const CommandTable& commands() const { return table_; }
  ServerStats& stats() { return stats_; }
  std::map<std::string, CommandStats>& command_stats() { return command_stats_; }
  std::deque<SlowlogEntry>& slowlog() { return slowlog_; }
  void ResetStats();

  // Key-change hooks (CommandContext::KeyModified/Notify/KeyReady call these).
  // WATCH invalidation and the dirty counter.
  void SignalModifiedKey(int db, std::string_view key);
  // Publishes __keyspace@<db>__:<key> / __keyevent@<db>__:<event> as
  // notify-keyspace-events asks.
  void NotifyKeyspaceEvent(int event_class, std::string_view event, std::string_view key, int db);
  void SignalKeyAsReady(int db, std::string_view key) { blocking_.SignalKeyAsReady(db, key); }
  // A key `db` no longer holds because maxmemory evicted it: stats, the DEL
  // for replicas and the AOF, the "evicted" event, WATCH.
  void OnKeyEvicted(int db, std::string_view key);
  Evictor& evictor() { return *evictor_; }
  Blocking& blocking() { return blocking_; }
  // Adds a slowlog entry if the command took slowlog-log-slower-than or more.
  void RecordSlowlog(Client& client, const std::vector<std::string>& args, int64_t duration_us);
  // Changes since the last save (save points, INFO rdb_changes_since_last_save).
  uint64_t dirty() const { return dirty_; }
  // A snapshot covering `n` changes finished: they no longer count.
  void sub_dirty(uint64_t n) { dirty_ -= std::min(dirty_, n); }
  Persistence& persistence() { return *persistence_; }
  Replication& replication() { return *replication_; }
  uint64_t NextClientId() { return next_client_id_++; }
  // True while EXEC runs its queue (background saves wait until it ends).
  bool in_exec() const { return exec_propagating_; }
  // Runs one command of our master's replication stream on the master
  // client: no reply, keys past their TTL still visible (the master sends
  // the DEL), never blocking.
  void ApplyFromMaster(Client& master, const std::vector<std::string>& args);

  // CLIENT PAUSE and FAILOVER: while paused, the commands a pause covers
  // (writes, or everything) are parked and run when it ends; keys past
  // their TTL are not deleted meanwhile, so the dataset and the replication
  // offset stand still. Replicas and our master's stream are never paused.
  enum class PauseMode { kNone, kWrite, kAll };
  // CLIENT PAUSE: until `until_ms` (monotonic).
  void PauseClients(PauseMode mode, int64_t until_ms);
  // FAILOVER holds a write pause of its own, independent of CLIENT PAUSE.
  void SetFailoverPause(bool on);
  void UnpauseClients();
  PauseMode pause_mode() const;
  // Loads the dataset at startup (AOF or RDB); an error means "exit".
  Status LoadData();
  // rename-command lines naming unknown commands (a fatal config error).
  Status CheckRenames() const;
  // If the AOF has data the client's replies depend on, queues the client and
  // (once per event-loop turn) writes the AOF, then flushes every queued
  // client; returns true when the client was queued.
  bool DeferUntilAofWritten(Client& client);
  // SHUTDOWN [SAVE|NOSAVE]: persists as asked, then stops the loop. An error
  // (the final save failed) leaves the server running, as Redis does.
  Status ShutdownWithSave(bool save, bool nosave);
  // Sends a command's effect to the AOF (and later the replicas): what the
  // handler asked for (PropagateAs), else the command itself if it changed
  // the dataset. Called after each command, and for blocked commands served.
  void Propagate(CommandContext& ctx, uint64_t dirty_before);
  void add_dirty(uint64_t n) { dirty_ += n; }
  const std::string& run_id() const { return run_id_; }
  int64_t start_ms() const { return start_ms_; }
  boost::asio::io_context& io() { return io_; }
  resp::ParserLimits ParserLimitsFor(const Client& c) const;
  bool RequiresAuth() const { return !config_->requirepass.empty(); }

 private:
  void Accept(boost::asio::ip::tcp::acceptor& acceptor);
  void ScheduleCron();
  void ArmSignals();
  void Cron();

  // The checks of Dispatch; each returns false after answering the error.
  bool Resolve(Client& client, const std::vector<std::string>& args, resp::Writer& writer,
               ResolvedCommand* out);
  bool CheckContext(Client& client, const ResolvedCommand& cmd,
                    const std::vector<std::string>& args, resp::Writer& writer);
  // Redis's rejectCommand: the error, the transaction flagged, and for EXEC
  // the whole transaction discarded with EXECABORT.
  void Reject(Client& client, const ResolvedCommand* cmd, const std::vector<std::string>& args,
              resp::Writer& writer, std::string_view error);
  void TouchWatchedKey(int db, std::string_view key, bool key_gone);
  void TouchWatcher(uint64_t id, int db, std::string_view key, bool key_gone);
  void OnKeyExpired(int db, std::string_view key);
  void PropagateDeletion(int db, std::string_view key);
  int NotifyFlags();

  ServerConfig* config_;
  config::Registry* registry_;
  std::string config_file_;
  boost::asio::io_context io_{1};
  boost::asio::signal_set signals_{io_, SIGINT, SIGTERM};
  boost::asio::steady_timer cron_timer_{io_};
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::map<uint64_t, std::shared_ptr<Client>> clients_;
  std::vector<Database> dbs_;
  // WATCH index: per DB, key -> ids of the clients watching it.
  std::vector<std::map<std::string, std::vector<uint64_t>, std::less<>>> watched_keys_;
  PubSub pubsub_;
  // notify-keyspace-events parsed once per change of the config string.
  std::string notify_config_seen_;
  int notify_flags_ = 0;
  Blocking blocking_{*this};
  std::unique_ptr<Evictor> evictor_;
  std::unique_ptr<Persistence> persistence_;
  std::unique_ptr<Replication> replication_;
  std::string master_reply_sink_;  // replies to the master's stream, dropped
  struct Postponed {
    std::weak_ptr<Client> client;
    std::vector<std::string> args;
  };
  bool Postpone(Client& client, const ResolvedCommand& cmd, const std::vector<std::string>& args);
  void ResumePaused();
  PauseMode client_pause_ = PauseMode::kNone;
  int64_t client_pause_until_ms_ = 0;
  bool failover_pause_ = false;
  std::vector<Postponed> postponed_;
  std::vector<std::weak_ptr<Client>> aof_waiters_;
  bool aof_flush_posted_ = false;
  std::vector<std::string> rename_errors_;
  bool exec_propagating_ = false;  // inside EXEC: its effects are gathered
  std::vector<std::pair<int, std::vector<std::string>>> exec_effects_;
  void FeedEffect(const Client& client, int db, const std::vector<std::string>& cmd);
  void FeedExecEffects(const Client& client);
  uint64_t dirty_ = 0;
  int dispatch_depth_ = 0;  // > 0 while a command runs (EXEC runs others inside)
  CommandTable table_;
  ServerStats stats_;
  std::map<std::string, CommandStats> command_stats_;
  std::deque<SlowlogEntry> slowlog_;
  std::vector<uint64_t> monitors_;  // client ids in MONITOR mode
  void FeedMonitors(const Client& client, const std::vector<std::string>& args, int64_t unix_us);
  uint64_t next_slowlog_id_ = 0;
  uint64_t next_client_id_ = 1;
  std::string run_id_;
  int64_t start_ms_;
};

}  // namespace vigil::server

// The server: owns the io_context, the listeners, the databases, the config
// and the clients, and runs the periodic cron (active expiry, idle timeouts).
// Everything runs on one thread; commands execute one at a time.
#pragma once

#include <utility>  // Boost 1.74 asio needs std::exchange declared first (GCC 12)

#include <boost/asio.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/config/registry.h"
#include "common/resp/parser.h"
#include "server/blocking.h"
#include "server/command_table.h"
#include "server/db/database.h"
#include "server/config/server_config.h"

namespace vigil::server {

class Client;

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

struct ServerStats {
  uint64_t total_connections_received = 0;
  uint64_t total_commands_processed = 0;
  uint64_t rejected_connections = 0;
  uint64_t expired_keys = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
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

  // Runs one parsed command for `client`, appending the reply to `writer`.
  void Dispatch(Client& client, const std::vector<std::string>& args, resp::Writer& writer);

  void AddClient(std::shared_ptr<Client> c);
  void RemoveClient(uint64_t id);
  void AddMonitor(uint64_t id) { monitors_.push_back(id); }
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
  Blocking& blocking() { return blocking_; }
  // Changes since the last save (save points, INFO rdb_changes_since_last_save).
  uint64_t dirty() const { return dirty_; }
  void add_dirty(uint64_t n) { dirty_ += n; }
  const std::string& run_id() const { return run_id_; }
  int64_t start_ms() const { return start_ms_; }
  boost::asio::io_context& io() { return io_; }
  resp::ParserLimits ParserLimitsFor(const Client& c) const;
  bool RequiresAuth() const { return !config_->requirepass.empty(); }

 private:
  void Accept(boost::asio::ip::tcp::acceptor& acceptor);
  void ScheduleCron();
  void Cron();

  ServerConfig* config_;
  config::Registry* registry_;
  std::string config_file_;
  boost::asio::io_context io_{1};
  boost::asio::signal_set signals_{io_, SIGINT, SIGTERM};
  boost::asio::steady_timer cron_timer_{io_};
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::map<uint64_t, std::shared_ptr<Client>> clients_;
  std::vector<Database> dbs_;
  Blocking blocking_{*this};
  uint64_t dirty_ = 0;
  int dispatch_depth_ = 0;  // > 0 while a command runs (EXEC runs others inside)
  CommandTable table_;
  ServerStats stats_;
  std::map<std::string, CommandStats> command_stats_;
  std::deque<SlowlogEntry> slowlog_;
  std::vector<uint64_t> monitors_;  // client ids in MONITOR mode
  void FeedMonitors(const Client& client, const std::vector<std::string>& args, int64_t unix_us);
  uint64_t next_slowlog_id_ = 0;
  void RecordSlowlog(Client& client, const std::vector<std::string>& args, int64_t duration_us);
  uint64_t next_client_id_ = 1;
  std::string run_id_;
  int64_t start_ms_;
};

}  // namespace vigil::server

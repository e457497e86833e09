#include "server/server.h"

#include <spdlog/spdlog.h>

#include <random>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/connection.h"
#include "server/errors.h"

namespace vigil::server {

namespace asio = boost::asio;

namespace {

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ UnixUs());
  static const char* kHex = "0123456789abcdef";
  std::string s(n, '0');
  for (auto& c : s) c = kHex[gen() & 15];
  return s;
}

constexpr std::string_view kDeniedProtected =
    "DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from "
    "the loopback interface. If you want to connect from external computers to Redis you may "
    "adopt one of the following solutions: 1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from "
    "the same host the server is running, however MAKE SURE Redis is not publicly accessible "
    "from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
    "Alternatively you can just disable the protected mode by editing the Redis configuration "
    "file, and setting the protected mode option to 'no', and then restarting the server. 3) "
    "If you started the server manually just for testing, restart it with the "
    "'--protected-mode no' option. 4) Set up an authentication password for the default user. "
    "NOTE: You only need to do one of the above things in order for the server to start "
    "accepting connections from the outside.";

// Quotes an argument for the unknown-command message, as Redis does: cut at
// 128 characters, CR/LF shown as spaces.
std::string UnknownArg(std::string_view a) {
  std::string s(a.substr(0, 128));
  for (char& c : s)
    if (c == '\r' || c == '\n') c = ' ';
  return s;
}

}  // namespace

bool ProtectedModeRefuses(const ServerConfig& cfg, bool peer_is_loopback) {
  return cfg.protected_mode && !cfg.bind_explicit && cfg.requirepass.empty() && !peer_is_loopback;
}

Database& CommandContext::db() { return server.db(client.db_index()); }

void CommandContext::KeyModified(std::string_view key) {
  server.SignalModifiedKey(client.db_index(), key);
}

void CommandContext::Notify(int event_class, std::string_view event, std::string_view key) {
  server.NotifyKeyspaceEvent(event_class, event, key, client.db_index());
}

void CommandContext::KeyReady(std::string_view key) {
  server.SignalKeyAsReady(client.db_index(), key);
}

void Server::SignalModifiedKey(int db, std::string_view key) {
  ++dirty_;
  // WATCH invalidation joins with transactions.
}

void Server::NotifyKeyspaceEvent(int event_class, std::string_view event, std::string_view key,
                                 int db) {
  // Joins with pub/sub.
}

Server::Server(ServerConfig* config, config::Registry* registry, std::string config_file)
    : config_(config),
      registry_(registry),
      config_file_(std::move(config_file)),
      run_id_(RandomHex(40)),
      start_ms_(MonotonicMs()) {
  dbs_.resize(static_cast<size_t>(config_->databases));
  RegisterAllCommands(table_);
}

Server::~Server() = default;

resp::ParserLimits Server::ParserLimitsFor(const Client& c) const {
  resp::ParserLimits l;
  l.max_bulk_len = config_->proto_max_bulk_len;
  l.unauthenticated = !c.authenticated();
  return l;
}

bool Server::Listen() {
  bool any = false;
  for (const auto& raw : config_->bind) {
    bool optional = !raw.empty() && raw[0] == '-';
    std::string addr = optional ? raw.substr(1) : raw;
    if (addr == "*") addr = "0.0.0.0";
    if (addr == "::*") addr = "::";
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(addr, ec);
    if (ec) {
      spdlog::warn("Invalid bind address '{}'", raw);
      if (!optional) return false;
      continue;
    }
    auto acc = std::make_unique<asio::ip::tcp::acceptor>(io_);
    asio::ip::tcp::endpoint ep(ip, static_cast<uint16_t>(config_->port));
    acc->open(ep.protocol(), ec);
    if (!ec) acc->set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec && ip.is_v6()) acc->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acc->bind(ep, ec);
    if (!ec) acc->listen(static_cast<int>(config_->tcp_backlog), ec);
    if (ec) {
      if (optional && (ec == boost::system::errc::address_not_available ||
                       ec == boost::system::errc::address_family_not_supported)) {
        continue;  // '-' prefix: skip addresses this host does not have
      }
      spdlog::warn("Warning: Could not create server TCP listening socket {}:{}: {}", addr,
                   config_->port, ec.message());
      return false;
    }
    Accept(*acc);
    acceptors_.push_back(std::move(acc));
    any = true;
  }
  if (!any) spdlog::warn("Failed listening on port {} (tcp), aborting.", config_->port);
  return any;
}

void Server::Accept(asio::ip::tcp::acceptor& acceptor) {
  acceptor.async_accept([this, &acceptor](const boost::system::error_code& ec,
                                          asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      ++stats_.total_connections_received;
      auto client = std::make_shared<Client>(*this, std::move(socket), next_client_id_++);
      std::string_view refuse;
      if (static_cast<int64_t>(clients_.size()) >= config_->maxclients) {
        refuse = errors::kMaxClients;
        ++stats_.rejected_connections;
      } else if (ProtectedModeRefuses(*config_, client->peer_is_loopback())) {
        refuse = kDeniedProtected;
      }
      AddClient(client);
      if (!refuse.empty()) {
        client->Reject(refuse);
      } else {
        client->Start();
      }
    }
    Accept(acceptor);
  });
}

void Server::AddClient(std::shared_ptr<Client> c) { clients_[c->id()] = std::move(c); }

void Server::RemoveClient(uint64_t id) {
  blocking_.Unblock(id, false);
  clients_.erase(id);
  std::erase(monitors_, id);
}

// Sends `+<unix.micro> [db addr] "cmd" "arg" ...` to every MONITOR client, in
// Redis's format (arguments quoted as sdscatrepr does).
void Server::FeedMonitors(const Client& client, const std::vector<std::string>& args,
                          int64_t unix_us) {
  char ts[64];
  std::snprintf(ts, sizeof(ts), "+%lld.%06lld [%d %s]", static_cast<long long>(unix_us / 1000000),
                static_cast<long long>(unix_us % 1000000), client.db_index(),
                client.peer().c_str());
  std::string line = ts;
  for (const auto& a : args) {
    line += ' ';
    line += QuoteRepr(a);
  }
  line += "\r\n";
  for (uint64_t id : monitors_) {
    auto it = clients_.find(id);
    if (it != clients_.end() && it->second.get() != &client) it->second->Push(line);
  }
}

void Server::Dispatch(Client& client, const std::vector<std::string>& args,
                      resp::Writer& writer) {
  if (args.empty()) return;
  const CommandSpec* spec = table_.Find(args[0]);
  if (spec == nullptr) {
    std::string msg = "ERR unknown command '" + UnknownArg(args[0]) +
                      "', with args beginning with: ";
    for (size_t i = 1; i < args.size() && msg.size() < 128 + 60; ++i)
      msg += "'" + UnknownArg(args[i]) + "' ";
    writer.Error(msg);
    return;
  }
  const CommandSpec* run = spec;
  std::string full_name = spec->name;
  if (!spec->subcommands.empty() && args.size() >= 2) {
    std::string sub = ToLower(args[1]);
    for (const auto& s : spec->subcommands) {
      if (s.name == sub) {
        run = &s;
        full_name = spec->name + "|" + sub;
        break;
      }
    }
  }
  int argc = static_cast<int>(args.size());
  if ((run->arity > 0 && argc != run->arity) || (run->arity < 0 && argc < -run->arity)) {
    ++command_stats_[full_name].rejected_calls;
    writer.Error(errors::WrongArity(full_name));
    return;
  }
  if (!client.authenticated() && !(run->flags & kCmdNoAuth)) {
    ++command_stats_[full_name].rejected_calls;
    writer.Error(errors::kNoAuth);
    return;
  }
  ++stats_.total_commands_processed;
  CommandContext ctx{*this, client, args, writer, *run};
  const size_t reply_start = writer.buffer()->size();
  const int64_t start_us = MonotonicUs();
  if (!monitors_.empty() && !((run->flags | spec->flags) & (kCmdAdmin | kCmdSkipMonitor)))
    FeedMonitors(client, args, UnixUs());
  ++dispatch_depth_;
  run->handler(ctx);
  --dispatch_depth_;
  const int64_t duration = MonotonicUs() - start_us;
  auto& cs = command_stats_[full_name];
  ++cs.calls;
  cs.usec += static_cast<uint64_t>(duration);
  // A reply that begins with '-' means the command itself failed.
  const std::string& out = *writer.buffer();
  if (out.size() > reply_start && out[reply_start] == '-') ++cs.failed_calls;
  RecordSlowlog(client, args, duration);
  // Clients blocked on keys this command fed are served now, after it (and
  // after a whole EXEC), as Redis's handleClientsBlockedOnKeys does.
  if (dispatch_depth_ == 0 && blocking_.has_ready_keys()) blocking_.ServeReadyKeys();
}

void Server::RecordSlowlog(Client& client, const std::vector<std::string>& args,
                           int64_t duration_us) {
  const int64_t threshold = config_->slowlog_log_slower_than;
  if (threshold < 0 || duration_us < threshold) return;
  // Redis keeps at most 32 arguments (the last one says how many more) and
  // cuts each at 128 bytes, so a huge command cannot bloat the log.
  constexpr size_t kMaxArgs = 32, kMaxArgLen = 128;
  SlowlogEntry e;
  e.id = next_slowlog_id_++;
  e.unix_time = UnixMs() / 1000;
  e.duration_us = duration_us;
  size_t n = std::min(args.size(), kMaxArgs);
  for (size_t i = 0; i < n; ++i) {
    if (n == kMaxArgs && i == kMaxArgs - 1 && args.size() > kMaxArgs) {
      e.args.push_back("... (" + std::to_string(args.size() - kMaxArgs + 1) + " more arguments)");
    } else if (args[i].size() > kMaxArgLen) {
      e.args.push_back(args[i].substr(0, kMaxArgLen) + "... (" +
                       std::to_string(args[i].size() - kMaxArgLen) + " more bytes)");
    } else {
      e.args.push_back(args[i]);
    }
  }
  e.peer = client.peer();
  e.client_name = client.name();
  slowlog_.push_front(std::move(e));
  while (static_cast<int64_t>(slowlog_.size()) > std::max<int64_t>(0, config_->slowlog_max_len))
    slowlog_.pop_back();
}

void Server::ResetStats() {
  stats_ = ServerStats{};
  command_stats_.clear();
}

void Server::ScheduleCron() {
  int64_t hz = std::clamp<int64_t>(config_->hz, 1, 500);
  cron_timer_.expires_after(std::chrono::milliseconds(1000 / hz));
  cron_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    Cron();
    ScheduleCron();
  });
}

void Server::Cron() {
  // Active expiry: sample volatile keys and keep going while more than a
  // quarter of a sample was expired, within a small time budget per run
  // (Redis's ACTIVE_EXPIRE_CYCLE_* idea), so expired keys leave memory even
  // when nobody touches them.
  int64_t now = UnixMs();
  int64_t deadline = MonotonicUs() + 25000 / std::max<int64_t>(1, config_->hz / 10);
  for (auto& db : dbs_) {
    while (db.expires_size() > 0) {
      size_t removed = db.ExpireSample(20, now);
      stats_.expired_keys += removed;
      if (removed < 5 || MonotonicUs() > deadline) break;
    }
  }
  // Idle client timeout.
  if (config_->timeout > 0) {
    int64_t limit = MonotonicMs() - config_->timeout * 1000;
    std::vector<std::shared_ptr<Client>> idle;
    for (auto& [id, c] : clients_)
      if (c->last_interaction_ms() < limit) idle.push_back(c);
    for (auto& c : idle) c->Close();
  }
}

void Server::Run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::warn("Received {} scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
    Shutdown();
  });
  ScheduleCron();
  spdlog::info("Ready to accept connections");
  io_.run();
}

void Server::Shutdown() {
  spdlog::warn("User requested shutdown...");
  for (auto& a : acceptors_) {
    boost::system::error_code ec;
    a->close(ec);
  }
  std::vector<std::shared_ptr<Client>> all;
  for (auto& [id, c] : clients_) all.push_back(c);
  for (auto& c : all) c->Close();
  cron_timer_.cancel();
  signals_.cancel();
  spdlog::warn("Redis is now ready to exit, bye bye...");
  io_.stop();
}

}  // namespace vigil::server

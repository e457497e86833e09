#include "server/server.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

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

Object* CommandContext::LookupRead(std::string_view key, bool touch) {
  Object* o = touch ? db().Lookup(key, UnixMs()) : db().LookupNoTouch(key, UnixMs());
  server.stats().RecordLookup(o != nullptr);
  return o;
}

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
  TouchWatchedKey(db, key, /*key_gone=*/false);
}

int Server::NotifyFlags() {
  if (config_->notify_keyspace_events != notify_config_seen_) {
    notify_config_seen_ = config_->notify_keyspace_events;
    notify_flags_ = ParseKeyspaceEvents(notify_config_seen_).value_or(0);
  }
  return notify_flags_;
}

void Server::NotifyKeyspaceEvent(int event_class, std::string_view event, std::string_view key,
                                 int db) {
  const int flags = NotifyFlags();
  if (!(flags & event_class)) return;
  const std::string at = "@" + std::to_string(db) + "__:";
  if (flags & kNotifyKeyspace) Publish("__keyspace" + at + std::string(key), event);
  if (flags & kNotifyKeyevent) Publish("__keyevent" + at + std::string(event), key);
}

// Replicas and the AOF learn of an expiry or eviction as a DEL (a replica
// never expires or evicts keys on its own).
void Server::PropagateDeletion(int db, std::string_view key) {
  const std::vector<std::string> del = {"DEL", std::string(key)};
  persistence_->Feed(db, del);
  replication_->Feed(db, del);
}

// A key removed because its TTL passed (lazily or by the active cycle), as
// Redis's deleteExpiredKeyAndPropagate: notification, WATCH, stats.
void Server::OnKeyExpired(int db, std::string_view key) {
  ++stats_.expired_keys;
  PropagateDeletion(db, key);
  NotifyKeyspaceEvent(kNotifyExpired, "expired", key, db);
  TouchWatchedKey(db, key, /*key_gone=*/true);
}

void Server::OnKeyEvicted(int db, std::string_view key) {
  ++stats_.evicted_keys;
  PropagateDeletion(db, key);
  NotifyKeyspaceEvent(kNotifyEvicted, "evicted", key, db);
  TouchWatchedKey(db, key, /*key_gone=*/true);
}

Server::Server(ServerConfig* config, config::Registry* registry, std::string config_file)
    : config_(config),
      registry_(registry),
      config_file_(std::move(config_file)),
      run_id_(RandomHex(40)),
      start_ms_(MonotonicMs()) {
  dbs_.resize(static_cast<size_t>(config_->databases));
  watched_keys_.resize(dbs_.size());
  evictor_ = std::make_unique<Evictor>(*this);
  // CONFIG SET of these reaches the evictor and access tracking at once.
  if (registry_ != nullptr) {
    for (const char* name : {"maxmemory-policy", "lfu-log-factor", "lfu-decay-time"}) {
      registry_->AddApplyHook(name, [this] {
        evictor_->Refresh();
        return Status::Ok();
      });
    }
  }
  for (size_t i = 0; i < dbs_.size(); ++i) {
    dbs_[i].set_access_tracking(&evictor_->tracking());
    dbs_[i].set_on_expired(
        [this, db = static_cast<int>(i)](std::string_view key) { OnKeyExpired(db, key); });
    dbs_[i].set_on_new([this, db = static_cast<int>(i)](std::string_view key) {
      NotifyKeyspaceEvent(kNotifyNew, "new", key, db);
    });
  }
  RegisterAllCommands(table_);
  for (const auto& r : config_->rename_commands) {
    if (!table_.Rename(r[0], r[1])) rename_errors_.push_back(r[0]);
  }
  persistence_ = std::make_unique<Persistence>(*this);
  replication_ = std::make_unique<Replication>(*this);
}

Server::~Server() = default;

namespace {
bool RunsInsideMulti(std::string_view name);
}  // namespace

Status Server::CheckRenames() const {
  if (rename_errors_.empty()) return Status::Ok();
  return Status::Error("No such command in rename-command: '" + rename_errors_[0] + "'");
}

Status Server::LoadData() {
  // AOF replay runs each command through the dispatcher on a loading client
  // that may not block.
  auto loader = std::make_shared<Client>(*this, boost::asio::ip::tcp::socket(io_), 0);
  loader->set_authenticated(true);
  std::string sink;
  resp::Writer writer(&sink);
  return persistence_->Load([&](int db, const std::vector<std::string>& args) -> Status {
    loader->set_db_index(db);
    sink.clear();
    ResolvedCommand cmd;
    if (!Resolve(*loader, args, writer, &cmd) || !CheckContext(*loader, cmd, args, writer))
      return Status::Error("Unknown command '" + args[0] + "' reading the append only file");
    TransactionState& tx = loader->tx();
    if (tx.active && !RunsInsideMulti(cmd.spec->name)) {
      tx.queued.push_back({std::move(cmd), args});
      return Status::Ok();
    }
    Call(*loader, cmd, args, writer, /*may_block=*/false);
    return Status::Ok();
  });
}

bool Server::DeferUntilAofWritten(Client& client) {
  if (!persistence_->HasPendingAof()) return false;
  aof_waiters_.push_back(client.weak_from_this());
  if (!aof_flush_posted_) {
    aof_flush_posted_ = true;
    // Runs after the handlers already queued (other clients' reads in this
    // turn), so one write (+ fsync) covers all their commands. Under
    // appendfsync always it is posted twice: the first pass lands behind
    // the commands queued meanwhile, so one fsync covers them too (with a
    // single post every cycle split into two fsyncs). A write alone is
    // cheap, so everysec/no keep the shorter wait.
    auto flush = [this] {
      aof_flush_posted_ = false;
      persistence_->BeforeReply();
      std::vector<std::weak_ptr<Client>> waiters;
      waiters.swap(aof_waiters_);
      for (auto& w : waiters)
        if (auto c = w.lock()) c->FlushNow();
    };
    if (config_->appendfsync == "always") {
      boost::asio::post(io_, [this, flush] { boost::asio::post(io_, flush); });
    } else {
      boost::asio::post(io_, flush);
    }
  }
  return true;
}

Status Server::ShutdownWithSave(bool save, bool nosave) {
  VIGIL_RETURN_IF_ERROR(persistence_->Shutdown(save, nosave));
  Shutdown();
  return Status::Ok();
}

void Server::Propagate(CommandContext& ctx, uint64_t dirty_before) {
  std::vector<const std::vector<std::string>*> out;
  if (ctx.propagate_override) {
    for (const auto& cmd : ctx.propagate_as) out.push_back(&cmd);
  } else if (dirty_ != dirty_before && (ctx.spec.flags & kCmdWrite)) {
    out.push_back(&ctx.args);
  }
  if (out.empty()) return;
  // Our master's commands reach our replicas as the raw stream (see
  // MasterLink); only the AOF is fed here.
  const int db = ctx.client.db_index();
  for (const auto* cmd : out) {
    if (exec_propagating_) {
      exec_effects_.emplace_back(db, *cmd);
    } else {
      FeedEffect(ctx.client, db, *cmd);
    }
  }
}

void Server::FeedEffect(const Client& client, int db, const std::vector<std::string>& cmd) {
  persistence_->Feed(db, cmd);
  // Our master's commands reach our replicas as the raw stream (see
  // MasterLink); only the AOF is fed here.
  if (!client.is_master()) replication_->Feed(db, cmd);
}

// The effects of an EXEC go out as one MULTI/EXEC block, or bare when there
// is only one (as Redis 7.0 propagates).
void Server::FeedExecEffects(const Client& client) {
  std::vector<std::pair<int, std::vector<std::string>>> effects;
  effects.swap(exec_effects_);
  if (effects.empty()) return;
  const bool wrap = effects.size() > 1;
  if (wrap) FeedEffect(client, effects.front().first, {"MULTI"});
  for (const auto& [db, cmd] : effects) FeedEffect(client, db, cmd);
  if (wrap) FeedEffect(client, effects.back().first, {"EXEC"});
}

Server::PauseMode Server::pause_mode() const {
  PauseMode m = failover_pause_ ? PauseMode::kWrite : PauseMode::kNone;
  if (client_pause_ != PauseMode::kNone && MonotonicMs() < client_pause_until_ms_)
    m = std::max(m, client_pause_);
  return m;
}

void Server::PauseClients(PauseMode mode, int64_t until_ms) {
  // A second CLIENT PAUSE can extend or widen a pause, never shorten it.
  if (pause_mode() == PauseMode::kNone || mode > client_pause_) client_pause_ = mode;
  client_pause_until_ms_ = std::max(client_pause_until_ms_, until_ms);
  for (auto& db : dbs_) {
    if (db.expiry_mode() == Database::ExpiryMode::kDelete)
      db.set_expiry_mode(Database::ExpiryMode::kHide);
  }
}

void Server::SetFailoverPause(bool on) {
  failover_pause_ = on;
  if (on) {
    PauseClients(PauseMode::kWrite, 0);
  } else {
    ResumePaused();
  }
}

void Server::UnpauseClients() {
  client_pause_ = PauseMode::kNone;
  client_pause_until_ms_ = 0;
  ResumePaused();
}

bool Server::Postpone(Client& client, const ResolvedCommand& cmd,
                      const std::vector<std::string>& args) {
  const PauseMode mode = pause_mode();
  if (mode == PauseMode::kNone || client.is_master() || client.is_replica()) return false;
  if (mode == PauseMode::kWrite) {
    bool writes = (cmd.run->flags & kCmdWrite) != 0;
    if (cmd.spec->name == "exec") {
      for (const auto& q : client.tx().queued) writes |= (q.cmd.run->flags & kCmdWrite) != 0;
    }
    if (!writes) return false;
  }
  client.set_blocked(true);
  postponed_.push_back({client.weak_from_this(), args});
  return true;
}

// The pause ended: expiry resumes, and parked commands run in arrival order
// through the whole dispatcher again (a replica now answers READONLY).
void Server::ResumePaused() {
  if (pause_mode() != PauseMode::kNone) return;
  if (!replication_->is_replica()) {
    for (auto& db : dbs_) db.set_expiry_mode(Database::ExpiryMode::kDelete);
  }
  std::vector<Postponed> parked;
  parked.swap(postponed_);
  for (auto& p : parked) {
    auto c = p.client.lock();
    if (!c || c->closed()) continue;
    c->set_blocked(false);
    Dispatch(*c, p.args, c->writer());
    if (!c->blocked()) c->Resume();
  }
}

void Server::ApplyFromMaster(Client& master, const std::vector<std::string>& args) {
  for (auto& db : dbs_) db.set_expiry_mode(Database::ExpiryMode::kKeep);
  master_reply_sink_.clear();
  resp::Writer sink(&master_reply_sink_);
  Dispatch(master, args, sink);
  for (auto& db : dbs_) db.set_expiry_mode(Database::ExpiryMode::kHide);
}

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
  replication_->OnClientClosed(id);
  auto it = clients_.find(id);
  if (it != clients_.end()) {
    UnsubscribeAll(*it->second);
    UnwatchAll(*it->second);
  }
  clients_.erase(id);
  std::erase(monitors_, id);
}

void Server::ResetClientState(Client& client) {
  if (client.is_monitor()) {
    client.set_monitor(false);
    RemoveMonitor(client.id());
  }
  DiscardTransaction(client);
  UnsubscribeAll(client);
}

int64_t Server::Publish(std::string_view channel, std::string_view message, bool shard) {
  int64_t receivers = 0;
  // Encoded once per protocol version, not once per subscriber.
  std::string frames[2];
  auto deliver = [&](uint64_t id, const auto& write) {
    auto it = clients_.find(id);
    if (it == clients_.end()) return;
    Client& c = *it->second;
    std::string& frame = frames[c.protocol() == 3 ? 1 : 0];
    if (frame.empty()) {
      resp::Writer w(&frame, c.protocol());
      write(w);
    }
    c.Push(frame);
    ++receivers;
  };
  // SPUBLISH reaches shard subscribers only; patterns never match them.
  if (shard) {
    if (const auto* ids = pubsub_.ShardSubscribers(channel)) {
      for (uint64_t id : *ids)
        deliver(id, [&](resp::Writer& w) { WriteMessage(w, "smessage", channel, message); });
    }
    return receivers;
  }
  // Channel subscribers first, then pattern subscribers, as Redis does.
  if (const auto* ids = pubsub_.Subscribers(channel)) {
    for (uint64_t id : *ids) {
      deliver(id, [&](resp::Writer& w) { WriteMessage(w, "message", channel, message); });
    }
  }
  const std::string* frames_pattern = nullptr;
  pubsub_.ForEachPatternMatch(channel, [&](const std::string& pattern, uint64_t id) {
    if (frames_pattern != &pattern) {
      frames_pattern = &pattern;
      frames[0].clear();
      frames[1].clear();
    }
    deliver(id, [&](resp::Writer& w) { WritePatternMessage(w, pattern, channel, message); });
  });
  return receivers;
}

void Server::UnsubscribeAll(Client& client) {
  for (const auto& ch : client.channels()) pubsub_.Unsubscribe(ch, client.id());
  for (const auto& p : client.patterns()) pubsub_.PUnsubscribe(p, client.id());
  for (const auto& ch : client.shard_channels()) pubsub_.SUnsubscribe(ch, client.id());
  client.channels().clear();
  client.patterns().clear();
  client.shard_channels().clear();
}

void Server::Watch(Client& client, std::string_view key) {
  auto& watched = client.tx().watched;
  const int db = client.db_index();
  for (const auto& w : watched)
    if (w.db == db && w.key == key) return;
  auto& index = watched_keys_[static_cast<size_t>(db)];
  auto it = index.find(key);
  if (it == index.end()) it = index.emplace(std::string(key), std::vector<uint64_t>{}).first;
  it->second.push_back(client.id());
  watched.push_back({db, std::string(key), dbs_[db].IsExpired(key, UnixMs())});
}

void Server::UnwatchAll(Client& client) {
  for (const auto& w : client.tx().watched) {
    auto& index = watched_keys_[static_cast<size_t>(w.db)];
    auto it = index.find(w.key);
    if (it == index.end()) continue;
    std::erase(it->second, client.id());
    if (it->second.empty()) index.erase(it);
  }
  client.tx().watched.clear();
}

bool Server::WatchedKeyExpired(const Client& client) {
  const int64_t now = UnixMs();
  for (const auto& w : client.tx().watched) {
    if (!w.expired_when_watched && dbs_[w.db].IsExpired(w.key, now)) return true;
  }
  return false;
}

void Server::DiscardTransaction(Client& client) {
  UnwatchAll(client);
  client.tx() = TransactionState{};
}

// Marks client `id`, which watches `key` in `db`, dirty: its EXEC will
// fail. Not when the key had already expired when watched and is now gone:
// that is no logical change (Redis 7.0 just clears the watch's flag).
void Server::TouchWatcher(uint64_t id, int db, std::string_view key, bool key_gone) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  TransactionState& tx = it->second->tx();
  auto w = std::find_if(tx.watched.begin(), tx.watched.end(),
                        [&](const WatchedKey& k) { return k.db == db && k.key == key; });
  if (w == tx.watched.end()) return;  // already dirty through another key
  if (w->expired_when_watched && key_gone) {
    w->expired_when_watched = false;
    return;
  }
  tx.watch_touched = true;
  // Once dirty, nothing else the client watches matters.
  UnwatchAll(*it->second);
}

// Redis's touchWatchedKey. `key_gone`: the key is being removed by expiry
// (it is still in the table while the hook runs).
void Server::TouchWatchedKey(int db, std::string_view key, bool key_gone) {
  auto& index = watched_keys_[static_cast<size_t>(db)];
  if (index.empty()) return;
  auto it = index.find(key);
  if (it == index.end()) return;
  const bool gone = key_gone || dbs_[db].Peek(key) == nullptr;
  // Copied: a dirty client is unwatched, which edits this list.
  const std::vector<uint64_t> ids = it->second;
  for (uint64_t id : ids) TouchWatcher(id, db, key, gone);
}

void Server::TouchAllWatchedKeysInDb(int db, int replaced_with) {
  struct Touch {
    std::string key;
    uint64_t id;
    bool gone;
  };
  std::vector<Touch> touches;
  for (const auto& [key, ids] : watched_keys_[static_cast<size_t>(db)]) {
    const bool exists = dbs_[db].Peek(key) != nullptr;
    const bool exists_after = replaced_with >= 0 && dbs_[replaced_with].Peek(key) != nullptr;
    if (!exists && !exists_after) continue;
    for (uint64_t id : ids) touches.push_back({key, id, !exists_after});
  }
  for (const auto& t : touches) TouchWatcher(t.id, db, t.key, t.gone);
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

namespace {

// Commands a RESP2 client may run while subscribed.
bool AllowedWhileSubscribed(std::string_view name) {
  return name == "ping" || name == "subscribe" || name == "ssubscribe" ||
         name == "unsubscribe" || name == "sunsubscribe" || name == "psubscribe" ||
         name == "punsubscribe" || name == "quit" || name == "reset";
}

// Commands that run at once inside MULTI instead of being queued.
bool RunsInsideMulti(std::string_view name) {
  return name == "exec" || name == "discard" || name == "multi" || name == "watch" ||
         name == "quit" || name == "reset";
}

// What a client in MULTI may still run when out of memory (processCommand).
bool AllowedInMultiOnOom(std::string_view name) {
  return name == "exec" || name == "discard" || name == "quit" || name == "reset";
}

std::string WithoutErrPrefix(std::string_view error) {
  if (error.substr(0, 4) == "ERR ") error.remove_prefix(4);
  return std::string(error);
}

}  // namespace

void Server::Reject(Client& client, const ResolvedCommand* cmd,
                    const std::vector<std::string>& args, resp::Writer& writer,
                    std::string_view error) {
  if (client.tx().active) client.tx().aborted = true;
  if (cmd != nullptr) ++command_stats_[cmd->full_name].rejected_calls;
  const size_t reply_start = writer.buffer()->size();
  if (cmd != nullptr && cmd->spec->name == "exec") {
    // A rejected EXEC still ends the transaction (execCommandAbort).
    DiscardTransaction(client);
    writer.Error("EXECABORT Transaction discarded because of: " + WithoutErrPrefix(error));
    if (!monitors_.empty()) FeedMonitors(client, args, UnixUs());
  } else {
    writer.Error(error);
  }
  // Rejections count as error replies too (INFO errorstats), as in Redis 7.
  stats_.RecordErrorReply(std::string_view(*writer.buffer()).substr(reply_start + 1));
}

bool Server::Resolve(Client& client, const std::vector<std::string>& args, resp::Writer& writer,
                     ResolvedCommand* out) {
  const CommandSpec* spec = table_.Find(args[0]);
  if (spec == nullptr) {
    std::string msg = "ERR unknown command '" + UnknownArg(args[0]) +
                      "', with args beginning with: ";
    for (size_t i = 1; i < args.size() && msg.size() < 128 + 60; ++i)
      msg += "'" + UnknownArg(args[i]) + "' ";
    Reject(client, nullptr, args, writer, msg);
    return false;
  }
  out->spec = out->run = spec;
  out->full_name = spec->name;
  if (!spec->subcommands.empty() && args.size() >= 2) {
    if (const CommandSpec* sub = spec->FindSubcommand(args[1])) {
      out->run = sub;
      out->full_name = spec->name + "|" + sub->name;
      return true;
    }
    Reject(client, nullptr, args, writer,
           "ERR unknown subcommand '" + args[1].substr(0, 128) + "'. Try " + ToUpper(args[0]) +
               " HELP.");
    return false;
  }
  return true;
}

bool Server::CheckContext(Client& client, const ResolvedCommand& cmd,
                          const std::vector<std::string>& args, resp::Writer& writer) {
  const CommandSpec& run = *cmd.run;
  const int argc = static_cast<int>(args.size());
  if ((run.arity > 0 && argc != run.arity) || (run.arity < 0 && argc < -run.arity)) {
    Reject(client, &cmd, args, writer, errors::WrongArity(cmd.full_name));
    return false;
  }
  if (!client.authenticated() && !(run.flags & kCmdNoAuth)) {
    Reject(client, &cmd, args, writer, errors::kNoAuth);
    return false;
  }
  // DEBUG is a protected command (enable-debug-command, "no" by default).
  if (cmd.spec->name == "debug" && !client.is_master()) {
    const std::string& allow = config_->enable_debug_command;
    if (allow == "no" || (allow == "local" && !client.peer_is_loopback())) {
      Reject(client, &cmd, args, writer,
             "ERR DEBUG command not allowed. If the enable-debug-command option is set to "
             "\"local\", you can run it from a local connection, otherwise you need to set this "
             "option in the configuration file, and then restart the server.");
      return false;
    }
  }
  // maxmemory: evict first; if memory cannot be brought under the limit,
  // refuse what may grow it and anything a transaction would queue.
  if (config_->maxmemory > 0 && evictor_->Perform() == Evictor::Result::kFail &&
      !client.must_obey() &&
      ((run.flags & kCmdDenyOom) || (client.tx().active && !AllowedInMultiOnOom(cmd.spec->name)))) {
    Reject(client, &cmd, args, writer, "OOM command not allowed when used memory > 'maxmemory'.");
    return false;
  }
  // MISCONF: after a failed background save (or AOF write), writes, and
  // PING as Redis does, are refused until persistence works again.
  if (((run.flags & kCmdWrite) || cmd.spec->name == "ping") && !client.is_master()) {
    std::string refusal = persistence_->WriteRefusal();
    if (!refusal.empty()) {
      Reject(client, &cmd, args, writer, refusal);
      return false;
    }
  }
  // NOREPLICAS, READONLY, MASTERDOWN.
  if (std::string refusal =
          replication_->Refusal(client, run.flags | cmd.spec->flags, run.flags & kCmdWrite);
      !refusal.empty()) {
    Reject(client, &cmd, args, writer, refusal);
    return false;
  }
  if (client.tx().active && (run.flags & kCmdNoMulti)) {
    Reject(client, &cmd, args, writer, "ERR Command not allowed inside a transaction");
    return false;
  }
  // RESP3 clients may run anything while subscribed: pushes cannot be
  // mistaken for replies there.
  if (client.subscribed() && client.protocol() == 2 &&
      !AllowedWhileSubscribed(cmd.spec->name)) {
    Reject(client, &cmd, args, writer,
           "ERR Can't execute '" + cmd.full_name +
               "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
               "this context");
    return false;
  }
  return true;
}

void Server::Dispatch(Client& client, const std::vector<std::string>& args,
                      resp::Writer& writer) {
  if (args.empty()) return;
  ResolvedCommand cmd;
  if (!Resolve(client, args, writer, &cmd) || !CheckContext(client, cmd, args, writer)) return;
  if (Postpone(client, cmd, args)) return;
  TransactionState& tx = client.tx();
  if (tx.active && !RunsInsideMulti(cmd.spec->name)) {
    // A transaction that will fail anyway keeps no queue (as Redis).
    if (!tx.aborted && !tx.watch_touched) tx.queued.push_back({std::move(cmd), args});
    writer.SimpleString("QUEUED");
    return;
  }
  Call(client, cmd, args, writer, /*may_block=*/true);
  // Clients blocked on keys this command fed are served now, after it (and
  // after a whole EXEC), as Redis's handleClientsBlockedOnKeys does.
  if (dispatch_depth_ == 0 && blocking_.has_ready_keys()) blocking_.ServeReadyKeys();
}

void Server::Call(Client& client, const ResolvedCommand& cmd,
                  const std::vector<std::string>& args, resp::Writer& writer, bool may_block) {
  const CommandSpec& run = *cmd.run;
  ++stats_.total_commands_processed;
  CommandContext ctx{*this, client, args, writer, run};
  ctx.may_block = may_block && !client.is_master();
  const size_t reply_start = writer.buffer()->size();
  const int64_t start_us = MonotonicUs();
  const int64_t unix_us = monitors_.empty() ? 0 : UnixUs();
  const uint64_t dirty_before = dirty_;
  const bool is_exec = cmd.spec->name == "exec";
  if (is_exec) exec_propagating_ = true;
  ++dispatch_depth_;
  run.handler(ctx);
  --dispatch_depth_;
  // EXEC propagates through the commands it runs.
  if (is_exec) {
    exec_propagating_ = false;
    FeedExecEffects(client);
  } else {
    Propagate(ctx, dirty_before);
  }
  const int64_t duration = MonotonicUs() - start_us;
  auto& cs = command_stats_[cmd.full_name];
  ++cs.calls;
  cs.usec += static_cast<uint64_t>(duration);
  // A reply that begins with '-' means the command itself failed.
  const std::string& out = *writer.buffer();
  if (out.size() > reply_start && out[reply_start] == '-') {
    ++cs.failed_calls;
    stats_.RecordErrorReply(std::string_view(out).substr(reply_start + 1), client.is_master());
  }
  if (blocking_.IsBlocked(client.id())) {
    blocking_.NoteBlockedCallTime(client.id(), duration);  // logged when served
  } else if (cmd.spec->name != "exec") {  // EXEC is logged through its commands
    RecordSlowlog(client, args, duration);
  }
  // Fed after the command ran, as Redis 7.0's call(): a transaction shows as
  // MULTI, its commands, then EXEC.
  if (!monitors_.empty() && !((run.flags | cmd.spec->flags) & (kCmdAdmin | kCmdSkipMonitor)))
    FeedMonitors(client, args, unix_us);
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

void Server::ArmSignals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::warn("Received {} scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
    // A failed final save keeps the server up (and the data in memory).
    if (!ShutdownWithSave(false, false).ok()) ArmSignals();
  });
}

void Server::Cron() {
  stats_.CronSample(MonotonicMs());  // instantaneous_* and the memory peak
  persistence_->Cron();
  replication_->Cron();
  evictor_->Cron();  // the exact used_memory; evictions a command left undone
  if (!postponed_.empty() || client_pause_ != PauseMode::kNone) {
    if (pause_mode() == PauseMode::kNone) UnpauseClients();
  }
  // Active expiry: sample volatile keys and keep going while more than a
  // quarter of a sample was expired, within a small time budget per run
  // (Redis's ACTIVE_EXPIRE_CYCLE_* idea), so expired keys leave memory even
  // when nobody touches them.
  int64_t now = UnixMs();
  int64_t deadline = MonotonicUs() + 25000 / std::max<int64_t>(1, config_->hz / 10);
  // A replica waits for its master's DELs; a paused server deletes nothing.
  for (auto& db : dbs_) {
    if (replication_->is_replica() || pause_mode() != PauseMode::kNone) break;
    while (db.expires_size() > 0) {
      // Each removal reaches OnKeyExpired (stats, notification, WATCH).
      size_t removed = db.ExpireSample(20, now);
      if (removed < 5 || MonotonicUs() > deadline) break;
    }
  }
  // Idle client timeout.
  if (config_->timeout > 0) {
    int64_t limit = MonotonicMs() - config_->timeout * 1000;
    std::vector<std::shared_ptr<Client>> idle;
    for (auto& [id, c] : clients_) {
      if (c->is_replica() || c->is_master()) continue;  // replication has repl-timeout
      if (c->last_interaction_ms() < limit) idle.push_back(c);
    }
    for (auto& c : idle) c->Close();
  }
}

void Server::Run() {
  ArmSignals();
  ScheduleCron();
  spdlog::info("Ready to accept connections");
  replication_->Start();
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

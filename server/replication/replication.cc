#include "server/replication/replication.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/log/logging.h"
#include "common/resp/writer.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/command.h"
#include "server/connection.h"
#include "server/persistence/aof.h"
#include "server/errors.h"
#include "server/persistence/snapshot.h"
#include "server/replication/master_link.h"
#include "server/server.h"

namespace vigil::server {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kNullReplId = "0000000000000000000000000000000000000000";
// The relay stops reading the RDB pipe while this much is still unsent to
// the replica: the RDB streams at the replica's pace, not into our memory.
constexpr size_t kRelayHighWater = 4 * 1024 * 1024;

// Writes all of `data` to a blocking descriptor (the child's end of the
// RDB pipe).
bool WriteFully(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The body of the full-sync child: the RDB in the form the replica asked
// for. With capa eof it is streamed between two copies of a random 40-byte
// mark; otherwise its length must come first, so it goes to a temp file.
int RunSyncChild(int fd, const std::vector<Database>& dbs, const ServerConfig& cfg,
                 const RdbSaveInfo& info, bool eof_format) {
  if (eof_format) {
    const std::string mark = repl::RandomReplId();
    if (!WriteFully(fd, "$EOF:" + mark + "\r\n")) return 1;
    Status st = WriteRdb(dbs, cfg, info, [fd](std::string_view s) {
      return WriteFully(fd, s) ? Status::Ok() : Status::Error(std::strerror(errno));
    });
    if (!st.ok()) {
      spdlog::warn("Write error sending the RDB to the replica: {}", st.message());
      return 1;
    }
    return WriteFully(fd, mark) ? 0 : 1;
  }
  const std::string tmp = "temp-repl-" + std::to_string(getpid()) + ".rdb";
  Status st = WriteRdbFile(dbs, tmp, cfg, info);
  if (!st.ok()) {
    spdlog::warn("{}", st.message());
    return 1;
  }
  int in = open(tmp.c_str(), O_RDONLY);
  std::remove(tmp.c_str());
  if (in < 0) return 1;
  struct stat sb {};
  fstat(in, &sb);
  bool ok = WriteFully(fd, "$" + std::to_string(sb.st_size) + "\r\n");
  std::string buf(64 * 1024, '\0');
  ssize_t n;
  while (ok && (n = read(in, buf.data(), buf.size())) > 0)
    ok = WriteFully(fd, std::string_view(buf.data(), static_cast<size_t>(n)));
  close(in);
  return ok ? 0 : 1;
}

}  // namespace

Replication::Replication(Server& server) : server_(server), replid_(repl::RandomReplId()) {}

Replication::~Replication() {
  if (link_) link_->Stop();
  for (auto& [id, r] : replicas_) {
    if (r.child > 0) {
      kill(r.child, SIGKILL);
      waitpid(r.child, nullptr, 0);
    }
  }
}

void Replication::Start() {
  const ServerConfig& cfg = server_.config();
  if (!cfg.replicaof_host.empty()) SetMaster(cfg.replicaof_host, cfg.replicaof_port);
}

// ---------------------------------------------------------------------------
// The stream

size_t Replication::BacklogSize() const {
  // repl-backlog-size has Redis's 16kb floor.
  return static_cast<size_t>(std::max<int64_t>(server_.config().repl_backlog_size, 16 * 1024));
}

std::unique_ptr<repl::Backlog> Replication::NewBacklog(int64_t start_offset) const {
  return std::make_unique<repl::Backlog>(BacklogSize(), start_offset);
}

void Replication::ApplyBacklogSize() {
  if (backlog_ && backlog_->size() != BacklogSize()) backlog_->Resize(BacklogSize());
}

void Replication::EnsureBacklog() {
  if (backlog_) return;
  if (!is_replica()) {
    // A master starting a backlog from scratch starts a new history, as
    // Redis does: nobody can hold a prefix of it yet.
    replid_ = repl::RandomReplId();
    replid2_ = kNullReplId;
    second_offset_ = -1;
    spdlog::info("Replication backlog created, my new replication IDs are '{}' and '{}'", replid_,
                 replid2_);
  }
  backlog_ = NewBacklog(offset_);
}

void Replication::SendToReplica(Replica& r, std::string_view bytes) {
  auto c = r.client.lock();
  if (!c) return;
  if (r.state == ReplicaState::kOnline) {
    c->PushBatched(bytes);
  } else if (r.state == ReplicaState::kWaitBgsave) {
    r.held_stream.append(bytes);
  }
}

void Replication::Feed(int db, const std::vector<std::string>& args) {
  // Without a backlog nobody listens (no replica ever connected); a
  // replica's own stream is its master's, proxied by FeedFromMaster.
  if (!backlog_ || is_replica()) return;
  // The stream has the AOF's form: commands as a client sends them.
  std::string out;
  if (db >= 0 && db != seldb_) {
    aof::AppendCommand(&out, {"SELECT", std::to_string(db)});
    seldb_ = db;
  }
  aof::AppendCommand(&out, args);
  backlog_->Append(out);
  for (auto& [id, r] : replicas_) SendToReplica(r, out);
  CheckHeldStreams();
}

void Replication::FeedFromMaster(std::string_view bytes) {
  if (!backlog_) return;
  backlog_->Append(bytes);
  for (auto& [id, r] : replicas_) SendToReplica(r, bytes);
  CheckHeldStreams();
}

// The stream held for a replica still receiving its RDB counts against the
// replica output-buffer limit, as in Redis.
void Replication::CheckHeldStreams() {
  const OutputBufferLimit& limit = server_.config().obuf_replica;
  if (limit.hard <= 0) return;
  std::vector<uint64_t> over;
  for (auto& [id, r] : replicas_) {
    if (static_cast<int64_t>(r.held_stream.size()) >= limit.hard) over.push_back(id);
  }
  for (uint64_t id : over) {
    spdlog::warn("Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
                 ReplicaName(replicas_[id]));
    asio::post(server_.io(), [this, id] { DropReplica(id, true); });
  }
}

// "ip:listening-port", as Redis names a replica in its logs (the ip is set
// by REPLCONF ip-address or, at SYNC/PSYNC, from the connection).
std::string Replication::ReplicaName(const Replica& r) const {
  return r.ip + ":" + std::to_string(r.listening_port);
}

// ---------------------------------------------------------------------------
// Master side: REPLCONF, SYNC/PSYNC, the full-sync child

void Replication::CmdReplconf(CommandContext& ctx) {
  const auto& a = ctx.args;
  if (a.size() % 2 == 0) return ctx.reply.Error(errors::kSyntax);
  Replica& r = replicas_[ctx.client.id()];
  r.client = ctx.client.weak_from_this();
  for (size_t i = 1; i + 1 < a.size(); i += 2) {
    const std::string opt = ToLower(a[i]);
    const std::string& val = a[i + 1];
    if (opt == "listening-port") {
      auto port = ParseInt64(val);
      if (!port) return ctx.reply.Error(errors::kNotInteger);
      r.listening_port = *port;
    } else if (opt == "ip-address") {
      r.ip = val;
    } else if (opt == "capa") {
      if (EqualsIgnoreCase(val, "eof")) r.capa_eof = true;
      if (EqualsIgnoreCase(val, "psync2")) r.capa_psync2 = true;
    } else if (opt == "ack") {
      // No reply: the replica does not read one.
      auto off = ParseInt64(val);
      if (!off || !ctx.client.is_replica()) return;
      if (*off > r.ack_offset) r.ack_offset = *off;
      r.ack_time_ms = MonotonicMs();
      if (!waiters_.empty()) ServeWaiters();
      return;
    } else if (opt == "getack") {
      if (link_ && ctx.client.is_master()) link_->SendAck();
      return;
    } else if (opt == "rdb-only") {
      if (val != "0" && val != "1") return ctx.reply.Error(errors::kSyntax);
    } else {
      return ctx.reply.Error("ERR Unrecognized REPLCONF option: " + a[i]);
    }
  }
  ctx.reply.SimpleString("OK");
}

void Replication::CmdSync(CommandContext& ctx, bool legacy) {
  Client& c = ctx.client;
  if (c.is_replica()) return;  // already a replica: ignored, as Redis
  // PSYNC <replid> <offset> FAILOVER: our master hands over to us.
  if (!legacy && ctx.args.size() > 3 && EqualsIgnoreCase(ctx.args[3], "failover")) {
    if (ctx.args[1] != replid_) {
      return ctx.reply.Error("ERR PSYNC FAILOVER replid must match my replid.");
    }
    UnsetMaster();
    std::string who = c.InfoString();
    if (!who.empty() && who.back() == '\n') who.pop_back();
    spdlog::info("MASTER MODE enabled (failover request from '{}')", who);
  }
  if (failover_state_ != FailoverState::kNone) {
    return ctx.reply.Error("NOMASTERLINK Can't SYNC while failing over");
  }
  if (is_replica() && !link_up()) {
    return ctx.reply.Error("NOMASTERLINK Can't SYNC while not connected with my master");
  }
  if (c.output_buffer_size() > 0) {
    return ctx.reply.Error("ERR SYNC and PSYNC are invalid with pending output");
  }
  Replica& r = replicas_[c.id()];
  r.client = c.weak_from_this();
  if (r.ip.empty()) r.ip = c.peer().substr(0, c.peer().rfind(':'));
  const std::string who = ReplicaName(r);
  spdlog::info("Replica {} asks for synchronization", who);
  if (!legacy) {
    const std::string& req_id = ctx.args[1];
    auto req_off = ParseInt64(ctx.args[2]);
    if (!req_off) return ctx.reply.Error(errors::kNotInteger);
    repl::PsyncDecision d =
        repl::DecidePsync(req_id, *req_off, replid_, replid2_, second_offset_, backlog_.get());
    if (d.partial) {
      c.set_role(ClientClass::kReplica);
      r.state = ReplicaState::kOnline;
      r.ack_time_ms = MonotonicMs();
      ctx.reply.Raw(r.capa_psync2 ? "+CONTINUE " + replid_ + "\r\n" : "+CONTINUE\r\n");
      const std::string missing = backlog_->CopyFrom(*req_off);
      ctx.reply.Raw(missing);
      ++sync_partial_ok_;
      spdlog::info(
          "Partial resynchronization request from {} accepted. Sending {} bytes of backlog "
          "starting from offset {}.",
          who, missing.size(), *req_off);
      return;
    }
    if (req_id == "?") {
      spdlog::info("Full resync requested by replica {}", who);
    } else {
      ++sync_partial_err_;
      spdlog::info("Partial resynchronization not accepted: {}", d.reason);
    }
  }
  StartFullSync(ctx, r, legacy);
}

void Replication::StartFullSync(CommandContext& ctx, Replica& r, bool legacy) {
  Client& c = ctx.client;
  EnsureBacklog();
  int fds[2];
  if (pipe(fds) != 0) {
    spdlog::warn("Can't create the RDB pipe for SYNC: {}", std::strerror(errno));
    return ctx.reply.Error("ERR Unable to perform background save");
  }
  // The next command in the stream must say its DB: the replica cannot
  // know which one we had selected.
  seldb_ = -1;
  RdbSaveInfo info{replid_, offset(), 0};
  const bool eof_format = r.capa_eof && !legacy;
  const int64_t fork_start = MonotonicUs();
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    spdlog::warn("Can't save in background: fork: {}", std::strerror(errno));
    return ctx.reply.Error("ERR Unable to perform background save");
  }
  if (pid == 0) {
    close(fds[0]);
    CloseSocketsInChild();  // the pipe stays: it is not a socket
    log::SetRole('C');
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    _exit(RunSyncChild(fds[1], server_.dbs(), server_.config(), info, eof_format));
  }
  close(fds[1]);
  server_.stats().RecordFork(MonotonicUs() - fork_start);
  spdlog::info("Starting BGSAVE for SYNC with target: replicas sockets");
  spdlog::info("Background RDB transfer started by pid {}", pid);
  c.set_role(ClientClass::kReplica);
  r.state = ReplicaState::kWaitBgsave;
  r.child = pid;
  r.ack_time_ms = MonotonicMs();
  r.legacy = legacy;
  r.relay_buf.resize(64 * 1024);
  r.pipe = std::make_unique<asio::posix::stream_descriptor>(server_.io(), fds[0]);
  ++sync_full_;
  if (!legacy) ctx.reply.Raw(fmt::format("+FULLRESYNC {} {}\r\n", replid_, info.repl_offset));
  // The relay starts after this command's reply is queued, so the RDB
  // follows +FULLRESYNC on the socket.
  const uint64_t id = c.id();
  asio::post(server_.io(), [this, id] { RelayRdb(id); });
}

void Replication::RelayRdb(uint64_t id) {
  auto it = replicas_.find(id);
  if (it == replicas_.end() || !it->second.pipe) return;
  Replica& r = it->second;
  auto c = r.client.lock();
  if (!c || c->closed()) return DropReplica(id, false);
  if (c->output_buffer_size() > kRelayHighWater) {
    // Let the socket drain first.
    auto timer = std::make_shared<asio::steady_timer>(server_.io(), std::chrono::milliseconds(2));
    timer->async_wait([this, id, timer](const boost::system::error_code&) { RelayRdb(id); });
    return;
  }
  r.pipe->async_read_some(asio::buffer(r.relay_buf),
                          [this, id](const boost::system::error_code& ec, size_t n) {
                            if (ec == asio::error::operation_aborted) return;
                            auto it2 = replicas_.find(id);
                            if (it2 == replicas_.end()) return;
                            if (ec) return FinishFullSync(id, ec == asio::error::eof);
                            auto client = it2->second.client.lock();
                            if (client) client->Push({it2->second.relay_buf.data(), n});
                            RelayRdb(id);
                          });
}

void Replication::FinishFullSync(uint64_t id, bool ok) {
  auto it = replicas_.find(id);
  if (it == replicas_.end()) return;
  Replica& r = it->second;
  int status = 0;
  if (r.child > 0 && waitpid(r.child, &status, 0) == r.child) {
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  r.child = -1;
  r.pipe.reset();
  if (!ok) {
    spdlog::warn("Background transfer error: the RDB for replica {} could not be sent",
                 ReplicaName(r));
    return DropReplica(id, true);
  }
  spdlog::info("Background RDB transfer terminated with success");
  spdlog::info("Synchronization with replica {} succeeded", ReplicaName(r));
  r.state = ReplicaState::kOnline;
  r.ack_time_ms = MonotonicMs();
  if (auto c = r.client.lock()) c->Push(r.held_stream);
  r.held_stream.clear();
  r.held_stream.shrink_to_fit();
}

void Replication::DropReplica(uint64_t id, bool close_client) {
  auto it = replicas_.find(id);
  if (it == replicas_.end()) return;
  if (it->second.child > 0) {
    kill(it->second.child, SIGKILL);
    waitpid(it->second.child, nullptr, 0);
  }
  auto c = it->second.client.lock();
  replicas_.erase(it);
  if (replicas_.empty()) no_replicas_since_ms_ = MonotonicMs();
  if (close_client && c) c->Close();
}

void Replication::OnClientClosed(uint64_t id) {
  auto it = replicas_.find(id);
  if (it != replicas_.end()) {
    if (it->second.state != ReplicaState::kHandshake)
      spdlog::info("Connection with replica {} lost.", ReplicaName(it->second));
    DropReplica(id, false);
  }
  std::erase_if(waiters_, [id](const Waiter& w) {
    auto c = w.client.lock();
    return !c || c->id() == id;
  });
}

void Replication::DisconnectReplicas() {
  std::vector<uint64_t> ids;
  for (const auto& [id, r] : replicas_)
    if (r.state != ReplicaState::kHandshake) ids.push_back(id);
  for (uint64_t id : ids) DropReplica(id, true);
}

// ---------------------------------------------------------------------------
// WAIT, min-replicas, refusals

int Replication::GoodReplicas() const {
  const int64_t now = MonotonicMs();
  const int64_t max_lag_ms = server_.config().min_replicas_max_lag * 1000;
  int n = 0;
  for (const auto& [id, r] : replicas_) {
    // Lag is counted in whole seconds, as Redis's repl_good_slaves_count.
    if (r.state == ReplicaState::kOnline && (now - r.ack_time_ms) / 1000 * 1000 <= max_lag_ms) ++n;
  }
  return n;
}

size_t Replication::wait_clients_with_timeout() const {
  return static_cast<size_t>(std::count_if(waiters_.begin(), waiters_.end(),
                                           [](const Waiter& w) { return w.deadline_ms != 0; }));
}

int64_t Replication::ReplicasAcked(int64_t offset) const {
  int64_t n = 0;
  for (const auto& [id, r] : replicas_)
    if (r.state == ReplicaState::kOnline && r.ack_offset >= offset) ++n;
  return n;
}

void Replication::CmdWait(CommandContext& ctx) {
  if (is_replica()) {
    return ctx.reply.Error(
        "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 "
        "if a replica is configured to be writable (which is not the default) writes to "
        "replicas are just local and are not propagated.");
  }
  auto numreplicas = ParseInt64(ctx.args[1]);
  if (!numreplicas) return ctx.reply.Error(errors::kNotInteger);
  auto timeout = ParseInt64(ctx.args[2]);
  if (!timeout) return ctx.reply.Error("ERR timeout is not an integer or out of range");
  if (*timeout < 0) return ctx.reply.Error("ERR timeout is negative");
  // Every write this client made is at or before the current offset.
  const int64_t target = offset();
  const int64_t acked = ReplicasAcked(target);
  if (acked >= *numreplicas || !ctx.may_block) return ctx.reply.Integer(acked);
  ctx.client.set_blocked(true);
  waiters_.push_back({ctx.client.weak_from_this(), target, *numreplicas,
                      *timeout > 0 ? MonotonicMs() + *timeout : 0});
  // Ask every replica for its offset now rather than waiting for the
  // once-a-second ACK (batched: one GETACK per event-loop turn).
  if (!getack_pending_) {
    getack_pending_ = true;
    asio::post(server_.io(), [this] {
      getack_pending_ = false;
      Feed(-1, {"REPLCONF", "GETACK", "*"});
    });
  }
}

void Replication::ServeWaiters() {
  const int64_t now = MonotonicMs();
  std::vector<std::pair<std::shared_ptr<Client>, int64_t>> done;
  std::erase_if(waiters_, [&](const Waiter& w) {
    auto c = w.client.lock();
    if (!c || c->closed()) return true;
    const int64_t acked = ReplicasAcked(w.offset);
    if (acked < w.numreplicas && (w.deadline_ms == 0 || now < w.deadline_ms)) return false;
    done.emplace_back(std::move(c), acked);
    return true;
  });
  for (auto& [c, acked] : done) {
    c->writer().Integer(acked);
    c->set_blocked(false);
    c->Resume();
  }
}

std::string Replication::Refusal(const Client& client, uint32_t flags, bool is_write) const {
  if (client.is_master()) return "";
  const ServerConfig& cfg = server_.config();
  if (!is_replica()) {
    if (is_write && cfg.min_replicas_to_write > 0 && cfg.min_replicas_max_lag > 0 &&
        GoodReplicas() < cfg.min_replicas_to_write) {
      return "NOREPLICAS Not enough good replicas to write.";
    }
    return "";
  }
  if (is_write && cfg.replica_read_only) {
    return "READONLY You can't write against a read only replica.";
  }
  if (!link_up() && !cfg.replica_serve_stale_data && !(flags & kCmdStale)) {
    return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
  }
  return "";
}

// ---------------------------------------------------------------------------
// Cron

void Replication::Cron() {
  if (!waiters_.empty()) ServeWaiters();
  UpdateFailoverStatus();
  const int64_t now = MonotonicMs();
  if (now - last_second_cron_ms_ < 1000) return;
  last_second_cron_ms_ = now;
  const ServerConfig& cfg = server_.config();
  if (link_) link_->Cron();
  bool any_online = false;
  for (const auto& [id, r] : replicas_) any_online |= r.state != ReplicaState::kHandshake;
  // Masters PING their replicas so an idle link still shows life (and the
  // replica's repl-timeout does not fire).
  // Not while a failover waits: a PING would move the offset the target
  // must reach.
  if (any_online && !is_replica() && failover_state_ == FailoverState::kNone &&
      now - last_ping_ms_ >= cfg.repl_ping_replica_period * 1000) {
    last_ping_ms_ = now;
    Feed(-1, {"PING"});
  }
  // Replicas that stopped ACKing for repl-timeout are gone.
  std::vector<uint64_t> timed_out;
  for (const auto& [id, r] : replicas_) {
    if (r.state == ReplicaState::kOnline && !r.legacy && now - r.ack_time_ms > cfg.repl_timeout * 1000)
      timed_out.push_back(id);
  }
  for (uint64_t id : timed_out) {
    spdlog::warn("Disconnecting timedout replica (streaming sync): {}", ReplicaName(replicas_[id]));
    DropReplica(id, true);
  }
  if (any_online) no_replicas_since_ms_ = now;
  // A master without replicas for repl-backlog-ttl frees the backlog.
  if (backlog_ && !is_replica() && !any_online && cfg.repl_backlog_ttl > 0 &&
      now - no_replicas_since_ms_ > cfg.repl_backlog_ttl * 1000) {
    offset_ = backlog_->offset();
    backlog_.reset();
    spdlog::info("Replication backlog freed after {} seconds without connected replicas.",
                 cfg.repl_backlog_ttl);
  }
}

// ---------------------------------------------------------------------------
// Role changes

void Replication::SetExpiryMode(bool replica) {
  for (auto& db : server_.dbs()) {
    db.set_expiry_mode(replica ? Database::ExpiryMode::kHide : Database::ExpiryMode::kDelete);
  }
  log::SetRole(replica ? 'S' : 'M');
}

void Replication::SetMaster(const std::string& host, int64_t port) {
  const bool was_master = !is_replica();
  if (link_) {
    link_->Stop();
    link_.reset();
  }
  master_host_ = host;
  master_port_ = port;
  server_.config().replicaof_host = host;
  server_.config().replicaof_port = port;
  // A master keeps its history: re-pointed at a replica that was promoted
  // from us, it resumes with a partial resync.
  if (was_master) {
    has_history_ = has_history_ || backlog_ != nullptr || offset_ > 0;
    if (!backlog_) {
      backlog_ = NewBacklog(offset_);
    }
  }
  // Our replicas reconnect and learn of the change (ideally partially).
  DisconnectReplicas();
  UnblockAll(
      "UNBLOCKED force unblock from blocking operation, instance state changed (master -> "
      "replica?)");
  SetExpiryMode(true);
  link_ = std::make_shared<MasterLink>(*this, host, port);
  link_->Start();
}

void Replication::UnblockAll(std::string_view error) {
  // Clients parked by a pause are not among them: they run when it ends.
  std::vector<std::shared_ptr<Client>> blocked;
  for (const auto& [id, c] : server_.clients()) {
    const bool waits = std::any_of(waiters_.begin(), waiters_.end(),
                                   [&](const Waiter& w) { return w.client.lock() == c; });
    if (server_.blocking().IsBlocked(id) || waits) blocked.push_back(c);
  }
  for (auto& c : blocked) {
    server_.blocking().Unblock(c->id(), false);
    std::erase_if(waiters_, [&](const Waiter& w) { return w.client.lock() == c; });
    c->writer().Error(error);
    c->set_blocked(false);
    c->Resume();
  }
}

void Replication::UnsetMaster() {
  if (!is_replica()) return;
  link_->Stop();
  link_.reset();
  master_host_.clear();
  master_port_ = 0;
  server_.config().replicaof_host.clear();
  server_.config().replicaof_port = 0;
  EnsureBacklog();
  // The history so far stays valid as replid2: replicas that followed the
  // old master continue with us by a partial resync.
  replid2_ = replid_;
  second_offset_ = offset() + 1;
  replid_ = repl::RandomReplId();
  spdlog::info(
      "Setting secondary replication ID to {}, valid up to offset: {}. New replication ID is {}",
      replid2_, second_offset_, replid_);
  seldb_ = -1;
  DisconnectReplicas();
  SetExpiryMode(false);
  no_replicas_since_ms_ = MonotonicMs();
}

void Replication::CmdReplicaOf(CommandContext& ctx) {
  const std::string& host = ctx.args[1];
  const std::string& port_arg = ctx.args[2];
  if (EqualsIgnoreCase(host, "no") && EqualsIgnoreCase(port_arg, "one")) {
    if (is_replica()) {
      UnsetMaster();
      std::string who = ctx.client.InfoString();
      if (!who.empty() && who.back() == '\n') who.pop_back();
      spdlog::info("MASTER MODE enabled (user request from '{}')", who);
    }
    return ctx.reply.SimpleString("OK");
  }
  auto port = ParseInt64(port_arg);
  if (!port || *port < 0 || *port > 65535) return ctx.reply.Error(errors::kNotInteger);
  if (is_replica() && EqualsIgnoreCase(master_host_, host) && master_port_ == *port) {
    spdlog::info("REPLICAOF would result into synchronization with the master we are already "
                 "connected with. No operation performed.");
    return ctx.reply.SimpleString("OK Already connected to specified master");
  }
  SetMaster(host, *port);
  std::string who = ctx.client.InfoString();
  if (!who.empty() && who.back() == '\n') who.pop_back();
  spdlog::info("REPLICAOF {}:{} enabled (user request from '{}')", host, *port, who);
  ctx.reply.SimpleString("OK");
}

// ---------------------------------------------------------------------------
// Called by the link

bool Replication::link_up() const { return link_ && link_->up(); }

std::pair<std::string, int64_t> Replication::PsyncRequest() const {
  if (!has_history_) return {"?", -1};
  return {replid_, offset() + 1};
}

Status Replication::LoadSyncRdb(const std::string& path) {
  // Our own replicas hold a history that is about to end.
  DisconnectReplicas();
  backlog_.reset();
  spdlog::info("MASTER <-> REPLICA sync: Flushing old data");
  for (size_t i = 0; i < server_.dbs().size(); ++i) {
    server_.TouchAllWatchedKeysInDb(static_cast<int>(i));
    server_.dbs()[i].Clear();
  }
  spdlog::info("MASTER <-> REPLICA sync: Loading DB in memory");
  auto loaded = LoadRdbFile(path, &server_.dbs(), server_.config(), /*drop_expired=*/false);
  if (!loaded.ok()) {
    for (auto& db : server_.dbs()) db.Clear();
    spdlog::warn("Failed trying to load the MASTER synchronization DB from disk: {}",
                 loaded.status().message());
    return loaded.status();
  }
  spdlog::info("Done loading RDB, keys loaded: {}, keys expired: {}.", loaded->keys_loaded,
               loaded->keys_expired);
  // The AOF must now describe the new dataset: start it again from a base.
  if (server_.config().appendonly) {
    Status st = server_.persistence().SetAppendOnly(false);
    if (st.ok()) st = server_.persistence().SetAppendOnly(true);
    if (!st.ok()) spdlog::warn("Failed to restart the AOF after SYNC: {}", st.message());
  }
  return Status::Ok();
}

void Replication::OnFullSyncLoaded(const std::string& replid, int64_t offset) {
  replid_ = replid;
  replid2_ = kNullReplId;
  second_offset_ = -1;
  offset_ = offset;
  backlog_ = NewBacklog(offset);
  has_history_ = true;
  seldb_ = -1;
}

void Replication::OnPartialSyncAccepted(const std::string& new_replid) {
  has_history_ = true;
  if (new_replid.empty() || new_replid == replid_) return;
  // Our master was promoted (or is another one sharing our history).
  replid2_ = replid_;
  second_offset_ = offset() + 1;
  replid_ = new_replid;
  spdlog::info("Master replication ID changed to {}", replid_);
  DisconnectReplicas();
}

// ---------------------------------------------------------------------------
// FAILOVER

const Replication::Replica* Replication::FindReplica(const std::string& host,
                                                     int64_t port) const {
  for (const auto& [id, r] : replicas_) {
    if (r.state != ReplicaState::kHandshake && EqualsIgnoreCase(r.ip, host) &&
        r.listening_port == port) {
      return &r;
    }
  }
  return nullptr;
}

void Replication::CmdFailover(CommandContext& ctx) {
  const auto& a = ctx.args;
  if (a.size() == 2 && EqualsIgnoreCase(a[1], "abort")) {
    if (failover_state_ == FailoverState::kNone)
      return ctx.reply.Error("ERR No failover in progress.");
    AbortFailover("Failover manually aborted");
    return ctx.reply.SimpleString("OK");
  }
  int64_t timeout_ms = 0;
  bool force = false;
  std::string host;
  int64_t port = 0;
  for (size_t j = 1; j < a.size(); ++j) {
    if (EqualsIgnoreCase(a[j], "timeout") && j + 1 < a.size() && timeout_ms == 0) {
      auto t = ParseInt64(a[j + 1]);
      if (!t) return ctx.reply.Error(errors::kNotInteger);
      if (*t <= 0) return ctx.reply.Error("ERR FAILOVER timeout must be greater than 0");
      timeout_ms = *t;
      ++j;
    } else if (EqualsIgnoreCase(a[j], "to") && j + 2 < a.size() && host.empty()) {
      auto p = ParseInt64(a[j + 2]);
      if (!p) return ctx.reply.Error(errors::kNotInteger);
      host = a[j + 1];
      port = *p;
      j += 2;
    } else if (EqualsIgnoreCase(a[j], "force") && !force) {
      force = true;
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  if (failover_state_ != FailoverState::kNone)
    return ctx.reply.Error("ERR FAILOVER already in progress.");
  if (is_replica()) return ctx.reply.Error("ERR FAILOVER is not valid when server is a replica.");
  bool any = false;
  for (const auto& [id, r] : replicas_) any |= r.state != ReplicaState::kHandshake;
  if (!any) return ctx.reply.Error("ERR FAILOVER requires connected replicas.");
  if (force && (timeout_ms == 0 || host.empty())) {
    return ctx.reply.Error(
        "ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
  }
  if (!host.empty()) {
    const Replica* r = FindReplica(host, port);
    if (r == nullptr) return ctx.reply.Error("ERR FAILOVER target HOST and PORT is not a replica.");
    if (r->state != ReplicaState::kOnline)
      return ctx.reply.Error("ERR FAILOVER target replica is not online.");
    spdlog::info("FAILOVER requested to {}:{}.", host, port);
  } else {
    spdlog::info("FAILOVER requested to any replica.");
  }
  failover_host_ = host;
  failover_port_ = port;
  failover_end_ms_ = timeout_ms > 0 ? MonotonicMs() + timeout_ms : 0;
  failover_force_ = force;
  failover_state_ = FailoverState::kWaitForSync;
  server_.SetFailoverPause(true);
  ctx.reply.SimpleString("OK");
}

// While waiting: once the target (or, without TO, any replica) has
// acknowledged our whole stream, become its replica; the PSYNC we send
// then carries FAILOVER and promotes it.
void Replication::UpdateFailoverStatus() {
  if (failover_state_ != FailoverState::kWaitForSync) return;
  if (failover_end_ms_ != 0 && MonotonicMs() >= failover_end_ms_) {
    if (!failover_force_) return AbortFailover("Replica never caught up before timeout");
    spdlog::info("FAILOVER to {}:{} time out exceeded, failing over.", failover_host_,
                 failover_port_);
    failover_state_ = FailoverState::kInProgress;
    return SetMaster(failover_host_, failover_port_);
  }
  const Replica* target = nullptr;
  if (!failover_host_.empty()) {
    target = FindReplica(failover_host_, failover_port_);
  } else {
    for (const auto& [id, r] : replicas_) {
      if (r.state == ReplicaState::kOnline && r.ack_offset == offset()) {
        target = &r;
        failover_host_ = r.ip;
        failover_port_ = r.listening_port;
        break;
      }
    }
  }
  if (target == nullptr || target->ack_offset != offset()) return;
  spdlog::info("Failover target {}:{} is synced, failing over.", failover_host_, failover_port_);
  failover_state_ = FailoverState::kInProgress;
  SetMaster(failover_host_, failover_port_);
}

void Replication::ClearFailoverState() {
  failover_state_ = FailoverState::kNone;
  failover_host_.clear();
  failover_port_ = 0;
  failover_end_ms_ = 0;
  failover_force_ = false;
  server_.SetFailoverPause(false);
}

void Replication::AbortFailover(const std::string& why) {
  if (failover_state_ == FailoverState::kNone) return;
  if (!failover_host_.empty()) {
    spdlog::info("FAILOVER to {}:{} aborted: {}", failover_host_, failover_port_, why);
  } else {
    spdlog::info("FAILOVER to any replica aborted: {}", why);
  }
  // Already demoted: back to master (under a new replication id).
  if (failover_state_ == FailoverState::kInProgress) UnsetMaster();
  ClearFailoverState();
}

void Replication::OnFailoverPsync(bool accepted) {
  if (accepted) {
    ClearFailoverState();
  } else {
    AbortFailover("Failover target rejected psync request");
  }
}

void Replication::OnLinkFailed() {
  if (failover_in_progress()) AbortFailover("Failover target could not be reached");
}

// ---------------------------------------------------------------------------
// History kept across restarts

RdbSaveInfo Replication::SaveInfo() const {
  RdbSaveInfo info;
  if ((is_replica() && has_history_) || (!is_replica() && backlog_)) {
    info.repl_id = replid_;
    info.repl_offset = offset();
    info.repl_stream_db = 0;
  }
  return info;
}

void Replication::RestoreFromRdb(const std::string& replid, int64_t offset) {
  offset_ = offset;
  if (!server_.config().replicaof_host.empty()) {
    // Our master's history, up to what the file holds.
    replid_ = replid;
    has_history_ = true;
    return;
  }
  // A master continues under a new id; the old one stays valid as replid2
  // so its replicas resume partially.
  replid2_ = replid;
  second_offset_ = offset + 1;
  replid_ = repl::RandomReplId();
  backlog_ = NewBacklog(offset);
  no_replicas_since_ms_ = MonotonicMs();
}

// ---------------------------------------------------------------------------
// INFO and ROLE

std::string Replication::ReplicaLines() const {
  std::string out;
  int n = 0;
  const int64_t now = MonotonicMs();
  for (const auto& [id, r] : replicas_) {
    if (r.state == ReplicaState::kHandshake) continue;
    std::string ip = r.ip;
    out += fmt::format("slave{}:ip={},port={},state={},offset={},lag={}\r\n", n++, ip,
                       r.listening_port,
                       r.state == ReplicaState::kOnline ? "online" : "wait_bgsave", r.ack_offset,
                       (now - r.ack_time_ms) / 1000);
  }
  return out;
}

std::string Replication::Info() const {
  const ServerConfig& cfg = server_.config();
  std::string out = "# Replication\r\n";
  out += fmt::format("role:{}\r\n", is_replica() ? "slave" : "master");
  if (is_replica()) {
    const bool up = link_up();
    const int64_t now = MonotonicMs();
    const int64_t applied = has_history_ ? offset() : 1;
    out += fmt::format(
        "master_host:{}\r\nmaster_port:{}\r\nmaster_link_status:{}\r\n"
        "master_last_io_seconds_ago:{}\r\nmaster_sync_in_progress:{}\r\n"
        "slave_read_repl_offset:{}\r\nslave_repl_offset:{}\r\n",
        master_host_, master_port_, up ? "up" : "down",
        up ? (now - link_->last_io_ms()) / 1000 : -1,
        link_->state() == MasterLink::State::kTransfer ? 1 : 0,
        up ? link_->read_offset() : applied, applied);
    if (link_->state() == MasterLink::State::kTransfer) {
      const int64_t total = link_->transfer_size();
      const int64_t read = link_->transfer_read();
      out += fmt::format(
          "master_sync_total_bytes:{}\r\nmaster_sync_read_bytes:{}\r\nmaster_sync_left_bytes:{}"
          "\r\nmaster_sync_perc:{:.2f}\r\nmaster_sync_last_io_seconds_ago:{}\r\n",
          total, read, total - read, total > 0 ? 100.0 * read / total : 0.0,
          (now - link_->last_io_ms()) / 1000);
    }
    if (!up) {
      const int64_t since = link_->down_since_ms();
      out += fmt::format("master_link_down_since_seconds:{}\r\n",
                         since > 0 ? (now - since) / 1000 : -1);
    }
    out += fmt::format("slave_priority:{}\r\nslave_read_only:{}\r\nreplica_announced:{}\r\n",
                       cfg.replica_priority, cfg.replica_read_only ? 1 : 0,
                       cfg.replica_announced ? 1 : 0);
  }
  int connected = 0;
  for (const auto& [id, r] : replicas_) connected += r.state != ReplicaState::kHandshake;
  out += fmt::format("connected_slaves:{}\r\n", connected);
  out += ReplicaLines();
  out += fmt::format(
      "master_failover_state:{}\r\nmaster_replid:{}\r\nmaster_replid2:{}\r\n"
      "master_repl_offset:{}\r\nsecond_repl_offset:{}\r\nrepl_backlog_active:{}\r\n"
      "repl_backlog_size:{}\r\nrepl_backlog_first_byte_offset:{}\r\nrepl_backlog_histlen:{}\r\n",
      failover_state_ == FailoverState::kNone         ? "no-failover"
      : failover_state_ == FailoverState::kWaitForSync ? "waiting-for-sync"
                                                      : "failover-in-progress",
      replid_, replid2_, offset(), second_offset_, backlog_ ? 1 : 0, cfg.repl_backlog_size,
      backlog_ ? backlog_->first_byte_offset() : 0, backlog_ ? backlog_->histlen() : 0);
  return out;
}

void Replication::CmdRole(CommandContext& ctx) {
  resp::Writer& w = ctx.reply;
  if (!is_replica()) {
    int online = 0;
    for (const auto& [id, r] : replicas_) online += r.state == ReplicaState::kOnline;
    w.ArrayHeader(3);
    w.Bulk("master");
    w.Integer(offset());
    w.ArrayHeader(online);
    for (const auto& [id, r] : replicas_) {
      if (r.state != ReplicaState::kOnline) continue;
      // Port and offset as bulk strings, as Redis replies.
      w.ArrayHeader(3);
      w.Bulk(r.ip);
      w.Bulk(std::to_string(r.listening_port));
      w.Bulk(std::to_string(r.ack_offset));
    }
    return;
  }
  static const char* kStates[] = {"connect", "connecting", "handshake", "sync", "connected"};
  w.ArrayHeader(5);
  w.Bulk("slave");
  w.Bulk(master_host_);
  w.Integer(master_port_);
  w.Bulk(kStates[static_cast<int>(link_->state())]);
  w.Integer(link_up() ? offset() : -1);
}

}  // namespace vigil::server

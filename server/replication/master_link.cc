// GCC 12 misreads asio's awaitable frame allocator (operator new and delete
// are a matching pair in awaitable_frame_base) as a mismatch.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "server/replication/master_link.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/connection.h"
#include "server/persistence/aof.h"
#include "server/replication/replication.h"
#include "server/server.h"

namespace vigil::server {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

constexpr size_t kReadChunk = 64 * 1024;

}  // namespace

MasterLink::MasterLink(Replication& repl, std::string host, int64_t port)
    : repl_(repl),
      host_(std::move(host)),
      port_(port),
      socket_(repl.server().io()),
      retry_timer_(repl.server().io()),
      down_since_ms_(0) {}

MasterLink::~MasterLink() = default;

void MasterLink::Start() {
  asio::co_spawn(
      repl_.server().io(), [self = shared_from_this()] { return self->Run(); }, asio::detached);
}

void MasterLink::Stop() {
  stopped_ = true;
  boost::system::error_code ec;
  socket_.close(ec);
  retry_timer_.cancel();
  DropMasterClient();
}

void MasterLink::Drop(const std::string& why) {
  if (!why.empty()) spdlog::warn("{}", why);
  boost::system::error_code ec;
  socket_.close(ec);
}

awaitable<void> MasterLink::Run() {
  auto self = shared_from_this();  // alive while the coroutine runs
  while (!stopped_) {
    Status st = co_await Session();
    const bool was_up = state_ == State::kConnected;
    boost::system::error_code ec;
    socket_.close(ec);
    state_ = State::kConnect;
    in_.clear();
    in_pos_ = 0;
    parser_.Reset();
    raw_command_.clear();
    if (was_up) down_since_ms_ = MonotonicMs();
    DropMasterClient();
    if (stopped_) break;
    if (was_up) {
      spdlog::warn("Connection with master lost.");
      spdlog::info("Caching the disconnected master state.");
    }
    if (!st.ok()) spdlog::warn("{}", st.message());
    repl_.OnLinkFailed();  // a failover waiting on this link gives up
    if (stopped_) break;
    // One attempt a second, as Redis's replicationCron.
    retry_timer_.expires_after(std::chrono::seconds(1));
    co_await retry_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    if (!stopped_) spdlog::info("Reconnecting to MASTER {}:{}", host_, port_);
  }
}

awaitable<Status> MasterLink::Session() {
  Server& server = repl_.server();
  const ServerConfig& cfg = server.config();
  state_ = State::kConnecting;
  last_io_ms_ = MonotonicMs();
  spdlog::info("Connecting to MASTER {}:{}", host_, port_);
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(server.io());
  auto endpoints = co_await resolver.async_resolve(host_, std::to_string(port_),
                                                   asio::redirect_error(use_awaitable, ec));
  if (stopped_) co_return Status::Ok();
  if (ec) co_return Status::Error("Unable to connect to MASTER: " + ec.message());
  spdlog::info("MASTER <-> REPLICA sync started");
  co_await asio::async_connect(socket_, endpoints, asio::redirect_error(use_awaitable, ec));
  if (stopped_) co_return Status::Ok();
  if (ec) co_return Status::Error("Error condition on socket for SYNC: " + ec.message());
  socket_.set_option(asio::ip::tcp::no_delay(!cfg.repl_disable_tcp_nodelay), ec);
  state_ = State::kHandshake;
  last_io_ms_ = MonotonicMs();

  const std::vector<std::string> cmd1 = {"PING"};
  auto pong = co_await Ask(cmd1);
  if (!pong.ok()) co_return pong.status();
  // An instance that wants AUTH still proves it is alive.
  if ((*pong)[0] == '-' && !StartsWith(*pong, "-NOAUTH") && !StartsWith(*pong, "-NOPERM") &&
      !StartsWith(*pong, "-ERR operation not permitted")) {
    co_return Status::Error("Error reply to PING from master: '" + pong->substr(1) + "'");
  }
  spdlog::info("Master replied to PING, replication can continue...");
  if (!cfg.masterauth.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!cfg.masteruser.empty()) auth.push_back(cfg.masteruser);
    auth.push_back(cfg.masterauth);
    auto r = co_await Ask(auth);
    if (!r.ok()) co_return r.status();
    if ((*r)[0] == '-') co_return Status::Error("Unable to AUTH to MASTER: " + r->substr(1));
  }
  const int64_t port = cfg.replica_announce_port > 0 ? cfg.replica_announce_port : cfg.port;
  const std::vector<std::string> cmd2 = {"REPLCONF", "listening-port", std::to_string(port)};
  auto r = co_await Ask(cmd2);
  if (!r.ok()) co_return r.status();
  if ((*r)[0] == '-')
    spdlog::info("(Non critical) Master does not understand REPLCONF listening-port: {}", *r);
  if (!cfg.replica_announce_ip.empty()) {
    const std::vector<std::string> cmd3 = {"REPLCONF", "ip-address", cfg.replica_announce_ip};
    r = co_await Ask(cmd3);
    if (!r.ok()) co_return r.status();
    if ((*r)[0] == '-')
      spdlog::info("(Non critical) Master does not understand REPLCONF ip-address: {}", *r);
  }
  const std::vector<std::string> cmd4 = {"REPLCONF", "capa", "eof", "capa", "psync2"};
  r = co_await Ask(cmd4);
  if (!r.ok()) co_return r.status();
  if ((*r)[0] == '-') spdlog::info("(Non critical) Master does not understand REPLCONF capa: {}", *r);

  const auto psync = repl_.PsyncRequest();
  const std::string req_id = psync.first;
  const int64_t req_off = psync.second;
  if (req_id == "?") {
    spdlog::info("Partial resynchronization not possible (no cached master)");
  } else {
    spdlog::info("Trying a partial resynchronization (request {}:{}).", req_id, req_off);
  }
  std::vector<std::string> cmd5 = {"PSYNC", req_id, std::to_string(req_off)};
  const bool failover = repl_.failover_in_progress();
  if (failover) cmd5.push_back("FAILOVER");
  r = co_await Ask(cmd5);
  if (!r.ok()) co_return r.status();
  const std::string reply = *r;
  if (failover) {
    repl_.OnFailoverPsync(StartsWith(reply, "+FULLRESYNC") || StartsWith(reply, "+CONTINUE"));
    if (stopped_) co_return Status::Ok();
  }
  if (StartsWith(reply, "+FULLRESYNC")) {
    auto parts = SplitString(reply, " ");
    std::optional<int64_t> off = parts.size() == 3 ? ParseInt64(parts[2]) : std::nullopt;
    if (!off || parts[1].size() != 40) {
      co_return Status::Error("Master replied with wrong +FULLRESYNC syntax.");
    }
    spdlog::info("Full resync from master: {}:{}", parts[1], *off);
    Status st = co_await ReceiveRdb(parts[1], *off);
    if (!st.ok() || stopped_) co_return st;
  } else if (StartsWith(reply, "+CONTINUE")) {
    std::string new_id = reply.size() > 10 ? reply.substr(10) : "";
    while (!new_id.empty() && (new_id.back() == ' ' || new_id.back() == '\r')) new_id.pop_back();
    spdlog::info("Successful partial resynchronization with master.");
    repl_.OnPartialSyncAccepted(new_id);
    spdlog::info("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
  } else if (StartsWith(reply, "-NOMASTERLINK") || StartsWith(reply, "-LOADING")) {
    co_return Status::Error("Master is currently unable to PSYNC but should be in the future: " +
                            reply.substr(1));
  } else {
    co_return Status::Error("Unexpected reply to PSYNC from master: " + reply);
  }
  co_return co_await Stream();
}

awaitable<Status> MasterLink::Send(std::string bytes) {
  boost::system::error_code ec;
  co_await asio::async_write(socket_, asio::buffer(bytes), asio::redirect_error(use_awaitable, ec));
  if (ec) co_return Status::Error("Error writing to MASTER: " + ec.message());
  co_return Status::Ok();
}

awaitable<StatusOr<std::string>> MasterLink::Ask(const std::vector<std::string>& args) {
  std::string request;
  aof::AppendCommand(&request, args);  // a command as a client sends it
  Status st = co_await Send(std::move(request));
  if (!st.ok()) co_return st;
  // Empty lines are the master's keepalives while it prepares (a diskless
  // sync delays +FULLRESYNC): not the reply yet.
  for (;;) {
    auto line = co_await ReadLine();
    if (!line.ok() || !line->empty()) co_return line;
  }
}

awaitable<Status> MasterLink::ReadMore() {
  if (in_pos_ > 0 && (in_pos_ == in_.size() || in_pos_ > kReadChunk)) {
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
  const size_t old = in_.size();
  in_.resize(old + kReadChunk);
  boost::system::error_code ec;
  const size_t n = co_await socket_.async_read_some(asio::buffer(in_.data() + old, kReadChunk),
                                                    asio::redirect_error(use_awaitable, ec));
  in_.resize(old + n);
  if (ec) {
    if (stopped_) co_return Status::Ok();
    if (ec == asio::error::eof) co_return Status::Error("MASTER closed the connection");
    co_return Status::Error("Error reading from MASTER: " + ec.message());
  }
  last_io_ms_ = MonotonicMs();
  if (state_ == State::kConnected) read_offset_ += static_cast<int64_t>(n);
  // The RDB and the stream, not the handshake's replies (as Redis counts).
  if (state_ == State::kTransfer || state_ == State::kConnected)
    repl_.server().stats().total_net_repl_input_bytes += n;
  co_return Status::Ok();
}

awaitable<StatusOr<std::string>> MasterLink::ReadLine() {
  for (;;) {
    const size_t nl = in_.find('\n', in_pos_);
    if (nl != std::string::npos) {
      std::string line = in_.substr(in_pos_, nl - in_pos_);
      in_pos_ = nl + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      co_return line;
    }
    if (in_.size() - in_pos_ > 64 * 1024) co_return Status::Error("Reply line from MASTER too long");
    Status st = co_await ReadMore();
    if (!st.ok()) co_return st;
    if (stopped_) co_return Status::Error("replication stopped");
  }
}

awaitable<Status> MasterLink::ReceiveRdb(const std::string& replid, int64_t offset) {
  const ServerConfig& cfg = repl_.server().config();
  state_ = State::kTransfer;
  std::string header;
  // The master may send newlines to keep the link alive while it prepares.
  do {
    auto line = co_await ReadLine();
    if (!line.ok()) co_return line.status();
    header = *line;
  } while (header.empty());
  if (header[0] == '-') co_return Status::Error("MASTER aborted replication with an error: " + header.substr(1));
  if (header[0] != '$') {
    co_return Status::Error("Bad protocol from MASTER, the first byte is not '$' (we received '" +
                            header + "'), are you sure the host and port are right?");
  }
  std::string mark;
  transfer_size_ = -1;
  if (StartsWith(header, "$EOF:") && header.size() == 5 + 40) {
    mark = header.substr(5);
    spdlog::info("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk");
  } else {
    auto size = ParseInt64(header.substr(1));
    if (!size || *size < 0) co_return Status::Error("Bad RDB length from MASTER: " + header);
    transfer_size_ = *size;
    spdlog::info("MASTER <-> REPLICA sync: receiving {} bytes from master to disk", *size);
  }
  transfer_read_ = 0;
  transfer_start_ms_ = MonotonicMs();
  const std::string tmp =
      "temp-" + std::to_string(UnixMs() / 1000) + "." + std::to_string(getpid()) + ".rdb";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    co_return Status::Error("Opening the temp file needed for MASTER <-> REPLICA synchronization: " +
                            std::string(std::strerror(errno)));
  }
  Status st;
  bool done = false;
  while (!done) {
    std::string_view avail(in_.data() + in_pos_, in_.size() - in_pos_);
    size_t take = 0;
    if (!mark.empty()) {
      // The payload ends at the mark; stream bytes may follow it.
      const size_t at = avail.find(mark);
      if (at != std::string_view::npos) {
        take = at;
        done = true;
      } else {
        take = avail.size() > mark.size() ? avail.size() - mark.size() : 0;
      }
    } else {
      take = static_cast<size_t>(
          std::min<int64_t>(static_cast<int64_t>(avail.size()), transfer_size_ - transfer_read_));
      done = transfer_read_ + static_cast<int64_t>(take) == transfer_size_;
    }
    if (take > 0 && std::fwrite(avail.data(), 1, take, f) != take) {
      st = Status::Error("Write error or short write writing to the DB dump file needed for "
                         "MASTER <-> REPLICA synchronization: " + std::string(std::strerror(errno)));
      break;
    }
    transfer_read_ += static_cast<int64_t>(take);
    in_pos_ += take + (done && !mark.empty() ? mark.size() : 0);
    if (done) break;
    st = co_await ReadMore();
    if (!st.ok() || stopped_) break;
  }
  if (st.ok() && (std::fflush(f) != 0 || fsync(fileno(f)) != 0)) {
    st = Status::Error("Failed trying to sync the temp DB to disk in MASTER <-> REPLICA "
                       "synchronization: " + std::string(std::strerror(errno)));
  }
  std::fclose(f);
  if (!st.ok() || stopped_) {
    std::remove(tmp.c_str());
    co_return st;
  }
  if (std::rename(tmp.c_str(), cfg.dbfilename.c_str()) != 0) {
    std::remove(tmp.c_str());
    co_return Status::Error("Failed trying to rename the temp DB into " + cfg.dbfilename +
                            " in MASTER <-> REPLICA synchronization: " + std::strerror(errno));
  }
  st = repl_.LoadSyncRdb(cfg.dbfilename);
  if (!st.ok()) co_return Status::Error("Failed trying to load the MASTER synchronization DB from disk");
  repl_.OnFullSyncLoaded(replid, offset);
  spdlog::info("MASTER <-> REPLICA sync: Finished with success");
  co_return Status::Ok();
}

void MasterLink::StartMasterClient() {
  Server& server = repl_.server();
  master_client_ =
      std::make_shared<Client>(server, asio::ip::tcp::socket(server.io()), server.NextClientId());
  master_client_->set_authenticated(true);
  master_client_->set_role(ClientClass::kMaster);
  master_client_->set_peer(host_ + ":" + std::to_string(port_));
  // CLIENT KILL TYPE master drops the link (it reconnects a second later).
  std::weak_ptr<MasterLink> weak = shared_from_this();
  master_client_->set_on_close([weak] {
    if (auto link = weak.lock()) link->Drop("");
  });
  server.AddClient(master_client_);
}

void MasterLink::DropMasterClient() {
  if (!master_client_) return;
  auto c = std::move(master_client_);
  c->set_on_close(nullptr);
  c->Close();
}

awaitable<Status> MasterLink::Stream() {
  state_ = State::kConnected;
  last_io_ms_ = MonotonicMs();
  down_since_ms_ = 0;
  // What already arrived behind the +CONTINUE or the RDB is stream too.
  read_offset_ = repl_.offset() + static_cast<int64_t>(in_.size() - in_pos_);
  resp::ParserLimits limits;
  limits.max_bulk_len = repl_.server().config().proto_max_bulk_len;
  parser_.set_limits(limits);
  parser_.Reset();
  StartMasterClient();
  SendAck();
  for (;;) {
    ApplyBuffered();
    if (stopped_ || !socket_.is_open()) co_return Status::Ok();
    Status st = co_await ReadMore();
    if (!st.ok() || stopped_) co_return st;
  }
}

void MasterLink::ApplyBuffered() {
  Server& server = repl_.server();
  while (in_pos_ < in_.size() && master_client_ && socket_.is_open()) {
    std::string_view view(in_.data() + in_pos_, in_.size() - in_pos_);
    size_t consumed = 0;
    auto st = parser_.Parse(view, &consumed, &args_);
    raw_command_.append(view.substr(0, consumed));
    in_pos_ += consumed;
    if (st == resp::ParseStatus::kNeedMore) break;
    if (st == resp::ParseStatus::kError) {
      Drop("Protocol error from MASTER: " + parser_.error());
      return;
    }
    server.ApplyFromMaster(*master_client_, args_);
    // Applied: now part of our history, and of our replicas' stream.
    repl_.FeedFromMaster(raw_command_);
    raw_command_.clear();
  }
}

void MasterLink::SendAck() {
  if (!up()) return;
  if (ack_in_flight_) {
    ack_again_ = true;
    return;
  }
  out_.clear();
  aof::AppendCommand(&out_, {"REPLCONF", "ACK", std::to_string(repl_.offset())});
  ack_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(out_),
                    [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                      self->ack_in_flight_ = false;
                      if (ec) return;
                      if (self->ack_again_) {
                        self->ack_again_ = false;
                        self->SendAck();
                      }
                    });
}

void MasterLink::Cron() {
  if (stopped_ || state_ == State::kConnect) return;
  const int64_t timeout_ms = repl_.server().config().repl_timeout * 1000;
  const int64_t idle = MonotonicMs() - last_io_ms_;
  if (idle > timeout_ms) {
    if (state_ == State::kConnected) {
      Drop("MASTER timeout: no data nor PING received...");
    } else if (state_ == State::kTransfer) {
      Drop("Timeout receiving bulk data from MASTER... If the problem persists try to set the "
           "'repl-timeout' parameter in redis.conf to a larger value.");
    } else {
      Drop("Timeout connecting to the MASTER...");
    }
    return;
  }
  SendAck();
}

}  // namespace vigil::server

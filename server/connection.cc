#include "server/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/server.h"

namespace vigil::server {

namespace asio = boost::asio;

namespace {
std::string EndpointText(const asio::ip::tcp::endpoint& ep) {
  auto addr = ep.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  }
  return addr.to_string() + ":" + std::to_string(ep.port());
}
// "get", or "client|info" for a command with subcommands (CLIENT LIST's cmd=).
std::string CommandLabel(const CommandTable& table, const std::vector<std::string>& args) {
  std::string label = ToLower(args[0]);
  const CommandSpec* spec = table.Find(label);
  if (spec != nullptr && !spec->subcommands.empty() && args.size() > 1)
    label += "|" + ToLower(args[1]);
  return label;
}

}  // namespace

Client::Client(Server& server, asio::ip::tcp::socket socket, uint64_t id)
    : server_(server),
      socket_(std::move(socket)),
      id_(id),
      created_ms_(MonotonicMs()),
      last_interaction_ms_(created_ms_),
      read_buf_(16 * 1024) {
  boost::system::error_code ec;
  auto remote = socket_.remote_endpoint(ec);
  if (!ec) {
    peer_ = EndpointText(remote);
    auto a = remote.address();
    peer_loopback_ = a.is_loopback() || (a.is_v6() && a.to_v6().is_v4_mapped() &&
                                         asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6())
                                             .is_loopback());
  }
  fd_ = socket_.native_handle();
  auto local = socket_.local_endpoint(ec);
  if (!ec) local_ = EndpointText(local);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  if (server_.config().tcp_keepalive > 0) {
    // tcp-keepalive N: probe idle peers after N seconds, as Redis's anetKeepAlive.
    socket_.set_option(asio::socket_base::keep_alive(true), ec);
    int idle = static_cast<int>(server_.config().tcp_keepalive);
    int intvl = std::max(1, idle / 3), cnt = 3;
    int fd = socket_.native_handle();
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
  }
  authenticated_ = !server_.RequiresAuth();
  parser_.set_limits(server_.ParserLimitsFor(*this));
}

void Client::Start() { DoRead(); }

void Client::Push(std::string_view bytes) {
  if (closed_ || close_asap_) return;
  out_.append(bytes);
  // A push to the client whose command is running (PUBLISH to itself,
  // MONITOR) is sent with that command's replies, in order.
  if (processing_) return;
  Flush();
}

void Client::PushBatched(std::string_view bytes) {
  if (closed_ || close_asap_) return;
  out_.append(bytes);
  if (processing_ || flush_posted_) return;
  flush_posted_ = true;
  asio::post(server_.io(), [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->Flush();
  });
}

void Client::Reject(std::string_view msg) {
  writer_.Error(msg);
  close_after_reply_ = true;
  Flush();
}

void Client::Close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  server_.RemoveClient(id_);
  if (on_close_) std::exchange(on_close_, nullptr)();
}

void Client::DoRead() {
  if (closed_ || close_after_reply_ || close_asap_) return;
  socket_.async_read_some(asio::buffer(read_buf_),
                          [self = shared_from_this()](const boost::system::error_code& ec,
                                                      size_t n) { self->OnRead(ec, n); });
}

void Client::OnRead(const boost::system::error_code& ec, size_t n) {
  if (closed_) return;
  if (ec) {
    Close();
    return;
  }
  server_.stats().total_net_input_bytes += n;
  ++server_.stats().total_reads_processed;
  last_interaction_ms_ = MonotonicMs();
  pending_.append(read_buf_.data(), n);
  ProcessInput();
  // client-query-buffer-limit: a client that sends a command bigger than the
  // limit (or never finishes one) is dropped before it can exhaust memory.
  const size_t query_bytes = pending_.size() + parser_.pending_bytes();
  if (static_cast<int64_t>(query_bytes) > server_.config().client_query_buffer_limit) {
    spdlog::warn("Closing client that reached max query buffer length: id={} addr={} qbuf={}",
                 id_, peer_, query_bytes);
    Close();
    return;
  }
  Flush();
  if (!closed_ && !close_after_reply_) DoRead();
}

void Client::ProcessInput() {
  processing_ = true;
  size_t pos = 0;
  while (pos < pending_.size() && !close_after_reply_ && !close_asap_ && !closed_ && !blocked_) {
    size_t consumed = 0;
    std::string_view view(pending_.data() + pos, pending_.size() - pos);
    auto st = parser_.Parse(view, &consumed, &args_);
    pos += consumed;
    if (st == resp::ParseStatus::kNeedMore) break;
    if (st == resp::ParseStatus::kError) {
      // Redis replies with the protocol error and closes the connection.
      writer_.Error(parser_.error());
      CloseAfterReply();
      break;
    }
    // Set before running, as Redis's c->lastcmd: CLIENT INFO shows itself.
    if (!args_.empty()) last_command_ = CommandLabel(server_.commands(), args_);
    server_.Dispatch(*this, args_, writer_);
    // The parser limits depend on authentication (tighter before AUTH).
    parser_.set_limits(server_.ParserLimitsFor(*this));
  }
  pending_.erase(0, pos);
  processing_ = false;
}

void Client::Resume() {
  if (closed_ || blocked_) return;
  ProcessInput();
  Flush();
}

void Client::EnforceOutputLimit() {
  const ServerConfig& cfg = server_.config();
  const ClientClass cls = client_class();
  if (cls == ClientClass::kMaster) return;
  const OutputBufferLimit& limit = cls == ClientClass::kPubSub    ? cfg.obuf_pubsub
                                   : cls == ClientClass::kReplica ? cfg.obuf_replica
                                                                  : cfg.obuf_normal;
  const auto used = static_cast<int64_t>(output_buffer_size());
  bool hard = limit.hard > 0 && used >= limit.hard;
  bool soft = limit.soft > 0 && used >= limit.soft;
  // As Redis's checkClientOutputBufferLimits: the soft limit counts only
  // once it has held for more than soft_seconds whole seconds.
  if (soft) {
    const int64_t now_s = UnixMs() / 1000;
    if (soft_limit_since_s_ == 0) {
      soft_limit_since_s_ = now_s;
      soft = false;
    } else if (now_s - soft_limit_since_s_ <= limit.soft_seconds) {
      soft = false;
    }
  } else {
    soft_limit_since_s_ = 0;
  }
  if (!hard && !soft) return;
  std::string info = InfoString();
  if (!info.empty() && info.back() == '\n') info.pop_back();
  spdlog::warn("Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
               info);
  close_asap_ = true;
  out_.clear();
  // Closed from the event loop, not here: the caller may be walking the
  // subscriber list of a PUBLISH.
  asio::post(server_.io(), [self = shared_from_this()] { self->Close(); });
}

void Client::Flush() {
  // What the AOF must hold reaches the disk before the replies it covers.
  // The server does that once per event-loop turn for every client that
  // has replies waiting (group commit: one fsync covers them all under
  // appendfsync always), then calls FlushNow.
  if (server_.DeferUntilAofWritten(*this)) return;
  FlushNow();
}

void Client::FlushNow() {
  if (closed_ || close_asap_) return;
  if (!out_.empty()) EnforceOutputLimit();
  if (close_asap_ || writing_in_progress_) return;
  if (out_.empty()) {
    if (close_after_reply_) Close();
    return;
  }
  writing_.swap(out_);
  out_.clear();
  writing_in_progress_ = true;
  (is_replica() ? server_.stats().total_net_repl_output_bytes
                : server_.stats().total_net_output_bytes) += writing_.size();
  ++server_.stats().total_writes_processed;
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                      self->OnWrite(ec);
                    });
}

void Client::OnWrite(const boost::system::error_code& ec) {
  writing_in_progress_ = false;
  writing_.clear();
  if (closed_) return;
  if (ec) {
    Close();
    return;
  }
  Flush();
}

std::string Client::InfoString() const {
  const int64_t now = MonotonicMs();
  std::string flags;
  if (role_ == ClientClass::kReplica) flags += 'S';
  if (role_ == ClientClass::kMaster) flags += 'M';
  if (monitor_) flags += 'O';
  if (subscribed()) flags += 'P';
  if (tx_.active) flags += 'x';
  if (blocked_) flags += 'b';
  if (tx_.watch_touched) flags += 'd';
  if (close_after_reply_) flags += 'c';
  if (close_asap_) flags += 'A';
  if (flags.empty()) flags = "N";
  size_t multi_mem = 0;
  for (const auto& q : tx_.queued) {
    multi_mem += sizeof(QueuedCommand);
    for (const auto& a : q.args) multi_mem += sizeof(std::string) + a.capacity();
  }
  for (const auto& w : tx_.watched) multi_mem += sizeof(WatchedKey) + w.key.capacity();
  const size_t qbuf = pending_.size() + parser_.pending_bytes();
  const size_t omem = output_buffer_size();
  const size_t tot_mem = sizeof(Client) + read_buf_.size() + pending_.capacity() +
                         out_.capacity() + writing_.capacity() + multi_mem;
  return fmt::format(
      "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} "
      "ssub={} multi={} qbuf={} qbuf-free={} argv-mem=0 multi-mem={} rbs={} rbp={} obl=0 oll={} "
      "omem={} tot-mem={} events=r{} cmd={} user=default redir=-1 resp={}\n",
      id_, peer_, local_, closed_ ? -1 : fd_, name_, (now - created_ms_) / 1000,
      (now - last_interaction_ms_) / 1000, flags, db_index_, channels_.size(), patterns_.size(),
      shard_channels_.size(), tx_.active ? static_cast<int64_t>(tx_.queued.size()) : -1, qbuf,
      pending_.capacity() - pending_.size(), multi_mem, read_buf_.size(), read_buf_.size(),
      omem > 0 ? 1 : 0, omem, tot_mem, omem > 0 ? "w" : "", last_command_,
      protocol());
}

}  // namespace vigil::server

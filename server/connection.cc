#include "server/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include "common/util/clock.h"
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
  if (closed_) return;
  out_.append(bytes);
  Flush();
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
}

void Client::DoRead() {
  if (closed_ || close_after_reply_) return;
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
  size_t pos = 0;
  while (pos < pending_.size() && !close_after_reply_ && !closed_ && !blocked_) {
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
    server_.Dispatch(*this, args_, writer_);
    if (!args_.empty()) last_command_ = args_[0];
    // The parser limits depend on authentication (tighter before AUTH).
    parser_.set_limits(server_.ParserLimitsFor(*this));
  }
  pending_.erase(0, pos);
}

void Client::Resume() {
  if (closed_ || blocked_) return;
  ProcessInput();
  Flush();
}

void Client::Flush() {
  if (closed_ || writing_in_progress_) return;
  if (out_.empty()) {
    if (close_after_reply_) Close();
    return;
  }
  writing_.swap(out_);
  out_.clear();
  writing_in_progress_ = true;
  server_.stats().total_net_output_bytes += writing_.size();
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

}  // namespace vigil::server

// A replica's link to its master: connect, the handshake Redis replicas do
// (PING, AUTH, REPLCONF listening-port / ip-address / capa, PSYNC), the RDB
// of a full resync (received to a temp file, then loaded), and the stream of
// commands, applied through a client flagged as the master. On any error the
// link logs it in plain words, shows master_link_status:down and retries a
// second later, never in a busy loop.
#pragma once

#include <utility>  // Boost 1.74 asio needs std::exchange declared first (GCC 12)

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/resp/parser.h"
#include "common/util/status.h"

namespace vigil::server {

class Replication;
class Client;

class MasterLink : public std::enable_shared_from_this<MasterLink> {
 public:
  // Redis's repl_state, as INFO and ROLE name it.
  enum class State { kConnect, kConnecting, kHandshake, kTransfer, kConnected };

  MasterLink(Replication& repl, std::string host, int64_t port);
  ~MasterLink();

  void Start();
  // Drops the connection for good (REPLICAOF to another master, or NO ONE).
  void Stop();
  // Drops the connection; the link reconnects a second later.
  void Drop(const std::string& why);
  // Once a second: REPLCONF ACK, and the repl-timeout check.
  void Cron();
  // REPLCONF ACK <applied offset> to the master now (GETACK, cron).
  void SendAck();

  State state() const { return state_; }
  bool up() const { return state_ == State::kConnected; }
  const std::string& host() const { return host_; }
  int64_t port() const { return port_; }
  int64_t last_io_ms() const { return last_io_ms_; }
  // Monotonic ms the link went down (the start for a link never up).
  int64_t down_since_ms() const { return down_since_ms_; }
  int64_t read_offset() const { return read_offset_; }
  int64_t transfer_size() const { return transfer_size_; }
  int64_t transfer_read() const { return transfer_read_; }
  int64_t transfer_start_ms() const { return transfer_start_ms_; }
  int64_t transfer_last_io_ms() const { return last_io_ms_; }

 private:
  boost::asio::awaitable<void> Run();
  // One connection: connect, handshake, sync, then the stream until an
  // error; returns why it ended.
  boost::asio::awaitable<Status> Session();
  boost::asio::awaitable<Status> Send(std::string bytes);
  // Sends a command and reads its one-line reply.
  boost::asio::awaitable<StatusOr<std::string>> Ask(const std::vector<std::string>& args);
  boost::asio::awaitable<StatusOr<std::string>> ReadLine();
  boost::asio::awaitable<Status> ReadMore();
  boost::asio::awaitable<Status> ReceiveRdb(const std::string& replid, int64_t offset);
  boost::asio::awaitable<Status> Stream();
  void ApplyBuffered();
  void StartMasterClient();
  void DropMasterClient();

  Replication& repl_;
  std::string host_;
  int64_t port_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer retry_timer_;
  State state_ = State::kConnect;
  bool stopped_ = false;
  std::string in_;           // bytes read and not consumed
  size_t in_pos_ = 0;
  std::string out_;  // the ACK being written (one at a time)
  bool ack_in_flight_ = false;
  bool ack_again_ = false;
  int64_t last_io_ms_ = 0;
  int64_t down_since_ms_ = 0;
  int64_t read_offset_ = 0;  // slave_read_repl_offset
  int64_t transfer_size_ = -1;
  int64_t transfer_read_ = 0;
  int64_t transfer_start_ms_ = 0;
  resp::RequestParser parser_;
  std::string raw_command_;  // bytes of the stream command being parsed
  std::vector<std::string> args_;
  std::shared_ptr<Client> master_client_;
};

}  // namespace vigil::server

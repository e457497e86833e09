// One client connection: reads bytes, feeds the RESP request parser, runs each
// complete command through the server's dispatcher and writes the replies of
// everything parsed from one read in a single batch (pipelining).
#pragma once

#include <utility>  // Boost 1.74 asio needs std::exchange declared first (GCC 12)

#include <boost/asio.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/resp/parser.h"
#include "common/resp/writer.h"

namespace vigil::server {

class Server;

class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(Server& server, boost::asio::ip::tcp::socket socket, uint64_t id);

  void Start();
  // Sends one error and closes (maxclients, protected mode).
  void Reject(std::string_view msg);
  // Closes after the pending replies are written.
  void CloseAfterReply() { close_after_reply_ = true; }
  // Closes now (CLIENT KILL, shutdown, timeout).
  void Close();

  // Appends already-encoded bytes (MONITOR feed, later pub/sub messages) and
  // starts writing them.
  void Push(std::string_view bytes);
  // The writer replies go through (blocked commands answer through it later).
  resp::Writer& writer() { return writer_; }
  // While blocked (BLPOP ...), input is read but not executed.
  bool blocked() const { return blocked_; }
  void set_blocked(bool b) { blocked_ = b; }
  // Runs the input that arrived while blocked and flushes the replies.
  void Resume();
  bool is_monitor() const { return monitor_; }
  void set_monitor(bool m) { monitor_ = m; }

  uint64_t id() const { return id_; }
  int db_index() const { return db_index_; }
  void set_db_index(int i) { db_index_ = i; }
  bool authenticated() const { return authenticated_; }
  void set_authenticated(bool a) { authenticated_ = a; }
  int protocol() const { return writer_.protocol(); }
  void set_protocol(int p) { writer_.set_protocol(p); }
  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }
  const std::string& peer() const { return peer_; }    // "ip:port"
  const std::string& local() const { return local_; }  // "ip:port"
  bool peer_is_loopback() const { return peer_loopback_; }
  int64_t created_ms() const { return created_ms_; }
  int64_t last_interaction_ms() const { return last_interaction_ms_; }
  const std::string& last_command() const { return last_command_; }
  bool closed() const { return closed_; }
  size_t query_buffer_size() const { return parser_.pending_bytes(); }
  size_t output_buffer_size() const { return out_.size() + writing_.size(); }

 private:
  void DoRead();
  void OnRead(const boost::system::error_code& ec, size_t n);
  void ProcessInput();
  void Flush();
  void OnWrite(const boost::system::error_code& ec);

  Server& server_;
  boost::asio::ip::tcp::socket socket_;
  uint64_t id_;
  std::string peer_, local_;
  bool peer_loopback_ = false;
  int db_index_ = 0;
  bool authenticated_ = false;
  std::string name_;
  int64_t created_ms_;
  int64_t last_interaction_ms_;
  std::string last_command_ = "NULL";

  resp::RequestParser parser_;
  std::vector<char> read_buf_;
  std::string pending_;  // unconsumed input (only while parser asks for more)
  std::vector<std::string> args_;
  std::string out_;      // replies not yet handed to the socket
  std::string writing_;  // replies being written
  resp::Writer writer_{&out_};
  bool writing_in_progress_ = false;
  bool close_after_reply_ = false;
  bool closed_ = false;
  bool monitor_ = false;
  bool blocked_ = false;
};

}  // namespace vigil::server

// One client connection: reads bytes, feeds the RESP request parser, runs each
// complete command through the server's dispatcher and writes the replies of
// everything parsed from one read in a single batch (pipelining).
#pragma once

#include <utility>  // Boost 1.74 asio needs std::exchange declared first (GCC 12)

#include <boost/asio.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/resp/parser.h"
#include "common/resp/writer.h"

namespace vigil::server {

class Server;
struct CommandSpec;

// A command resolved against the table: the top-level entry, the entry that
// runs (the subcommand's for "config get") and the name commandstats uses.
struct ResolvedCommand {
  const CommandSpec* spec = nullptr;
  const CommandSpec* run = nullptr;
  std::string full_name;
};

// A command queued between MULTI and EXEC.
struct QueuedCommand {
  ResolvedCommand cmd;
  std::vector<std::string> args;
};

struct WatchedKey {
  int db = 0;
  std::string key;
  // The key had already expired (not yet reclaimed) when WATCHed: its
  // removal is then no change (Redis 7.0's watchedKey.expired).
  bool expired_when_watched = false;
};

// MULTI/EXEC/WATCH state of one client.
struct TransactionState {
  bool active = false;         // inside MULTI
  bool aborted = false;        // a command was rejected while queueing: EXECABORT
  bool watch_touched = false;  // a WATCHed key changed: EXEC answers a null array
  std::vector<QueuedCommand> queued;
  std::vector<WatchedKey> watched;
};

// Redis's client classes for client-output-buffer-limit and CLIENT KILL TYPE
// (kMaster: a replica's link to its master).
enum class ClientClass { kNormal, kReplica, kPubSub, kMaster };

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

  // Appends already-encoded bytes (MONITOR feed, pub/sub messages) and
  // starts writing them (after the current command, if the client is the
  // one running it). Dropped once the client is being closed.
  void Push(std::string_view bytes);
  // As Push, but written once per event-loop turn however many pushes come
  // (the replication stream: one write per turn, not one per command).
  void PushBatched(std::string_view bytes);
  // The master link's client has no socket of its own: it shows the
  // master's address and tells the link when CLIENT KILL closes it.
  void set_peer(std::string peer) { peer_ = std::move(peer); }
  void set_on_close(std::function<void()> fn) { on_close_ = std::move(fn); }
  // The writer replies go through (blocked commands answer through it later).
  resp::Writer& writer() { return writer_; }
  // While blocked (BLPOP ...), input is read but not executed.
  bool blocked() const { return blocked_; }
  void set_blocked(bool b) { blocked_ = b; }
  // Runs the input that arrived while blocked and flushes the replies.
  void Resume();
  // Writes the pending replies now (the server calls it once the AOF holds
  // what they acknowledge).
  void FlushNow();
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
  // Bytes not yet written to the socket.
  size_t output_buffer_size() const { return out_.size() + writing_.size(); }

  // Pub/sub subscriptions (the server keeps the reverse index).
  std::set<std::string>& channels() { return channels_; }
  std::set<std::string>& patterns() { return patterns_; }
  std::set<std::string>& shard_channels() { return shard_channels_; }
  // What (UN)SUBSCRIBE and P(UN)SUBSCRIBE count in their replies; shard
  // subscriptions are counted apart, as Redis does.
  size_t subscription_count() const { return channels_.size() + patterns_.size(); }
  size_t shard_subscription_count() const { return shard_channels_.size(); }
  // Subscribed to anything: RESP2's restricted mode, the pubsub client class.
  bool subscribed() const { return subscription_count() + shard_subscription_count() > 0; }
  ClientClass client_class() const {
    if (role_ != ClientClass::kNormal) return role_;
    return subscribed() ? ClientClass::kPubSub : ClientClass::kNormal;
  }
  // A replica connected to us (after SYNC/PSYNC), or our link to our master.
  void set_role(ClientClass role) { role_ = role; }
  bool is_replica() const { return role_ == ClientClass::kReplica; }
  bool is_master() const { return role_ == ClientClass::kMaster; }
  // Redis's mustObeyClient: the master's stream and the AOF being loaded (the
  // loader is client id 0) are applied even past limits such as
  // proto-max-bulk-len, which the writer already accepted.
  bool must_obey() const { return is_master() || id_ == 0; }

  TransactionState& tx() { return tx_; }
  const TransactionState& tx() const { return tx_; }

  // One CLIENT LIST / CLIENT INFO line (with the trailing newline), as Redis
  // prints it; also used in the output-buffer-limit log line.
  std::string InfoString() const;

 private:
  void DoRead();
  void OnRead(const boost::system::error_code& ec, size_t n);
  void ProcessInput();
  void Flush();
  void OnWrite(const boost::system::error_code& ec);
  // client-output-buffer-limit: schedules the close when the pending output
  // is over the hard limit, or over the soft one for too long.
  void EnforceOutputLimit();

  Server& server_;
  boost::asio::ip::tcp::socket socket_;
  uint64_t id_;
  int fd_ = -1;
  std::string peer_, local_;
  bool peer_loopback_ = false;
  int db_index_ = 0;
  bool authenticated_ = false;
  std::string name_;
  int64_t created_ms_;
  int64_t last_interaction_ms_;
  std::string last_command_ = "NULL";  // as CLIENT LIST prints it

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
  bool flush_posted_ = false;
  std::function<void()> on_close_;
  ClientClass role_ = ClientClass::kNormal;
  bool processing_ = false;  // inside ProcessInput: pushes wait for its flush
  bool close_asap_ = false;  // over client-output-buffer-limit, close pending
  int64_t soft_limit_since_s_ = 0;  // Unix seconds the soft limit was first exceeded

  std::set<std::string> channels_, patterns_, shard_channels_;
  TransactionState tx_;
};


}  // namespace vigil::server

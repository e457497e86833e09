// Blocking commands (BLPOP, BLMOVE, BZPOPMIN ...): a client that finds
// nothing to pop is parked on its keys; when a command makes one of those keys
// ready, the parked command is run again, in the order the clients blocked
// (FIFO per key), after the command that fed the key (or the whole EXEC) has
// finished. A parked command that still finds nothing (another client was
// served first) stays parked in its place. Timeouts use one timer per client,
// so they fire at the millisecond they are due.
#pragma once

#include <utility>  // Boost 1.74 asio needs std::exchange declared first (GCC 12)

#include <boost/asio.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "server/db/object.h"

namespace vigil::server {

class Server;
class Client;
struct CommandContext;

// What a blocked client receives when its timeout passes.
enum class TimeoutReply { kNullArray, kNull };

struct BlockSpec {
  std::vector<std::string> keys;
  ObjType type = ObjType::kList;  // a key is ready only when it holds this type
  int64_t deadline_ms = 0;        // monotonic ms; 0 = wait forever
  TimeoutReply on_timeout = TimeoutReply::kNullArray;
  // The reply when the command may not block (inside MULTI/EXEC), if it
  // differs: Redis 7.0 answers BLMOVE/BRPOPLPUSH there with a null bulk but
  // their timeouts with a null array.
  std::optional<TimeoutReply> when_not_blocking;
};

// Parses a blocking timeout in seconds (fractions allowed) as Redis does and
// returns the monotonic deadline in ms (0 = forever); on error writes
// Redis's reply ("ERR timeout is not a float or out of range", "ERR timeout
// is negative", "ERR timeout is out of range") and returns nullopt.
std::optional<int64_t> ParseBlockTimeout(CommandContext& ctx, std::string_view arg);

// Called by a blocking command's handler when it found nothing: parks the
// client (or, inside MULTI/EXEC, answers the timeout reply at once).
void BlockClient(CommandContext& ctx, BlockSpec spec);

// The keys a blocking pop may serve: all of `keys` on a first run; on a
// re-run only the key that became ready, as Redis 7.0 serves the signalled
// key rather than the first non-empty one in argument order.
std::vector<std::string> KeysToServe(const CommandContext& ctx, std::vector<std::string> keys);

class Blocking {
 public:
  explicit Blocking(Server& server) : server_(server) {}

  void Block(Client& client, const std::vector<std::string>& args, BlockSpec spec);
  // During a re-run: the command found nothing again and stays parked.
  void KeepBlocked() { reblocked_ = true; }

  void SignalKeyAsReady(int db, std::string_view key);
  // Marks ready every waited-on key of `db` that holds a list or zset (after
  // SWAPDB put another dataset under the waiting clients).
  void SignalReadyKeysInDb(int db);
  // Serves the clients parked on keys made ready so far; called by the
  // server after each top-level command.
  void ServeReadyKeys();
  bool has_ready_keys() const { return !ready_.empty(); }
  // During a re-run: the key being served; nullptr otherwise.
  const std::string* serving_key() const { return serving_key_; }

  // Drops a client's wait (disconnect, CLIENT KILL). With `reply`, the client
  // gets its timeout reply first (CLIENT UNBLOCK ... TIMEOUT).
  void Unblock(uint64_t client_id, bool send_timeout_reply);
  bool IsBlocked(uint64_t client_id) const { return waits_.count(client_id) != 0; }
  // The time of the call that blocked: the slowlog entry is written when the
  // client is served, with that time plus the serving run's (Redis 7.0); a
  // wait that times out leaves no entry.
  void NoteBlockedCallTime(uint64_t client_id, int64_t us) {
    if (auto w = waits_.find(client_id); w != waits_.end()) w->second.call_us = us;
  }
  size_t blocked_clients() const { return waits_.size(); }
  // Those with a deadline (INFO's clients_in_timeout_table).
  size_t clients_with_timeout() const;
  size_t keys_with_waiters() const { return waiters_.size(); }

 private:
  struct Wait {
    int db = 0;
    BlockSpec spec;
    std::vector<std::string> args;
    std::unique_ptr<boost::asio::steady_timer> timer;
    int64_t call_us = 0;  // the blocking call's own time
  };
  using DbKey = std::pair<int, std::string>;

  void ServeKey(const DbKey& key);
  // Runs a parked command again to serve `key`; true if it was served (no
  // longer parked).
  bool Rerun(uint64_t client_id, const std::string& key);

  Server& server_;
  std::map<uint64_t, Wait> waits_;                   // by client id
  std::map<DbKey, std::deque<uint64_t>> waiters_;    // FIFO per key
  std::vector<DbKey> ready_;
  std::set<DbKey> ready_set_;
  bool reblocked_ = false;
  const std::string* serving_key_ = nullptr;
};

}  // namespace vigil::server

// Replication as the server sees it, on both sides of the link.
//
// As a master: the replication stream (every propagated write, with SELECT
// when the DB changes) goes to the backlog and to every replica; SYNC/PSYNC
// answer with a partial resync from the backlog or a full one (a forked
// child streams an RDB through a pipe that the event loop relays to the
// replica, so the loop never blocks); REPLCONF ACKs give each replica's
// offset, which WAIT and min-replicas-to-write use.
//
// As a replica: a MasterLink (master_link.h) keeps the connection to the
// master, and this class holds the history (replid, replid2, offsets) that
// lets the link, and our own replicas, resume with a partial resync after
// a drop or a failover.
#pragma once

#include <utility>  // Boost 1.74 asio needs std::exchange declared first (GCC 12)

#include <boost/asio.hpp>

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/status.h"
#include "server/persistence/snapshot.h"
#include "server/replication/backlog.h"

namespace vigil::server {

class Server;
class Client;
struct CommandContext;
class MasterLink;

class Replication {
 public:
  explicit Replication(Server& server);
  ~Replication();

  // After the dataset is loaded: connects to `replicaof` from the config.
  void Start();
  // Once per server cron run; does the once-a-second work (ACKs, PINGs to
  // replicas, timeouts, backlog TTL) when a second has passed.
  void Cron();

  // ---- the stream (master side, also a replica's own replicas) ----
  // A propagated command of DB `db` (-1: no SELECT needed, e.g. PING).
  void Feed(int db, const std::vector<std::string>& args);
  // Bytes of our master's stream that we applied: proxied unchanged to our
  // own backlog and replicas, so the whole chain shares one offset space.
  void FeedFromMaster(std::string_view bytes);

  // ---- commands ----
  void CmdReplconf(CommandContext& ctx);
  // PSYNC replid offset, or SYNC (`legacy`: no +FULLRESYNC line).
  void CmdSync(CommandContext& ctx, bool legacy);
  // REPLICAOF host port / NO ONE.
  void CmdReplicaOf(CommandContext& ctx);
  void CmdRole(CommandContext& ctx);
  void CmdWait(CommandContext& ctx);
  // Clients blocked in WAIT, and those of them with a timeout (INFO counts
  // them among blocked_clients / clients_in_timeout_table, as Redis does).
  size_t wait_clients() const { return waiters_.size(); }
  size_t wait_clients_with_timeout() const;
  // FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]: the coordinated
  // hand-over (pause writes, wait for a replica to catch up, become its
  // replica with PSYNC ... FAILOVER, which promotes it).
  void CmdFailover(CommandContext& ctx);

  // The error a command from `client` gets because of replication state
  // (READONLY, MASTERDOWN, NOREPLICAS), or "" when it may run.
  std::string Refusal(const Client& client, uint32_t flags, bool is_write) const;

  // What a saved RDB records of our history (AUX repl-id/repl-offset), and
  // the history restored from it at startup: a restarted replica resumes
  // with a partial resync, and so do the replicas of a restarted master.
  RdbSaveInfo SaveInfo() const;
  void RestoreFromRdb(const std::string& replid, int64_t offset);

  // CONFIG SET repl-backlog-size: resizes a live backlog.
  void ApplyBacklogSize();

  // The body of INFO replication, and the sync counters for INFO stats.
  std::string Info() const;
  uint64_t sync_full() const { return sync_full_; }
  uint64_t sync_partial_ok() const { return sync_partial_ok_; }
  uint64_t sync_partial_err() const { return sync_partial_err_; }

  bool is_replica() const { return !master_host_.empty(); }
  const std::string& replid() const { return replid_; }
  int64_t offset() const { return backlog_ ? backlog_->offset() : offset_; }
  // Replicas whose last ACK is within min-replicas-max-lag.
  int GoodReplicas() const;
  // The server is closing a client: forget it as a replica / WAIT waiter.
  void OnClientClosed(uint64_t id);

  // ---- called by MasterLink ----
  // PSYNC arguments for our master: our history, or "?" -1 for none.
  std::pair<std::string, int64_t> PsyncRequest() const;
  // +FULLRESYNC received and the RDB loaded: adopt the master's history.
  void OnFullSyncLoaded(const std::string& replid, int64_t offset);
  // +CONTINUE [newid]: the master may have changed its id (a promotion).
  void OnPartialSyncAccepted(const std::string& new_replid);
  // A full sync replaces our data: our own replicas must sync again.
  void DisconnectReplicas();
  bool link_up() const;
  // The RDB of a full sync is loaded into the databases (blocking, as
  // Redis's disk-based load); errors mean the sync failed.
  Status LoadSyncRdb(const std::string& path);
  // A coordinated failover made us the target's replica: PSYNC carries
  // FAILOVER, and its answer ends the failover.
  bool failover_in_progress() const { return failover_state_ == FailoverState::kInProgress; }
  void OnFailoverPsync(bool accepted);
  // The link failed before the PSYNC answer.
  void OnLinkFailed();
  Server& server() { return server_; }

 private:
  enum class ReplicaState { kHandshake, kWaitBgsave, kOnline };
  struct Replica {
    std::weak_ptr<Client> client;
    ReplicaState state = ReplicaState::kHandshake;
    std::string ip;  // REPLCONF ip-address, else the peer address
    int64_t listening_port = 0;
    bool capa_eof = false;
    bool capa_psync2 = false;
    int64_t ack_offset = 0;
    int64_t ack_time_ms = 0;  // monotonic
    bool legacy = false;  // SYNC: sends no ACKs
    pid_t child = -1;
    std::unique_ptr<boost::asio::posix::stream_descriptor> pipe;
    std::vector<char> relay_buf;
    std::string held_stream;  // the stream since the fork, sent once the RDB is
  };
  struct Waiter {
    std::weak_ptr<Client> client;
    int64_t offset = 0;
    int64_t numreplicas = 0;
    int64_t deadline_ms = 0;  // monotonic; 0: none
  };

  void EnsureBacklog();
  size_t BacklogSize() const;
  std::unique_ptr<repl::Backlog> NewBacklog(int64_t start_offset) const;
  void StartFullSync(CommandContext& ctx, Replica& r, bool legacy);
  void CheckHeldStreams();
  std::string ReplicaName(const Replica& r) const;
  // Online replicas that acknowledged `offset` or more.
  int64_t ReplicasAcked(int64_t offset) const;
  // Blocked clients (BLPOP, WAIT ...) get an -UNBLOCKED error: the instance
  // changed role under them.
  void UnblockAll(std::string_view error);
  void RelayRdb(uint64_t id);
  void FinishFullSync(uint64_t id, bool ok);
  void DropReplica(uint64_t id, bool close_client);
  void ServeWaiters();
  // REPLICAOF host port: becomes (or re-points) a replica.
  void SetMaster(const std::string& host, int64_t port);
  // REPLICAOF NO ONE: becomes a master keeping the old history as replid2.
  void UnsetMaster();
  void SetExpiryMode(bool replica);
  std::string ReplicaLines() const;
  void SendToReplica(Replica& r, std::string_view bytes);
  const Replica* FindReplica(const std::string& host, int64_t port) const;
  void UpdateFailoverStatus();
  void AbortFailover(const std::string& why);
  void ClearFailoverState();

  Server& server_;
  std::string replid_;
  std::string replid2_ = std::string(40, '0');
  int64_t second_offset_ = -1;
  int64_t offset_ = 0;  // master_repl_offset while there is no backlog
  // We hold a prefix of some master's stream (we synced, or were a master):
  // PSYNC asks to continue it instead of "PSYNC ? -1".
  bool has_history_ = false;
  std::unique_ptr<repl::Backlog> backlog_;
  int64_t no_replicas_since_ms_ = 0;
  int seldb_ = -1;  // DB of the last SELECT in the stream
  std::map<uint64_t, Replica> replicas_;
  std::vector<Waiter> waiters_;
  bool getack_pending_ = false;
  int64_t last_second_cron_ms_ = 0;
  int64_t last_ping_ms_ = 0;
  uint64_t sync_full_ = 0, sync_partial_ok_ = 0, sync_partial_err_ = 0;

  enum class FailoverState { kNone, kWaitForSync, kInProgress };
  FailoverState failover_state_ = FailoverState::kNone;
  std::string failover_host_;
  int64_t failover_port_ = 0;
  int64_t failover_end_ms_ = 0;  // monotonic; 0: no timeout
  bool failover_force_ = false;

  // Replica side.
  std::string master_host_;
  int64_t master_port_ = 0;
  std::shared_ptr<MasterLink> link_;
};

}  // namespace vigil::server

// The sentinel decision core: a pure state machine. Inputs are replies, hellos and ticks with
// the time passed in; outputs are Actions the daemon (or the simulator) carries out.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "common/util/status.h"
#include "sentinel/core/events.h"
#include "sentinel/core/instance.h"
#include "sentinel/core/persisted_state.h"
#include "sentinel/core/replica_selection.h"
#include "sentinel/core/timing.h"

namespace vigil::sentinel {

enum class InstanceKind { kMaster, kReplica, kSentinel };

// Names one monitored instance: the master it belongs to and its address.
struct Target {
  std::string master;
  InstanceKind kind = InstanceKind::kMaster;
  std::string ip;
  int port = 0;
  bool operator==(const Target&) const = default;
};

struct Action {
  enum class Type {
    kSendPing,
    kSendInfo,
    kPublishHello,
    kAskMasterState,  // SENTINEL IS-MASTER-DOWN-BY-ADDR to a peer
    kPromote,         // MULTI; SLAVEOF NO ONE; CONFIG REWRITE; CLIENT KILL x2; EXEC
    kRepoint,         // same transaction with SLAVEOF host port
    kEvent,
    kPersistState,
    kScriptKill,      // SCRIPT KILL to an instance stuck in a script (-BUSY while SDOWN)
    kSimulatedCrash,  // SENTINEL SIMULATE-FAILURE: the daemon logs and exits with 99
  };
  Type type = Type::kEvent;
  uint64_t id = 0;
  Target target;
  std::string payload;  // hello payload
  uint64_t epoch = 0;   // AskMasterState: our current epoch
  std::string runid;    // AskMasterState: our id (vote request) or "*"
  std::string host;     // Repoint target
  int port = 0;
  Event event;
  PersistedState state;
};

enum class PingReply { kPong, kLoading, kMasterDown, kBusy, kOtherError };

struct MasterDownAnswer {
  int down_state = 0;
  std::string leader_runid = "*";
  uint64_t leader_epoch = 0;
};

struct MasterConfig {
  std::string name;
  std::string ip;
  int port = 0;
  MasterSettings settings;
};

struct SentinelConfig {
  std::string myid;
  std::string announce_ip;
  int announce_port = 26379;
  std::vector<MasterConfig> masters;
};

class Sentinel {
 public:
  Sentinel(SentinelConfig config, uint64_t seed, int64_t now_ms, Timing timing = Timing());
  // Restart from a persisted snapshot (announce address and seed come from outside).
  Sentinel(const PersistedState& state, std::string announce_ip, int announce_port,
           uint64_t seed, int64_t now_ms, Timing timing = Timing());

  std::vector<Action> Tick(int64_t now_ms);
  std::vector<Action> OnPingReply(const Target& t, PingReply reply, int64_t now_ms);
  std::vector<Action> OnInfoReply(const Target& t, std::string_view info, int64_t now_ms);
  std::vector<Action> OnHello(std::string_view payload, int64_t now_ms);
  std::vector<Action> OnIsMasterDownReply(const std::string& master, const std::string& peer_runid,
                                          int down_state, const std::string& leader_runid,
                                          uint64_t leader_epoch, int64_t now_ms);
  MasterDownAnswer HandleIsMasterDownRequest(const std::string& ip, int port, uint64_t req_epoch,
                                             const std::string& runid, int64_t now_ms,
                                             std::vector<Action>* out);
  std::vector<Action> OnLinkUp(const Target& t, int64_t now_ms);
  std::vector<Action> OnLinkDown(const Target& t, int64_t now_ms);
  std::vector<Action> OnCommandResult(uint64_t action_id, bool ok, int64_t now_ms);

  // SENTINEL FAILOVER / RESET / CKQUORUM / SET.
  Status Failover(const std::string& name, int64_t now_ms, std::vector<Action>* out);
  int Reset(const std::string& pattern, int64_t now_ms, std::vector<Action>* out);
  // Returns the reply text: "OK ..." or the error (with its leading '-').
  std::string CkQuorum(const std::string& name) const;
  Status Set(const std::string& name, const std::vector<std::string>& args,
             std::vector<Action>* out);
  // SENTINEL MONITOR / REMOVE, with Redis's errors ("ERR Duplicated master
  // name", "ERR Invalid port number", "ERR Quorum must be 1 or greater.",
  // "ERR No such master with that name").
  Status Monitor(const std::string& name, const std::string& ip, int64_t port, int64_t quorum,
                 int64_t now_ms, std::vector<Action>* out);
  Status Remove(const std::string& name, std::vector<Action>* out);
  // SENTINEL SIMULATE-FAILURE flags (INFO's sentinel_simulate_failure_flags).
  enum SimFailure : int { kSimNone = 0, kCrashAfterElection = 1, kCrashAfterPromotion = 2 };
  void set_simulate_failure(int flags) { simfailure_flags_ = flags; }
  int simulate_failure() const { return simfailure_flags_; }
  // The name to send `command` under to this master's instances (rename-command).
  std::string CommandName(const std::string& master, const std::string& command) const;

  PersistedState Snapshot() const;
  const std::string& myid() const { return myid_; }
  uint64_t current_epoch() const { return current_epoch_; }
  bool tilt() const { return tilt_; }
  const std::map<std::string, Master>& masters() const { return masters_; }
  const Master* FindMaster(const std::string& name) const;
  const Timing& timing() const { return timing_; }

 private:
  void Emit(EventLevel level, std::string type, std::string text);
  void MarkDirty() { dirty_ = true; }
  std::vector<Action> Flush();
  uint64_t NextId() { return next_id_++; }
  int64_t Random(int64_t bound);

  Instance* FindInstance(const Target& t);
  Master* MasterByAddr(const std::string& ip, int port);
  void Periodic(Master& m, Instance& inst, InstanceKind kind, int64_t now);
  // Health (health.cc): TILT, SDOWN, ODOWN and asking peers for their view.
  void CheckTiltEntry(int64_t now);
  bool StillInTilt(int64_t now);
  void CheckSdown(Master& m, Instance& inst, InstanceKind kind, const std::string& details,
                  int64_t now);
  void CheckOdown(Master& m, int64_t now);
  void AskOthers(Master& m, int64_t now, bool force);
  // Failover state machine (failover.cc): one function per state, dispatched by FailoverStep.
  void StartFailoverIfNeeded(Master& m, int64_t now);
  void StartFailover(Master& m, int64_t now);
  void FailoverStep(Master& m, int64_t now);
  bool FailoverWaitStart(Master& m, int64_t now);
  bool FailoverSelectSlave(Master& m, int64_t now);
  void FailoverSendSlaveofNoone(Master& m, int64_t now);
  void FailoverWaitPromotion(Master& m, int64_t now);
  void FailoverReconfSlaves(Master& m, int64_t now);
  void FailoverUpdateConfig(Master& m);
  bool FailoverNotePromotion(Master& m, Replica& r, const ParsedInfo& info, int64_t now);
  void FailoverNoteReconfProgress(Master& m, Replica& r, const ParsedInfo& info);
  void DetectFailoverEnd(Master& m, int64_t now);
  void AbortFailover(Master& m);
  void SwitchToPromoted(Master& m, const std::string& ip, int port);
  void ResetMaster(Master& m, bool keep_sentinels, int64_t now);
  std::string VoteLeader(Master& m, uint64_t req_epoch, const std::string& req_runid,
                         uint64_t* leader_epoch, int64_t now);
  std::string GetLeader(Master& m, uint64_t epoch, int64_t now);
  void UpdateReplicaInfo(Master& m, Replica& r, const ParsedInfo& info, int64_t now);
  void UpdateMasterInfo(Master& m, const ParsedInfo& info, int64_t now);
  bool MasterLooksSane(const Master& m) const;
  std::string HelloPayload(const Master& m) const;
  void SendRepoint(Master& m, Replica& r, const std::string& host, int port);

  std::string myid_;
  std::string announce_ip_;
  int announce_port_;
  Timing timing_;
  std::mt19937_64 rng_;
  uint64_t current_epoch_ = 0;
  std::map<std::string, Master> masters_;
  bool tilt_ = false;
  int64_t tilt_start_ms_ = 0;
  int64_t last_tick_ms_;
  int64_t now_ms_ = 0;
  bool dirty_ = false;
  int simfailure_flags_ = kSimNone;
  void SimulatedCrash(const char* when);
  uint64_t next_id_ = 1;
  std::vector<Action> pending_;
};

}  // namespace vigil::sentinel

// The sentinel's model of the world: monitored masters, their replicas and the other
// sentinels watching them, with the per-instance timers the health rules read.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "sentinel/core/info_parser.h"

namespace vigil::sentinel {

enum class FailoverState {
  kNone,
  kWaitStart,
  kSelectSlave,
  kSendSlaveofNoone,
  kWaitPromotion,
  kReconfSlaves,
  kUpdateConfig,
};

const char* FailoverStateName(FailoverState s);

// Fields shared by masters, replicas and peer sentinels.
struct Instance {
  std::string ip;
  int port = 0;
  std::string run_id;
  bool link_up = true;
  int64_t created_ms = 0;
  int64_t last_ping_sent_ms = -1;
  int64_t last_valid_reply_ms = 0;  // PONG, -LOADING, -MASTERDOWN (starts at creation)
  int64_t last_reply_ms = -1;
  bool last_reply_loading = false;
  int64_t last_info_sent_ms = -1;
  int64_t last_info_ms = -1;  // -1: never
  // The last INFO reply as received: SENTINEL INFO-CACHE prints it with its
  // age (last_info_ms).
  std::string info_text;
  int64_t last_hello_sent_ms = -1;
  bool sdown = false;
  bool script_kill_sent = false;  // cleared when SDOWN ends
  int64_t sdown_since_ms = 0;
  Role role_reported = Role::kUnknown;
  int64_t role_reported_ms = 0;
  std::string Addr() const { return ip + ":" + std::to_string(port); }
};

struct Replica : Instance {
  std::string master_host;
  int master_port = 0;
  bool master_link_up = false;
  int64_t master_link_down_ms = 0;  // from master_link_down_since_seconds
  int priority = 100;
  int64_t repl_offset = 0;
  bool announced = true;
  int64_t conf_change_ms = 0;  // last time master_host/port changed
  bool promoted = false;
  bool reconf_sent = false;
  bool reconf_inprog = false;
  bool reconf_done = false;
  int64_t reconf_sent_ms = 0;
};

struct PeerSentinel : Instance {
  int64_t last_hello_ms = 0;
  bool master_down = false;  // its last IS-MASTER-DOWN-BY-ADDR answer
  int64_t last_master_down_reply_ms = 0;
  int64_t last_ask_sent_ms = -1;
  std::string leader;  // its vote, as it told us
  uint64_t leader_epoch = 0;
};

struct MasterSettings {
  int quorum = 2;
  int64_t down_after_ms = 30000;
  int64_t failover_timeout_ms = 180000;
  int parallel_syncs = 1;
  int64_t reboot_down_after_ms = 0;
  std::string auth_pass;
  std::string auth_user;
  std::map<std::string, std::string> rename_commands;
};

struct Master : Instance {
  std::string name;
  MasterSettings settings;
  uint64_t config_epoch = 0;
  std::string leader;  // who this sentinel voted for
  uint64_t leader_epoch = 0;
  bool odown = false;
  int64_t odown_since_ms = 0;
  bool rebooted = false;
  int64_t reboot_ms = 0;
  FailoverState failover_state = FailoverState::kNone;
  uint64_t failover_epoch = 0;
  int64_t failover_start_ms = -(int64_t{1} << 60);  // "long ago": no retry delay at start
  int64_t failover_state_change_ms = 0;
  bool force_failover = false;
  uint64_t vote_requested_epoch = 0;  // epoch of our last vote request round
  std::string promoted;  // key into replicas
  std::map<std::string, Replica> replicas;       // by "ip:port"
  std::map<std::string, PeerSentinel> sentinels;  // by run id
  bool FailoverInProgress() const { return failover_state != FailoverState::kNone; }
};

}  // namespace vigil::sentinel

#include "sentinel/core/failover.h"

#include <algorithm>

#include "sentinel/core/sentinel.h"

namespace vigil::sentinel {

bool FailoverRetryDue(const Master& m, int64_t now) {
  if (!m.odown || m.FailoverInProgress()) return false;
  return now - m.failover_start_ms >= m.settings.failover_timeout_ms * 2;
}

bool FailoverStateTimedOut(const Master& m, int64_t now) {
  return now - m.failover_state_change_ms > m.settings.failover_timeout_ms;
}

void Sentinel::StartFailoverIfNeeded(Master& m, int64_t now) {
  if (FailoverRetryDue(m, now)) StartFailover(m, now);
}

void Sentinel::StartFailover(Master& m, int64_t now) {
  m.failover_state = FailoverState::kWaitStart;
  m.failover_epoch = ++current_epoch_;
  MarkDirty();
  Emit(EventLevel::kWarning, "+new-epoch", std::to_string(current_epoch_));
  Emit(EventLevel::kWarning, "+try-failover", MasterDetails(m));
  m.failover_start_ms = now + Random(timing_.max_desync_ms);
  m.failover_state_change_ms = now;
}

void Sentinel::AbortFailover(Master& m) {
  m.failover_state = FailoverState::kNone;
  m.force_failover = false;
  m.failover_state_change_ms = now_ms_;
  for (auto& [addr, r] : m.replicas) {
    r.promoted = r.reconf_sent = r.reconf_inprog = r.reconf_done = false;
  }
  m.promoted.clear();
}

void Sentinel::SendRepoint(Master& m, Replica& r, const std::string& host, int port) {
  Action a;
  a.type = Action::Type::kRepoint;
  a.id = NextId();
  a.target = Target{m.name, InstanceKind::kReplica, r.ip, r.port};
  a.host = host;
  a.port = port;
  pending_.push_back(std::move(a));
}

// One function per state. WAIT_START and SELECT_SLAVE return true when they moved on and the
// next state should run in the same tick (as Redis does).
void Sentinel::FailoverStep(Master& m, int64_t now) {
  switch (m.failover_state) {
    case FailoverState::kNone:
    case FailoverState::kUpdateConfig:  // acted on by FailoverUpdateConfig after the scan
      return;
    case FailoverState::kWaitStart:
      if (!FailoverWaitStart(m, now)) return;
      [[fallthrough]];
    case FailoverState::kSelectSlave:
      if (!FailoverSelectSlave(m, now)) return;
      [[fallthrough]];
    case FailoverState::kSendSlaveofNoone:
      FailoverSendSlaveofNoone(m, now);
      return;
    case FailoverState::kWaitPromotion:
      FailoverWaitPromotion(m, now);
      return;
    case FailoverState::kReconfSlaves:
      FailoverReconfSlaves(m, now);
      return;
  }
}

bool Sentinel::FailoverWaitStart(Master& m, int64_t now) {
  if (now < m.failover_start_ms && !m.force_failover) return false;
  std::string leader = GetLeader(m, m.failover_epoch, now);
  if (leader != myid_ && !m.force_failover) {
    int64_t timeout = std::min(timing_.election_timeout_ms, m.settings.failover_timeout_ms);
    if (now - m.failover_start_ms > timeout) {
      Emit(EventLevel::kWarning, "-failover-abort-not-elected", MasterDetails(m));
      AbortFailover(m);
    }
    return false;
  }
  Emit(EventLevel::kWarning, "+elected-leader", MasterDetails(m));
  if (simfailure_flags_ & kCrashAfterElection) SimulatedCrash("crash-after-election");
  m.failover_state = FailoverState::kSelectSlave;
  m.failover_state_change_ms = now;
  Emit(EventLevel::kWarning, "+failover-state-select-slave", MasterDetails(m));
  return true;
}

bool Sentinel::FailoverSelectSlave(Master& m, int64_t now) {
  ReplicaSelection sel = SelectReplica(m, now, timing_);
  if (sel.chosen.empty()) {
    Emit(EventLevel::kWarning, "-failover-abort-no-good-slave", MasterDetails(m));
    AbortFailover(m);
    return false;
  }
  Replica& r = m.replicas.at(sel.chosen);
  r.promoted = true;
  m.promoted = sel.chosen;
  Emit(EventLevel::kWarning, "+selected-slave", ReplicaDetails(m, r));
  m.failover_state = FailoverState::kSendSlaveofNoone;
  m.failover_state_change_ms = now;
  Emit(EventLevel::kNotice, "+failover-state-send-slaveof-noone", ReplicaDetails(m, r));
  return true;
}

void Sentinel::FailoverSendSlaveofNoone(Master& m, int64_t now) {
  Replica& r = m.replicas.at(m.promoted);
  if (!r.link_up) {
    if (FailoverStateTimedOut(m, now)) {
      Emit(EventLevel::kWarning, "-failover-abort-slave-timeout", MasterDetails(m));
      AbortFailover(m);
    }
    return;
  }
  Action a;
  a.type = Action::Type::kPromote;
  a.id = NextId();
  a.target = Target{m.name, InstanceKind::kReplica, r.ip, r.port};
  a.epoch = m.failover_epoch;
  pending_.push_back(std::move(a));
  Emit(EventLevel::kNotice, "+failover-state-wait-promotion", ReplicaDetails(m, r));
  m.failover_state = FailoverState::kWaitPromotion;
  m.failover_state_change_ms = now;
}

void Sentinel::FailoverWaitPromotion(Master& m, int64_t now) {
  // Promotion is detected from the replica's INFO (FailoverNotePromotion); here only the timeout.
  if (FailoverStateTimedOut(m, now)) {
    Emit(EventLevel::kWarning, "-failover-abort-slave-timeout", MasterDetails(m));
    AbortFailover(m);
  }
}

void Sentinel::FailoverReconfSlaves(Master& m, int64_t now) {
  const Replica& promoted = m.replicas.at(m.promoted);
  std::string host = promoted.ip;
  int port = promoted.port;
  int in_progress = 0;
  for (auto& [addr, r] : m.replicas) {
    // A replica that never acknowledged the re-point is given up on after 10 s, which also
    // frees its parallel-syncs slot.
    if (r.reconf_sent && now - r.reconf_sent_ms > timing_.slave_reconf_timeout_ms) {
      Emit(EventLevel::kNotice, "-slave-reconf-sent-timeout", ReplicaDetails(m, r));
      r.reconf_sent = false;
      r.reconf_done = true;
    }
    if (r.reconf_sent || r.reconf_inprog) ++in_progress;
  }
  for (auto& [addr, r] : m.replicas) {
    if (in_progress >= m.settings.parallel_syncs) break;
    if (r.promoted || r.reconf_done) continue;
    if (r.reconf_sent || r.reconf_inprog) continue;
    if (!r.link_up) continue;
    SendRepoint(m, r, host, port);
    r.reconf_sent = true;
    r.reconf_sent_ms = now;
    ++in_progress;
    Emit(EventLevel::kNotice, "+slave-reconf-sent", ReplicaDetails(m, r));
  }
  DetectFailoverEnd(m, now);
}

void Sentinel::FailoverUpdateConfig(Master& m) {
  if (m.failover_state != FailoverState::kUpdateConfig) return;
  auto it = m.replicas.find(m.promoted);
  if (it != m.replicas.end()) SwitchToPromoted(m, it->second.ip, it->second.port);
}

// WAIT_PROMOTION -> RECONF_SLAVES, driven by the promoted replica's INFO. Returns true when
// the INFO was consumed by this transition.
bool Sentinel::FailoverNotePromotion(Master& m, Replica& r, const ParsedInfo& info, int64_t now) {
  if (!(info.role == Role::kMaster && r.promoted &&
        m.failover_state == FailoverState::kWaitPromotion)) {
    return false;
  }
  m.config_epoch = m.failover_epoch;
  m.failover_state = FailoverState::kReconfSlaves;
  m.failover_state_change_ms = now;
  MarkDirty();
  Emit(EventLevel::kWarning, "+promoted-slave", ReplicaDetails(m, r));
  if (simfailure_flags_ & kCrashAfterPromotion) SimulatedCrash("crash-after-promotion");
  Emit(EventLevel::kWarning, "+failover-state-reconf-slaves", MasterDetails(m));
  // Tell the others about the new config epoch right away.
  for (auto& [addr, rr] : m.replicas) rr.last_hello_sent_ms = -1;
  m.last_hello_sent_ms = -1;
  return true;
}

// Progress of a re-point we sent during RECONF_SLAVES: sent -> in progress -> done.
void Sentinel::FailoverNoteReconfProgress(Master& m, Replica& r, const ParsedInfo& info) {
  if (!(info.role == Role::kSlave && (r.reconf_sent || r.reconf_inprog) &&
        m.failover_state >= FailoverState::kReconfSlaves && !m.promoted.empty())) {
    return;
  }
  const Replica& p = m.replicas.at(m.promoted);
  if (r.master_host != p.ip || r.master_port != p.port) return;
  if (r.reconf_sent) {
    r.reconf_sent = false;
    r.reconf_inprog = true;
    Emit(EventLevel::kNotice, "+slave-reconf-inprog", ReplicaDetails(m, r));
  }
  if (r.reconf_inprog && r.master_link_up) {
    r.reconf_inprog = false;
    r.reconf_done = true;
    Emit(EventLevel::kNotice, "+slave-reconf-done", ReplicaDetails(m, r));
  }
}

void Sentinel::DetectFailoverEnd(Master& m, int64_t now) {
  bool timeout = FailoverStateTimedOut(m, now);
  int not_reconfigured = 0;
  for (auto& [addr, r] : m.replicas) {
    if (r.promoted || r.reconf_done) continue;
    if (r.sdown) continue;
    ++not_reconfigured;
  }
  if (not_reconfigured > 0 && !timeout) return;
  if (timeout) Emit(EventLevel::kWarning, "-failover-end-for-timeout", MasterDetails(m));
  Emit(EventLevel::kWarning, "+failover-end", MasterDetails(m));
  m.failover_state = FailoverState::kUpdateConfig;
  m.failover_state_change_ms = now;
  if (timeout) {
    // Past the timeout parallel-syncs no longer applies: re-point everyone left.
    const Replica& promoted = m.replicas.at(m.promoted);
    std::string host = promoted.ip;
    int port = promoted.port;
    for (auto& [addr, r] : m.replicas) {
      if (r.promoted || r.reconf_done || r.reconf_sent) continue;
      SendRepoint(m, r, host, port);
      r.reconf_sent = true;
      Emit(EventLevel::kNotice, "+slave-reconf-sent", ReplicaDetails(m, r));
    }
  }
}

}  // namespace vigil::sentinel

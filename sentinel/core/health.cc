#include "sentinel/core/health.h"

#include "sentinel/core/sentinel.h"

namespace vigil::sentinel {

bool ClockJumped(int64_t delta_ms, const Timing& timing) {
  return delta_ms < 0 || delta_ms > timing.tilt_trigger_ms;
}

bool InstanceLooksDown(const Master& m, const Instance& inst, bool is_master, const Timing& timing,
                       int64_t now) {
  int64_t elapsed = now - inst.last_valid_reply_ms;
  bool down = elapsed > m.settings.down_after_ms;
  if (is_master) {
    // A master that keeps saying it is a replica is as good as down.
    if (inst.role_reported == Role::kSlave &&
        now - inst.role_reported_ms > m.settings.down_after_ms + 2 * timing.info_period_ms) {
      down = true;
    }
    // A rebooted master still loading its data set past the configured period.
    if (m.settings.reboot_down_after_ms > 0 && m.rebooted && inst.last_reply_loading &&
        now - m.reboot_ms > m.settings.reboot_down_after_ms) {
      down = true;
    }
  }
  return down;
}

int OdownVotes(const Master& m) {
  if (!m.sdown) return 0;
  int votes = 1;
  for (const auto& [id, s] : m.sentinels) {
    if (s.master_down) ++votes;
  }
  return votes;
}

// ---------------------------------------------------------------------------------------
// TILT.

void Sentinel::CheckTiltEntry(int64_t now) {
  int64_t delta = now - last_tick_ms_;
  last_tick_ms_ = now;
  // A clock that jumps (or a process that was stalled) makes every timer unreliable: stop
  // acting for a while instead of declaring the world down.
  if (ClockJumped(delta, timing_)) {
    tilt_ = true;
    tilt_start_ms_ = now;
    Emit(EventLevel::kWarning, "+tilt", "#tilt mode entered");
  }
}

bool Sentinel::StillInTilt(int64_t now) {
  if (!tilt_) return false;
  if (now - tilt_start_ms_ < timing_.tilt_period_ms) return true;
  tilt_ = false;
  Emit(EventLevel::kWarning, "-tilt", "#tilt mode exited");
  return false;
}

// ---------------------------------------------------------------------------------------
// SDOWN / ODOWN, and asking peers for their view of the master.

void Sentinel::CheckSdown(Master& m, Instance& inst, InstanceKind kind, const std::string& details,
                          int64_t now) {
  bool down = InstanceLooksDown(m, inst, kind == InstanceKind::kMaster, timing_, now);
  if (down && !inst.sdown) {
    inst.sdown = true;
    inst.sdown_since_ms = now;
    Emit(EventLevel::kWarning, "+sdown", details);
  } else if (!down && inst.sdown) {
    inst.sdown = false;
    inst.script_kill_sent = false;
    Emit(EventLevel::kWarning, "-sdown", details);
  }
}

void Sentinel::CheckOdown(Master& m, int64_t now) {
  int votes = OdownVotes(m);
  bool odown = m.sdown && votes >= m.settings.quorum;
  if (odown && !m.odown) {
    m.odown = true;
    m.odown_since_ms = now;
    Emit(EventLevel::kWarning, "+odown",
         MasterDetails(m) + " #quorum " + std::to_string(votes) + "/" +
             std::to_string(m.settings.quorum));
  } else if (!odown && m.odown) {
    m.odown = false;
    Emit(EventLevel::kWarning, "-odown", MasterDetails(m));
  }
}

void Sentinel::AskOthers(Master& m, int64_t now, bool force) {
  // The first vote request of an epoch goes out at once (not at the next 1 s slot), so that
  // it reaches peers before their own desync delay ends and they vote for themselves.
  bool ask_vote = m.failover_state > FailoverState::kNone && now >= m.failover_start_ms;
  if (ask_vote && m.vote_requested_epoch != m.failover_epoch) {
    force = true;
    m.vote_requested_epoch = m.failover_epoch;
  }
  for (auto& [id, s] : m.sentinels) {
    // Stale opinions expire, so an old "down" cannot keep a healed master ODOWN.
    if (now - s.last_master_down_reply_ms > timing_.master_down_reply_validity_ms) {
      s.master_down = false;
      s.leader.clear();
    }
    if (!m.sdown || !s.link_up) continue;
    if (!force && s.last_ask_sent_ms >= 0 && now - s.last_ask_sent_ms < timing_.ask_period_ms) {
      continue;
    }
    // During WAIT_START the request doubles as a vote request, but only once our random
    // desync delay has elapsed.
    s.last_ask_sent_ms = now;
    Action a;
    a.type = Action::Type::kAskMasterState;
    a.id = NextId();
    a.target = Target{m.name, InstanceKind::kSentinel, s.ip, s.port};
    a.epoch = current_epoch_;
    a.runid = ask_vote ? myid_ : "*";
    a.host = m.ip;
    a.port = m.port;
    pending_.push_back(std::move(a));
  }
}

}  // namespace vigil::sentinel

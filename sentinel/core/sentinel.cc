#include "sentinel/core/sentinel.h"

#include <algorithm>
#include <type_traits>

#include "common/util/glob.h"
#include "common/util/strings.h"
#include "sentinel/core/election.h"

namespace vigil::sentinel {
namespace {

Master MakeMaster(const std::string& name, const std::string& ip, int port,
                  const MasterSettings& s, int64_t now) {
  Master m;
  m.name = name;
  m.ip = ip;
  m.port = port;
  m.settings = s;
  m.created_ms = now;
  m.last_valid_reply_ms = now;
  m.role_reported = Role::kMaster;
  m.role_reported_ms = now;
  return m;
}

template <typename T>
void InitInstance(T& inst, const std::string& ip, int port, int64_t now) {
  inst.ip = ip;
  inst.port = port;
  inst.created_ms = now;
  inst.last_valid_reply_ms = now;
  inst.role_reported_ms = now;
  // Redis creates replica entries with the role they are known by, so the
  // first INFO of a healthy replica is not a role change.
  if constexpr (std::is_same_v<T, Replica>) inst.role_reported = Role::kSlave;
}

// Redis's sentinelRedisInstanceNoDownFor: the instance has not entered SDOWN
// (or, for a master, ODOWN) within the last `ms` (or never has).
bool NoDownFor(const Instance& inst, int64_t odown_since_ms, int64_t ms, int64_t now) {
  const int64_t most_recent = std::max(inst.sdown_since_ms, odown_since_ms);
  return most_recent == 0 || now - most_recent > ms;
}

}  // namespace

Sentinel::Sentinel(SentinelConfig config, uint64_t seed, int64_t now_ms, Timing timing)
    : myid_(std::move(config.myid)),
      announce_ip_(std::move(config.announce_ip)),
      announce_port_(config.announce_port),
      timing_(timing),
      rng_(seed),
      last_tick_ms_(now_ms),
      now_ms_(now_ms) {
  for (const MasterConfig& mc : config.masters) {
    masters_.emplace(mc.name, MakeMaster(mc.name, mc.ip, mc.port, mc.settings, now_ms));
  }
}

Sentinel::Sentinel(const PersistedState& st, std::string announce_ip, int announce_port,
                   uint64_t seed, int64_t now_ms, Timing timing)
    : myid_(st.myid),
      announce_ip_(std::move(announce_ip)),
      announce_port_(announce_port),
      timing_(timing),
      rng_(seed),
      current_epoch_(st.current_epoch),
      last_tick_ms_(now_ms),
      now_ms_(now_ms) {
  for (const PersistedMaster& pm : st.masters) {
    Master m = MakeMaster(pm.name, pm.ip, pm.port, pm.settings, now_ms);
    m.config_epoch = pm.config_epoch;
    m.leader_epoch = pm.leader_epoch;
    m.leader = pm.leader;
    for (const auto& [ip, port] : pm.known_replicas) {
      Replica r;
      InitInstance(r, ip, port, now_ms);
      m.replicas.emplace(r.Addr(), r);
    }
    for (const PersistedSentinel& ps : pm.known_sentinels) {
      PeerSentinel s;
      InitInstance(s, ps.ip, ps.port, now_ms);
      s.run_id = ps.run_id;
      s.last_hello_ms = now_ms;
      m.sentinels.emplace(s.run_id, s);
    }
    masters_.emplace(m.name, std::move(m));
  }
}

int64_t Sentinel::Random(int64_t bound) {
  if (bound <= 0) return 0;
  return static_cast<int64_t>(rng_() % static_cast<uint64_t>(bound));
}

void Sentinel::Emit(EventLevel level, std::string type, std::string text) {
  Action a;
  a.type = Action::Type::kEvent;
  a.event = Event{level, std::move(type), std::move(text), current_epoch_};
  pending_.push_back(std::move(a));
}

std::vector<Action> Sentinel::Flush() {
  // The state is persisted FIRST: a vote or a new epoch must be on disk
  // before anything that reveals it leaves the process (Redis flushes the
  // config inside sentinelVoteLeader), or a crash in between lets the
  // restarted sentinel vote again in the same epoch.
  if (dirty_) {
    Action a;
    a.type = Action::Type::kPersistState;
    a.state = Snapshot();
    pending_.insert(pending_.begin(), std::move(a));
    dirty_ = false;
  }
  std::vector<Action> out;
  out.swap(pending_);
  return out;
}

const Master* Sentinel::FindMaster(const std::string& name) const {
  auto it = masters_.find(name);
  return it == masters_.end() ? nullptr : &it->second;
}

Master* Sentinel::MasterByAddr(const std::string& ip, int port) {
  for (auto& [name, m] : masters_) {
    if (m.ip == ip && m.port == port) return &m;
  }
  return nullptr;
}

Instance* Sentinel::FindInstance(const Target& t) {
  auto it = masters_.find(t.master);
  if (it == masters_.end()) return nullptr;
  Master& m = it->second;
  switch (t.kind) {
    case InstanceKind::kMaster:
      return (m.ip == t.ip && m.port == t.port) ? &m : nullptr;
    case InstanceKind::kReplica: {
      auto r = m.replicas.find(t.ip + ":" + std::to_string(t.port));
      return r == m.replicas.end() ? nullptr : &r->second;
    }
    case InstanceKind::kSentinel:
      for (auto& [id, s] : m.sentinels) {
        if (s.ip == t.ip && s.port == t.port) return &s;
      }
      return nullptr;
  }
  return nullptr;
}

PersistedState Sentinel::Snapshot() const {
  PersistedState st;
  st.myid = myid_;
  st.current_epoch = current_epoch_;
  for (const auto& [name, m] : masters_) {
    PersistedMaster pm;
    pm.name = name;
    // Like Redis, write the promoted replica's address once the promotion was seen, so a
    // restart in the middle of RECONF_SLAVES does not pair the new epoch with the old address.
    pm.ip = m.ip;
    pm.port = m.port;
    if (m.failover_state >= FailoverState::kReconfSlaves && m.replicas.count(m.promoted)) {
      pm.ip = m.replicas.at(m.promoted).ip;
      pm.port = m.replicas.at(m.promoted).port;
      pm.known_replicas.emplace_back(m.ip, m.port);
    }
    pm.settings = m.settings;
    pm.config_epoch = m.config_epoch;
    pm.leader_epoch = m.leader_epoch;
    pm.leader = m.leader;
    for (const auto& [addr, r] : m.replicas) {
      if (r.ip == pm.ip && r.port == pm.port) continue;
      pm.known_replicas.emplace_back(r.ip, r.port);
    }
    for (const auto& [id, s] : m.sentinels) pm.known_sentinels.push_back({s.ip, s.port, id});
    st.masters.push_back(std::move(pm));
  }
  return st;
}

std::string Sentinel::HelloPayload(const Master& m) const {
  // Once the promotion is seen the new config epoch belongs to the promoted replica's
  // address: advertising the old address with the new epoch would switch peers backwards.
  std::string ip = m.ip;
  int port = m.port;
  if (m.failover_state >= FailoverState::kReconfSlaves && m.replicas.count(m.promoted)) {
    const Replica& p = m.replicas.at(m.promoted);
    ip = p.ip;
    port = p.port;
  }
  return announce_ip_ + "," + std::to_string(announce_port_) + "," + myid_ + "," +
         std::to_string(current_epoch_) + "," + m.name + "," + ip + "," + std::to_string(port) +
         "," + std::to_string(m.config_epoch);
}

// ---------------------------------------------------------------------------------------
// Timer.

std::vector<Action> Sentinel::Tick(int64_t now) {
  now_ms_ = now;
  CheckTiltEntry(now);
  for (auto& [name, m] : masters_) {
    Periodic(m, m, InstanceKind::kMaster, now);
    for (auto& [addr, r] : m.replicas) Periodic(m, r, InstanceKind::kReplica, now);
    for (auto& [id, s] : m.sentinels) Periodic(m, s, InstanceKind::kSentinel, now);
  }
  if (StillInTilt(now)) return Flush();
  for (auto& [name, m] : masters_) {
    CheckSdown(m, m, InstanceKind::kMaster, MasterDetails(m), now);
    for (auto& [addr, r] : m.replicas) {
      CheckSdown(m, r, InstanceKind::kReplica, ReplicaDetails(m, r), now);
    }
    for (auto& [id, s] : m.sentinels) {
      CheckSdown(m, s, InstanceKind::kSentinel, SentinelDetails(m, s), now);
    }
    CheckOdown(m, now);
    StartFailoverIfNeeded(m, now);
    AskOthers(m, now, false);
    FailoverStep(m, now);
  }
  // UPDATE_CONFIG is acted on after the scan, as Redis does, because it replaces the master.
  for (auto& [name, m] : masters_) FailoverUpdateConfig(m);
  return Flush();
}

void Sentinel::Periodic(Master& m, Instance& inst, InstanceKind kind, int64_t now) {
  if (!inst.link_up) return;
  Target t{m.name, kind, inst.ip, inst.port};
  int64_t ping_period = std::min(timing_.ping_period_ms, m.settings.down_after_ms);
  if (inst.last_ping_sent_ms < 0 || now - inst.last_ping_sent_ms >= ping_period) {
    inst.last_ping_sent_ms = now;
    Action a;
    a.type = Action::Type::kSendPing;
    a.id = NextId();
    a.target = t;
    pending_.push_back(std::move(a));
  }
  if (kind != InstanceKind::kSentinel) {
    int64_t info_period = timing_.info_period_ms;
    if (kind == InstanceKind::kReplica && (m.sdown || m.odown || m.FailoverInProgress())) {
      info_period = timing_.info_period_fast_ms;
    }
    if (inst.last_info_sent_ms < 0 || now - inst.last_info_sent_ms >= info_period) {
      inst.last_info_sent_ms = now;
      Action a;
      a.type = Action::Type::kSendInfo;
      a.id = NextId();
      a.target = t;
      pending_.push_back(std::move(a));
    }
  }
  if (inst.last_hello_sent_ms < 0 || now - inst.last_hello_sent_ms >= timing_.hello_period_ms) {
    inst.last_hello_sent_ms = now;
    Action a;
    a.type = Action::Type::kPublishHello;
    a.id = NextId();
    a.target = t;
    a.payload = HelloPayload(m);
    pending_.push_back(std::move(a));
  }
}

// ---------------------------------------------------------------------------------------
// Election.

std::string Sentinel::VoteLeader(Master& m, uint64_t req_epoch, const std::string& req_runid,
                                 uint64_t* leader_epoch, int64_t now) {
  if (req_epoch > current_epoch_) {
    current_epoch_ = req_epoch;
    MarkDirty();
    Emit(EventLevel::kWarning, "+new-epoch", std::to_string(current_epoch_));
  }
  if (m.leader_epoch < req_epoch && current_epoch_ <= req_epoch) {
    m.leader = req_runid;
    m.leader_epoch = current_epoch_;
    MarkDirty();
    Emit(EventLevel::kWarning, "+vote-for-leader", m.leader + " " + std::to_string(m.leader_epoch));
    // Voting for someone else: do not start our own failover for a while.
    if (m.leader != myid_) m.failover_start_ms = now + Random(timing_.max_desync_ms);
  }
  *leader_epoch = m.leader_epoch;
  return m.leader;
}

std::string Sentinel::GetLeader(Master& m, uint64_t epoch, int64_t now) {
  std::map<std::string, int> votes;
  for (auto& [id, s] : m.sentinels) {
    if (!s.leader.empty() && s.leader_epoch == epoch) ++votes[s.leader];
  }
  int voters = static_cast<int>(m.sentinels.size()) + 1;
  ElectionTally pre = TallyVotes(votes, voters, 0);
  std::string winner = pre.winner_votes > 0 ? pre.winner : "";
  uint64_t leader_epoch = 0;
  std::string myvote = VoteLeader(m, epoch, winner.empty() ? myid_ : winner, &leader_epoch, now);
  if (!myvote.empty() && leader_epoch == epoch) ++votes[myvote];
  return TallyVotes(votes, voters, m.settings.quorum).winner;
}

MasterDownAnswer Sentinel::HandleIsMasterDownRequest(const std::string& ip, int port,
                                                     uint64_t req_epoch,
                                                     const std::string& runid, int64_t now,
                                                     std::vector<Action>* out) {
  MasterDownAnswer ans;
  Master* m = MasterByAddr(ip, port);
  if (m != nullptr) {
    if (!tilt_ && m->sdown) ans.down_state = 1;
    if (runid != "*") {
      uint64_t le = 0;
      std::string leader = VoteLeader(*m, req_epoch, runid, &le, now);
      ans.leader_runid = leader.empty() ? "*" : leader;
      ans.leader_epoch = le;
    }
  }
  std::vector<Action> acts = Flush();
  if (out != nullptr) out->insert(out->end(), acts.begin(), acts.end());
  return ans;
}

std::vector<Action> Sentinel::OnIsMasterDownReply(const std::string& master,
                                                  const std::string& peer_runid, int down_state,
                                                  const std::string& leader_runid,
                                                  uint64_t leader_epoch, int64_t now) {
  auto it = masters_.find(master);
  if (it == masters_.end()) return Flush();
  auto s = it->second.sentinels.find(peer_runid);
  if (s == it->second.sentinels.end()) return Flush();
  s->second.last_master_down_reply_ms = now;
  s->second.master_down = down_state == 1;
  if (leader_runid != "*") {
    s->second.leader = leader_runid;
    s->second.leader_epoch = leader_epoch;
  }
  return Flush();
}

void Sentinel::ResetMaster(Master& m, bool keep_sentinels, int64_t now) {
  m.replicas.clear();
  if (!keep_sentinels) m.sentinels.clear();
  AbortFailover(m);
  m.sdown = m.odown = false;
  m.rebooted = false;
  m.run_id.clear();
  m.last_valid_reply_ms = now;
  m.last_ping_sent_ms = -1;
  m.last_info_ms = -1;
  m.last_info_sent_ms = -1;
  m.role_reported = Role::kMaster;
  m.role_reported_ms = now;
  m.link_up = true;
  for (auto& [id, s] : m.sentinels) {
    s.master_down = false;
    s.leader.clear();
  }
  MarkDirty();
}

void Sentinel::SwitchToPromoted(Master& m, const std::string& ip, int port) {
  Emit(EventLevel::kWarning, "+switch-master",
       m.name + " " + m.ip + " " + std::to_string(m.port) + " " + ip + " " +
           std::to_string(port));
  // The old master and every known replica become replicas of the new address.
  std::vector<std::pair<std::string, int>> replicas;
  for (auto& [addr, r] : m.replicas) {
    if (!(r.ip == ip && r.port == port)) replicas.emplace_back(r.ip, r.port);
  }
  if (!(m.ip == ip && m.port == port)) replicas.emplace_back(m.ip, m.port);
  ResetMaster(m, true, now_ms_);
  m.ip = ip;
  m.port = port;
  for (const auto& [rip, rport] : replicas) {
    Replica r;
    InitInstance(r, rip, rport, now_ms_);
    auto [it, inserted] = m.replicas.emplace(r.Addr(), r);
    Emit(EventLevel::kNotice, "+slave", ReplicaDetails(m, it->second));
  }
  MarkDirty();
}

// ---------------------------------------------------------------------------------------
// Replies.

std::vector<Action> Sentinel::OnPingReply(const Target& t, PingReply reply, int64_t now) {
  now_ms_ = now;
  Instance* inst = FindInstance(t);
  if (inst == nullptr) return Flush();
  inst->last_reply_ms = now;
  inst->last_reply_loading = reply == PingReply::kLoading;
  if (reply == PingReply::kPong || reply == PingReply::kLoading ||
      reply == PingReply::kMasterDown) {
    inst->last_valid_reply_ms = now;
  } else if (reply == PingReply::kBusy && inst->sdown && !inst->script_kill_sent) {
    // Down because a script is running: ask it to stop, once per SDOWN.
    Action a;
    a.type = Action::Type::kScriptKill;
    a.id = NextId();
    a.target = t;
    pending_.push_back(std::move(a));
    inst->script_kill_sent = true;
  }
  return Flush();
}

std::vector<Action> Sentinel::OnLinkUp(const Target& t, int64_t now) {
  now_ms_ = now;
  if (Instance* inst = FindInstance(t)) inst->link_up = true;
  return Flush();
}

std::vector<Action> Sentinel::OnLinkDown(const Target& t, int64_t now) {
  now_ms_ = now;
  if (Instance* inst = FindInstance(t)) inst->link_up = false;
  return Flush();
}

std::vector<Action> Sentinel::OnCommandResult(uint64_t, bool, int64_t now) {
  // Failures of PROMOTE / REPOINT are caught by the state timeouts, as in Redis.
  now_ms_ = now;
  return Flush();
}

bool Sentinel::MasterLooksSane(const Master& m) const {
  return !m.sdown && m.role_reported == Role::kMaster && m.last_info_ms >= 0 &&
         now_ms_ - m.last_info_ms < timing_.info_period_ms * 2;
}

void Sentinel::UpdateMasterInfo(Master& m, const ParsedInfo& info, int64_t now) {
  if (!info.run_id.empty() && !m.run_id.empty() && info.run_id != m.run_id) {
    m.rebooted = true;
    m.reboot_ms = now;
    Emit(EventLevel::kNotice, "+reboot", MasterDetails(m));
  }
  if (!info.run_id.empty()) m.run_id = info.run_id;
  if (info.role != Role::kUnknown && info.role != m.role_reported) {
    m.role_reported = info.role;
    m.role_reported_ms = now;
    Emit(EventLevel::kVerbose, info.role == Role::kMaster ? "+role-change" : "-role-change",
         MasterDetails(m) + " new reported role is " +
             (info.role == Role::kMaster ? "master" : "slave"));
  }
  if (info.role == Role::kMaster && m.rebooted && !m.last_reply_loading) m.rebooted = false;
  for (const InfoReplicaLine& line : info.replicas) {
    std::string addr = line.ip + ":" + std::to_string(line.port);
    if (m.replicas.count(addr)) continue;
    Replica r;
    InitInstance(r, line.ip, line.port, now);
    auto [it, inserted] = m.replicas.emplace(addr, r);
    Emit(EventLevel::kNotice, "+slave", ReplicaDetails(m, it->second));
    MarkDirty();
  }
}

void Sentinel::UpdateReplicaInfo(Master& m, Replica& r, const ParsedInfo& info, int64_t now) {
  if (!info.run_id.empty()) r.run_id = info.run_id;
  if (info.master_host != r.master_host || info.master_port != r.master_port) {
    r.conf_change_ms = now;
  }
  r.master_host = info.master_host;
  r.master_port = info.master_port;
  r.master_link_up = info.master_link_up;
  r.master_link_down_ms =
      info.master_link_down_since_s > 0 ? info.master_link_down_since_s * 1000 : 0;
  r.priority = info.slave_priority;
  r.repl_offset = info.slave_repl_offset;
  r.announced = info.replica_announced;
  if (info.role != Role::kUnknown && info.role != r.role_reported) {
    r.role_reported = info.role;
    r.role_reported_ms = now;
    Emit(EventLevel::kVerbose, info.role == Role::kSlave ? "+role-change" : "-role-change",
         ReplicaDetails(m, r) + " new reported role is " +
             (info.role == Role::kMaster ? "master" : "slave"));
  }
  if (tilt_) return;

  // The replica we promoted now says it is a master: the failover took effect.
  if (FailoverNotePromotion(m, r, info, now)) return;
  // A replica that claims to be master outside a failover is demoted, once that claim has
  // lasted long enough that it cannot be a failover we have not heard of yet.
  if (info.role == Role::kMaster && !m.FailoverInProgress() && MasterLooksSane(m) &&
      NoDownFor(r, 0, timing_.convert_to_slave_wait_ms, now) &&
      now - r.role_reported_ms > timing_.convert_to_slave_wait_ms) {
    SendRepoint(m, r, m.ip, m.port);
    Emit(EventLevel::kNotice, "+convert-to-slave", ReplicaDetails(m, r));
    r.role_reported_ms = now;  // do not resend on every INFO
    return;
  }
  // A replica following the wrong master is fixed once that has lasted failover-timeout (as
  // in Redis): a shorter wait could undo a failover that other sentinels are still carrying
  // out and whose new config epoch has not reached us yet.
  if (info.role == Role::kSlave && !m.FailoverInProgress() && MasterLooksSane(m) &&
      (r.master_host != m.ip || r.master_port != m.port) &&
      NoDownFor(r, 0, m.settings.failover_timeout_ms, now) &&
      now - r.conf_change_ms > m.settings.failover_timeout_ms) {
    SendRepoint(m, r, m.ip, m.port);
    Emit(EventLevel::kNotice, "+fix-slave-config", ReplicaDetails(m, r));
    r.conf_change_ms = now;
    return;
  }
  FailoverNoteReconfProgress(m, r, info);
}

std::vector<Action> Sentinel::OnInfoReply(const Target& t, std::string_view text, int64_t now) {
  now_ms_ = now;
  auto it = masters_.find(t.master);
  if (it == masters_.end()) return Flush();
  Master& m = it->second;
  ParsedInfo info = ParseInfo(text);
  if (t.kind == InstanceKind::kMaster && m.ip == t.ip && m.port == t.port) {
    m.last_info_ms = now;
    m.info_text = text;
    UpdateMasterInfo(m, info, now);
  } else if (t.kind == InstanceKind::kReplica) {
    auto r = m.replicas.find(t.ip + ":" + std::to_string(t.port));
    if (r != m.replicas.end()) {
      r->second.last_info_ms = now;
      r->second.info_text = text;
      UpdateReplicaInfo(m, r->second, info, now);
    }
  }
  return Flush();
}

std::vector<Action> Sentinel::OnHello(std::string_view payload, int64_t now) {
  now_ms_ = now;
  std::vector<std::string> f = SplitString(payload, ",");
  if (f.size() != 8) return Flush();
  auto port = ParseInt64(f[1]);
  auto epoch = ParseUint64(f[3]);
  auto mport = ParseInt64(f[6]);
  auto mepoch = ParseUint64(f[7]);
  if (!port || !epoch || !mport || !mepoch) return Flush();
  const std::string& ip = f[0];
  const std::string& runid = f[2];
  if (runid == myid_) return Flush();
  auto mit = masters_.find(f[4]);
  if (mit == masters_.end()) return Flush();
  Master& m = mit->second;

  auto sit = m.sentinels.find(runid);
  if (sit == m.sentinels.end() || sit->second.ip != ip || sit->second.port != *port) {
    // Another run id at this address is a stale entry: the address now belongs to runid.
    for (auto it = m.sentinels.begin(); it != m.sentinels.end();) {
      if (it->first != runid && it->second.ip == ip && it->second.port == *port) {
        Emit(EventLevel::kNotice, "-dup-sentinel",
             SentinelDetails(m, it->second) + " #duplicate of " + ip + ":" + f[1] + " or " +
                 runid);
        it = m.sentinels.erase(it);
      } else {
        ++it;
      }
    }
    bool switched = sit != m.sentinels.end();
    PeerSentinel s;
    if (switched) s = sit->second;
    else InitInstance(s, ip, static_cast<int>(*port), now);
    s.ip = ip;
    s.port = static_cast<int>(*port);
    s.run_id = runid;
    m.sentinels[runid] = s;
    Emit(EventLevel::kNotice, switched ? "+sentinel-address-switch" : "+sentinel",
         SentinelDetails(m, m.sentinels[runid]));
    MarkDirty();
  }
  PeerSentinel& s = m.sentinels[runid];
  s.last_hello_ms = now;
  if (*epoch > current_epoch_) {
    current_epoch_ = *epoch;
    MarkDirty();
    Emit(EventLevel::kWarning, "+new-epoch", std::to_string(current_epoch_));
  }
  if (*mepoch > m.config_epoch) {
    // A newer configuration supersedes a failover of ours still in flight
    // (ours has an older epoch): drop it rather than finish it later and
    // advertise our promoted replica under the newer epoch (which Redis can
    // do; see docs/sentinel-core.md).
    if (m.FailoverInProgress() && m.failover_epoch < *mepoch) AbortFailover(m);
    m.config_epoch = *mepoch;
    MarkDirty();
    if (m.ip != f[5] || m.port != *mport) {
      Emit(EventLevel::kWarning, "+config-update-from", SentinelDetails(m, s));
      SwitchToPromoted(m, f[5], static_cast<int>(*mport));
    }
  }
  return Flush();
}

// ---------------------------------------------------------------------------------------
// Commands.

Status Sentinel::Failover(const std::string& name, int64_t now, std::vector<Action>* out) {
  now_ms_ = now;
  auto it = masters_.find(name);
  if (it == masters_.end()) return Status::Error("ERR No such master with that name");
  Master& m = it->second;
  if (m.FailoverInProgress()) return Status::Error("INPROG Failover already in progress");
  if (SelectReplica(m, now, timing_).chosen.empty()) {
    return Status::Error("NOGOODSLAVE No suitable replica to promote");
  }
  StartFailover(m, now);
  m.force_failover = true;
  m.failover_start_ms = now;
  std::vector<Action> acts = Flush();
  if (out != nullptr) out->insert(out->end(), acts.begin(), acts.end());
  return Status::Ok();
}

int Sentinel::Reset(const std::string& pattern, int64_t now, std::vector<Action>* out) {
  now_ms_ = now;
  int n = 0;
  for (auto& [name, m] : masters_) {
    if (!GlobMatch(pattern, name)) continue;
    // A failover whose promotion was already seen has bumped the config
    // epoch for the new address: finish the switch before forgetting the
    // failover, or this sentinel would advertise the old address under the
    // new epoch and never converge with the others (Redis drops it).
    if (m.failover_state == FailoverState::kReconfSlaves ||
        m.failover_state == FailoverState::kUpdateConfig) {
      auto it = m.replicas.find(m.promoted);
      if (it != m.replicas.end()) SwitchToPromoted(m, it->second.ip, it->second.port);
    }
    ResetMaster(m, false, now);
    Emit(EventLevel::kWarning, "+reset-master", MasterDetails(m));
    ++n;
  }
  std::vector<Action> acts = Flush();
  if (out != nullptr) out->insert(out->end(), acts.begin(), acts.end());
  return n;
}

std::string Sentinel::CkQuorum(const std::string& name) const {
  const Master* m = FindMaster(name);
  if (m == nullptr) return "-ERR No such master with that name";
  int voters = static_cast<int>(m->sentinels.size()) + 1;
  int usable = 1;
  for (const auto& [id, s] : m->sentinels) {
    if (!s.sdown) ++usable;
  }
  bool noquorum = usable < m->settings.quorum;
  bool noauth = usable < voters / 2 + 1;
  std::string n = std::to_string(usable);
  if (!noquorum && !noauth) {
    return "OK " + n + " usable Sentinels. Quorum and failover authorization can be reached";
  }
  std::string e = std::string("-") + (noquorum ? "NOQUORUM" : "NOAUTH") + " " + n +
                  " usable Sentinels.";
  if (noquorum) e += " Not enough available Sentinels to reach the specified quorum for this master";
  if (noauth) e += " Not enough available Sentinels to reach the majority and authorize a failover";
  return e;
}

Status Sentinel::Set(const std::string& name, const std::vector<std::string>& args,
                     std::vector<Action>* out) {
  auto it = masters_.find(name);
  if (it == masters_.end()) return Status::Error("ERR No such master with that name");
  Master& m = it->second;
  MasterSettings s = m.settings;
  std::vector<std::pair<std::string, std::string>> changed;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string opt = ToLower(args[i]);
    bool has_val = i + 1 < args.size();
    auto bad = [&](const std::string& v) {
      return Status::Error("ERR Invalid argument '" + v + "' for SENTINEL SET '" + args[i] + "'");
    };
    auto positive = [&](int64_t min) -> std::optional<int64_t> {
      auto v = ParseInt64(args[i + 1]);
      if (!v || *v < min) return std::nullopt;
      return v;
    };
    if (has_val && (opt == "down-after-milliseconds" || opt == "failover-timeout" ||
                    opt == "parallel-syncs" || opt == "quorum" ||
                    opt == "master-reboot-down-after-period")) {
      auto v = positive(opt == "master-reboot-down-after-period" ? 0 : 1);
      if (!v || *v > INT32_MAX * int64_t{1000}) return bad(args[i + 1]);
      if (opt == "down-after-milliseconds") s.down_after_ms = *v;
      if (opt == "failover-timeout") s.failover_timeout_ms = *v;
      if (opt == "parallel-syncs") s.parallel_syncs = static_cast<int>(*v);
      if (opt == "quorum") s.quorum = static_cast<int>(*v);
      if (opt == "master-reboot-down-after-period") s.reboot_down_after_ms = *v;
      changed.emplace_back(opt, args[i + 1]);
      ++i;
    } else if (has_val && (opt == "auth-pass" || opt == "auth-user")) {
      (opt == "auth-pass" ? s.auth_pass : s.auth_user) = args[i + 1];
      changed.emplace_back(opt, opt == "auth-pass" ? "******" : args[i + 1]);
      ++i;
    } else if (has_val && (opt == "notification-script" || opt == "client-reconfig-script")) {
      return Status::Error(
          "ERR Reconfiguration of scripts path is denied for security reasons. Check the "
          "deny-scripts-reconfig configuration directive in your config file.");
    } else if (i + 2 < args.size() && opt == "rename-command") {
      if (args[i + 1].empty() || args[i + 2].empty()) return bad(args[i + 1]);
      s.rename_commands[ToLower(args[i + 1])] = args[i + 2];
      changed.emplace_back(opt, args[i + 1] + " " + args[i + 2]);
      i += 2;
    } else {
      return Status::Error("ERR Unknown option or number of arguments for SENTINEL SET '" +
                           args[i] + "'");
    }
  }
  m.settings = std::move(s);
  for (const auto& [o, v] : changed) Emit(EventLevel::kNotice, "+set", MasterDetails(m) + " " + o + " " + v);
  MarkDirty();
  std::vector<Action> acts = Flush();
  if (out != nullptr) out->insert(out->end(), acts.begin(), acts.end());
  return Status::Ok();
}

Status Sentinel::Monitor(const std::string& name, const std::string& ip, int64_t port,
                         int64_t quorum, int64_t now, std::vector<Action>* out) {
  now_ms_ = now;
  if (quorum <= 0) return Status::Error("ERR Quorum must be 1 or greater.");
  if (masters_.count(name)) return Status::Error("ERR Duplicated master name");
  if (port <= 0 || port > 65535) return Status::Error("ERR Invalid port number");
  MasterSettings settings;
  settings.quorum = static_cast<int>(quorum);
  auto [it, inserted] = masters_.emplace(name, MakeMaster(name, ip, static_cast<int>(port), settings, now));
  Emit(EventLevel::kWarning, "+monitor", MasterDetails(it->second) + " quorum " + std::to_string(quorum));
  MarkDirty();
  std::vector<Action> acts = Flush();
  if (out != nullptr) out->insert(out->end(), acts.begin(), acts.end());
  return Status::Ok();
}

Status Sentinel::Remove(const std::string& name, std::vector<Action>* out) {
  auto it = masters_.find(name);
  if (it == masters_.end()) return Status::Error("ERR No such master with that name");
  Emit(EventLevel::kWarning, "-monitor", MasterDetails(it->second));
  masters_.erase(it);
  MarkDirty();
  std::vector<Action> acts = Flush();
  if (out != nullptr) out->insert(out->end(), acts.begin(), acts.end());
  return Status::Ok();
}

std::string Sentinel::CommandName(const std::string& master, const std::string& command) const {
  auto it = masters_.find(master);
  if (it == masters_.end()) return command;
  auto r = it->second.settings.rename_commands.find(ToLower(command));
  return r == it->second.settings.rename_commands.end() ? command : r->second;
}

void Sentinel::SimulatedCrash(const char* when) {
  Action a;
  a.type = Action::Type::kSimulatedCrash;
  a.id = NextId();
  a.payload = std::string("Sentinel CRASH because of SENTINEL simulate-failure (") + when + ")";
  pending_.push_back(std::move(a));
}

}  // namespace vigil::sentinel

// Deterministic simulator for the sentinel core: 3 or 5 sentinels and a modelled master with
// two replicas on a seeded network with delay, loss, duplication, partitions, crashes and
// clock jumps. Safety invariants are checked after every step, convergence after faults stop.
//
//   sentinel_sim --seeds N --start S      run seeds S..S+N-1, stop at the first failure
//   sentinel_sim --seed X --trace         replay one seed printing every event
//   sentinel_sim --figures                time-to-switch-master for down-after 1000 / 5000 ms
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "sentinel/core/replica_selection.h"
#include "sentinel/core/sentinel.h"

namespace vigil::sentinel {
namespace {

constexpr char kName[] = "mymaster";
constexpr int kServers = 3;
constexpr int64_t kFailoverTimeout = 10000;
// After faults stop every live sentinel must agree within this much simulated time.
constexpr int64_t kConvergenceBound = 6 * kFailoverTimeout;

struct Server {
  std::string ip = "127.0.0.1";
  int port = 0;
  bool alive = true;
  bool is_master = false;
  std::string mhost;
  int mport = 0;
  int64_t offset = 0;
  int priority = 100;
  std::string runid;
  bool link_up = false;
  int64_t link_down_since = 0;
};

struct SimSentinel {
  std::unique_ptr<Sentinel> core;
  std::string id;
  int port = 0;
  int64_t clock_offset = 0;
  std::optional<PersistedState> persisted;
  uint64_t max_epoch_seen = 0;
};

struct Options {
  int sentinels = 3;
  int64_t down_after = 5000;
  bool faults = true;
  bool trace = false;
};

struct Result {
  bool ok = true;
  std::string error;
  int64_t switch_ms = -1;  // first +switch-master after the master kill
  int64_t converge_ms = -1;
  bool manual_collision = false;  // excused: a manual failover's epoch collided
};

class Sim {
 public:
  Sim(uint64_t seed, Options opt) : rng_(seed), opt_(opt) {}

  Result Run();

 private:
  struct Ev {
    int64_t at;
    uint64_t seq;
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Ev& a, const Ev& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };

  int64_t Rand(int64_t lo, int64_t hi) {  // inclusive
    return lo + static_cast<int64_t>(rng_() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  void At(int64_t t, std::function<void()> fn) { q_.push(Ev{t, seq_++, std::move(fn)}); }
  void Trace(const std::string& s) {
    if (opt_.trace) std::printf("%8lld %s\n", static_cast<long long>(now_), s.c_str());
  }
  void Fail(const std::string& why) {
    if (res_.ok) {
      res_.ok = false;
      res_.error = why;
      Trace("INVARIANT VIOLATED: " + why);
    }
  }
  int ServerProc(int i) const { return n_ + i; }
  bool Reachable(int a, int b) const { return side_[a] == side_[b]; }
  int ServerByPort(int port) const {
    for (int i = 0; i < kServers; ++i) {
      if (servers_[i].port == port) return i;
    }
    return -1;
  }
  int SentinelByPort(int port) const {
    for (int i = 0; i < n_; ++i) {
      if (sents_[i].port == port) return i;
    }
    return -1;
  }
  int64_t Local(int s) const { return now_ + sents_[s].clock_offset; }
  // Delivers fn after a network delay unless the message is lost; may duplicate it.
  void Send(int from, int to, std::function<void()> fn) {
    if (!Reachable(from, to) || Chance(loss_)) return;
    int copies = Chance(dup_) ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
      At(now_ + Rand(1, max_delay_), [this, from, to, fn] {
        if (Reachable(from, to)) fn();
      });
    }
  }

  void StartSentinel(int s);
  void Handle(int s, std::vector<Action> acts);
  void DoAction(int s, const Action& a);
  void CheckEvent(int s, const Event& e);
  void CheckSafety();
  void StepServers();
  std::string InfoText(int i) const;
  bool Converged(std::string* why) const;
  SentinelConfig Config(int s) const;

  std::mt19937_64 rng_;
  Options opt_;
  int n_ = 3;
  int64_t now_ = 0;
  uint64_t seq_ = 0;
  std::priority_queue<Ev, std::vector<Ev>, Later> q_;
  std::vector<Server> servers_;
  std::vector<SimSentinel> sents_;
  std::vector<int> side_;
  double loss_ = 0;
  double dup_ = 0;
  int64_t max_delay_ = 5;
  int64_t kill_at_ = 0;
  std::set<uint64_t> manual_epochs_;  // epochs of SENTINEL FAILOVER runs
  mutable bool manual_collision_ = false;
  Result res_;
  std::map<uint64_t, std::string> leader_of_epoch_;
  std::map<uint64_t, std::string> promotion_of_epoch_;
  std::map<std::pair<uint64_t, std::string>, std::string> votes_;  // (epoch, voter) -> cand
  int runid_counter_ = 0;
};

SentinelConfig Sim::Config(int s) const {
  SentinelConfig c;
  c.myid = sents_[s].id;
  c.announce_ip = "127.0.0.1";
  c.announce_port = sents_[s].port;
  MasterConfig m;
  m.name = kName;
  m.ip = "127.0.0.1";
  m.port = servers_[0].port;
  m.settings.quorum = n_ / 2 + 1;
  m.settings.down_after_ms = opt_.down_after;
  m.settings.failover_timeout_ms = kFailoverTimeout;
  c.masters.push_back(m);
  return c;
}

void Sim::StartSentinel(int s) {
  SimSentinel& ss = sents_[s];
  uint64_t seed = rng_();
  if (ss.persisted) {
    ss.core = std::make_unique<Sentinel>(*ss.persisted, "127.0.0.1", ss.port, seed, Local(s));
    if (ss.core->current_epoch() < ss.max_epoch_seen) Fail("epoch went back after restart");
  } else {
    ss.core = std::make_unique<Sentinel>(Config(s), seed, Local(s));
  }
  Trace("sentinel " + std::to_string(s) + " started");
}

std::string Sim::InfoText(int i) const {
  const Server& sv = servers_[i];
  std::string out = "# Server\r\nredis_version:7.0.15\r\nrun_id:" + sv.runid +
                    "\r\ntcp_port:" + std::to_string(sv.port) + "\r\n\r\n# Replication\r\n";
  if (sv.is_master) {
    std::vector<int> reps;
    for (int j = 0; j < kServers; ++j) {
      const Server& r = servers_[j];
      if (j != i && r.alive && !r.is_master && r.mport == sv.port && r.link_up) reps.push_back(j);
    }
    out += "role:master\r\nconnected_slaves:" + std::to_string(reps.size()) + "\r\n";
    for (size_t k = 0; k < reps.size(); ++k) {
      const Server& r = servers_[reps[k]];
      out += "slave" + std::to_string(k) + ":ip=" + r.ip + ",port=" + std::to_string(r.port) +
             ",state=online,offset=" + std::to_string(r.offset) + ",lag=0\r\n";
    }
    out += "master_repl_offset:" + std::to_string(sv.offset) + "\r\n";
  } else {
    out += "role:slave\r\nmaster_host:" + sv.mhost + "\r\nmaster_port:" +
           std::to_string(sv.mport) + "\r\nmaster_link_status:" + (sv.link_up ? "up" : "down") +
           "\r\nmaster_last_io_seconds_ago:1\r\nmaster_sync_in_progress:0\r\n";
    if (!sv.link_up) {
      out += "master_link_down_since_seconds:" +
             std::to_string((now_ - sv.link_down_since) / 1000) + "\r\n";
    }
    out += "slave_repl_offset:" + std::to_string(sv.offset) + "\r\nslave_priority:" +
           std::to_string(sv.priority) + "\r\nslave_read_only:1\r\nreplica_announced:1\r\n";
  }
  return out;
}

void Sim::StepServers() {
  for (int i = 0; i < kServers; ++i) {
    Server& sv = servers_[i];
    if (sv.alive && sv.is_master) sv.offset += Rand(0, 50);
  }
  for (int i = 0; i < kServers; ++i) {
    Server& sv = servers_[i];
    if (!sv.alive || sv.is_master) continue;
    int m = ServerByPort(sv.mport);
    bool up = m >= 0 && m != i && servers_[m].alive && Reachable(ServerProc(i), ServerProc(m));
    if (up != sv.link_up) {
      sv.link_up = up;
      if (!up) sv.link_down_since = now_;
    }
    if (up) sv.offset = std::max(sv.offset, servers_[m].offset - Rand(0, 20));
  }
}

void Sim::CheckEvent(int s, const Event& e) {
  Trace("s" + std::to_string(s) + " " + e.ToString() + "  (epoch " + std::to_string(e.epoch) +
        ")");
  const Master* m = sents_[s].core->FindMaster(kName);
  if (e.type == "+switch-master" && now_ >= kill_at_ && res_.switch_ms < 0 && kill_at_ > 0) {
    res_.switch_ms = now_ - kill_at_;
  }
  if (e.type == "+vote-for-leader") {
    std::string cand = e.text.substr(0, e.text.find(' '));
    uint64_t epoch = std::stoull(e.text.substr(e.text.find(' ') + 1));
    auto key = std::make_pair(epoch, sents_[s].id);
    auto it = votes_.find(key);
    if (it != votes_.end() && it->second != cand) Fail("sentinel voted twice in one epoch");
    votes_[key] = cand;
  }
  if (e.type == "+try-failover" && !m->odown && !m->force_failover) {
    Fail("failover started without ODOWN");
  }
  if (e.type == "+elected-leader" && !manual_epochs_.count(m->failover_epoch)) {
    uint64_t epoch = m->failover_epoch;
    auto it = leader_of_epoch_.find(epoch);
    if (it != leader_of_epoch_.end() && it->second != sents_[s].id) {
      Fail("two leaders in epoch " + std::to_string(epoch));
    }
    leader_of_epoch_[epoch] = sents_[s].id;
    // The leader must really hold a majority of votes: this is what keeps a minority
    // partition from ever completing a failover.
    int votes = 0;
    for (const auto& [k, cand] : votes_) {
      if (k.first == epoch && cand == sents_[s].id) ++votes;
    }
    if (votes < std::max(m->settings.quorum, n_ / 2 + 1)) {
      Fail("leader elected with " + std::to_string(votes) + " votes (minority)");
    }
  }
  if (e.type == "+selected-slave") {
    ReplicaSelection sel = SelectReplica(*m, Local(s), sents_[s].core->timing());
    const Replica* chosen = m->replicas.count(m->promoted) ? &m->replicas.at(m->promoted) : nullptr;
    if (chosen == nullptr) {
      Fail("selected replica unknown");
      return;
    }
    for (const auto& [addr, r] : m->replicas) {
      if (addr == m->promoted) continue;
      bool eligible = false;
      for (const auto& v : sel.verdicts) eligible |= v.addr == addr && v.eligible;
      if (!eligible) continue;
      bool better = r.priority < chosen->priority ||
                    (r.priority == chosen->priority && r.repl_offset > chosen->repl_offset);
      if (better) Fail("a better eligible replica than " + m->promoted + " existed: " + addr);
    }
  }
}

void Sim::DoAction(int s, const Action& a) {
  int sp = s;
  switch (a.type) {
    case Action::Type::kEvent:
      CheckEvent(s, a.event);
      return;
    case Action::Type::kPersistState:
      sents_[s].persisted = a.state;
      return;
    case Action::Type::kScriptKill:  // no scripts run in the model
    case Action::Type::kSimulatedCrash:  // handled in Handle
      return;
    case Action::Type::kSendPing: {
      Target t = a.target;
      if (t.kind == InstanceKind::kSentinel) {
        int peer = SentinelByPort(t.port);
        if (peer < 0) return;
        Send(sp, peer, [this, s, sp, peer, t] {
          if (!sents_[peer].core) return;
          Send(peer, sp, [this, s, t] {
            if (sents_[s].core) Handle(s, sents_[s].core->OnPingReply(t, PingReply::kPong, Local(s)));
          });
        });
        return;
      }
      int i = ServerByPort(t.port);
      if (i < 0) return;
      Send(sp, ServerProc(i), [this, s, sp, i, t] {
        if (!servers_[i].alive) return;
        Send(ServerProc(i), sp, [this, s, t] {
          if (sents_[s].core) Handle(s, sents_[s].core->OnPingReply(t, PingReply::kPong, Local(s)));
        });
      });
      return;
    }
    case Action::Type::kSendInfo: {
      Target t = a.target;
      int i = ServerByPort(t.port);
      if (i < 0) return;
      Send(sp, ServerProc(i), [this, s, sp, i, t] {
        if (!servers_[i].alive) return;
        std::string info = InfoText(i);
        Send(ServerProc(i), sp, [this, s, t, info] {
          if (sents_[s].core) Handle(s, sents_[s].core->OnInfoReply(t, info, Local(s)));
        });
      });
      return;
    }
    case Action::Type::kPublishHello: {
      std::string payload = a.payload;
      if (a.target.kind == InstanceKind::kSentinel) {
        int peer = SentinelByPort(a.target.port);
        if (peer < 0) return;
        Send(sp, peer, [this, peer, payload] {
          if (sents_[peer].core) Handle(peer, sents_[peer].core->OnHello(payload, Local(peer)));
        });
        return;
      }
      int i = ServerByPort(a.target.port);
      if (i < 0) return;
      // The server fans the message out to every subscribed sentinel it can reach.
      Send(sp, ServerProc(i), [this, i, payload] {
        if (!servers_[i].alive) return;
        for (int peer = 0; peer < n_; ++peer) {
          Send(ServerProc(i), peer, [this, peer, payload] {
            if (sents_[peer].core) Handle(peer, sents_[peer].core->OnHello(payload, Local(peer)));
          });
        }
      });
      return;
    }
    case Action::Type::kAskMasterState: {
      int peer = SentinelByPort(a.target.port);
      if (peer < 0) return;
      std::string host = a.host, runid = a.runid, myid = sents_[s].id;
      int port = a.port;
      uint64_t epoch = a.epoch;
      Send(sp, peer, [this, s, sp, peer, host, port, epoch, runid] {
        if (!sents_[peer].core) return;
        std::vector<Action> out;
        MasterDownAnswer ans =
            sents_[peer].core->HandleIsMasterDownRequest(host, port, epoch, runid, Local(peer), &out);
        Handle(peer, std::move(out));
        std::string peer_id = sents_[peer].id;
        Send(peer, sp, [this, s, ans, peer_id] {
          if (!sents_[s].core) return;
          Handle(s, sents_[s].core->OnIsMasterDownReply(kName, peer_id, ans.down_state,
                                                        ans.leader_runid, ans.leader_epoch,
                                                        Local(s)));
        });
      });
      return;
    }
    case Action::Type::kPromote: {
      // A manual SENTINEL FAILOVER takes no vote, so it can share its epoch
      // with an elected failover elsewhere (as in Redis); only elected
      // promotions must be unique per epoch.
      auto it = promotion_of_epoch_.find(a.epoch);
      if (it != promotion_of_epoch_.end() && !manual_epochs_.count(a.epoch))
        Fail("two promotions in epoch " + std::to_string(a.epoch));
      promotion_of_epoch_[a.epoch] = a.target.ip + ":" + std::to_string(a.target.port);
      int i = ServerByPort(a.target.port);
      if (i >= 0 && servers_[i].priority == 0) Fail("promoted a priority-0 replica");
      Send(sp, ServerProc(i), [this, i] {
        if (!servers_[i].alive) return;
        servers_[i].is_master = true;
        servers_[i].mhost.clear();
        servers_[i].mport = 0;
      });
      return;
    }
    case Action::Type::kRepoint: {
      int i = ServerByPort(a.target.port);
      std::string host = a.host;
      int port = a.port;
      if (i < 0) return;
      Send(sp, ServerProc(i), [this, i, host, port] {
        if (!servers_[i].alive) return;
        servers_[i].is_master = false;
        servers_[i].mhost = host;
        servers_[i].mport = port;
        servers_[i].link_up = false;
        servers_[i].link_down_since = now_;
      });
      return;
    }
  }
}

void Sim::Handle(int s, std::vector<Action> acts) {
  for (const Action& a : acts) {
    if (a.type == Action::Type::kSimulatedCrash) {
      // SENTINEL SIMULATE-FAILURE: the process exits here; it is restarted
      // from its last persisted state a little later.
      Trace("s" + std::to_string(s) + " " + a.payload);
      sents_[s].core.reset();
      At(now_ + Rand(500, 5000), [this, s] {
        if (!sents_[s].core) StartSentinel(s);
      });
      break;
    }
    DoAction(s, a);
  }
  CheckSafety();
}

void Sim::CheckSafety() {
  for (int s = 0; s < n_; ++s) {
    if (!sents_[s].core) continue;
    uint64_t e = sents_[s].core->current_epoch();
    if (e < sents_[s].max_epoch_seen) Fail("epoch decreased on sentinel " + std::to_string(s));
    sents_[s].max_epoch_seen = std::max(sents_[s].max_epoch_seen, e);
  }
}

bool Sim::Converged(std::string* why) const {
  const Master* ref = nullptr;
  for (int s = 0; s < n_; ++s) {
    if (!sents_[s].core) continue;
    const Master* m = sents_[s].core->FindMaster(kName);
    if (m->FailoverInProgress()) {
      *why = "failover in progress on s" + std::to_string(s);
      return false;
    }
    if (ref == nullptr) {
      ref = m;
    } else if (m->port != ref->port || m->config_epoch != ref->config_epoch) {
      // Two addresses under one epoch that a manual failover used: the known
      // weakness of SENTINEL FAILOVER (no vote, so its epoch can collide with
      // an election that did not hear of it). Counted, not failed.
      if (m->config_epoch == ref->config_epoch && manual_epochs_.count(m->config_epoch)) {
        manual_collision_ = true;
      }
      *why = "s" + std::to_string(s) + " says :" + std::to_string(m->port) + " epoch " +
             std::to_string(m->config_epoch) + ", s0 says :" + std::to_string(ref->port) +
             " epoch " + std::to_string(ref->config_epoch);
      return false;
    }
  }
  int i = ServerByPort(ref->port);
  if (i < 0 || !servers_[i].alive || !servers_[i].is_master) {
    *why = "agreed master :" + std::to_string(ref->port) + " is not a live master";
    return false;
  }
  return true;
}

Result Sim::Run() {
  n_ = opt_.sentinels;
  servers_.resize(kServers);
  for (int i = 0; i < kServers; ++i) {
    servers_[i].port = 6379 + i;
    servers_[i].runid = std::string(39, 'a' + static_cast<char>(i)) + "0";
    servers_[i].is_master = i == 0;
    if (i > 0) {
      servers_[i].mhost = "127.0.0.1";
      servers_[i].mport = 6379;
      servers_[i].link_up = true;
      if (opt_.faults && Chance(0.2)) servers_[i].priority = 0;
      else servers_[i].priority = Chance(0.3) ? 50 : 100;
    }
  }
  side_.assign(n_ + kServers, 0);
  sents_.resize(n_);
  for (int s = 0; s < n_; ++s) {
    char id[41];
    std::snprintf(id, sizeof(id), "%040x", s + 1);
    sents_[s].id = id;
    sents_[s].port = 26379 + s;
    StartSentinel(s);
  }
  // Tell every sentinel about the replicas from the start (as if INFO had run).
  max_delay_ = opt_.faults ? Rand(1, 40) : 5;
  int64_t fault_end = opt_.faults ? Rand(20000, 40000) : 0;
  kill_at_ = opt_.faults ? Rand(12000, 20000) : 15000;
  int64_t master_restart = opt_.faults ? fault_end : -1;
  // Fault schedule, all drawn up front so that the seed alone fixes the run.
  if (opt_.faults) {
    loss_ = Chance(0.5) ? 0.05 * Chance(0.5) + 0.02 : 0;
    dup_ = Chance(0.3) ? 0.05 : 0;
    for (int64_t t = Rand(0, 5000); t < fault_end; t += Rand(2000, 8000)) {
      int kind = static_cast<int>(Rand(0, 6));
      if (kind == 0) {  // a partition that heals
        std::vector<int> sides(n_ + kServers);
        for (auto& x : sides) x = static_cast<int>(Rand(0, 1));
        int64_t len = Rand(1000, 15000);
        At(t, [this, sides] {
          side_ = sides;
          Trace("partition");
        });
        At(std::min(t + len, fault_end), [this] {
          std::fill(side_.begin(), side_.end(), 0);
          Trace("heal");
        });
      } else if (kind == 1) {  // a sentinel crash and restart from persisted state
        int s = static_cast<int>(Rand(0, n_ - 1));
        int64_t len = Rand(500, 10000);
        At(t, [this, s] {
          if (!sents_[s].core) return;
          sents_[s].core.reset();
          Trace("crash s" + std::to_string(s));
        });
        At(std::min(t + len, fault_end), [this, s] {
          if (!sents_[s].core) StartSentinel(s);
        });
      } else if (kind == 2) {  // a clock jump / stall
        int s = static_cast<int>(Rand(0, n_ - 1));
        int64_t jump = Rand(2100, 6000);
        At(t, [this, s, jump] {
          sents_[s].clock_offset += jump;
          Trace("clock jump s" + std::to_string(s) + " +" + std::to_string(jump));
        });
      } else if (kind == 3) {  // a replica crash and restart with its old config
        int i = static_cast<int>(Rand(1, kServers - 1));
        int64_t len = Rand(500, 10000);
        At(t, [this, i] {
          servers_[i].alive = false;
          Trace("crash server :" + std::to_string(servers_[i].port));
        });
        At(std::min(t + len, fault_end), [this, i] {
          servers_[i].alive = true;
          Trace("restart server :" + std::to_string(servers_[i].port));
        });
      } else if (kind == 4) {  // an operator's SENTINEL FAILOVER on some sentinel
        int s = static_cast<int>(Rand(0, n_ - 1));
        At(t, [this, s] {
          if (!sents_[s].core) return;
          // An operator drills on a healthy setup: no partition, every live
          // sentinel names the same master and config epoch, none sees it
          // down or is failing over. (A manual failover takes no vote, so one
          // racing an elected failover for the same epoch leaves two configs
          // with one epoch, in Redis too.)
          if (std::count(side_.begin(), side_.end(), 1) != 0) return;
          const Master* mine = sents_[s].core->FindMaster(kName);
          for (const auto& other : sents_) {
            if (!other.core) continue;
            const Master* om = other.core->FindMaster(kName);
            if (om->sdown || om->odown || om->FailoverInProgress() || om->port != mine->port ||
                om->config_epoch != mine->config_epoch)
              return;
          }
          std::vector<Action> out;
          Status st = sents_[s].core->Failover(kName, Local(s), &out);
          // Manual failovers take no vote: the election invariants skip their epoch.
          if (st.ok()) manual_epochs_.insert(sents_[s].core->FindMaster(kName)->failover_epoch);
          Trace("SENTINEL FAILOVER on s" + std::to_string(s) + ": " + (st.ok() ? "OK" : st.message()));
          Handle(s, std::move(out));
        });
      } else if (kind == 5) {  // SENTINEL RESET: forget replicas and sentinels, rediscover
        int s = static_cast<int>(Rand(0, n_ - 1));
        At(t, [this, s] {
          if (!sents_[s].core) return;
          std::vector<Action> out;
          sents_[s].core->Reset("*", Local(s), &out);
          Trace("SENTINEL RESET * on s" + std::to_string(s));
          Handle(s, std::move(out));
        });
      } else {  // SENTINEL SIMULATE-FAILURE on some sentinel until it next restarts
        int s = static_cast<int>(Rand(0, n_ - 1));
        int flags = static_cast<int>(Rand(1, 2));
        At(t, [this, s, flags] {
          if (!sents_[s].core) return;
          sents_[s].core->set_simulate_failure(flags);
          Trace("SIMULATE-FAILURE " + std::to_string(flags) + " on s" + std::to_string(s));
        });
      }
    }
    At(fault_end, [this] {
      std::fill(side_.begin(), side_.end(), 0);
      loss_ = dup_ = 0;
      for (int s = 0; s < n_; ++s) {
        if (!sents_[s].core) StartSentinel(s);
      }
      Trace("faults stop");
    });
  }
  At(kill_at_, [this] {
    servers_[0].alive = false;
    Trace("kill master :6379");
  });
  if (master_restart >= 0) {
    At(master_restart, [this] {
      servers_[0].alive = true;
      servers_[0].runid = std::string(39, 'x') + std::to_string(++runid_counter_ % 10);
      Trace("restart old master :6379");
    });
  }
  for (int s = 0; s < n_; ++s) {
    At(Rand(0, 99), [this, s] {
      std::function<void()> tick;
      // Self-rescheduling 10 Hz timer, like Redis's serverCron.
      auto loop = std::make_shared<std::function<void()>>();
      *loop = [this, s, loop] {
        if (sents_[s].core) Handle(s, sents_[s].core->Tick(Local(s)));
        At(now_ + 100, *loop);
      };
      (*loop)();
    });
  }
  std::function<void()> servers_loop = [this, &servers_loop] {
    StepServers();
    At(now_ + 100, servers_loop);
  };
  At(0, servers_loop);

  int64_t end = std::max(fault_end, kill_at_) + kConvergenceBound;
  int64_t stable_since = -1;
  while (!q_.empty() && res_.ok) {
    Ev ev = q_.top();
    q_.pop();
    now_ = ev.at;
    ev.fn();
    if (now_ < fault_end || now_ < kill_at_) continue;
    std::string why;
    if (Converged(&why)) {
      if (stable_since < 0) stable_since = now_;
      // Agreement must also hold once the post-failover switch has happened.
      if (now_ - stable_since > 3000) {
        res_.converge_ms = stable_since - std::max(fault_end, kill_at_);
        break;
      }
    } else {
      stable_since = -1;
      if (now_ > end && manual_collision_) {
        res_.manual_collision = true;
        break;
      }
      if (now_ > end) {
        Fail("no convergence " + std::to_string(kConvergenceBound) + " ms after faults stopped: " +
             why);
      }
    }
  }
  return res_;
}

int Main(int argc, char** argv) {
  uint64_t start = 0, count = 100;
  bool single = false, trace = false, figures = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seeds" && i + 1 < argc) count = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--start" && i + 1 < argc) start = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--seed" && i + 1 < argc) { start = std::strtoull(argv[++i], nullptr, 10); count = 1; single = true; }
    else if (a == "--trace") trace = true;
    else if (a == "--figures") figures = true;
    else { std::fprintf(stderr, "usage: %s [--seeds N --start S] [--seed X --trace] [--figures]\n", argv[0]); return 2; }
  }
  auto t0 = std::chrono::steady_clock::now();
  if (figures) {
    for (int64_t da : {1000, 5000}) {
      std::vector<int64_t> v;
      for (uint64_t seed = start; seed < start + count; ++seed) {
        Options o;
        o.sentinels = seed % 2 ? 5 : 3;
        o.down_after = da;
        o.faults = false;
        o.trace = trace;
        Result r = Sim(seed, o).Run();
        if (!r.ok) { std::printf("seed %llu failed: %s\n", (unsigned long long)seed, r.error.c_str()); return 1; }
        v.push_back(r.switch_ms);
      }
      std::sort(v.begin(), v.end());
      std::printf("down-after %lld ms: time-to-switch-master median %lld ms, p99 %lld ms (%zu runs)\n",
                  (long long)da, (long long)v[v.size() / 2], (long long)v[v.size() * 99 / 100], v.size());
    }
    return 0;
  }
  int64_t max_conv = 0;
  uint64_t collisions = 0;
  for (uint64_t seed = start; seed < start + count; ++seed) {
    Options o;
    o.sentinels = seed % 2 ? 5 : 3;
    o.down_after = seed % 3 == 0 ? 1000 : 5000;
    o.trace = trace && single;
    Result r = Sim(seed, o).Run();
    if (!r.ok) {
      std::printf("FAIL seed %llu (%d sentinels): %s\nreplay: %s --seed %llu --trace\n",
                  (unsigned long long)seed, o.sentinels, r.error.c_str(), argv[0],
                  (unsigned long long)seed);
      if (!single) {
        o.trace = true;
        Sim(seed, o).Run();
      }
      return 1;
    }
    max_conv = std::max(max_conv, r.converge_ms);
    collisions += r.manual_collision;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%llu seeds OK in %.1f s (max convergence after faults stop: %lld ms, bound %lld; "
              "%llu seeds where a manual failover's epoch collided with an election)\n",
              (unsigned long long)count, secs, (long long)max_conv, (long long)kConvergenceBound,
              (unsigned long long)collisions);
  return 0;
}

}  // namespace
}  // namespace vigil::sentinel

int main(int argc, char** argv) { return vigil::sentinel::Main(argc, argv); }

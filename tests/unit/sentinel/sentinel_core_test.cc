// Unit tests for the sentinel decision core, one rule per test, on a fake clock.
#include <gtest/gtest.h>

#include "tests/unit/sentinel/sentinel_test_util.h"

#include <algorithm>
#include <string>
#include <vector>

#include "sentinel/core/election.h"
#include "sentinel/core/info_parser.h"
#include "sentinel/core/replica_selection.h"
#include "sentinel/core/sentinel.h"

namespace vigil::sentinel {
namespace {

using testing::kMyId;

constexpr char kPeerA[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kPeerB[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

SentinelConfig OneMaster(int quorum, int64_t down_after = 1000, int64_t failover_timeout = 10000) {
  return testing::OneMasterConfig(quorum, down_after, failover_timeout);
}

std::vector<std::string> Events(const std::vector<Action>& acts) {
  std::vector<std::string> out;
  for (const Action& a : acts) {
    if (a.type == Action::Type::kEvent) out.push_back(a.event.ToString());
  }
  return out;
}

bool Has(const std::vector<std::string>& evs, const std::string& e) {
  return std::find(evs.begin(), evs.end(), e) != evs.end();
}

std::string Hello(const std::string& ip, int port, const std::string& id, uint64_t epoch,
                  const std::string& mip = "127.0.0.1", int mport = 6379, uint64_t cepoch = 0) {
  return ip + "," + std::to_string(port) + "," + id + "," + std::to_string(epoch) +
         ",mymaster," + mip + "," + std::to_string(mport) + "," + std::to_string(cepoch);
}

const Target kMasterT{"mymaster", InstanceKind::kMaster, "127.0.0.1", 6379};

std::string ReplicaInfo(const std::string& mhost, int mport, int prio, int64_t off,
                        const std::string& runid) {
  return "# Server\r\nrun_id:" + runid + "\r\n# Replication\r\nrole:slave\r\nmaster_host:" +
         mhost + "\r\nmaster_port:" + std::to_string(mport) +
         "\r\nmaster_link_status:up\r\nslave_repl_offset:" + std::to_string(off) +
         "\r\nslave_priority:" + std::to_string(prio) + "\r\n";
}

TEST(InfoParserTest, ParsesReplicationFields) {
  ParsedInfo i = ParseInfo(
      "# Server\r\nrun_id:abc\r\n# Replication\r\nrole:master\r\nconnected_slaves:2\r\n"
      "slave0:ip=127.0.0.1,port=6380,state=online,offset=10,lag=0\r\n"
      "slave1:ip=127.0.0.1,port=6381,state=online,offset=10,lag=1\r\n");
  EXPECT_EQ(i.run_id, "abc");
  EXPECT_EQ(i.role, Role::kMaster);
  ASSERT_EQ(i.replicas.size(), 2u);
  EXPECT_EQ(i.replicas[1].port, 6381);
  ParsedInfo r = ParseInfo(
      "role:slave\nmaster_host:10.0.0.1\nmaster_port:6379\nmaster_link_status:down\n"
      "master_link_down_since_seconds:7\nslave_priority:0\nslave_repl_offset:99\n"
      "replica_announced:0\n");
  EXPECT_EQ(r.role, Role::kSlave);
  EXPECT_EQ(r.master_host, "10.0.0.1");
  EXPECT_FALSE(r.master_link_up);
  EXPECT_EQ(r.master_link_down_since_s, 7);
  EXPECT_EQ(r.slave_priority, 0);
  EXPECT_EQ(r.slave_repl_offset, 99);
  EXPECT_FALSE(r.replica_announced);
}

TEST(HealthTest, SdownEdgeAtExactlyDownAfter) {
  Sentinel s(OneMaster(2), 1, 0);
  for (int64_t t = 100; t <= 1000; t += 100) {
    EXPECT_FALSE(Has(Events(s.Tick(t)), "+sdown master mymaster 127.0.0.1 6379")) << t;
  }
  EXPECT_FALSE(s.FindMaster("mymaster")->sdown);
  auto evs = Events(s.Tick(1001));
  EXPECT_TRUE(Has(evs, "+sdown master mymaster 127.0.0.1 6379"));
  s.OnPingReply(kMasterT, PingReply::kPong, 1050);
  EXPECT_TRUE(Has(Events(s.Tick(1100)), "-sdown master mymaster 127.0.0.1 6379"));
}

TEST(HealthTest, LoadingAndMasterDownCountAsValidReplies) {
  Sentinel s(OneMaster(2), 1, 0);
  for (int64_t t = 100; t <= 3000; t += 100) {
    s.OnPingReply(kMasterT, t % 200 ? PingReply::kLoading : PingReply::kMasterDown, t);
    s.Tick(t);
  }
  EXPECT_FALSE(s.FindMaster("mymaster")->sdown);
  for (int64_t t = 3100; t <= 4100; t += 100) {
    s.OnPingReply(kMasterT, PingReply::kOtherError, t);
    s.Tick(t);
  }
  EXPECT_TRUE(s.FindMaster("mymaster")->sdown);
}

TEST(HealthTest, OdownCountsSelfAndFreshPeerAnswers) {
  Sentinel s(OneMaster(3), 1, 0);
  s.OnHello(Hello("127.0.0.1", 26380, kPeerA, 0), 0);
  s.OnHello(Hello("127.0.0.1", 26381, kPeerB, 0), 0);
  std::vector<std::string> evs;
  for (int64_t t = 100; t <= 1100; t += 100) {
    auto e = Events(s.Tick(t));
    evs.insert(evs.end(), e.begin(), e.end());
  }
  EXPECT_TRUE(Has(evs, "+sdown master mymaster 127.0.0.1 6379"));
  s.OnIsMasterDownReply("mymaster", kPeerA, 1, "*", 0, 1150);
  EXPECT_FALSE(s.FindMaster("mymaster")->odown);  // 2/3
  s.Tick(1200);
  EXPECT_FALSE(s.FindMaster("mymaster")->odown);
  s.OnIsMasterDownReply("mymaster", kPeerB, 1, "*", 0, 1250);
  evs = Events(s.Tick(1300));
  EXPECT_TRUE(Has(evs, "+odown master mymaster 127.0.0.1 6379 #quorum 3/3"));
  // Answers expire after 5 s without refresh.
  for (int64_t t = 1400; t <= 6400; t += 100) s.Tick(t);
  evs = Events(s.Tick(6500));
  EXPECT_FALSE(s.FindMaster("mymaster")->odown);
}

TEST(ElectionTest, TallyNeedsMaxOfQuorumAndMajority) {
  EXPECT_EQ(TallyVotes({{"a", 2}}, 3, 2).winner, "a");
  EXPECT_EQ(TallyVotes({{"a", 2}}, 5, 2).winner, "");  // majority of 5 is 3
  EXPECT_EQ(TallyVotes({{"a", 3}}, 5, 4).winner, "");  // quorum 4 is higher
  EXPECT_EQ(TallyVotes({{"a", 4}}, 5, 4).winner, "a");
  EXPECT_EQ(TallyVotes({{"a", 1}, {"b", 1}}, 2, 1).needed, 2);
}

TEST(ElectionTest, VotesOncePerEpochNeverForOlder) {
  Sentinel s(OneMaster(2), 1, 0);
  std::vector<Action> out;
  MasterDownAnswer a = s.HandleIsMasterDownRequest("127.0.0.1", 6379, 1, kPeerA, 10, &out);
  EXPECT_EQ(a.leader_runid, kPeerA);
  EXPECT_EQ(a.leader_epoch, 1u);
  auto evs = Events(out);
  EXPECT_TRUE(Has(evs, "+new-epoch 1"));
  EXPECT_TRUE(Has(evs, std::string("+vote-for-leader ") + kPeerA + " 1"));
  bool persisted = std::any_of(out.begin(), out.end(), [](const Action& x) {
    return x.type == Action::Type::kPersistState && x.state.current_epoch == 1;
  });
  EXPECT_TRUE(persisted);
  a = s.HandleIsMasterDownRequest("127.0.0.1", 6379, 1, kPeerB, 20, nullptr);
  EXPECT_EQ(a.leader_runid, kPeerA);  // first come, first served
  a = s.HandleIsMasterDownRequest("127.0.0.1", 6379, 0, kPeerB, 30, nullptr);
  EXPECT_EQ(a.leader_runid, kPeerA);
  EXPECT_EQ(a.leader_epoch, 1u);
  a = s.HandleIsMasterDownRequest("127.0.0.1", 6379, 2, kPeerB, 40, nullptr);
  EXPECT_EQ(a.leader_runid, kPeerB);
  EXPECT_EQ(a.leader_epoch, 2u);
  EXPECT_EQ(s.current_epoch(), 2u);
  a = s.HandleIsMasterDownRequest("127.0.0.1", 6379, 2, "*", 50, nullptr);
  EXPECT_EQ(a.down_state, 0);
  EXPECT_EQ(a.leader_runid, "*");
}

Replica MakeReplica(const std::string& ip, int port, int prio, int64_t off, std::string runid,
                    int64_t now) {
  Replica r;
  r.ip = ip;
  r.port = port;
  r.priority = prio;
  r.repl_offset = off;
  r.run_id = std::move(runid);
  r.last_valid_reply_ms = now;
  r.last_info_ms = now;
  return r;
}

TEST(ReplicaSelectionTest, OrderAndReasons) {
  Master m;
  m.settings.down_after_ms = 1000;
  int64_t now = 100000;
  auto add = [&](Replica r) { m.replicas.emplace(r.Addr(), r); };
  add(MakeReplica("10.0.0.1", 1, 100, 50, "c", now));
  add(MakeReplica("10.0.0.2", 2, 100, 60, "d", now));
  add(MakeReplica("10.0.0.3", 3, 100, 60, "b", now));
  add(MakeReplica("10.0.0.4", 4, 0, 999, "a", now));
  Replica stale = MakeReplica("10.0.0.5", 5, 1, 999, "a", now);
  stale.last_info_ms = now - 31000;
  add(stale);
  Replica noping = MakeReplica("10.0.0.6", 6, 1, 999, "a", now);
  noping.last_valid_reply_ms = now - 5001;
  add(noping);
  Replica down = MakeReplica("10.0.0.7", 7, 1, 999, "a", now);
  down.master_link_down_ms = 10001;
  add(down);
  ReplicaSelection sel = SelectReplica(m, now, Timing());
  EXPECT_EQ(sel.chosen, "10.0.0.3:3");  // same priority and offset as .2, smaller runid
  for (const auto& v : sel.verdicts) {
    if (v.addr == "10.0.0.4:4") {
      EXPECT_EQ(v.reason, "excluded: priority 0");
    }
    if (v.addr == "10.0.0.5:5") {
      EXPECT_NE(v.reason.find("INFO older"), std::string::npos);
    }
    if (v.addr == "10.0.0.6:6") {
      EXPECT_NE(v.reason.find("no valid PING"), std::string::npos);
    }
    if (v.addr == "10.0.0.7:7") {
      EXPECT_NE(v.reason.find("master link down"), std::string::npos);
    }
    if (v.addr == "10.0.0.3:3") {
      EXPECT_TRUE(v.chosen);
    }
  }
  // Priority beats offset.
  add(MakeReplica("10.0.0.8", 8, 50, 1, "z", now));
  EXPECT_EQ(SelectReplica(m, now, Timing()).chosen, "10.0.0.8:8");
}

TEST(TiltTest, EntersOnJumpAndExitsAfterPeriod) {
  Sentinel s(OneMaster(1), 1, 0);
  s.Tick(100);
  auto evs = Events(s.Tick(2101));
  EXPECT_TRUE(Has(evs, "+tilt #tilt mode entered"));
  EXPECT_TRUE(s.tilt());
  // In TILT nothing is acted on: no +sdown even though the master never answers.
  for (int64_t t = 2200; t < 32101; t += 100) {
    EXPECT_FALSE(Has(Events(s.Tick(t)), "+sdown master mymaster 127.0.0.1 6379"));
  }
  evs = Events(s.Tick(32101));
  EXPECT_TRUE(Has(evs, "-tilt #tilt mode exited"));
  EXPECT_FALSE(s.tilt());
  // Backwards clock also triggers TILT.
  EXPECT_TRUE(Has(Events(s.Tick(32000)), "+tilt #tilt mode entered"));
  std::vector<Action> out;
  EXPECT_EQ(s.HandleIsMasterDownRequest("127.0.0.1", 6379, 0, "*", 32000, &out).down_state, 0);
}

// Drives a single-sentinel (quorum 1) failover end to end.
TEST(FailoverTest, FullFailoverWithOneSentinel) {
  Sentinel s(OneMaster(1), 7, 0);
  s.OnInfoReply(kMasterT,
                "run_id:m\r\nrole:master\r\nslave0:ip=127.0.0.1,port=6380,state=online\r\n"
                "slave1:ip=127.0.0.1,port=6381,state=online\r\n",
                0);
  const Target r1{"mymaster", InstanceKind::kReplica, "127.0.0.1", 6380};
  const Target r2{"mymaster", InstanceKind::kReplica, "127.0.0.1", 6381};
  std::vector<std::string> evs;
  std::vector<Action> acts;
  bool promoted = false;
  bool repointed = false;
  for (int64_t t = 100; t <= 20000; t += 100) {
    s.OnPingReply(r1, PingReply::kPong, t);
    s.OnPingReply(r2, PingReply::kPong, t);
    s.OnInfoReply(r1, promoted ? "run_id:r1\r\nrole:master\r\n"
                               : ReplicaInfo("127.0.0.1", 6379, 100, 10, "r1"),
                  t);
    s.OnInfoReply(r2, ReplicaInfo("127.0.0.1", repointed ? 6380 : 6379, 100, 5, "r2"), t);
    auto a = s.Tick(t);
    for (const Action& x : a) {
      if (x.type == Action::Type::kPromote) promoted = true;
      if (x.type == Action::Type::kRepoint && x.port == 6380) repointed = true;
    }
    auto e = Events(a);
    evs.insert(evs.end(), e.begin(), e.end());
    if (s.FindMaster("mymaster")->port == 6380) break;
  }
  EXPECT_TRUE(Has(evs, "+odown master mymaster 127.0.0.1 6379 #quorum 1/1"));
  EXPECT_TRUE(Has(evs, "+try-failover master mymaster 127.0.0.1 6379"));
  EXPECT_TRUE(Has(evs, "+elected-leader master mymaster 127.0.0.1 6379"));
  EXPECT_TRUE(Has(evs, "+selected-slave slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster "
                       "127.0.0.1 6379"));
  EXPECT_TRUE(Has(evs, "+switch-master mymaster 127.0.0.1 6379 127.0.0.1 6380"));
  EXPECT_TRUE(promoted);
  EXPECT_TRUE(repointed);
  const Master* m = s.FindMaster("mymaster");
  EXPECT_EQ(m->port, 6380);
  EXPECT_EQ(m->config_epoch, 1u);
  EXPECT_TRUE(m->replicas.count("127.0.0.1:6379"));  // the old master, to demote later
}

TEST(FailoverTest, AbortNotElectedAfterElectionTimeout) {
  Sentinel s(OneMaster(2), 3, 0);
  s.OnHello(Hello("127.0.0.1", 26380, kPeerA, 0), 0);
  s.OnHello(Hello("127.0.0.1", 26381, kPeerB, 0), 0);
  std::vector<std::string> evs;
  int64_t abort_at = -1;
  for (int64_t t = 100; t <= 15000; t += 100) {
    s.OnIsMasterDownReply("mymaster", kPeerA, 1, "*", 0, t);
    auto e = Events(s.Tick(t));
    if (Has(e, "-failover-abort-not-elected master mymaster 127.0.0.1 6379")) abort_at = t;
    evs.insert(evs.end(), e.begin(), e.end());
  }
  EXPECT_TRUE(Has(evs, "+try-failover master mymaster 127.0.0.1 6379"));
  // ODOWN at 1100; start delayed ≤1 s; abort 10 s after the (delayed) start.
  EXPECT_GT(abort_at, 11100);
  EXPECT_LE(abort_at, 12200);
  EXPECT_FALSE(s.FindMaster("mymaster")->FailoverInProgress());
}

TEST(FailoverTest, ManualFailoverErrors) {
  Sentinel s(OneMaster(2), 3, 0);
  std::vector<Action> out;
  Status st = s.Failover("mymaster", 0, &out);
  EXPECT_EQ(st.message(), "NOGOODSLAVE No suitable replica to promote");
  s.OnInfoReply(kMasterT, "role:master\r\nslave0:ip=127.0.0.1,port=6380,state=online\r\n", 0);
  const Target r1{"mymaster", InstanceKind::kReplica, "127.0.0.1", 6380};
  s.OnInfoReply(r1, ReplicaInfo("127.0.0.1", 6379, 100, 1, "r1"), 10);
  EXPECT_TRUE(s.Failover("mymaster", 20, &out).ok());
  EXPECT_EQ(s.Failover("mymaster", 30, &out).message(), "INPROG Failover already in progress");
  // No ODOWN, no votes needed: the next tick promotes.
  bool promote = false;
  for (const Action& a : s.Tick(100)) promote |= a.type == Action::Type::kPromote;
  EXPECT_TRUE(promote);
}

TEST(CommandsTest, CkQuorumMessages) {
  Sentinel s(OneMaster(2), 1, 0);
  EXPECT_EQ(s.CkQuorum("mymaster"),
            "-NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the "
            "specified quorum for this master");
  s.OnHello(Hello("127.0.0.1", 26380, kPeerA, 0), 0);
  s.OnHello(Hello("127.0.0.1", 26381, kPeerB, 0), 0);
  EXPECT_EQ(s.CkQuorum("mymaster"),
            "OK 3 usable Sentinels. Quorum and failover authorization can be reached");
}

TEST(CommandsTest, SetValidation) {
  Sentinel s(OneMaster(2), 1, 0);
  std::vector<Action> out;
  EXPECT_TRUE(s.Set("mymaster", {"down-after-milliseconds", "5000", "quorum", "3"}, &out).ok());
  EXPECT_EQ(s.FindMaster("mymaster")->settings.down_after_ms, 5000);
  EXPECT_EQ(s.FindMaster("mymaster")->settings.quorum, 3);
  EXPECT_TRUE(Has(Events(out), "+set master mymaster 127.0.0.1 6379 quorum 3"));
  EXPECT_EQ(s.Set("mymaster", {"quorum", "0"}, &out).message(),
            "ERR Invalid argument '0' for SENTINEL SET 'quorum'");
  EXPECT_EQ(s.Set("mymaster", {"bogus", "1"}, &out).message(),
            "ERR Unknown option or number of arguments for SENTINEL SET 'bogus'");
  EXPECT_EQ(s.FindMaster("mymaster")->settings.quorum, 3);
}

TEST(CommandsTest, MonitorAndRemove) {
  Sentinel s(OneMaster(2), 1, 0);
  std::vector<Action> out;
  EXPECT_EQ(s.Monitor("mymaster", "127.0.0.1", 7000, 2, 0, &out).message(),
            "ERR Duplicated master name");
  EXPECT_EQ(s.Monitor("other", "127.0.0.1", 70000, 2, 0, &out).message(), "ERR Invalid port number");
  EXPECT_EQ(s.Monitor("other", "127.0.0.1", 7000, 0, 0, &out).message(),
            "ERR Quorum must be 1 or greater.");
  ASSERT_TRUE(s.Monitor("other", "127.0.0.1", 7000, 3, 0, &out).ok());
  EXPECT_TRUE(Has(Events(out), "+monitor master other 127.0.0.1 7000 quorum 3"));
  // Persisted before anything else leaves the sentinel.
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.front().type, Action::Type::kPersistState);
  EXPECT_EQ(s.FindMaster("other")->settings.quorum, 3);
  out.clear();
  EXPECT_EQ(s.Remove("nope", &out).message(), "ERR No such master with that name");
  ASSERT_TRUE(s.Remove("other", &out).ok());
  EXPECT_TRUE(Has(Events(out), "-monitor master other 127.0.0.1 7000"));
  EXPECT_EQ(s.FindMaster("other"), nullptr);
}

TEST(CommandsTest, RenamedCommandNames) {
  Sentinel s(OneMaster(2), 1, 0);
  std::vector<Action> out;
  ASSERT_TRUE(s.Set("mymaster", {"rename-command", "CONFIG", "GUESSME"}, &out).ok());
  EXPECT_EQ(s.CommandName("mymaster", "config"), "GUESSME");
  EXPECT_EQ(s.CommandName("mymaster", "SLAVEOF"), "SLAVEOF");
  EXPECT_EQ(s.CommandName("unknown", "CONFIG"), "CONFIG");
}

// A master stuck in a script answers -BUSY: once it is SDOWN, SCRIPT KILL is sent once per
// SDOWN episode (Redis's SRI_SCRIPT_KILL_SENT).
TEST(HealthTest, BusyWhileSdownSendsOneScriptKill) {
  Sentinel s(OneMaster(2, 1000), 1, 0);
  auto kills = [](const std::vector<Action>& acts) {
    int n = 0;
    for (const Action& a : acts) n += a.type == Action::Type::kScriptKill;
    return n;
  };
  int total = 0;
  total += kills(s.OnPingReply(kMasterT, PingReply::kBusy, 500));  // not SDOWN yet
  EXPECT_EQ(total, 0);
  s.Tick(1100);
  ASSERT_TRUE(s.FindMaster("mymaster")->sdown);
  for (int64_t t = 1200; t < 3000; t += 100) total += kills(s.OnPingReply(kMasterT, PingReply::kBusy, t));
  EXPECT_EQ(total, 1);
  s.OnPingReply(kMasterT, PingReply::kPong, 3000);
  s.Tick(3000);
  ASSERT_FALSE(s.FindMaster("mymaster")->sdown);
  s.Tick(4200);
  ASSERT_TRUE(s.FindMaster("mymaster")->sdown);
  EXPECT_EQ(kills(s.OnPingReply(kMasterT, PingReply::kBusy, 4300)), 1);
}

TEST(FailoverTest, SimulateFailureCrashesAfterElection) {
  Sentinel s(OneMaster(2), 3, 0);
  s.OnInfoReply(kMasterT, "role:master\r\nslave0:ip=127.0.0.1,port=6380,state=online\r\n", 0);
  const Target r1{"mymaster", InstanceKind::kReplica, "127.0.0.1", 6380};
  s.OnInfoReply(r1, ReplicaInfo("127.0.0.1", 6379, 100, 1, "r1"), 10);
  s.set_simulate_failure(Sentinel::kCrashAfterElection);
  std::vector<Action> out;
  ASSERT_TRUE(s.Failover("mymaster", 20, &out).ok());
  std::vector<Action> acts = s.Tick(100);
  size_t crash = acts.size(), elected = acts.size();
  for (size_t i = 0; i < acts.size(); ++i) {
    if (acts[i].type == Action::Type::kSimulatedCrash && crash == acts.size()) crash = i;
    if (acts[i].type == Action::Type::kEvent && acts[i].event.type == "+elected-leader") elected = i;
  }
  ASSERT_LT(crash, acts.size());
  EXPECT_GT(crash, elected);
  EXPECT_EQ(acts[crash].payload,
            "Sentinel CRASH because of SENTINEL simulate-failure (crash-after-election)");
}

TEST(GossipTest, HelloNewerConfigEpochSwitchesMaster) {
  Sentinel s(OneMaster(2), 1, 0);
  auto evs = Events(s.OnHello(Hello("127.0.0.1", 26380, kPeerA, 3, "127.0.0.1", 6380, 3), 0));
  EXPECT_TRUE(Has(evs, std::string("+sentinel sentinel ") + kPeerA +
                           " 127.0.0.1 26380 @ mymaster 127.0.0.1 6379"));
  EXPECT_TRUE(Has(evs, "+new-epoch 3"));
  EXPECT_TRUE(Has(evs, std::string("+config-update-from sentinel ") + kPeerA +
                           " 127.0.0.1 26380 @ mymaster 127.0.0.1 6379"));
  EXPECT_TRUE(Has(evs, "+switch-master mymaster 127.0.0.1 6379 127.0.0.1 6380"));
  EXPECT_EQ(s.FindMaster("mymaster")->config_epoch, 3u);
  // Same run id at a new address.
  evs = Events(s.OnHello(Hello("127.0.0.2", 26380, kPeerA, 3, "127.0.0.1", 6380, 3), 10));
  EXPECT_TRUE(Has(evs, std::string("+sentinel-address-switch sentinel ") + kPeerA +
                           " 127.0.0.2 26380 @ mymaster 127.0.0.1 6380"));
  EXPECT_EQ(s.FindMaster("mymaster")->sentinels.size(), 1u);
}

TEST(PersistTest, RestartFromSnapshotKeepsEpochsAndVotes) {
  Sentinel s(OneMaster(2), 1, 0);
  s.HandleIsMasterDownRequest("127.0.0.1", 6379, 4, kPeerA, 10, nullptr);
  s.OnHello(Hello("127.0.0.1", 26380, kPeerA, 4), 20);
  PersistedState st = s.Snapshot();
  Sentinel r(st, "127.0.0.1", 26379, 2, 1000);
  EXPECT_EQ(r.current_epoch(), 4u);
  EXPECT_EQ(r.FindMaster("mymaster")->leader_epoch, 4u);
  EXPECT_EQ(r.FindMaster("mymaster")->sentinels.size(), 1u);
  // Still cannot vote twice in epoch 4 after a restart.
  EXPECT_EQ(r.HandleIsMasterDownRequest("127.0.0.1", 6379, 4, kPeerB, 1010, nullptr).leader_runid,
            kPeerA);
}

TEST(InfoCacheTest, KeepsTheLastInfoOfMasterAndReplicas) {
  Sentinel s(OneMaster(2), 3, 0);
  const std::string master_info = "role:master\r\nslave0:ip=127.0.0.1,port=6380,state=online\r\n";
  s.OnInfoReply(kMasterT, master_info, 5);
  const Target r1{"mymaster", InstanceKind::kReplica, "127.0.0.1", 6380};
  const std::string replica_info = ReplicaInfo("127.0.0.1", 6379, 100, 1, "r1");
  s.OnInfoReply(r1, replica_info, 10);
  const Master* m = s.FindMaster("mymaster");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->info_text, master_info);
  EXPECT_EQ(m->last_info_ms, 5);
  ASSERT_EQ(m->replicas.count("127.0.0.1:6380"), 1u);
  EXPECT_EQ(m->replicas.at("127.0.0.1:6380").info_text, replica_info);
  EXPECT_EQ(m->replicas.at("127.0.0.1:6380").last_info_ms, 10);
}

}  // namespace
}  // namespace vigil::sentinel

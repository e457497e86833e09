// Topology repairs outside a failover (+convert-to-slave, +fix-slave-config) and the
// master-reboot-down-after-period SDOWN rule, each driven on a fake clock with one sentinel.
#include <gtest/gtest.h>

#include "tests/unit/sentinel/sentinel_test_util.h"

#include <string>
#include <vector>

#include "sentinel/core/sentinel.h"

namespace vigil::sentinel {
namespace {

using testing::kMyId;

constexpr char kPeerA[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

const Target kM6379{"mymaster", InstanceKind::kMaster, "127.0.0.1", 6379};
const Target kM6380{"mymaster", InstanceKind::kMaster, "127.0.0.1", 6380};
const Target kR6379{"mymaster", InstanceKind::kReplica, "127.0.0.1", 6379};
const Target kR6380{"mymaster", InstanceKind::kReplica, "127.0.0.1", 6380};

SentinelConfig OneMaster(int64_t failover_timeout = 10000, int64_t reboot_down_after = 0) {
  return testing::OneMasterConfig(2, 30000, failover_timeout, reboot_down_after);
}

std::string MasterInfo(const std::string& runid, bool loading = false) {
  return "# Server\r\nrun_id:" + runid +
         "\r\n# Persistence\r\nloading:" + std::string(loading ? "1" : "0") +
         "\r\n# Replication\r\nrole:master\r\n";
}

std::string ReplicaInfo(int mport) {
  return "# Server\r\nrun_id:r\r\n# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\n"
         "master_port:" +
         std::to_string(mport) +
         "\r\nmaster_link_status:up\r\nslave_repl_offset:1\r\nslave_priority:100\r\n";
}

// Everything the sentinel emitted, with the time it was emitted at.
struct Log {
  struct Entry {
    int64_t t;
    Action a;
  };
  std::vector<Entry> all;
  void Add(int64_t t, const std::vector<Action>& acts) {
    for (const Action& a : acts) all.push_back({t, a});
  }
  std::vector<int64_t> EventTimes(const std::string& text) const {
    std::vector<int64_t> out;
    for (const Entry& e : all) {
      if (e.a.type == Action::Type::kEvent && e.a.event.ToString() == text) out.push_back(e.t);
    }
    return out;
  }
  std::vector<Entry> Repoints() const {
    std::vector<Entry> out;
    for (const Entry& e : all) {
      if (e.a.type == Action::Type::kRepoint) out.push_back(e);
    }
    return out;
  }
};

// After a failover moved mymaster to 6380, the old master 6379 comes back still saying
// role:master. Once that claim has lasted longer than 4 x the hello period (8 s, Redis's
// SENTINEL_PUBLISH_PERIOD * 4) and the new master looks sane, it is re-pointed to 6380.
TEST(TopologyFixTest, ConvertToSlaveRepointsOldMasterAfterFailover) {
  Sentinel s(OneMaster(), 1, 0);
  Log log;
  // A peer announces the result of a failover: config epoch 1 at 127.0.0.1:6380.
  log.Add(0,
          s.OnHello("127.0.0.1,26380," + std::string(kPeerA) + ",1,mymaster,127.0.0.1,6380,1", 0));
  ASSERT_EQ(log.EventTimes("+switch-master mymaster 127.0.0.1 6379 127.0.0.1 6380").size(), 1u);
  ASSERT_EQ(s.FindMaster("mymaster")->port, 6380);
  ASSERT_EQ(s.FindMaster("mymaster")->replicas.count("127.0.0.1:6379"), 1u);

  const int64_t back = 1000;  // the old master's first INFO after it came back
  for (int64_t t = 100; t <= 12000; t += 100) {
    log.Add(t, s.OnPingReply(kM6380, PingReply::kPong, t));
    log.Add(t, s.OnInfoReply(kM6380, MasterInfo("new"), t));
    if (t >= back) {
      log.Add(t, s.OnPingReply(kR6379, PingReply::kPong, t));
      log.Add(t, s.OnInfoReply(kR6379, MasterInfo("old"), t));
    }
    log.Add(t, s.Tick(t));
  }
  const std::string text =
      "+convert-to-slave slave 127.0.0.1:6379 127.0.0.1 6379 @ mymaster 127.0.0.1 6380";
  std::vector<int64_t> converts = log.EventTimes(text);
  ASSERT_FALSE(converts.empty());
  // First INFO strictly after 8 s of role:master.
  EXPECT_EQ(converts[0], back + 8000 + 100);
  // Not resent on every INFO while the replica has not switched yet.
  if (converts.size() > 1) {
    EXPECT_GT(converts[1] - converts[0], 8000);
  }

  std::vector<Log::Entry> repoints = log.Repoints();
  ASSERT_FALSE(repoints.empty());
  EXPECT_EQ(repoints[0].t, converts[0]);
  EXPECT_EQ(repoints[0].a.target, kR6379);
  EXPECT_EQ(repoints[0].a.host, "127.0.0.1");
  EXPECT_EQ(repoints[0].a.port, 6380);
}

// A replica that follows some other address is re-pointed to the master only once the wrong
// configuration has persisted longer than failover-timeout (Redis's wait time for
// +fix-slave-config), so that a failover in flight elsewhere is not undone.
TEST(TopologyFixTest, FixSlaveConfigOnlyAfterFailoverTimeout) {
  const int64_t failover_timeout = 10000;
  Sentinel s(OneMaster(failover_timeout), 1, 0);
  Log log;
  log.Add(0, s.OnInfoReply(kM6379,
                           MasterInfo("m") + "slave0:ip=127.0.0.1,port=6380,state=online\r\n", 0));
  ASSERT_EQ(s.FindMaster("mymaster")->replicas.count("127.0.0.1:6380"), 1u);

  const int64_t wrong_since = 500;  // first INFO showing the wrong master
  for (int64_t t = 100; t <= 16000; t += 100) {
    log.Add(t, s.OnPingReply(kM6379, PingReply::kPong, t));
    log.Add(t, s.OnInfoReply(kM6379, MasterInfo("m"), t));
    log.Add(t, s.OnPingReply(kR6380, PingReply::kPong, t));
    // Until 500 ms the replica follows 6379; then it reports 6390 (wrong).
    log.Add(t, s.OnInfoReply(kR6380, ReplicaInfo(t < wrong_since ? 6379 : 6390), t));
    log.Add(t, s.Tick(t));
  }
  const std::string text =
      "+fix-slave-config slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379";
  std::vector<int64_t> fixes = log.EventTimes(text);
  ASSERT_FALSE(fixes.empty());
  EXPECT_EQ(fixes[0], wrong_since + failover_timeout + 100);
  std::vector<Log::Entry> repoints = log.Repoints();
  ASSERT_FALSE(repoints.empty());
  EXPECT_EQ(repoints[0].t, fixes[0]);
  EXPECT_EQ(repoints[0].a.target, kR6380);
  EXPECT_EQ(repoints[0].a.host, "127.0.0.1");
  EXPECT_EQ(repoints[0].a.port, 6379);
}

// A replica following the right master is never touched.
TEST(TopologyFixTest, CorrectReplicaIsLeftAlone) {
  Sentinel s(OneMaster(), 1, 0);
  Log log;
  log.Add(0, s.OnInfoReply(kM6379,
                           MasterInfo("m") + "slave0:ip=127.0.0.1,port=6380,state=online\r\n", 0));
  for (int64_t t = 100; t <= 30000; t += 100) {
    log.Add(t, s.OnPingReply(kM6379, PingReply::kPong, t));
    log.Add(t, s.OnInfoReply(kM6379, MasterInfo("m"), t));
    log.Add(t, s.OnPingReply(kR6380, PingReply::kPong, t));
    log.Add(t, s.OnInfoReply(kR6380, ReplicaInfo(6379), t));
    log.Add(t, s.Tick(t));
  }
  EXPECT_TRUE(log.Repoints().empty());
}

// master-reboot-down-after-period: a master that restarted (new run id) and still answers
// -LOADING longer than the period is SDOWN although -LOADING counts as a valid reply; it
// leaves SDOWN once it answers PONG again.
TEST(TopologyFixTest, RebootedMasterLoadingPastPeriodIsSdown) {
  const int64_t reboot_period = 5000;
  Sentinel s(OneMaster(10000, reboot_period), 1, 0);
  Log log;
  const int64_t reboot = 1000;
  for (int64_t t = 100; t <= 12000; t += 100) {
    bool loading = t >= reboot && t < 9000;
    log.Add(t, s.OnPingReply(kM6379, loading ? PingReply::kLoading : PingReply::kPong, t));
    log.Add(t, s.OnInfoReply(kM6379, MasterInfo(t < reboot ? "before" : "after", loading), t));
    log.Add(t, s.Tick(t));
    if (t == reboot + reboot_period) {
      EXPECT_FALSE(s.FindMaster("mymaster")->sdown) << "SDOWN at exactly the period";
    }
  }
  EXPECT_EQ(log.EventTimes("+reboot master mymaster 127.0.0.1 6379"), std::vector<int64_t>{reboot});
  std::vector<int64_t> sdown = log.EventTimes("+sdown master mymaster 127.0.0.1 6379");
  ASSERT_EQ(sdown.size(), 1u);
  EXPECT_EQ(sdown[0], reboot + reboot_period + 100);  // first tick strictly after the period
  std::vector<int64_t> up = log.EventTimes("-sdown master mymaster 127.0.0.1 6379");
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0], 9000);
}

// Without master-reboot-down-after-period (0, the default) a loading master is not SDOWN.
TEST(TopologyFixTest, RebootRuleOffByDefault) {
  Sentinel s(OneMaster(10000, 0), 1, 0);
  Log log;
  for (int64_t t = 100; t <= 12000; t += 100) {
    bool loading = t >= 1000;
    log.Add(t, s.OnPingReply(kM6379, loading ? PingReply::kLoading : PingReply::kPong, t));
    log.Add(t, s.OnInfoReply(kM6379, MasterInfo(t < 1000 ? "before" : "after", loading), t));
    log.Add(t, s.Tick(t));
  }
  EXPECT_TRUE(log.EventTimes("+sdown master mymaster 127.0.0.1 6379").empty());
}

// Redis's sentinelRedisInstanceNoDownFor: an old master that claims role:master is not
// converted while it entered SDOWN within the wait (8 s), even if its role claim is older.
TEST(TopologyFixTest, ConvertToSlaveWaitsUntilNoRecentSdown) {
  Sentinel s(testing::OneMasterConfig(2, 2000, 10000, 0), 1, 0);
  Log log;
  log.Add(0,
          s.OnHello("127.0.0.1,26380," + std::string(kPeerA) + ",1,mymaster,127.0.0.1,6380,1", 0));
  ASSERT_EQ(s.FindMaster("mymaster")->port, 6380);
  // The old master answers from 1 s, goes silent from 3 s to 6 s (SDOWN at 5 s: last reply
  // 2.9 s, down-after 2 s), then answers again.
  for (int64_t t = 100; t <= 16000; t += 100) {
    log.Add(t, s.OnPingReply(kM6380, PingReply::kPong, t));
    log.Add(t, s.OnInfoReply(kM6380, MasterInfo("new"), t));
    if (t >= 1000 && (t < 3000 || t >= 6000)) {
      log.Add(t, s.OnPingReply(kR6379, PingReply::kPong, t));
      log.Add(t, s.OnInfoReply(kR6379, MasterInfo("old"), t));
    }
    log.Add(t, s.Tick(t));
  }
  ASSERT_EQ(log.EventTimes("+sdown slave 127.0.0.1:6379 127.0.0.1 6379 @ mymaster 127.0.0.1 6380"),
            std::vector<int64_t>{5000});
  std::vector<int64_t> converts = log.EventTimes(
      "+convert-to-slave slave 127.0.0.1:6379 127.0.0.1 6379 @ mymaster 127.0.0.1 6380");
  ASSERT_FALSE(converts.empty());
  // Without the rule it would come at 9.1 s (8 s after the role claim at 1 s).
  EXPECT_EQ(converts[0], 5000 + 8000 + 100);
}

// Replicas are created knowing they are replicas: a healthy replica's first INFO is not a
// role change (Redis emits +role-change / -role-change only for real changes).
TEST(TopologyFixTest, FirstReplicaInfoIsNotARoleChange) {
  Sentinel s(OneMaster(), 1, 0);
  Log log;
  log.Add(0, s.OnInfoReply(kM6379,
                           MasterInfo("m") + "slave0:ip=127.0.0.1,port=6380,state=online\r\n", 0));
  log.Add(100, s.OnInfoReply(kR6380, ReplicaInfo(6379), 100));
  for (const auto& e : log.all) {
    if (e.a.type == Action::Type::kEvent) {
      EXPECT_EQ(e.a.event.ToString().find("role-change"), std::string::npos) << e.a.event.ToString();
    }
  }
  // A real change is still reported.
  log.Add(200, s.OnInfoReply(kR6380, MasterInfo("r"), 200));
  EXPECT_EQ(log.EventTimes("-role-change slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 "
                           "6379 new reported role is master")
                .size(),
            1u);
}

}  // namespace
}  // namespace vigil::sentinel

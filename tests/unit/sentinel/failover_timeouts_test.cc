// Timeout rules of the failover state machine: promotion never seen, retry delay, and the
// 10 s reconf-sent timeout, each driven on a fake clock with one sentinel (quorum 1).
#include <gtest/gtest.h>

#include "tests/unit/sentinel/sentinel_test_util.h"

#include <algorithm>
#include <string>
#include <vector>

#include "sentinel/core/sentinel.h"

namespace vigil::sentinel {
namespace {

const Target kMaster{"mymaster", InstanceKind::kMaster, "127.0.0.1", 6379};
const Target kR1{"mymaster", InstanceKind::kReplica, "127.0.0.1", 6380};
const Target kR2{"mymaster", InstanceKind::kReplica, "127.0.0.1", 6381};

SentinelConfig Config() { return testing::OneMasterConfig(1, 1000, 5000); }

std::string SlaveOf(int port) {
  return "run_id:r\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:" +
         std::to_string(port) + "\r\nmaster_link_status:up\r\nslave_repl_offset:1\r\n";
}

struct EventLog {
  std::vector<std::pair<int64_t, std::string>> events;
  int64_t First(const std::string& e) const {
    for (const auto& [t, s] : events) {
      if (s.rfind(e, 0) == 0) return t;
    }
    return -1;
  }
};

// r1 never turns into a master: WAIT_PROMOTION must abort after failover-timeout, and the next
// attempt must wait 2 x failover-timeout from the previous start.
TEST(FailoverTimeoutTest, PromotionNeverSeenAbortsAndRetryWaits) {
  Sentinel s(Config(), 5, 0);
  s.OnInfoReply(kMaster, "role:master\r\nslave0:ip=127.0.0.1,port=6380,state=online\r\n", 0);
  EventLog run;
  for (int64_t t = 100; t <= 30000; t += 100) {
    s.OnPingReply(kR1, PingReply::kPong, t);
    s.OnInfoReply(kR1, SlaveOf(6379), t);
    for (const Action& a : s.Tick(t)) {
      if (a.type == Action::Type::kEvent) run.events.emplace_back(t, a.event.ToString());
    }
  }
  int64_t wait = run.First("+failover-state-wait-promotion");
  int64_t abort = run.First("-failover-abort-slave-timeout");
  ASSERT_GT(wait, 0);
  EXPECT_EQ(abort - wait, 5100);  // first tick strictly after failover-timeout
  std::vector<int64_t> starts;
  for (const auto& [t, e] : run.events) {
    if (e.rfind("+try-failover", 0) == 0) starts.push_back(t);
  }
  ASSERT_GE(starts.size(), 2u);
  EXPECT_GE(starts[1] - starts[0], 2 * 5000 - 1000);  // start time includes the ≤1 s desync
}

// r2 accepts the re-point but never reports the new master: -slave-reconf-sent-timeout after
// 10 s, then the failover ends anyway.
TEST(FailoverTimeoutTest, ReconfSentTimeout) {
  SentinelConfig c = Config();
  c.masters[0].settings.failover_timeout_ms = 60000;
  Sentinel s(c, 5, 0);
  s.OnInfoReply(kMaster,
                "role:master\r\nslave0:ip=127.0.0.1,port=6380,state=online\r\n"
                "slave1:ip=127.0.0.1,port=6381,state=online\r\n",
                0);
  bool promoted = false;
  EventLog run;
  for (int64_t t = 100; t <= 30000; t += 100) {
    s.OnPingReply(kR1, PingReply::kPong, t);
    s.OnPingReply(kR2, PingReply::kPong, t);
    s.OnInfoReply(kR1, promoted ? "run_id:r1\r\nrole:master\r\n" : SlaveOf(6379), t);
    s.OnInfoReply(kR2, SlaveOf(6379), t);
    for (const Action& a : s.Tick(t)) {
      if (a.type == Action::Type::kPromote) promoted = a.target == kR1 || a.target == kR2;
      if (a.type == Action::Type::kEvent) run.events.emplace_back(t, a.event.ToString());
    }
  }
  int64_t sent = run.First("+slave-reconf-sent");
  int64_t timeout = run.First("-slave-reconf-sent-timeout");
  ASSERT_GT(sent, 0);
  EXPECT_EQ(timeout - sent, 10100);
  EXPECT_GE(run.First("+failover-end"), timeout);
  EXPECT_GT(run.First("+switch-master mymaster 127.0.0.1 6379 127.0.0.1 638"), 0);
}

TEST(CkQuorumTest, NoAuthWhenMajorityUnreachable) {
  SentinelConfig c = Config();
  Sentinel s(c, 1, 0);
  for (int i = 0; i < 4; ++i) {
    std::string id(40, static_cast<char>('a' + i));
    s.OnHello("127.0.0.1," + std::to_string(26380 + i) + "," + id +
                  ",0,mymaster,127.0.0.1,6379,0",
              0);
  }
  // Nobody answers PING for more than down-after: all four peers SDOWN, 1 usable of 5.
  for (int64_t t = 100; t <= 1500; t += 100) s.Tick(t);
  EXPECT_EQ(s.CkQuorum("mymaster"),
            "-NOAUTH 1 usable Sentinels. Not enough available Sentinels to reach the majority "
            "and authorize a failover");
}

}  // namespace
}  // namespace vigil::sentinel

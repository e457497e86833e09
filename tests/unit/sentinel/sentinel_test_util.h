// Shared fixtures for the sentinel core unit tests: a one-master config with
// the knobs each test varies.
#pragma once

#include <cstdint>

#include "sentinel/core/sentinel.h"

namespace vigil::sentinel::testing {

inline constexpr char kMyId[] = "0000000000000000000000000000000000000001";

inline SentinelConfig OneMasterConfig(int quorum, int64_t down_after_ms,
                                      int64_t failover_timeout_ms,
                                      int64_t reboot_down_after_ms = 0) {
  SentinelConfig c;
  c.myid = kMyId;
  c.announce_ip = "127.0.0.1";
  c.announce_port = 26379;
  MasterConfig m;
  m.name = "mymaster";
  m.ip = "127.0.0.1";
  m.port = 6379;
  m.settings.quorum = quorum;
  m.settings.down_after_ms = down_after_ms;
  m.settings.failover_timeout_ms = failover_timeout_ms;
  m.settings.reboot_down_after_ms = reboot_down_after_ms;
  c.masters.push_back(m);
  return c;
}

}  // namespace vigil::sentinel::testing

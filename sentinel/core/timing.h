// Every period and timeout the sentinel core uses, in one place so that tests and the
// simulator can reason about bounds. Values are Redis Sentinel's (sentinel.c constants).
#pragma once

#include <cstdint>

namespace vigil::sentinel {

struct Timing {
  int64_t ping_period_ms = 1000;
  int64_t info_period_ms = 10000;
  int64_t info_period_fast_ms = 1000;  // replicas of a master that is down or failing over
  int64_t hello_period_ms = 2000;
  int64_t ask_period_ms = 1000;
  int64_t tilt_trigger_ms = 2000;
  int64_t tilt_period_ms = 30000;
  int64_t election_timeout_ms = 10000;
  int64_t slave_reconf_timeout_ms = 10000;
  int64_t max_desync_ms = 1000;
  // A peer's "master is down" answer older than this is forgotten.
  int64_t master_down_reply_validity_ms = 5000;
  // Replica selection: no valid PING reply for longer than this excludes a replica.
  int64_t selection_ping_validity_ms = 5000;
  // Wait before demoting an instance that wrongly claims to be master.
  int64_t convert_to_slave_wait_ms = 8000;  // PUBLISH_PERIOD * 4
};

}  // namespace vigil::sentinel

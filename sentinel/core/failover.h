// The failover state machine: WAIT_START (election) -> SELECT_SLAVE -> SEND_SLAVEOF_NOONE ->
// WAIT_PROMOTION -> RECONF_SLAVES -> UPDATE_CONFIG. The Sentinel methods, one per state and
// dispatched by one switch in Sentinel::FailoverStep, live in failover.cc.
#pragma once

#include <cstdint>

#include "sentinel/core/instance.h"

namespace vigil::sentinel {

// ODOWN and no failover for 2 x failover-timeout since the last attempt started.
bool FailoverRetryDue(const Master& m, int64_t now);

// The current failover state has lasted longer than failover-timeout.
bool FailoverStateTimedOut(const Master& m, int64_t now);

}  // namespace vigil::sentinel

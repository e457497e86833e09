// Health rules of the sentinel core: when an instance is subjectively down (SDOWN), when a
// master is objectively down (ODOWN), and when the clock is too unreliable to act (TILT).
// The Sentinel methods that apply these rules and emit the events live in health.cc.
#pragma once

#include <cstdint>

#include "sentinel/core/instance.h"
#include "sentinel/core/timing.h"

namespace vigil::sentinel {

// A tick-to-tick delta that is negative or longer than tilt-trigger means the clock jumped (or
// the process stalled): every timer is suspect.
bool ClockJumped(int64_t delta_ms, const Timing& timing);

// SDOWN: no valid reply for longer than down-after; for a master also a persistent role:slave
// claim, or a reboot still loading past master-reboot-down-after-period.
bool InstanceLooksDown(const Master& m, const Instance& inst, bool is_master, const Timing& timing,
                       int64_t now);

// Sentinels (ourselves included) that currently say the master is down; 0 unless we do.
int OdownVotes(const Master& m);

}  // namespace vigil::sentinel

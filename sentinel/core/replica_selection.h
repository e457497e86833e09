// Chooses the replica to promote, Redis's rules, and explains the verdict for every replica
// so that "-failover-abort-no-good-slave" (and a later SENTINEL EXPLAIN) can say why.
#pragma once

#include <string>
#include <vector>

#include "sentinel/core/instance.h"
#include "sentinel/core/timing.h"

namespace vigil::sentinel {

struct ReplicaVerdict {
  std::string addr;
  bool eligible = false;
  bool chosen = false;
  std::string reason;  // "chosen", "excluded: priority 0", ...
};

struct ReplicaSelection {
  std::string chosen;  // empty: no good replica
  std::vector<ReplicaVerdict> verdicts;
};

ReplicaSelection SelectReplica(const Master& master, int64_t now_ms, const Timing& t);

}  // namespace vigil::sentinel

#include "sentinel/core/replica_selection.h"

#include <algorithm>

namespace vigil::sentinel {

ReplicaSelection SelectReplica(const Master& m, int64_t now, const Timing& t) {
  ReplicaSelection out;
  // Redis: INFO must be fresher than 5 s while the master is SDOWN (1 s refresh), else 30 s.
  int64_t info_validity = m.sdown ? 5 * t.info_period_fast_ms : 3 * t.info_period_ms;
  int64_t max_link_down = m.settings.down_after_ms * 10;
  if (m.sdown) max_link_down += now - m.sdown_since_ms;
  std::vector<const Replica*> ok;
  for (const auto& [addr, r] : m.replicas) {
    ReplicaVerdict v{addr, false, false, ""};
    if (r.sdown) {
      v.reason = "excluded: subjectively down";
    } else if (!r.link_up) {
      v.reason = "excluded: disconnected";
    } else if (now - r.last_valid_reply_ms > t.selection_ping_validity_ms) {
      v.reason = "excluded: no valid PING reply for " +
                 std::to_string(now - r.last_valid_reply_ms) + " ms";
    } else if (r.priority == 0) {
      v.reason = "excluded: priority 0";
    } else if (r.last_info_ms < 0 || now - r.last_info_ms > info_validity) {
      v.reason = "excluded: INFO older than " + std::to_string(info_validity) + " ms";
    } else if (r.master_link_down_ms > max_link_down) {
      v.reason = "excluded: master link down " + std::to_string(r.master_link_down_ms) +
                 " ms > " + std::to_string(max_link_down) + " ms";
    } else {
      v.eligible = true;
      v.reason = "eligible: priority " + std::to_string(r.priority) + " offset " +
                 std::to_string(r.repl_offset) + " runid " +
                 (r.run_id.empty() ? "?" : r.run_id);
      ok.push_back(&r);
    }
    out.verdicts.push_back(std::move(v));
  }
  if (ok.empty()) return out;
  // Lower priority first, then larger offset, then smaller run id (an empty one sorts last).
  std::sort(ok.begin(), ok.end(), [](const Replica* a, const Replica* b) {
    if (a->priority != b->priority) return a->priority < b->priority;
    if (a->repl_offset != b->repl_offset) return a->repl_offset > b->repl_offset;
    if (a->run_id.empty() != b->run_id.empty()) return b->run_id.empty();
    return a->run_id < b->run_id;
  });
  out.chosen = ok.front()->Addr();
  for (auto& v : out.verdicts) {
    if (v.addr == out.chosen) {
      v.chosen = true;
      v.reason = "chosen: " + v.reason.substr(10);
    }
  }
  return out;
}

}  // namespace vigil::sentinel

#include "sentinel/core/events.h"

namespace vigil::sentinel {
namespace {

std::string Suffix(const Master& m) {
  return " @ " + m.name + " " + m.ip + " " + std::to_string(m.port);
}

}  // namespace

const char* FailoverStateName(FailoverState s) {
  switch (s) {
    case FailoverState::kNone: return "none";
    case FailoverState::kWaitStart: return "wait_start";
    case FailoverState::kSelectSlave: return "select_slave";
    case FailoverState::kSendSlaveofNoone: return "send_slaveof_noone";
    case FailoverState::kWaitPromotion: return "wait_promotion";
    case FailoverState::kReconfSlaves: return "reconf_slaves";
    case FailoverState::kUpdateConfig: return "update_config";
  }
  return "unknown";
}

std::string MasterDetails(const Master& m) {
  return "master " + m.name + " " + m.ip + " " + std::to_string(m.port);
}

std::string ReplicaDetails(const Master& m, const Replica& r) {
  return "slave " + r.Addr() + " " + r.ip + " " + std::to_string(r.port) + Suffix(m);
}

std::string SentinelDetails(const Master& m, const PeerSentinel& s) {
  return "sentinel " + s.run_id + " " + s.ip + " " + std::to_string(s.port) + Suffix(m);
}

}  // namespace vigil::sentinel

// Sentinel events: the type (pub/sub channel) and the payload text exactly as Redis formats
// them, plus the current epoch as a side field for our own structured log.
#pragma once

#include <cstdint>
#include <string>

#include "sentinel/core/instance.h"

namespace vigil::sentinel {

enum class EventLevel { kDebug, kVerbose, kNotice, kWarning };

struct Event {
  EventLevel level = EventLevel::kNotice;
  std::string type;  // "+sdown"
  std::string text;  // "master mymaster 127.0.0.1 6379"
  uint64_t epoch = 0;
  std::string ToString() const { return type + " " + text; }
};

// "<type> <name> <ip> <port>" (+ " @ <master> <ip> <port>" unless it is the master itself).
std::string MasterDetails(const Master& m);
std::string ReplicaDetails(const Master& m, const Replica& r);
std::string SentinelDetails(const Master& m, const PeerSentinel& s);

}  // namespace vigil::sentinel

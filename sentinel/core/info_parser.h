// Parses the raw INFO text a data server returns into the replication facts the sentinel
// needs. Tolerant: unknown fields are ignored, malformed numbers leave the default.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::sentinel {

enum class Role { kUnknown, kMaster, kSlave };

struct InfoReplicaLine {
  std::string ip;
  int port = 0;
};

struct ParsedInfo {
  std::string run_id;
  Role role = Role::kUnknown;
  std::vector<InfoReplicaLine> replicas;  // slaveN: lines (master side)
  std::string master_host;
  int master_port = 0;
  bool master_link_up = false;
  int64_t master_link_down_since_s = -1;  // -1 when absent
  int slave_priority = 100;
  int64_t slave_repl_offset = 0;
  bool replica_announced = true;
};

ParsedInfo ParseInfo(std::string_view text);

}  // namespace vigil::sentinel

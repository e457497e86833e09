// What sentinel.conf must hold after any change, as plain data. The core produces it;
// writing (and reading back) the file belongs to the daemon.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sentinel/core/instance.h"

namespace vigil::sentinel {

struct PersistedSentinel {
  std::string ip;
  int port = 0;
  std::string run_id;
};

struct PersistedMaster {
  std::string name;
  std::string ip;
  int port = 0;
  MasterSettings settings;
  uint64_t config_epoch = 0;
  uint64_t leader_epoch = 0;
  std::string leader;
  std::vector<std::pair<std::string, int>> known_replicas;
  std::vector<PersistedSentinel> known_sentinels;
};

struct PersistedState {
  std::string myid;
  uint64_t current_epoch = 0;
  std::vector<PersistedMaster> masters;
};

}  // namespace vigil::sentinel

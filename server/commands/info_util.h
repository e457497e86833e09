// INFO: Redis 7.0's sections, in its order, with its field names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::server {

class Server;

// The INFO reply for `sections` (the command's arguments, any case): none or
// "default" gives the default sections, "all"/"everything" every section, and
// any mix of section names the named ones, always in Redis's order. Unknown
// names add nothing (so INFO nosuch answers an empty string, as Redis does).
std::string GenerateInfo(Server& server, const std::vector<std::string>& sections);

// INFO memory's figures, shared with MEMORY STATS (bytes).
struct MemoryFigures {
  uint64_t used = 0;      // used_memory: the allocator's allocated bytes
  uint64_t active = 0;    // allocator_active
  uint64_t resident = 0;  // allocator_resident
  uint64_t rss = 0;       // used_memory_rss
  uint64_t peak = 0;
  uint64_t startup = 0;
  uint64_t normal_clients = 0, replica_clients = 0;  // their buffers
  uint64_t backlog = 0;
  uint64_t overhead = 0;  // startup + client buffers + backlog + key-table buckets
  uint64_t dataset = 0;   // used - overhead
  uint64_t net = 0;       // used - startup
};
MemoryFigures ReadMemoryFigures(Server& server);

}  // namespace vigil::server

// INFO: Redis 7.0's sections, in its order, with its field names.
#pragma once

#include <string>
#include <vector>

namespace vigil::server {

class Server;

// The INFO reply for `sections` (the command's arguments, any case): none or
// "default" gives the default sections, "all"/"everything" every section, and
// any mix of section names the named ones, always in Redis's order. Unknown
// names add nothing (so INFO nosuch answers an empty string, as Redis does).
std::string GenerateInfo(Server& server, const std::vector<std::string>& sections);

}  // namespace vigil::server

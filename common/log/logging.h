// Logging in Redis's line format on top of spdlog:
//   <pid>:<role> 22 Nov 2026 03:19:14.123 * message
// with Redis's level marks ('.' debug, '-' verbose, '*' notice, '#' warning).
// Operators and tools grep these lines, so the format is part of the contract.
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

#include "common/util/status.h"

namespace vigil::log {

// `role` is Redis's role letter: 'M' master, 'S' replica, 'X' sentinel, 'C' child.
// `logfile` empty means stdout. `level` is a Redis loglevel name.
Status Init(std::string_view logfile, std::string_view level, char role);
// Changes the level at run time (CONFIG SET loglevel).
Status SetLevel(std::string_view level);
void SetRole(char role);

}  // namespace vigil::log

// Command-line handling for both programs, as Redis does it:
//   vigil-server [/path/to.conf | -] [--directive arg ...]...
// Any redis.conf directive can be given as --name args; the binary's own flags
// (--help, --version, --check-rdb ...) go through Boost.Program_options.
#pragma once

#include <string>
#include <vector>

#include "common/util/status.h"

namespace vigil::config {

struct CommandLine {
  std::string config_path;  // empty if none; "-" means read stdin; else absolute
  // A trailing "-" after a config file: read stdin too, after the file
  // (redis-server /etc/x.conf --loglevel verbose -).
  bool config_from_stdin = false;
  bool help = false;
  bool version = false;
  // Directives from "--name args" overrides, one per line in redis.conf
  // syntax (arguments quoted as needed), applied after the file.
  std::string overrides_text;
  // Own flags that take a value, e.g. {"check-rdb", "/x/dump.rdb"}.
  std::vector<std::pair<std::string, std::string>> own_flags;
};

// `own_value_flags` are the binary's own flags that take a single value
// (e.g. {"check-rdb", "check-aof"}); all other --x are directives.
StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv,
                                       const std::vector<std::string>& own_value_flags = {});

// The --help text for a program.
std::string UsageText(const std::string& program);

}  // namespace vigil::config

// The file checkers, redis-check-rdb and redis-check-aof's counterparts:
//
//   vigil-server --check-rdb dump.rdb
//   vigil-server --check-aof [--fix] appendonlydir/appendonly.aof.manifest | file.aof
//
// or, as the redis-check-* binaries are run, through a link named
// vigil-check-rdb / vigil-check-aof with the file as the first argument.
// The reports keep Redis's wording, which operators and scripts grep.
#pragma once

#include <optional>
#include <string>

namespace vigil::server {

// Runs a checker if the command line asks for one (by flag or by program
// name) and returns its exit status; nullopt to start the server instead.
std::optional<int> RunCheckToolIfRequested(int argc, const char* const* argv);

// redis-check-rdb: prints the report to stdout; 0 if the file loads.
int CheckRdbMain(const std::string& path);

// redis-check-aof: a manifest (every file it lists, next to it), a
// multi-part file, or an old single-file AOF (RDB preamble or not). With
// `fix`, a torn tail of the last file is cut after a "y" on stdin; damage
// before the tail is never "fixed" (it would drop the commands after it).
// 0 if valid (or fixed), 1 otherwise.
int CheckAofMain(const std::string& path, bool fix);

}  // namespace vigil::server

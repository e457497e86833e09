// Argument parsing and reply shape shared by SCAN, HSCAN, SSCAN and ZSCAN:
// `cursor [MATCH pattern] [COUNT n] [TYPE t]`, answered as
// [next-cursor, [elements...]].
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/command.h"

namespace vigil::server {

struct ScanOptions {
  uint64_t cursor = 0;
  std::string pattern;  // empty = no MATCH (or MATCH *)
  int64_t count = 10;
  std::string type;     // SCAN only; lower case, empty = any
  bool Matches(std::string_view element) const;
};

// Parses args[cursor_index] and the options after it. `allow_type` is true
// for SCAN. On error writes Redis's reply ("ERR invalid cursor", "ERR syntax
// error", "ERR value is not an integer or out of range") and returns nullopt.
std::optional<ScanOptions> ParseScanArgs(CommandContext& ctx, size_t cursor_index, bool allow_type);

// Just the cursor argument (HSCAN/SSCAN/ZSCAN check the cursor, then the key,
// then the options: a missing key answers an empty scan whatever follows).
// Writes "ERR invalid cursor" and returns nullopt when it is not one.
std::optional<uint64_t> ParseScanCursor(CommandContext& ctx, const std::string& arg);

// Writes [cursor, [elements...]].
void ReplyScan(CommandContext& ctx, uint64_t next_cursor, const std::vector<std::string>& elements);

}  // namespace vigil::server

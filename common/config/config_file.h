// Reader for redis.conf-format files: one directive per line, arguments split
// as Redis's sdssplitargs does ("double" quotes with \n \r \t \b \a \xHH \\ \"
// escapes, 'single' quotes with only \'), '#' comments, `include` files, and
// memory units. Errors name the file, line number, the line and the reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/status.h"

namespace vigil::config {

// One directive as read from a file. args[0] is the directive name as written.
struct Directive {
  std::string file;  // file it came from ("(command line)" / "(stdin)" for those)
  int line_no = 0;   // 1-based
  std::string line;  // the raw line, trimmed
  std::vector<std::string> args;
};

// Splits a line like sdssplitargs. Returns nullopt on unbalanced quotes or a
// closing quote not followed by a space.
std::optional<std::vector<std::string>> SplitArgs(std::string_view line);

// memtoll: "1k"=1000 "1kb"=1024 "1m" "1mb" "1g" "1gb", case-insensitive, plain
// numbers as bytes, optional leading '-'. nullopt if it cannot be parsed.
std::optional<int64_t> ParseMemory(std::string_view s);

// yes/no (case-insensitive). nullopt otherwise.
std::optional<bool> ParseYesNo(std::string_view s);

// A load error, formatted by Format() as Redis does:
//   \n*** FATAL CONFIG FILE ERROR (vigil 0.1.0) ***\n
//   Reading the configuration file 'F', at line N\n>>> 'LINE'\nREASON\n
struct ConfigError {
  std::string file;
  int line_no = 0;
  std::string line;
  std::string reason;
  std::string Format() const;
};

// Reads a config file, expanding `include` (relative paths are taken from the
// current directory, as Redis does). Empty and comment lines are skipped.
// Returns the directives in order, or the first error.
struct ReadResult {
  std::vector<Directive> directives;
  std::optional<ConfigError> error;
};
ReadResult ReadConfigFile(const std::string& path);
// Same for text already in memory (stdin, command-line overrides).
ReadResult ParseConfigText(std::string_view text, const std::string& source_name);

// Writes `content` to `path` atomically: temp file in the same directory,
// write, fsync, rename over the target, fsync the directory. The old file is
// left untouched on any error. If `err_no` is given it receives the errno of
// the failure (0 on success), so callers can answer in Redis's wording
// ("Rewriting config file: <strerror>").
Status WriteFileAtomically(const std::string& path, std::string_view content,
                           int* err_no = nullptr);

// Formats a byte count the way CONFIG REWRITE writes it: "1gb", "64mb",
// "4kb" when exact, plain bytes otherwise (rewriteConfigFormatMemory).
std::string FormatMemory(int64_t bytes);

}  // namespace vigil::config

// Splits a line into arguments exactly as Redis's sdssplitargs does: used for
// inline commands (common/resp/parser.cc) and for redis.conf lines
// (common/config/config_file.cc), which Redis reads with the same function.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil {

// "double" quotes with \n \r \t \b \a \xHH and \<any> escapes, 'single'
// quotes with only \' ; a closing quote must be followed by a space or the
// end; a NUL byte ends the input. Returns nullopt on unbalanced quotes.
std::optional<std::vector<std::string>> SplitArgs(std::string_view line);

}  // namespace vigil

// Redis-style glob matching (stringmatchlen): '*', '?', '[abc]', '[^a-z]' and
// '\' escapes. Used by KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE and
// SENTINEL RESET.
#pragma once

#include <string_view>

namespace vigil {

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

}  // namespace vigil

// Reply texts that repeat across commands, spelled exactly as Redis 7.0 does
// (without the leading '-'; resp::Writer::Error adds it).
#pragma once

#include <string>
#include <string_view>

namespace vigil::server::errors {

inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kDbIndexOutOfRange = "ERR DB index is out of range";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view kAuthNotConfigured =
    "ERR AUTH <password> called without any password configured for the default user. "
    "Are you sure your configuration is correct?";
inline constexpr std::string_view kMaxClients = "ERR max number of clients reached";
inline constexpr std::string_view kStringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

inline std::string WrongArity(std::string_view cmd) {
  return "ERR wrong number of arguments for '" + std::string(cmd) + "' command";
}

inline std::string InvalidExpire(std::string_view cmd) {
  return "ERR invalid expire time in '" + std::string(cmd) + "' command";
}

}  // namespace vigil::server::errors

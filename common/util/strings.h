// String helpers with Redis's exact semantics: strict integer parsing
// (string2ll), strtod-style doubles, long-double formatting for INCRBYFLOAT,
// and case-insensitive comparison for command and option names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil {

// Strict int64 as Redis's string2ll: optional '-', no '+', no spaces, no
// leading zeros, "-0" rejected, no overflow.
std::optional<int64_t> ParseInt64(std::string_view s);
// Same rules for an unsigned 64-bit value (SCAN cursors and the like).
std::optional<uint64_t> ParseUint64(std::string_view s);

// A double as Redis reads scores and timeouts (strtod): hex, "inf",
// "infinity" accepted; NaN, leading spaces, trailing garbage and
// overflow/underflow to 0 rejected.
std::optional<double> ParseDouble(std::string_view s);
// A long double as INCRBYFLOAT reads it (strtold); rejects NaN and +-inf.
std::optional<long double> ParseLongDouble(std::string_view s);

// "%.17g" formatting used for sorted-set scores and RESP2 doubles,
// with "inf"/"-inf" for infinities.
std::string FormatDouble(double d);
// INCRBYFLOAT's human-friendly formatting: "%.17Lf" with trailing zeros (and
// a trailing '.') removed.
std::string FormatLongDouble(long double d);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// Without leading and trailing spaces, tabs, CRs and LFs (sdstrim(s, " \t\r\n")).
std::string_view TrimWhitespace(std::string_view s);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);

// Splits on any of `seps`, dropping empty pieces.
std::vector<std::string> SplitString(std::string_view s, std::string_view seps);

// Quotes a string the way redis-cli/sdscatrepr does ("..." with \n, \xHH...).
std::string QuoteRepr(std::string_view s);

}  // namespace vigil

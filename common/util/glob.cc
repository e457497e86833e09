#include "common/util/glob.h"

#include <cctype>
#include <utility>

namespace vigil {
namespace {

inline int Fold(unsigned char c, bool nocase) { return nocase ? std::tolower(c) : c; }

// Matches one pattern element (not '*') at p[pi] against character c.
// Returns whether it matched and stores the pattern index after the element.
bool MatchOne(std::string_view p, size_t pi, unsigned char c, bool nocase, size_t* next) {
  const int fc = Fold(c, nocase);
  if (p[pi] == '?') {
    *next = pi + 1;
    return true;
  }
  if (p[pi] == '\\' && pi + 1 < p.size()) {
    *next = pi + 2;
    return Fold(static_cast<unsigned char>(p[pi + 1]), nocase) == fc;
  }
  if (p[pi] != '[') {
    *next = pi + 1;
    return Fold(static_cast<unsigned char>(p[pi]), nocase) == fc;
  }
  // Character class. An unterminated class runs to the end of the pattern.
  size_t i = pi + 1;
  bool negate = i < p.size() && p[i] == '^';
  if (negate) ++i;
  bool match = false;
  while (i < p.size() && p[i] != ']') {
    if (p[i] == '\\' && i + 1 < p.size()) {
      if (static_cast<unsigned char>(p[i + 1]) == c) match = true;
      i += 2;
    } else if (i + 2 < p.size() && p[i + 1] == '-') {
      int lo = Fold(static_cast<unsigned char>(p[i]), nocase);
      int hi = Fold(static_cast<unsigned char>(p[i + 2]), nocase);
      if (lo > hi) std::swap(lo, hi);
      if (fc >= lo && fc <= hi) match = true;
      i += 3;
    } else {
      if (Fold(static_cast<unsigned char>(p[i]), nocase) == fc) match = true;
      ++i;
    }
  }
  *next = i < p.size() ? i + 1 : i;
  return negate ? !match : match;
}

}  // namespace

// Classic wildcard matching with one backtrack point: on a mismatch, retry
// from the most recent '*' consuming one more character. Only the last star
// matters, so this is O(len(pattern) * len(str)) and needs no recursion,
// unlike the naive form that is exponential on patterns like "*a*a*a...b".
bool GlobMatch(std::string_view p, std::string_view s, bool nocase) {
  size_t pi = 0, si = 0;
  size_t star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      while (pi < p.size() && p[pi] == '*') ++pi;
      if (pi == p.size()) return true;
      star_p = pi;
      star_s = si;
      continue;
    }
    size_t next = 0;
    if (pi < p.size() && MatchOne(p, pi, static_cast<unsigned char>(s[si]), nocase, &next)) {
      pi = next;
      ++si;
      continue;
    }
    if (star_p == std::string_view::npos) return false;
    pi = star_p;
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace vigil

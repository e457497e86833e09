#include "server/types/bitops.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "common/util/strings.h"

namespace vigil::server::bitops {
namespace {

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

uint64_t LoadWord(const unsigned char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  return w;
}

// dst[i] = f(dst[i], src[i]) for n bytes, eight at a time while it can.
template <typename F>
void ApplyBytes(unsigned char* dst, const unsigned char* src, size_t n, F f) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w = f(LoadWord(dst + i), LoadWord(src + i));
    std::memcpy(dst + i, &w, sizeof(w));
  }
  for (; i < n; ++i) dst[i] = static_cast<unsigned char>(f(uint64_t{dst[i]}, uint64_t{src[i]}));
}

}  // namespace

bool GetBit(std::string_view data, uint64_t offset) {
  uint64_t byte = offset >> 3;
  if (byte >= data.size()) return false;
  return (Bytes(data)[byte] >> (7 - (offset & 7))) & 1;
}

void SetBit(char* data, uint64_t offset, bool on) {
  auto& byte = reinterpret_cast<unsigned char*>(data)[offset >> 3];
  const unsigned mask = 1u << (7 - (offset & 7));
  byte = static_cast<unsigned char>(on ? (byte | mask) : (byte & ~mask));
}

// Cloned for CPUs with the POPCNT instruction (picked at load time), as
// Redis checks __builtin_cpu_supports("popcnt"): the build targets plain x86-64.
__attribute__((target_clones("popcnt", "default"))) uint64_t PopCount(std::string_view data) {
  const unsigned char* p = Bytes(data);
  const size_t n = data.size();
  // Four independent sums let the popcounts of a 32-byte block overlap.
  uint64_t sums[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int k = 0; k < 4; ++k) sums[k] += std::popcount(LoadWord(p + i + 8 * k));
  }
  for (; i + 8 <= n; i += 8) sums[0] += std::popcount(LoadWord(p + i));
  for (; i < n; ++i) sums[1] += std::popcount(p[i]);
  return sums[0] + sums[1] + sums[2] + sums[3];
}

uint64_t CountBits(std::string_view data, uint64_t first, uint64_t last) {
  const uint64_t first_byte = first >> 3, last_byte = last >> 3;
  uint64_t count = PopCount(data.substr(first_byte, last_byte - first_byte + 1));
  // Take back the bits of the edge bytes that lie outside the range.
  const unsigned before = ~(0xffu >> (first & 7)) & 0xffu;
  const unsigned after = 0xffu >> ((last & 7) + 1);
  count -= std::popcount(Bytes(data)[first_byte] & before);
  count -= std::popcount(Bytes(data)[last_byte] & after);
  return count;
}

int64_t FindBit(std::string_view data, bool bit, uint64_t first, uint64_t last) {
  const unsigned char* p = Bytes(data);
  // Looking for a 0 is looking for a 1 in the complement.
  const uint64_t flip = bit ? 0 : ~uint64_t{0};
  uint64_t pos = first;
  for (; pos <= last && (pos & 7) != 0; ++pos) {
    if (GetBit(data, pos) == bit) return static_cast<int64_t>(pos);
  }
  // Whole bytes inside the range: [byte, end).
  uint64_t byte = pos >> 3;
  const uint64_t end = (last + 1) >> 3;
  auto matches = [&](uint64_t at) { return LoadWord(p + at) ^ flip; };  // non-zero: a match inside
  while (byte + 32 <= end &&
         (matches(byte) | matches(byte + 8) | matches(byte + 16) | matches(byte + 24)) == 0) {
    byte += 32;
  }
  while (byte + 8 <= end && matches(byte) == 0) byte += 8;
  for (; byte < end; ++byte) {
    const auto b = static_cast<unsigned char>(p[byte] ^ flip);
    if (b != 0) return static_cast<int64_t>(byte * 8 + std::countl_zero(b));
  }
  for (pos = std::max(pos, end * 8); pos <= last; ++pos) {
    if (GetBit(data, pos) == bit) return static_cast<int64_t>(pos);
  }
  return -1;
}

size_t LongestSource(const std::vector<std::string_view>& sources) {
  size_t longest = 0;
  for (size_t i = 1; i < sources.size(); ++i) {
    if (sources[i].size() > sources[longest].size()) longest = i;
  }
  return longest;
}

void CombineInPlace(BitOp op, const std::vector<std::string_view>& sources, char* out) {
  const size_t seed = LongestSource(sources);
  const size_t maxlen = sources[seed].size();
  auto* dst = reinterpret_cast<unsigned char*>(out);
  if (op == BitOp::kNot) {
    ApplyBytes(dst, dst, maxlen, [](uint64_t a, uint64_t) { return ~a; });
    return;
  }
  for (size_t i = 0; i < sources.size(); ++i) {
    if (i == seed) continue;
    const unsigned char* src = Bytes(sources[i]);
    const size_t n = sources[i].size();
    switch (op) {
      case BitOp::kAnd:
        ApplyBytes(dst, src, n, [](uint64_t a, uint64_t b) { return a & b; });
        std::memset(dst + n, 0, maxlen - n);  // AND with the zero padding
        break;
      case BitOp::kOr:
        ApplyBytes(dst, src, n, [](uint64_t a, uint64_t b) { return a | b; });
        break;
      case BitOp::kXor:
        ApplyBytes(dst, src, n, [](uint64_t a, uint64_t b) { return a ^ b; });
        break;
      case BitOp::kNot:
        break;
    }
  }
}

std::string Combine(BitOp op, const std::vector<std::string_view>& sources) {
  std::string out(sources[LongestSource(sources)]);
  CombineInPlace(op, sources, out.data());
  return out;
}

std::optional<FieldType> ParseFieldType(std::string_view s) {
  if (s.empty() || (s[0] != 'i' && s[0] != 'u')) return std::nullopt;
  const bool is_signed = s[0] == 'i';
  auto bits = ParseInt64(s.substr(1));
  if (!bits || *bits < 1 || *bits > (is_signed ? 64 : 63)) return std::nullopt;
  return FieldType{is_signed, static_cast<unsigned>(*bits)};
}

int64_t GetField(std::string_view data, uint64_t offset, FieldType t) {
  uint64_t v = 0;
  for (unsigned i = 0; i < t.bits; ++i) v = (v << 1) | uint64_t{GetBit(data, offset + i)};
  if (t.is_signed && t.bits < 64 && (v >> (t.bits - 1)) != 0) v |= ~uint64_t{0} << t.bits;
  return static_cast<int64_t>(v);
}

void SetField(char* data, uint64_t offset, FieldType t, int64_t value) {
  const auto v = static_cast<uint64_t>(value);
  for (unsigned i = 0; i < t.bits; ++i) SetBit(data, offset + i, (v >> (t.bits - 1 - i)) & 1);
}

namespace {

// Redis's checkUnsignedBitfieldOverflow: +1 above the range, -1 below, 0 fits.
int UnsignedOverflow(uint64_t value, int64_t incr, uint64_t max) {
  const auto max_incr = static_cast<int64_t>(max - value);
  const auto min_incr = static_cast<int64_t>(0 - value);
  if (value > max || (incr > 0 && incr > max_incr)) return 1;
  if (incr < 0 && incr < min_incr) return -1;
  return 0;
}

// Redis's checkSignedBitfieldOverflow, its unsigned arithmetic included (an
// i8 SET of INT64_MIN counts as an overflow upwards there, so here too).
int SignedOverflow(int64_t value, int64_t incr, unsigned bits, int64_t max, int64_t min) {
  const auto uvalue = static_cast<uint64_t>(value);
  const auto max_incr = static_cast<int64_t>(static_cast<uint64_t>(max) - uvalue);
  const auto min_incr = static_cast<int64_t>(static_cast<uint64_t>(min) - uvalue);
  const bool narrow = bits != 64;
  if (value > max || (narrow && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr)) {
    return 1;
  }
  if (value < min || (narrow && incr < min_incr) || (value < 0 && incr < 0 && incr < min_incr)) {
    return -1;
  }
  return 0;
}

}  // namespace

std::optional<int64_t> FitField(FieldType t, int64_t value, int64_t incr, Overflow mode) {
  // The two's complement sum; wrapping keeps its low bits.
  const uint64_t sum = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
  if (!t.is_signed) {
    const uint64_t max = (uint64_t{1} << t.bits) - 1;
    const int over = UnsignedOverflow(static_cast<uint64_t>(value), incr, max);
    if (over == 0 || mode == Overflow::kWrap) return static_cast<int64_t>(sum & max);
    if (mode == Overflow::kFail) return std::nullopt;
    return over > 0 ? static_cast<int64_t>(max) : 0;
  }
  const int64_t max = t.bits == 64 ? INT64_MAX : (int64_t{1} << (t.bits - 1)) - 1;
  const int64_t min = -max - 1;
  const int over = SignedOverflow(value, incr, t.bits, max, min);
  if (over == 0 || mode == Overflow::kWrap) {
    uint64_t wrapped = sum;
    if (t.bits < 64) {  // sign-extend from the field's top bit
      const uint64_t high = ~uint64_t{0} << t.bits;
      wrapped = ((sum >> (t.bits - 1)) & 1) ? (sum | high) : (sum & ~high);
    }
    return static_cast<int64_t>(wrapped);
  }
  if (mode == Overflow::kFail) return std::nullopt;
  return over > 0 ? max : min;
}

}  // namespace vigil::server::bitops

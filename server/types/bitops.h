// Bit logic behind SETBIT / GETBIT / BITCOUNT / BITPOS / BITOP / BITFIELD,
// on plain byte strings. Bits are numbered as Redis does: bit 0 is the most
// significant bit of byte 0, so a bitmap reads left to right, and a bitfield
// is a big-endian integer starting at any bit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::server::bitops {

// The bit at `offset`; bits past the end of `data` are 0.
bool GetBit(std::string_view data, uint64_t offset);
// Sets bit `offset` (inside `data`) to `on`.
void SetBit(char* data, uint64_t offset, bool on);

// How many bits are set in `data` (64-bit words at a time).
uint64_t PopCount(std::string_view data);
// How many bits are set among bits [first, last] (inclusive, last < size * 8).
uint64_t CountBits(std::string_view data, uint64_t first, uint64_t last);

// The first bit in [first, last] (inclusive, last < size * 8) equal to
// `bit`, or -1 when there is none. Runs of bytes that cannot hold a match
// are skipped a word at a time.
int64_t FindBit(std::string_view data, bool bit, uint64_t first, uint64_t last);

enum class BitOp { kAnd, kOr, kXor, kNot };
// BITOP computes in place, in one buffer of the result's size: `out` starts
// as a copy of sources[LongestSource(sources)] (AND, OR and XOR commute, so
// any source can seed the result) and ends as the result, the shorter
// sources zero-padded on the right. NOT takes exactly one source.
size_t LongestSource(const std::vector<std::string_view>& sources);
void CombineInPlace(BitOp op, const std::vector<std::string_view>& sources, char* out);
// The same into a new string (empty when every source is empty).
std::string Combine(BitOp op, const std::vector<std::string_view>& sources);

// A BITFIELD integer type: i1..i64 or u1..u63.
struct FieldType {
  bool is_signed = false;
  unsigned bits = 0;
};
// Parses "i8", "u16" ... as Redis's getBitfieldTypeFromArgument (strict
// digits, u64 refused); nullopt when invalid.
std::optional<FieldType> ParseFieldType(std::string_view s);

// The field of type `t` at bit `offset` (bits past the end read as 0),
// sign-extended for signed types; unsigned values are below 2^63.
int64_t GetField(std::string_view data, uint64_t offset, FieldType t);
// Stores the low `t.bits` bits of `value` at bit `offset` (the field must lie
// inside the buffer).
void SetField(char* data, uint64_t offset, FieldType t, int64_t value);

enum class Overflow { kWrap, kSat, kFail };
// What a field of type `t` ends up holding for `value` + `incr` (SET passes
// the new value and 0; INCRBY the old value and the increment; an unsigned
// SET value is read as its 64-bit two's complement pattern, as Redis does):
// the exact sum if it fits, else wrapped or saturated as `mode` says;
// nullopt when it does not fit and `mode` is kFail.
std::optional<int64_t> FitField(FieldType t, int64_t value, int64_t incr, Overflow mode);

}  // namespace vigil::server::bitops

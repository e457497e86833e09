// HyperLogLog in Redis's exact string format, so a value written by either
// server is read by the other (and RDB/replication carry it as a string):
//
//   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cached count,
//   8 bytes little endian, top bit set = stale | registers
//
// Dense: 16384 registers of 6 bits, packed from the low bit of each byte.
// Sparse: run-length opcodes over the registers, in order:
//   ZERO  00xxxxxx           xxxxxx+1 registers at 0 (1..64)
//   XZERO 01xxxxxx yyyyyyyy  (x<<8|y)+1 registers at 0 (1..16384)
//   VAL   1vvvvvxx           xx+1 registers (1..4) at value vvvvv+1 (1..32)
// An element hashes (MurmurHash64A, Redis's seed) to a register (low 14 bits)
// and a count (position of the first 1 bit above them); a register keeps its
// largest count. Edits follow Redis's algorithm step by step, so the same
// PFADD sequence yields the same bytes, corrupted inputs included.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::server::hll {

inline constexpr int kP = 14;
inline constexpr int kRegisters = 1 << kP;
inline constexpr int kBits = 6;
inline constexpr uint8_t kRegisterMax = (1 << kBits) - 1;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * kBits + 7) / 8;
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;
// hll-sparse-max-bytes's default: past it a sparse HLL becomes dense.
inline constexpr size_t kDefaultSparseMaxBytes = 3000;

// Redis's reply texts.
inline constexpr std::string_view kInvalidErr = "INVALIDOBJ Corrupted HLL object detected";
inline constexpr std::string_view kNotHllErr =
    "WRONGTYPE Key is not a valid HyperLogLog string value.";

// One register per element; `count` is 1..51.
struct Pattern {
  uint32_t index;
  uint8_t count;
};

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed);
Pattern PatternOf(std::string_view element);

// The empty HLL PFADD creates: sparse, one XZERO covering every register,
// cached count 0 (valid).
std::string CreateEmpty();

// Redis's isHLLObject: magic, a known encoding, and the exact size if dense.
// The sparse opcodes are checked only when they are read.
bool LooksValid(std::string_view s);
inline uint8_t EncodingOf(std::string_view s) { return static_cast<uint8_t>(s[4]); }

// The cached cardinality (header bytes 8..15).
bool CacheValid(std::string_view s);
uint64_t CachedCount(std::string_view s);
void SetCachedCount(std::string& s, uint64_t count);
void InvalidateCache(std::string& s);

// Dense registers: `regs` points at the 12288 register bytes.
uint8_t DenseGet(const uint8_t* regs, uint32_t index);
void DenseSet(uint8_t* regs, uint32_t index, uint8_t value);
// Raises register `index` to `count` if lower; true if it changed.
bool DenseRaise(uint8_t* regs, uint32_t index, uint8_t count);

// Raises register `index` of a valid-looking HLL (dense or sparse) to `count`
// if lower, promoting sparse to dense when a count does not fit a VAL opcode
// or the sparse string would pass `sparse_max_bytes`. Returns 1 if a
// register changed, 0 if not, -1 if the sparse opcodes are corrupt (the
// value may then be partly edited, as in Redis). As in Redis, a sparse edit
// marks the cached count stale and a dense one leaves it to the caller.
int SetRegister(std::string& s, uint32_t index, uint8_t count, size_t sparse_max_bytes);
// SetRegister for an element's pattern (PFADD).
int Add(std::string& s, std::string_view element, size_t sparse_max_bytes);
// Rewrites a sparse HLL as dense (header kept but the encoding); false, and
// `s` untouched, if the opcodes do not cover exactly 16384 registers. A
// dense `s` is left as it is.
bool SparseToDense(std::string& s);

// One byte per register: the union PFCOUNT and PFMERGE build.
using RawRegisters = std::array<uint8_t, kRegisters>;
// max[i] = MAX(max[i], register i of `s`); false if `s` is corrupt sparse.
bool MergeInto(RawRegisters& max, std::string_view s);

// Redis 7's estimator (Ertl's improved estimator over the register histogram).
// nullopt if `s` is sparse and its opcodes do not cover 16384 registers.
std::optional<uint64_t> Count(std::string_view s);
uint64_t CountRaw(const RawRegisters& regs);

// PFDEBUG DECODE's text ("Z:16384", "z:3 v:2,1" ...) of a sparse HLL.
std::string DecodeSparse(std::string_view s);

// PFSELFTEST: register round trips at every bit alignment, then the
// estimator's error (dense and sparse side by side) up to 10M elements.
// nullopt on success, else Redis's TESTFAILED text.
std::optional<std::string> SelfTest(size_t sparse_max_bytes);

}  // namespace vigil::server::hll

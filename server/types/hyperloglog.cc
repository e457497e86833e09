#include "server/types/hyperloglog.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace vigil::server::hll {
namespace {

constexpr uint64_t kSeed = 0xadc83b19ULL;
constexpr int kQ = 64 - kP;  // hash bits left for the count
constexpr uint64_t kIndexMask = kRegisters - 1;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)

// Sparse opcodes.
constexpr int kZeroMaxLen = 64;
constexpr int kXZeroMaxLen = 16384;
constexpr int kValMaxValue = 32;
constexpr int kValMaxLen = 4;

bool IsZero(uint8_t op) { return (op & 0xc0) == 0; }
bool IsXZero(uint8_t op) { return (op & 0xc0) == 0x40; }
bool IsVal(uint8_t op) { return (op & 0x80) != 0; }
int ZeroLen(uint8_t op) { return (op & 0x3f) + 1; }
int XZeroLen(uint8_t op, uint8_t low) { return (((op & 0x3f) << 8) | low) + 1; }
int ValValue(uint8_t op) { return ((op >> 2) & 0x1f) + 1; }
int ValLen(uint8_t op) { return (op & 0x3) + 1; }
uint8_t ValOp(int value, int len) {
  return static_cast<uint8_t>(0x80 | ((value - 1) << 2) | (len - 1));
}

// Byte `i` of `s`, or 0 past its end. Only a corrupt XZERO cut short by the
// end of the value reads there; Redis then reads the byte past its sds (the
// terminator, or after it split such an opcode, a stale byte: not emulated).
uint8_t ByteAt(std::string_view s, size_t i) {
  return i < s.size() ? static_cast<uint8_t>(s[i]) : 0;
}

// Appends a run of `len` zero registers as ZERO or XZERO.
void PutZeros(std::string& out, int len) {
  if (len > kZeroMaxLen) {
    out.push_back(static_cast<char>(0x40 | ((len - 1) >> 8)));
    out.push_back(static_cast<char>((len - 1) & 0xff));
  } else {
    out.push_back(static_cast<char>(len - 1));
  }
}

// Walks the sparse opcodes, calling zeros(len) / val(value, len) per run.
// Returns how many registers they cover.
template <typename Zeros, typename Val>
int64_t WalkSparse(std::string_view s, Zeros zeros, Val val) {
  int64_t idx = 0;
  size_t p = kHeaderSize;
  while (p < s.size()) {
    uint8_t op = static_cast<uint8_t>(s[p]);
    if (IsZero(op)) {
      idx += ZeroLen(op);
      zeros(ZeroLen(op));
      p += 1;
    } else if (IsXZero(op)) {
      int len = XZeroLen(op, ByteAt(s, p + 1));
      idx += len;
      zeros(len);
      p += 2;
    } else {
      // false stops the walk (a run past the last register).
      if (!val(idx, ValValue(op), ValLen(op))) return -1;
      idx += ValLen(op);
      p += 1;
    }
  }
  return idx;
}

using Histogram = std::array<int64_t, 64>;

// Ertl's estimator ("New cardinality estimation algorithms for HyperLogLog
// sketches", arXiv:1702.01284), as Redis 7's hllCount computes it.
double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double z_prev;
  double y = 1;
  double z = x;
  do {
    x *= x;
    z_prev = z;
    z += x * y;
    y += y;
  } while (z_prev != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double z_prev;
  double y = 1.0;
  double z = 1 - x;
  do {
    x = std::sqrt(x);
    z_prev = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prev != z);
  return z / 3;
}

uint64_t Estimate(const Histogram& h) {
  const double m = kRegisters;
  double z = m * Tau((m - static_cast<double>(h[kQ + 1])) / m);
  for (int j = kQ; j >= 1; --j) {
    z += static_cast<double>(h[j]);
    z *= 0.5;
  }
  z += m * Sigma(static_cast<double>(h[0]) / m);
  return static_cast<uint64_t>(std::llround(static_cast<long double>(kAlphaInf * m * m / z)));
}

uint8_t* Registers(std::string& s) { return reinterpret_cast<uint8_t*>(s.data()) + kHeaderSize; }
const uint8_t* Registers(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data()) + kHeaderSize;
}

// Sparse -> dense, then the register update the sparse form could not take.
int Promote(std::string& s, uint32_t index, uint8_t count) {
  if (!SparseToDense(s)) return -1;
  return DenseRaise(Registers(s), index, count) ? 1 : 0;
}

// Redis's hllSparseSet, opcode for opcode.
int SparseSet(std::string& s, uint32_t index, uint8_t count, size_t sparse_max_bytes) {
  if (count > kValMaxValue) return Promote(s, index, count);

  // Step 1: find the opcode covering `index`.
  size_t p = kHeaderSize, end = s.size();
  int64_t first = 0, span = 0;
  std::optional<size_t> prev;
  while (p < end) {
    uint8_t op = static_cast<uint8_t>(s[p]);
    size_t oplen = 1;
    if (IsZero(op)) {
      span = ZeroLen(op);
    } else if (IsVal(op)) {
      span = ValLen(op);
    } else {
      span = XZeroLen(op, ByteAt(s, p + 1));
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= end) return -1;

  const uint8_t op = static_cast<uint8_t>(s[p]);
  const size_t oldlen = IsXZero(op) ? 2 : 1;

  // Step 2: the trivial in-place updates, else split the opcode in up to
  // three (XZERO - VAL - XZERO at worst).
  bool in_place = false;
  if (IsVal(op)) {
    if (ValValue(op) >= count) return 0;
    in_place = ValLen(op) == 1;
  } else if (IsZero(op)) {
    in_place = ZeroLen(op) == 1;
  }
  if (in_place) {
    s[p] = static_cast<char>(ValOp(count, 1));
  } else {
    std::string seq;
    const int64_t last = first + span - 1;
    const int before = static_cast<int>(index - first);
    const int after = static_cast<int>(last - index);
    if (IsVal(op)) {
      if (before) seq.push_back(static_cast<char>(ValOp(ValValue(op), before)));
      seq.push_back(static_cast<char>(ValOp(count, 1)));
      if (after) seq.push_back(static_cast<char>(ValOp(ValValue(op), after)));
    } else {
      if (before) PutZeros(seq, before);
      seq.push_back(static_cast<char>(ValOp(count, 1)));
      if (after) PutZeros(seq, after);
    }
    // Step 3: splice the new opcodes in, unless that outgrows sparse.
    const int64_t delta = static_cast<int64_t>(seq.size()) - static_cast<int64_t>(oldlen);
    if (delta > 0 && s.size() + static_cast<size_t>(delta) > sparse_max_bytes) {
      return Promote(s, index, count);
    }
    const size_t new_size = end + delta;
    s.replace(p, std::min(oldlen, end - p), seq);
    s.resize(new_size);  // a cut-short XZERO at the end loses a byte, as in Redis
    end = new_size;
  }

  // Step 4: merge equal adjacent VALs, scanning up to 5 opcodes from prev.
  size_t q = prev ? *prev : kHeaderSize;
  int scanlen = 5;
  while (q < end && scanlen--) {
    uint8_t cur = static_cast<uint8_t>(s[q]);
    if (IsXZero(cur)) {
      q += 2;
      continue;
    }
    if (IsZero(cur)) {
      q += 1;
      continue;
    }
    if (q + 1 < end && IsVal(static_cast<uint8_t>(s[q + 1]))) {
      uint8_t nxt = static_cast<uint8_t>(s[q + 1]);
      int len = ValLen(cur) + ValLen(nxt);
      if (ValValue(cur) == ValValue(nxt) && len <= kValMaxLen) {
        s[q + 1] = static_cast<char>(ValOp(ValValue(cur), len));
        s.erase(q, 1);
        --end;
        continue;  // try the merged run against the next one too
      }
    }
    ++q;
  }
  InvalidateCache(s);
  return 1;
}

Histogram DenseHistogram(const uint8_t* regs) {
  Histogram h{};
  for (uint32_t i = 0; i < kRegisters; ++i) ++h[DenseGet(regs, i)];
  return h;
}

}  // namespace

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed) {
  const uint64_t m = 0xc6a4a7935bd1e995ULL;
  const int r = 47;
  uint64_t h = seed ^ (len * m);
  const auto* data = static_cast<const uint8_t*>(key);
  const uint8_t* end = data + (len - (len & 7));
  for (; data != end; data += 8) {
    uint64_t k = 0;
    for (int b = 7; b >= 0; --b) k = (k << 8) | data[b];  // little endian on any host
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  const size_t rest = len & 7;
  if (rest != 0) {
    for (size_t b = rest; b-- > 0;) h ^= static_cast<uint64_t>(data[b]) << (8 * b);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

Pattern PatternOf(std::string_view element) {
  uint64_t hash = MurmurHash64A(element.data(), element.size(), kSeed);
  Pattern pat{static_cast<uint32_t>(hash & kIndexMask), 1};
  hash >>= kP;
  hash |= uint64_t{1} << kQ;  // the count is at most kQ + 1
  for (uint64_t bit = 1; (hash & bit) == 0; bit <<= 1) ++pat.count;
  return pat;
}

std::string CreateEmpty() {
  std::string s(kHeaderSize, '\0');
  std::memcpy(s.data(), "HYLL", 4);
  s[4] = static_cast<char>(kSparse);
  for (int left = kRegisters; left > 0; left -= kXZeroMaxLen) {
    PutZeros(s, std::min(left, kXZeroMaxLen));
  }
  return s;
}

bool LooksValid(std::string_view s) {
  if (s.size() < kHeaderSize || s.substr(0, 4) != "HYLL") return false;
  uint8_t enc = EncodingOf(s);
  if (enc > kSparse) return false;
  return enc != kDense || s.size() == kDenseSize;
}

bool CacheValid(std::string_view s) { return (static_cast<uint8_t>(s[15]) & 0x80) == 0; }

uint64_t CachedCount(std::string_view s) {
  uint64_t v = 0;
  for (int b = 7; b >= 0; --b) v = (v << 8) | static_cast<uint8_t>(s[8 + b]);
  return v;
}

void SetCachedCount(std::string& s, uint64_t count) {
  for (int b = 0; b < 8; ++b) s[8 + b] = static_cast<char>((count >> (8 * b)) & 0xff);
}

void InvalidateCache(std::string& s) { s[15] = static_cast<char>(s[15] | 0x80); }

// Register i sits at bit 6*i: in one byte when it starts at bit 0 or 2 of
// it, else split over two (the last register never touches the byte past
// the array).
uint8_t DenseGet(const uint8_t* regs, uint32_t index) {
  const uint32_t byte = index * kBits / 8;
  const uint32_t fb = index * kBits & 7;
  unsigned v = regs[byte] >> fb;
  if (fb > 8 - kBits) v |= static_cast<unsigned>(regs[byte + 1]) << (8 - fb);
  return static_cast<uint8_t>(v & kRegisterMax);
}

void DenseSet(uint8_t* regs, uint32_t index, uint8_t value) {
  const uint32_t byte = index * kBits / 8;
  const uint32_t fb = index * kBits & 7;
  const unsigned v = value & kRegisterMax;
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~(kRegisterMax << fb)) | (v << fb));
  if (fb > 8 - kBits) {
    const uint32_t shift = 8 - fb;
    regs[byte + 1] =
        static_cast<uint8_t>((regs[byte + 1] & ~(kRegisterMax >> shift)) | (v >> shift));
  }
}

bool DenseRaise(uint8_t* regs, uint32_t index, uint8_t count) {
  if (count <= DenseGet(regs, index)) return false;
  DenseSet(regs, index, count);
  return true;
}

int SetRegister(std::string& s, uint32_t index, uint8_t count, size_t sparse_max_bytes) {
  if (EncodingOf(s) == kDense) return DenseRaise(Registers(s), index, count) ? 1 : 0;
  return SparseSet(s, index, count, sparse_max_bytes);
}

int Add(std::string& s, std::string_view element, size_t sparse_max_bytes) {
  Pattern pat = PatternOf(element);
  return SetRegister(s, pat.index, pat.count, sparse_max_bytes);
}

bool SparseToDense(std::string& s) {
  if (EncodingOf(s) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), s.data(), kHeaderSize);  // magic, cached count
  dense[4] = static_cast<char>(kDense);
  uint8_t* regs = Registers(dense);
  int64_t covered = WalkSparse(
      s, [](int) {},
      [&](int64_t idx, int value, int len) {
        if (idx + len > kRegisters) return false;
        for (int j = 0; j < len; ++j) DenseSet(regs, static_cast<uint32_t>(idx + j), value);
        return true;
      });
  if (covered != kRegisters) return false;
  s = std::move(dense);
  return true;
}

bool MergeInto(RawRegisters& max, std::string_view s) {
  if (EncodingOf(s) == kDense) {
    const uint8_t* regs = Registers(s);
    for (uint32_t i = 0; i < kRegisters; ++i) max[i] = std::max(max[i], DenseGet(regs, i));
    return true;
  }
  int64_t covered = WalkSparse(
      s, [](int) {},
      [&](int64_t idx, int value, int len) {
        if (idx + len > kRegisters) return false;
        for (int j = 0; j < len; ++j) {
          uint8_t& m = max[idx + j];
          m = std::max(m, static_cast<uint8_t>(value));
        }
        return true;
      });
  return covered == kRegisters;
}

std::optional<uint64_t> Count(std::string_view s) {
  if (EncodingOf(s) == kDense) return Estimate(DenseHistogram(Registers(s)));
  Histogram h{};
  int64_t covered = WalkSparse(
      s, [&](int len) { h[0] += len; },
      [&](int64_t, int value, int len) {
        h[value] += len;
        return true;
      });
  if (covered != kRegisters) return std::nullopt;
  return Estimate(h);
}

uint64_t CountRaw(const RawRegisters& regs) {
  Histogram h{};
  for (uint8_t r : regs) ++h[r & 63];
  return Estimate(h);
}

std::string DecodeSparse(std::string_view s) {
  std::string out;
  auto sep = [&out] {
    if (!out.empty()) out.push_back(' ');
  };
  size_t p = kHeaderSize;
  while (p < s.size()) {
    uint8_t op = static_cast<uint8_t>(s[p]);
    sep();
    if (IsZero(op)) {
      out += "z:" + std::to_string(ZeroLen(op));
      p += 1;
    } else if (IsXZero(op)) {
      out += "Z:" + std::to_string(XZeroLen(op, ByteAt(s, p + 1)));
      p += 2;
    } else {
      out += "v:" + std::to_string(ValValue(op)) + "," + std::to_string(ValLen(op));
      p += 1;
    }
  }
  return out;
}

std::optional<std::string> SelfTest(size_t sparse_max_bytes) {
  std::mt19937_64 rng{std::random_device{}()};

  // 1: every register keeps its value without disturbing its neighbours.
  std::string dense(kDenseSize, '\0');
  uint8_t* regs = Registers(dense);
  std::vector<uint8_t> expect(kRegisters);
  for (int cycle = 0; cycle < 1000; ++cycle) {
    for (uint32_t i = 0; i < kRegisters; ++i) {
      expect[i] = static_cast<uint8_t>(rng() & kRegisterMax);
      DenseSet(regs, i, expect[i]);
    }
    for (uint32_t i = 0; i < kRegisters; ++i) {
      uint8_t got = DenseGet(regs, i);
      if (got != expect[i]) {
        return "TESTFAILED Register " + std::to_string(i) + " should be " +
               std::to_string(expect[i]) + " but is " + std::to_string(got);
      }
    }
  }

  // 2: the estimate stays within 6 standard errors (1.04/sqrt(m)), with a
  // dense and a sparse HLL fed the same elements agreeing at each checkpoint.
  std::memset(regs, 0, kDenseSize - kHeaderSize);
  dense[4] = static_cast<char>(kDense);
  std::string sparse = CreateEmpty();
  const double relerr = 1.04 / std::sqrt(static_cast<double>(kRegisters));
  const uint64_t seed = rng();
  uint64_t checkpoint = 1;
  for (uint64_t j = 1; j <= 10000000; ++j) {
    uint64_t ele = j ^ seed;
    std::string_view bytes(reinterpret_cast<const char*>(&ele), sizeof(ele));
    Add(dense, bytes, sparse_max_bytes);
    Add(sparse, bytes, sparse_max_bytes);
    if (j != checkpoint) continue;
    if (j < sparse_max_bytes / 2 && EncodingOf(sparse) != kSparse) {
      return std::string("TESTFAILED sparse encoding not used");
    }
    uint64_t est = *Count(dense);
    if (Count(sparse) != est) return std::string("TESTFAILED dense/sparse disagree");
    int64_t abserr = std::llabs(static_cast<int64_t>(checkpoint) - static_cast<int64_t>(est));
    auto maxerr = static_cast<int64_t>(std::ceil(relerr * 6 * static_cast<double>(checkpoint)));
    if (j == 10) maxerr = 1;  // collisions make larger errors likely at 10
    if (abserr > maxerr) {
      return "TESTFAILED Too big error. card:" + std::to_string(checkpoint) +
             " abserr:" + std::to_string(abserr);
    }
    checkpoint *= 10;
  }
  return std::nullopt;
}

}  // namespace vigil::server::hll

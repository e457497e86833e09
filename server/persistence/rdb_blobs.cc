// Decoders for the packed blobs Redis stores inside RDB values: ziplist
// (lists, hashes and zsets before 7.0), listpack (7.0), intset and the old
// zipmap. Every field is bounds-checked against the blob.
#include <cstring>

#include "server/persistence/rdb_codec.h"

namespace vigil::server::rdb {
namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view b) : b_(b) {}
  bool Has(size_t n) const { return pos_ <= b_.size() && b_.size() - pos_ >= n; }
  uint8_t Peek() const { return static_cast<uint8_t>(b_[pos_]); }
  uint64_t LE(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(b_[pos_ + i])) << (8 * i);
    pos_ += n;
    return v;
  }
  uint64_t BE(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(b_[pos_ + i]);
    pos_ += n;
    return v;
  }
  std::string Take(size_t n) {
    std::string s(b_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  void Skip(size_t n) { pos_ += n; }
  size_t pos() const { return pos_; }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

Status Corrupt(const char* what, size_t pos) {
  return Status::Error(std::string(what) + " integrity check failed (byte " + std::to_string(pos) +
                       " of the blob)");
}

// Sign-extends the low `bits` bits of v.
int64_t SignExtend(uint64_t v, int bits) {
  const uint64_t m = 1ULL << (bits - 1);
  v &= (1ULL << bits) - 1;
  return static_cast<int64_t>((v ^ m) - m);
}

}  // namespace

StatusOr<std::vector<std::string>> DecodeListpack(std::string_view blob) {
  // <total-bytes u32><num-elements u16> entries... <0xFF>
  Cursor c(blob);
  if (!c.Has(6)) return Corrupt("Listpack", 0);
  const uint64_t total = c.LE(4);
  c.Skip(2);
  if (total != blob.size()) return Corrupt("Listpack", 0);
  std::vector<std::string> out;
  for (;;) {
    if (!c.Has(1)) return Corrupt("Listpack", c.pos());
    const size_t start = c.pos();
    const uint8_t b = c.Peek();
    if (b == 0xff) break;
    std::string value;
    if ((b & 0x80) == 0) {  // 7-bit uint
      c.Skip(1);
      value = std::to_string(b & 0x7f);
    } else if ((b & 0xc0) == 0x80) {  // 6-bit length string
      c.Skip(1);
      size_t n = b & 0x3f;
      if (!c.Has(n)) return Corrupt("Listpack", start);
      value = c.Take(n);
    } else if ((b & 0xe0) == 0xc0) {  // 13-bit int
      if (!c.Has(2)) return Corrupt("Listpack", start);
      uint64_t v = c.BE(2);
      value = std::to_string(SignExtend(v, 13));
    } else if ((b & 0xf0) == 0xe0) {  // 12-bit length string
      if (!c.Has(2)) return Corrupt("Listpack", start);
      size_t n = c.BE(2) & 0xfff;
      if (!c.Has(n)) return Corrupt("Listpack", start);
      value = c.Take(n);
    } else if (b == 0xf0) {  // 32-bit length string
      c.Skip(1);
      if (!c.Has(4)) return Corrupt("Listpack", start);
      size_t n = c.LE(4);
      if (!c.Has(n)) return Corrupt("Listpack", start);
      value = c.Take(n);
    } else if (b >= 0xf1 && b <= 0xf4) {  // 16/24/32/64-bit ints
      static const size_t widths[] = {2, 3, 4, 8};
      size_t w = widths[b - 0xf1];
      c.Skip(1);
      if (!c.Has(w)) return Corrupt("Listpack", start);
      value = std::to_string(SignExtend(c.LE(w), static_cast<int>(w * 8)));
    } else {
      return Corrupt("Listpack", start);
    }
    // The back-length: the entry's size in 1-5 bytes of 7 bits.
    const size_t entry = c.pos() - start;
    const size_t backlen = entry <= 127 ? 1 : entry < 16383 ? 2 : entry < 2097151 ? 3 : entry < 268435455 ? 4 : 5;
    if (!c.Has(backlen)) return Corrupt("Listpack", start);
    c.Skip(backlen);
    out.push_back(std::move(value));
  }
  if (c.pos() + 1 != blob.size()) return Corrupt("Listpack", c.pos());
  return out;
}

StatusOr<std::vector<std::string>> DecodeZiplist(std::string_view blob) {
  // <zlbytes u32><zltail u32><zllen u16> entries... <0xFF>
  Cursor c(blob);
  if (!c.Has(10)) return Corrupt("Ziplist", 0);
  if (c.LE(4) != blob.size()) return Corrupt("Ziplist", 0);
  c.Skip(6);
  std::vector<std::string> out;
  for (;;) {
    if (!c.Has(1)) return Corrupt("Ziplist", c.pos());
    const size_t start = c.pos();
    if (c.Peek() == 0xff) break;
    // prevlen: 1 byte, or 0xFE + 4 bytes.
    if (c.Peek() == 0xfe) {
      if (!c.Has(5)) return Corrupt("Ziplist", start);
      c.Skip(5);
    } else {
      c.Skip(1);
    }
    if (!c.Has(1)) return Corrupt("Ziplist", start);
    const uint8_t enc = c.Peek();
    std::string value;
    switch (enc >> 6) {
      case 0: {
        c.Skip(1);
        size_t n = enc & 0x3f;
        if (!c.Has(n)) return Corrupt("Ziplist", start);
        value = c.Take(n);
        break;
      }
      case 1: {
        if (!c.Has(2)) return Corrupt("Ziplist", start);
        size_t n = c.BE(2) & 0x3fff;
        if (!c.Has(n)) return Corrupt("Ziplist", start);
        value = c.Take(n);
        break;
      }
      case 2: {
        c.Skip(1);
        if (!c.Has(4)) return Corrupt("Ziplist", start);
        size_t n = c.BE(4);
        if (!c.Has(n)) return Corrupt("Ziplist", start);
        value = c.Take(n);
        break;
      }
      default: {
        c.Skip(1);
        size_t w = 0;
        if (enc == 0xc0) w = 2;
        else if (enc == 0xd0) w = 4;
        else if (enc == 0xe0) w = 8;
        else if (enc == 0xf0) w = 3;
        else if (enc == 0xfe) w = 1;
        else if (enc >= 0xf1 && enc <= 0xfd) {
          value = std::to_string((enc & 0x0f) - 1);
          break;
        } else {
          return Corrupt("Ziplist", start);
        }
        if (!c.Has(w)) return Corrupt("Ziplist", start);
        value = std::to_string(SignExtend(c.LE(w), static_cast<int>(w * 8)));
      }
    }
    out.push_back(std::move(value));
  }
  if (c.pos() + 1 != blob.size()) return Corrupt("Ziplist", c.pos());
  return out;
}

StatusOr<std::vector<std::string>> DecodeIntset(std::string_view blob) {
  // <encoding u32: 2|4|8><length u32> little-endian integers.
  Cursor c(blob);
  if (!c.Has(8)) return Corrupt("Intset", 0);
  const uint64_t width = c.LE(4);
  const uint64_t len = c.LE(4);
  if ((width != 2 && width != 4 && width != 8) || blob.size() != 8 + width * len)
    return Corrupt("Intset", 0);
  std::vector<std::string> out;
  out.reserve(len);
  for (uint64_t i = 0; i < len; ++i)
    out.push_back(std::to_string(SignExtend(c.LE(width), static_cast<int>(width * 8))));
  return out;
}

StatusOr<std::vector<std::string>> DecodeZipmap(std::string_view blob) {
  // <zmlen u8> (<len>key<len><free>value<free bytes>)* <0xFF>; len is one byte
  // below 254, else 254 + u32.
  Cursor c(blob);
  if (!c.Has(1)) return Corrupt("Zipmap", 0);
  c.Skip(1);
  std::vector<std::string> out;
  auto read_len = [&](uint64_t* n) {
    if (!c.Has(1)) return false;
    uint8_t b = c.Peek();
    c.Skip(1);
    if (b < 254) {
      *n = b;
      return true;
    }
    if (b != 254 || !c.Has(4)) return false;
    *n = c.LE(4);
    return true;
  };
  for (;;) {
    if (!c.Has(1)) return Corrupt("Zipmap", c.pos());
    const size_t start = c.pos();
    if (c.Peek() == 0xff) break;
    uint64_t klen, vlen;
    if (!read_len(&klen) || !c.Has(klen)) return Corrupt("Zipmap", start);
    out.push_back(c.Take(klen));
    if (!read_len(&vlen) || !c.Has(1)) return Corrupt("Zipmap", start);
    uint8_t free = c.Peek();
    c.Skip(1);
    if (!c.Has(vlen + free)) return Corrupt("Zipmap", start);
    out.push_back(c.Take(vlen));
    c.Skip(free);
  }
  return out;
}

}  // namespace vigil::server::rdb

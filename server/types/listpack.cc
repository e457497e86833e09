#include "server/types/listpack.h"

#include "server/allocator.h"

#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>

namespace vigil::server {
namespace {

size_t VarintSize(size_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Forward varint: low 7-bit groups first, high bit = more follows.
size_t PutVarint(char* p, size_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  p[n++] = static_cast<char>(v);
  return n;
}

size_t GetVarint(const char* p, size_t* len) {
  size_t v = 0, shift = 0, n = 0;
  for (;;) {
    auto b = static_cast<unsigned char>(p[n++]);
    v |= static_cast<size_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
  }
  *len = n;
  return v;
}

// The trailing copy is the same bytes reversed, so it can be decoded walking
// backwards from the end of the entry.
size_t EncodedSize(size_t len) { return 2 * VarintSize(len) + len; }

void Encode(char* p, std::string_view value) {
  size_t n = PutVarint(p, value.size());
  if (!value.empty()) std::char_traits<char>::copy(p + n, value.data(), value.size());
  char tmp[10];
  size_t m = PutVarint(tmp, value.size());
  for (size_t i = 0; i < m; ++i) p[n + value.size() + i] = tmp[m - 1 - i];
}

}  // namespace

Listpack::Listpack(const Listpack& other) {
  if (other.p_ == nullptr || other.hdr()->count == 0) return;
  const size_t n = other.hdr()->bytes;
  p_ = static_cast<char*>(std::malloc(sizeof(Header) + n));
  if (p_ == nullptr) throw std::bad_alloc();
  *hdr() = Header{static_cast<uint32_t>(n), static_cast<uint32_t>(n), other.hdr()->count};
  std::memcpy(data(), other.data(), n);
}

Listpack& Listpack::operator=(const Listpack& other) {
  if (this != &other) {
    Listpack copy(other);
    std::swap(p_, copy.p_);
  }
  return *this;
}

Listpack::~Listpack() { std::free(p_); }

void Listpack::Clear() noexcept {
  std::free(p_);
  p_ = nullptr;
}

bool Listpack::operator==(const Listpack& o) const {
  return bytes() == o.bytes() && size() == o.size() &&
         (bytes() == 0 || std::memcmp(data(), o.data(), bytes()) == 0);
}

void Listpack::Reserve(size_t bytes) {
  if (p_ != nullptr && hdr()->cap >= bytes) return;
  size_t cap = bytes + bytes / 8;
  char* np = static_cast<char*>(std::realloc(p_, sizeof(Header) + cap));
  if (np == nullptr) throw std::bad_alloc();
  if (p_ == nullptr) *reinterpret_cast<Header*>(np) = Header{0, 0, 0};
  p_ = np;
  hdr()->cap = static_cast<uint32_t>(cap);
}

void Listpack::Open(size_t pos, size_t n) {
  const size_t used = bytes();
  Reserve(used + n);
  std::memmove(data() + pos + n, data() + pos, used - pos);
  hdr()->bytes = static_cast<uint32_t>(used + n);
}

void Listpack::Close(size_t pos, size_t n) {
  const size_t used = bytes();
  std::memmove(data() + pos, data() + pos + n, used - pos - n);
  hdr()->bytes = static_cast<uint32_t>(used - n);
}

std::string_view Listpack::At(size_t pos) const {
  size_t hl;
  size_t len = GetVarint(data() + pos, &hl);
  return std::string_view(data() + pos + hl, len);
}

size_t Listpack::Next(size_t pos) const {
  size_t hl;
  size_t len = GetVarint(data() + pos, &hl);
  return pos + 2 * hl + len;
}

size_t Listpack::Prev(size_t pos) const {
  assert(pos > 0);
  // Read the reversed varint backwards from pos - 1.
  char tmp[10];
  size_t m = 0;
  size_t i = pos;
  do {
    --i;
    tmp[m++] = data()[i];
  } while (static_cast<unsigned char>(data()[i]) & 0x80);
  size_t hl;
  size_t len = GetVarint(tmp, &hl);
  return pos - 2 * hl - len;
}

size_t Listpack::Seek(int64_t index) const {
  const auto n = static_cast<int64_t>(size());
  if (index < 0) index += n;
  if (index < 0 || index >= n) return End();
  if (index <= n / 2) {
    size_t p = Begin();
    for (int64_t i = 0; i < index; ++i) p = Next(p);
    return p;
  }
  size_t p = End();
  for (int64_t i = n; i > index; --i) p = Prev(p);
  return p;
}

size_t Listpack::Insert(size_t pos, std::string_view value) {
  size_t sz = EncodedSize(value.size());
  Open(pos, sz);
  Encode(data() + pos, value);
  ++hdr()->count;
  return pos;
}

size_t Listpack::Replace(size_t pos, std::string_view value) {
  size_t old = Next(pos) - pos;
  size_t sz = EncodedSize(value.size());
  if (sz > old) {
    Open(pos, sz - old);
  } else if (sz < old) {
    Close(pos, old - sz);
  }
  Encode(data() + pos, value);
  return pos;
}

size_t Listpack::Erase(size_t pos) {
  Close(pos, Next(pos) - pos);
  if (--hdr()->count == 0) Clear();
  return pos;
}

size_t Listpack::EraseRange(size_t pos, size_t n) {
  size_t end = pos;
  size_t k = 0;
  const size_t used = bytes();
  for (; k < n && end < used; ++k) end = Next(end);
  if (k == 0) return pos;
  Close(pos, end - pos);
  hdr()->count -= static_cast<uint32_t>(k);
  if (hdr()->count == 0) Clear();
  return pos;
}

size_t Listpack::Find(size_t pos, std::string_view value, size_t skip) const {
  const size_t used = bytes();
  while (pos < used) {
    if (At(pos) == value) return pos;
    pos = Next(pos);
    for (size_t i = 0; i < skip && pos < used; ++i) pos = Next(pos);
  }
  return End();
}

size_t Listpack::AllocatedBytes() const {
  return p_ == nullptr ? 0 : AllocSize(sizeof(Header) + hdr()->cap);
}

}  // namespace vigil::server

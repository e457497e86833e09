#include "server/types/listpack.h"

#include <cassert>

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

std::string_view Listpack::At(size_t pos) const {
  size_t hl;
  size_t len = GetVarint(buf_.data() + pos, &hl);
  return std::string_view(buf_.data() + pos + hl, len);
}

size_t Listpack::Next(size_t pos) const {
  size_t hl;
  size_t len = GetVarint(buf_.data() + pos, &hl);
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
    tmp[m++] = buf_[i];
  } while (static_cast<unsigned char>(buf_[i]) & 0x80);
  size_t hl;
  size_t len = GetVarint(tmp, &hl);
  return pos - 2 * hl - len;
}

size_t Listpack::Seek(int64_t index) const {
  const auto n = static_cast<int64_t>(count_);
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
  buf_.insert(pos, sz, '\0');
  Encode(buf_.data() + pos, value);
  ++count_;
  return pos;
}

size_t Listpack::Replace(size_t pos, std::string_view value) {
  size_t old = Next(pos) - pos;
  size_t sz = EncodedSize(value.size());
  if (sz > old) {
    buf_.insert(pos, sz - old, '\0');
  } else if (sz < old) {
    buf_.erase(pos, old - sz);
  }
  Encode(buf_.data() + pos, value);
  return pos;
}

size_t Listpack::Erase(size_t pos) {
  buf_.erase(pos, Next(pos) - pos);
  --count_;
  return pos;
}

size_t Listpack::EraseRange(size_t pos, size_t n) {
  size_t end = pos;
  size_t k = 0;
  for (; k < n && end < buf_.size(); ++k) end = Next(end);
  buf_.erase(pos, end - pos);
  count_ -= static_cast<uint32_t>(k);
  return pos;
}

size_t Listpack::Find(size_t pos, std::string_view value, size_t skip) const {
  while (pos < buf_.size()) {
    if (At(pos) == value) return pos;
    pos = Next(pos);
    for (size_t i = 0; i < skip && pos < buf_.size(); ++i) pos = Next(pos);
  }
  return End();
}

}  // namespace vigil::server

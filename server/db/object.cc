#include "server/db/object.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "common/util/strings.h"

namespace vigil::server {

const char* TypeName(ObjType t) {
  switch (t) {
    case ObjType::kString: return "string";
    case ObjType::kList: return "list";
    case ObjType::kHash: return "hash";
    case ObjType::kSet: return "set";
    case ObjType::kZSet: return "zset";
  }
  return "none";
}

// Redis's string encodings: "int" for values that fit a long, "embstr" up to
// 44 bytes, "raw" above. vigil stores them all the same way; reporting
// Redis's names keeps tools that inspect OBJECT ENCODING working.
const char* StringEncoding(std::string_view s) {
  if (s.size() <= 20 && ParseInt64(s)) return "int";
  return s.size() <= 44 ? "embstr" : "raw";
}

namespace {

constexpr size_t kLenBytes = sizeof(uint32_t);

// A heap string block with room for at least `cap` bytes.
char* AllocString(size_t cap) {
  void* p = std::malloc(kLenBytes + cap);
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<char*>(p);
}

// The bytes the block can hold: what malloc really gave, so the rounding-up
// it does anyway becomes room to append into.
size_t Capacity(char* block) { return malloc_usable_size(block) - kLenBytes; }

}  // namespace

uint32_t Object::HeapLen() const {
  uint32_t len;
  std::memcpy(&len, u_.heap, kLenBytes);
  return len;
}

void Object::Assign(std::string_view s) {
  type_ = ObjType::kString;
  if (s.size() <= kInlineMax) {
    inline_len_ = static_cast<uint8_t>(s.size());
    if (!s.empty()) std::memcpy(u_.bytes, s.data(), s.size());
    return;
  }
  u_.heap = AllocString(s.size());
  const auto len = static_cast<uint32_t>(s.size());
  std::memcpy(u_.heap, &len, kLenBytes);
  std::memcpy(u_.heap + kLenBytes, s.data(), s.size());
  inline_len_ = kHeap;
}

void Object::Release() noexcept {
  switch (type_) {
    case ObjType::kString:
      if (inline_len_ == kHeap) std::free(u_.heap);
      inline_len_ = 0;
      break;
    case ObjType::kList: delete u_.list; break;
    case ObjType::kHash: hash().~HashValue(); break;
    case ObjType::kSet: delete u_.set; break;
    case ObjType::kZSet: zset().~ZSetValue(); break;
  }
  u_.heap = nullptr;
}

char* Object::ResizeStrAtLeast(size_t len) {
  std::string_view cur = str();
  if (len <= cur.size()) {
    // Already long enough: bytes may be written in place. An inline value
    // is written in the payload itself.
    return inline_len_ == kHeap ? u_.heap + kLenBytes : u_.bytes;
  }
  if (len <= kInlineMax) {  // grows but stays inline
    std::memset(u_.bytes + cur.size(), 0, len - cur.size());
    inline_len_ = static_cast<uint8_t>(len);
    return u_.bytes;
  }
  if (inline_len_ != kHeap || Capacity(u_.heap) < len) {
    // Grow geometrically (as Redis's sdsMakeRoomFor, doubling below 1 MB and
    // adding 1 MB above) so APPEND in a loop stays linear.
    constexpr size_t kMaxDouble = 1 << 20;
    size_t want = len < kMaxDouble ? len * 2 : len + kMaxDouble;
    char* block = AllocString(want);
    std::memcpy(block + kLenBytes, cur.data(), cur.size());
    if (inline_len_ == kHeap) std::free(u_.heap);
    u_.heap = block;
    inline_len_ = kHeap;
  }
  std::memset(u_.heap + kLenBytes + cur.size(), 0, len - cur.size());
  const auto stored = static_cast<uint32_t>(len);
  std::memcpy(u_.heap, &stored, kLenBytes);
  return u_.heap + kLenBytes;
}

void Object::AppendStr(std::string_view s) {
  size_t old = str().size();
  char* data = ResizeStrAtLeast(old + s.size());
  if (!s.empty()) std::memcpy(data + old, s.data(), s.size());
}

Object Object::Clone() const {
  Object o;
  switch (type_) {
    case ObjType::kString: o.Assign(str()); break;
    case ObjType::kList: o = Object(std::make_unique<ListValue>(list())); break;
    case ObjType::kHash: o = Object(HashValue(hash())); break;
    case ObjType::kSet: o = Object(std::make_unique<SetValue>(set())); break;
    case ObjType::kZSet: o = Object(ZSetValue(zset())); break;
  }
  o.lru_s = lru_s;
  o.str_enc = str_enc;
  return o;
}

const char* Object::EncodingName() const {
  switch (type()) {
    case ObjType::kString:
      if (str_enc == kRaw) return "raw";
      if (str_enc == kNoInt) return str().size() <= 44 ? "embstr" : "raw";
      return StringEncoding(str());
    case ObjType::kList: return list().EncodingName();
    case ObjType::kHash: return hash().EncodingName();
    case ObjType::kSet: return set().EncodingName();
    case ObjType::kZSet: return zset().EncodingName();
  }
  return "unknown";
}

size_t Object::MemoryUsage(size_t samples) const {
  switch (type_) {
    case ObjType::kString: return inline_len_ == kHeap ? malloc_usable_size(u_.heap) : 0;
    case ObjType::kList: return u_.list->MemoryUsage(samples);
    case ObjType::kHash: return hash().MemoryUsage(samples);
    case ObjType::kSet: return u_.set->MemoryUsage(samples);
    case ObjType::kZSet: return zset().MemoryUsage(samples);
  }
  return 0;
}

namespace lfu {

uint8_t DecayedCounter(uint32_t word, int64_t now_ms, int64_t decay_time) {
  const uint32_t then = word >> 8;
  const uint32_t now = Minutes(now_ms);
  // The minutes wrap every ~45 days (LFUTimeElapsed).
  const uint32_t elapsed = now >= then ? now - then : 65535 - then + now;
  const uint32_t counter = word & 0xff;
  const int64_t periods = decay_time > 0 ? elapsed / decay_time : 0;
  return static_cast<uint8_t>(periods > counter ? 0 : counter - periods);
}

uint8_t LogIncr(uint8_t counter, int64_t log_factor, double r) {
  if (counter == 255) return 255;
  const double base = std::max(0, counter - kInitVal);
  const double p = 1.0 / (base * static_cast<double>(log_factor) + 1);
  return r < p ? counter + 1 : counter;
}

}  // namespace lfu

}  // namespace vigil::server

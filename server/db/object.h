// A value in the keyspace, 16 bytes: one word of payload, the access time and
// the type and encoding tags. Hashes and sorted sets are one word themselves
// (server/types/listpack_or.h) and live in the payload; lists and sets live
// behind an owning pointer; a string of up to 8 bytes (counters, flags, ids) is
// kept inside the payload word, a longer one in a heap block of its exact
// size (a 4-byte length then the bytes; the spare room malloc rounds up to
// is the capacity APPEND grows into). Dict stores Objects inside its nodes,
// so a string key costs one node and, past 8 bytes, one value block — about
// the robj + sds pair Redis spends.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include "server/types/hash.h"
#include "server/types/list.h"
#include "server/types/set.h"
#include "server/types/zset.h"

namespace vigil::server {

enum class ObjType : uint8_t { kString = 0, kList = 1, kHash = 2, kSet = 3, kZSet = 4 };

const char* TypeName(ObjType t);  // "string", "list", ... as TYPE prints

class Object {
 public:
  // How a string reports its encoding, following how Redis made the object:
  // kAuto as tryObjectEncoding (int / embstr / raw by content), kRaw after
  // an in-place change (APPEND, SETRANGE), kNoInt for a value Redis builds
  // with createStringObject (INCRBYFLOAT: embstr / raw by length).
  enum StringEnc : uint8_t { kAuto = 0, kRaw = 1, kNoInt = 2 };

  Object() = default;  // the empty string
  explicit Object(std::string_view s, int64_t lru_ms = 0) : lru_s(Seconds(lru_ms)) { Assign(s); }
  explicit Object(std::unique_ptr<ListValue> l, int64_t lru_ms = 0)
      : lru_s(Seconds(lru_ms)), type_(ObjType::kList) { u_.list = l.release(); }
  // Hashes and sorted sets are taken by value: they live in the payload.
  explicit Object(HashValue h, int64_t lru_ms = 0)
      : lru_s(Seconds(lru_ms)), type_(ObjType::kHash) { ::new (&u_) HashValue(std::move(h)); }
  explicit Object(std::unique_ptr<SetValue> s, int64_t lru_ms = 0)
      : lru_s(Seconds(lru_ms)), type_(ObjType::kSet) { u_.set = s.release(); }
  explicit Object(ZSetValue z, int64_t lru_ms = 0)
      : lru_s(Seconds(lru_ms)), type_(ObjType::kZSet) { ::new (&u_) ZSetValue(std::move(z)); }

  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  Object(Object&& o) noexcept { Steal(o); }
  Object& operator=(Object&& o) noexcept {
    if (this != &o) {
      Release();
      Steal(o);
    }
    return *this;
  }
  ~Object() { Release(); }

  void Touch(int64_t now_ms) { lru_s = Seconds(now_ms); }
  static uint32_t Seconds(int64_t ms) { return static_cast<uint32_t>(ms / 1000); }

  ObjType type() const { return type_; }

  // String values. The view is valid until the value changes.
  std::string_view str() const {
    if (inline_len_ != kHeap) return {u_.bytes, inline_len_};
    return {u_.heap + sizeof(uint32_t), HeapLen()};
  }
  // Replaces the string value (the type must be string).
  void SetStr(std::string_view s) {
    Release();
    Assign(s);
  }
  // APPEND: grows the value, with spare room so repeated appends stay
  // linear. `s` must not view this value's own bytes.
  void AppendStr(std::string_view s);
  // SETRANGE: makes the value at least `len` bytes (zero-filled) and returns
  // its writable bytes.
  char* ResizeStrAtLeast(size_t len);

  ListValue& list() { return *u_.list; }
  const ListValue& list() const { return *u_.list; }
  HashValue& hash() { return Embedded<HashValue>(); }
  const HashValue& hash() const { return const_cast<Object*>(this)->Embedded<HashValue>(); }
  SetValue& set() { return *u_.set; }
  const SetValue& set() const { return *u_.set; }
  ZSetValue& zset() { return Embedded<ZSetValue>(); }
  const ZSetValue& zset() const { return const_cast<Object*>(this)->Embedded<ZSetValue>(); }

  // MEMORY USAGE: the heap bytes the value takes besides this object
  // (collections estimated from `samples` elements).
  size_t MemoryUsage(size_t samples) const;

  // A deep copy (COPY, SORT ... STORE of the same key).
  Object Clone() const;
  // Redis's OBJECT ENCODING name: "int", "embstr", "raw", "listpack",
  // "quicklist", "hashtable", "intset", "skiplist".
  const char* EncodingName() const;

 private:
  static constexpr uint8_t kHeap = 0xff;  // inline_len_ when the bytes are in u_.heap
  static constexpr size_t kInlineMax = sizeof(char*);

  uint32_t HeapLen() const;
  // Stores `s` as the value of a string object that holds nothing.
  void Assign(std::string_view s);
  // Frees what the payload owns (leaves the tags as they are).
  void Release() noexcept;
  // A hash or zset in the payload is one owning word, so copying the word
  // relocates it; the source then holds the empty string and frees nothing.
  void Steal(Object& o) noexcept {
    u_ = o.u_;
    lru_s = o.lru_s;
    str_enc = o.str_enc;
    type_ = o.type_;
    inline_len_ = o.inline_len_;
    o.type_ = ObjType::kString;
    o.inline_len_ = 0;
  }

  union {
    char bytes[kInlineMax];
    char* heap;  // [uint32_t length][bytes], from malloc
    ListValue* list;
    SetValue* set;
  } u_{};
  template <typename T>  // the HashValue / ZSetValue constructed in u_
  T& Embedded() {
    static_assert(sizeof(T) <= sizeof(u_) && alignof(T) <= alignof(decltype(u_)));
    return *std::launder(reinterpret_cast<T*>(&u_));
  }

 public:
  // Last access, Unix seconds (OBJECT IDLETIME); under an *-lfu
  // maxmemory-policy Redis's LFU word instead (see namespace lfu below).
  uint32_t lru_s = 0;
  uint8_t str_enc = kAuto;

 private:
  ObjType type_ = ObjType::kString;
  uint8_t inline_len_ = 0;
};

static_assert(sizeof(Object) == 16, "Object is one payload word and its tags");

// Redis's LFU word (evict.c), kept in Object::lru_s under an *-lfu policy:
// the last decrement time in minutes (16 bits, wrapping) << 8 | an 8-bit
// logarithmic access counter.
namespace lfu {

inline constexpr uint8_t kInitVal = 5;  // new keys start here (LFU_INIT_VAL)

inline uint32_t Minutes(int64_t unix_ms) { return static_cast<uint32_t>(unix_ms / 60000) & 0xffff; }
inline uint32_t Word(int64_t unix_ms, uint8_t counter) { return Minutes(unix_ms) << 8 | counter; }
// The counter after one decrement per `decay_time` minutes elapsed since
// the word's time (0: no decay), as LFUDecrAndReturn.
uint8_t DecayedCounter(uint32_t word, int64_t now_ms, int64_t decay_time);
// LFULogIncr: increments with probability 1 / ((counter - kInitVal) *
// log_factor + 1); `r` is uniform in [0, 1).
uint8_t LogIncr(uint8_t counter, int64_t log_factor, double r);
// An access (updateLFU): decay, then increment, stamped with the time now.
inline uint32_t Access(uint32_t word, int64_t now_ms, int64_t log_factor, int64_t decay_time,
                       double r) {
  return Word(now_ms, LogIncr(DecayedCounter(word, now_ms, decay_time), log_factor, r));
}

}  // namespace lfu

// The encoding Redis would report for a string value made by tryObjectEncoding.
const char* StringEncoding(std::string_view s);

}  // namespace vigil::server

// A value in the keyspace. The type is the variant's index, so a string key
// costs no more than before the collection types joined; collections live
// behind a pointer (server/types/) so the common string case stays small.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include "server/types/hash.h"
#include "server/types/list.h"
#include "server/types/set.h"
#include "server/types/zset.h"

namespace vigil::server {

// The order matches the variant's alternatives.
enum class ObjType : uint8_t { kString = 0, kList = 1, kHash = 2, kSet = 3, kZSet = 4 };

const char* TypeName(ObjType t);  // "string", "list", ... as TYPE prints

struct Object {
  using Value = std::variant<std::string, std::unique_ptr<ListValue>, std::unique_ptr<HashValue>,
                             std::unique_ptr<SetValue>, std::unique_ptr<ZSetValue>>;
  // How a string reports its encoding, following how Redis made the object:
  // kAuto as tryObjectEncoding (int / embstr / raw by content), kRaw after
  // an in-place change (APPEND, SETRANGE), kNoInt for a value Redis builds
  // with createStringObject (INCRBYFLOAT: embstr / raw by length).
  enum StringEnc : uint8_t { kAuto = 0, kRaw = 1, kNoInt = 2 };

  Value v;
  uint32_t lru_s = 0;  // last access, Unix seconds (OBJECT IDLETIME)
  uint8_t str_enc = kAuto;

  Object() = default;
  explicit Object(std::string s, int64_t lru_ms = 0) : v(std::move(s)), lru_s(Seconds(lru_ms)) {}
  explicit Object(std::unique_ptr<ListValue> l, int64_t lru_ms = 0) : v(std::move(l)), lru_s(Seconds(lru_ms)) {}
  explicit Object(std::unique_ptr<HashValue> h, int64_t lru_ms = 0) : v(std::move(h)), lru_s(Seconds(lru_ms)) {}
  explicit Object(std::unique_ptr<SetValue> s, int64_t lru_ms = 0) : v(std::move(s)), lru_s(Seconds(lru_ms)) {}
  explicit Object(std::unique_ptr<ZSetValue> z, int64_t lru_ms = 0) : v(std::move(z)), lru_s(Seconds(lru_ms)) {}

  void Touch(int64_t now_ms) { lru_s = Seconds(now_ms); }
  static uint32_t Seconds(int64_t ms) { return static_cast<uint32_t>(ms / 1000); }

  ObjType type() const { return static_cast<ObjType>(v.index()); }
  std::string& str() { return std::get<0>(v); }
  const std::string& str() const { return std::get<0>(v); }
  ListValue& list() { return *std::get<1>(v); }
  const ListValue& list() const { return *std::get<1>(v); }
  HashValue& hash() { return *std::get<2>(v); }
  const HashValue& hash() const { return *std::get<2>(v); }
  SetValue& set() { return *std::get<3>(v); }
  const SetValue& set() const { return *std::get<3>(v); }
  ZSetValue& zset() { return *std::get<4>(v); }
  const ZSetValue& zset() const { return *std::get<4>(v); }

  // A deep copy (COPY, SORT ... STORE of the same key).
  Object Clone() const;
  // Redis's OBJECT ENCODING name: "int", "embstr", "raw", "listpack",
  // "quicklist", "hashtable", "intset", "skiplist".
  const char* EncodingName() const;
};

// The encoding Redis would report for a string value made by tryObjectEncoding.
const char* StringEncoding(const std::string& s);

}  // namespace vigil::server

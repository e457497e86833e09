// A hash value with Redis 7.0's two encodings: "listpack" (field, value,
// field, value ... in one Listpack) while it holds at most
// hash-max-listpack-entries fields and no field or value is longer than
// hash-max-listpack-value bytes, then "hashtable" (a Dict with Redis's SCAN
// cursor), never converting back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/db/dict.h"
#include "server/types/listpack.h"
#include "server/types/listpack_or.h"

namespace vigil::server {

class HashValue {
 public:
  // The conversion thresholds (from the server config).
  struct Limits {
    size_t max_entries;
    size_t max_value;
  };
  using Entry = std::pair<std::string_view, std::string_view>;

  HashValue() = default;
  HashValue(const HashValue& other);
  HashValue& operator=(const HashValue& other);
  HashValue(HashValue&&) noexcept = default;
  HashValue& operator=(HashValue&&) noexcept = default;

  size_t size() const { return rep_.is_big() ? rep_.big()->size() : rep_.lp().size() / 2; }
  bool empty() const { return size() == 0; }
  bool is_listpack() const { return !rep_.is_big(); }
  const char* EncodingName() const { return rep_.is_big() ? "hashtable" : "listpack"; }
  // MEMORY USAGE: the heap bytes of the value, the elements estimated from
  // the first `samples` of them.
  size_t MemoryUsage(size_t samples) const;

  // The value of `field`; the view is valid until the hash changes.
  std::optional<std::string_view> Get(std::string_view field) const;
  bool Contains(std::string_view field) const { return Get(field).has_value(); }
  // Inserts or overwrites; returns true if the field is new. Converts when
  // the field or value is too long or the entry count passes the limit.
  bool Set(std::string_view field, std::string_view value, const Limits& limits);
  bool Delete(std::string_view field);
  // HSET's pre-check: converts if an argument of `len` bytes could not live
  // in the listpack, even when the write turns out to change nothing.
  void ConvertIfTooLong(size_t len, const Limits& limits) {
    if (len > limits.max_value) ConvertToHashTable();
  }
  void ConvertToHashTable();
  // Gives back the listpack's spare capacity (its buffer grows by doubling);
  // write commands call it once when done, so small hashes cost their bytes
  // as Redis's exactly-reallocated listpacks do.
  void ShrinkToFit() {
    if (!rep_.is_big()) rep_.lp() = Listpack(rep_.lp());
  }

  // fn(std::string_view field, std::string_view value) for every entry.
  template <typename F>
  void ForEach(F&& fn) const {
    if (rep_.is_big()) {
      rep_.big()->ForEach([&](std::string_view k, const std::string& v) { fn(k, v); });
      return;
    }
    for (size_t p = rep_.lp().Begin(); p != rep_.lp().End();) {
      size_t vp = rep_.lp().Next(p);
      fn(rep_.lp().At(p), rep_.lp().At(vp));
      p = rep_.lp().Next(vp);
    }
  }
  std::vector<Entry> Entries() const;

  // A uniformly random entry of a non-empty hash; views valid until the hash
  // changes. For many picks from a listpack, index Entries() instead.
  Entry Random(std::mt19937_64& rng) const;

  // One HSCAN step over a hashtable (see Dict::Scan); a listpack has no
  // cursor and is returned whole by the caller.
  template <typename F>
  uint64_t Scan(uint64_t cursor, F&& fn) {
    return rep_.big()->Scan(cursor, [&](std::string_view k, std::string& v) { fn(k, v); });
  }

 private:
  // The listpack offset of `field`'s key entry, or End().
  size_t FindField(std::string_view field) const { return rep_.lp().Find(rep_.lp().Begin(), field, 1); }

  ListpackOr<Dict<std::string>> rep_;  // the Dict once converted
};

}  // namespace vigil::server

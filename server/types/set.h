// A set value with Redis 7.0's two encodings: "intset" (sorted packed
// integers) while every member is an integer as string2ll reads it and there
// are at most set-max-intset-entries of them, then "hashtable" (a Dict with
// Redis's SCAN cursor), never converting back. Redis 7.0 has no listpack sets.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "server/db/dict.h"
#include "server/types/intset.h"

namespace vigil::server {

class SetValue {
 public:
  SetValue() = default;
  SetValue(const SetValue& other);
  SetValue& operator=(const SetValue& other);
  SetValue(SetValue&&) noexcept = default;
  SetValue& operator=(SetValue&&) noexcept = default;

  size_t size() const { return dict_ ? dict_->size() : ints_.size(); }
  bool empty() const { return size() == 0; }
  bool is_intset() const { return dict_ == nullptr; }
  const char* EncodingName() const { return dict_ ? "hashtable" : "intset"; }
  // MEMORY USAGE: the heap bytes of the value, the elements estimated from
  // the first `samples` of them.
  size_t MemoryUsage(size_t samples) const;

  // Adds `member`; returns false if it was present. Converts to a hashtable
  // when the member is not an integer or the intset would exceed
  // `max_intset_entries` members.
  bool Add(std::string_view member, size_t max_intset_entries);
  bool Remove(std::string_view member);
  bool Contains(std::string_view member) const;
  void ConvertToHashTable();

  // A uniformly random member of a non-empty set.
  std::string Random(std::mt19937_64& rng);
  // Every member, in encoding order (ascending for an intset).
  std::vector<std::string> Members() const;

  // fn(std::string_view member) for every member; the view is valid only
  // during the call.
  template <typename F>
  void ForEach(F&& fn) const {
    if (dict_) {
      dict_->ForEach([&](std::string_view k, const Empty&) { fn(k); });
      return;
    }
    char buf[24];
    for (size_t i = 0; i < ints_.size(); ++i) fn(Format(ints_.At(i), buf));
  }

  // One SSCAN step over a hashtable (see Dict::Scan); an intset has no
  // cursor and is returned whole by the caller.
  template <typename F>
  uint64_t Scan(uint64_t cursor, F&& fn) {
    return dict_->Scan(cursor, [&](std::string_view k, Empty&) { fn(k); });
  }

  static std::string_view Format(int64_t v, char (&buf)[24]) {
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string_view(buf, static_cast<size_t>(r.ptr - buf));
  }

 private:
  struct Empty {};
  IntSet ints_;
  std::unique_ptr<Dict<Empty>> dict_;  // non-null once converted
};

}  // namespace vigil::server

// A sorted set. Small sets are a Listpack of member,score pairs (scores as
// %.17g text) kept in (score, member) order; past zset-max-listpack-entries
// members or a member longer than zset-max-listpack-value bytes the set
// becomes a skiplist plus a member index (server/types/skiplist.h), at the
// moments Redis 7.0 converts. Everything positional is expressed in 0-based
// ranks, which both encodings answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "server/types/listpack.h"
#include "server/types/listpack_or.h"
#include "server/types/skiplist.h"

namespace vigil::server {

class ZSetValue {
 public:
  // The thresholds from the config (zset-max-listpack-entries/value).
  struct Limits {
    size_t max_entries = 128;
    size_t max_value = 64;
  };
  struct Entry {
    std::string_view member;  // valid until the set changes
    double score;
  };

  // ZADD's NX/XX/GT/LT/INCR.
  enum AddFlag : int { kAddNx = 1, kAddXx = 2, kAddGt = 4, kAddLt = 8, kAddIncr = 16 };
  enum class AddResult { kNaN, kNop, kAdded, kUpdated, kUnchanged };

  ZSetValue() = default;  // an empty listpack
  // An empty set in the encoding Redis picks when a key is created for a
  // first member of `first_member_len` bytes.
  ZSetValue(const Limits& limits, size_t first_member_len);
  ZSetValue(const ZSetValue& other);
  ZSetValue& operator=(const ZSetValue& other);
  ZSetValue(ZSetValue&&) noexcept = default;
  ZSetValue& operator=(ZSetValue&&) noexcept = default;
  ~ZSetValue();

  size_t size() const;
  bool empty() const { return size() == 0; }
  bool is_listpack() const { return !rep_.is_big(); }
  const char* EncodingName() const { return is_listpack() ? "listpack" : "skiplist"; }
  // MEMORY USAGE: the heap bytes of the value, the elements estimated from
  // the first `samples` of them.
  size_t MemoryUsage(size_t samples) const;

  std::optional<double> Score(std::string_view member) const;
  // Redis's zsetAdd: `score` is the new score (or the increment with
  // kAddIncr); *new_score receives the resulting score.
  AddResult Add(double score, std::string_view member, int flags, double* new_score,
                const Limits& limits);
  bool Remove(std::string_view member);
  // 0-based rank from the lowest (or highest with `reverse`) score.
  std::optional<size_t> Rank(std::string_view member, bool reverse) const;

  // The entries of 0-based ranks [first, last] (last < size()), in
  // ascending order, or descending with `reverse` (then `first`/`last` are
  // still forward ranks).
  std::vector<Entry> Range(size_t first, size_t last, bool reverse) const;
  Entry At(size_t rank) const;
  // [begin, end) forward ranks of the entries inside the range.
  std::pair<size_t, size_t> RankSpan(const ScoreRange& range) const;
  std::pair<size_t, size_t> RankSpan(const LexRange& range) const;
  // Removes the entries of ranks [first, last]; returns how many.
  size_t RemoveRanks(size_t first, size_t last);

  // One ZSCAN step over (member, score); a listpack answers whole (cursor 0).
  template <typename F>  // F(std::string_view member, double score)
  uint64_t Scan(uint64_t cursor, F&& fn) const;

  // A set of `entries` (sorted by score then member, distinct), encoded as
  // Redis encodes a store command's result: a listpack if it fits.
  static ZSetValue FromSorted(const std::vector<Entry>& entries, const Limits& limits);

  // Converts a listpack set to the skiplist encoding (SORT does this to every
  // sorted set it reads, as Redis 7.0 does). No-op if already converted.
  void ToSkiplist();

 private:
  struct Big {
    SkipList list;
    NodeIndex index;
  };

  void BigAdd(double score, std::string_view member) {
    big()->index.Insert(big()->list.Insert(score, member));
  }
  // Listpack helpers: the offset of a member's pair, End() if absent.
  size_t LpFind(std::string_view member) const;
  double LpScore(size_t member_pos) const;
  size_t LpNextPair(size_t member_pos) const { return lp().Next(lp().Next(member_pos)); }
  template <typename F>  // F(size_t member_pos), in order
  void LpForEach(F&& fn) const {
    for (size_t p = lp().Begin(); p != lp().End(); p = LpNextPair(p)) fn(p);
  }
  void LpInsert(double score, std::string_view member);
  // Drops the spare capacity the buffer keeps after growing or shrinking:
  // small sets are numerous, so slack would cost more than the copy.
  void LpCompact() { lp() = Listpack(lp()); }

  Listpack& lp() { return rep_.lp(); }
  const Listpack& lp() const { return rep_.lp(); }
  Big* big() const { return rep_.big(); }

  ListpackOr<Big> rep_;  // the skiplist and its index once converted
};

template <typename F>
uint64_t ZSetValue::Scan(uint64_t cursor, F&& fn) const {
  if (is_listpack()) {
    LpForEach([&](size_t p) { fn(lp().At(p), LpScore(p)); });
    return 0;
  }
  return big()->index.Scan(cursor, [&](const SkipList::Node* n) { fn(n->member(), n->score); });
}

}  // namespace vigil::server

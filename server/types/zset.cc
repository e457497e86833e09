#include "server/types/zset.h"

#include "server/allocator.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/util/strings.h"

namespace vigil::server {

ZSetValue::ZSetValue(const Limits& limits, size_t first_member_len) {
  // Redis 7.0 (zaddGenericCommand) looks only at the first member here.
  if (limits.max_entries == 0 || first_member_len > limits.max_value) {
    rep_.SetBig(std::make_unique<Big>());
  }
}

ZSetValue::ZSetValue(const ZSetValue& other) {
  if (!other.rep_.is_big()) {
    rep_.lp() = other.rep_.lp();
    return;
  }
  rep_.SetBig(std::make_unique<Big>());
  for (const SkipList::Node* n = other.big()->list.First(); n; n = n->next())
    BigAdd(n->score, n->member());
}

ZSetValue& ZSetValue::operator=(const ZSetValue& other) {
  if (this != &other) {
    ZSetValue copy(other);
    rep_ = std::move(copy.rep_);
  }
  return *this;
}

ZSetValue::~ZSetValue() = default;

size_t ZSetValue::size() const { return big() ? big()->list.size() : lp().size() / 2; }

// ---- listpack helpers ----

size_t ZSetValue::LpFind(std::string_view member) const {
  return lp().Find(lp().Begin(), member, /*skip=*/1);
}

double ZSetValue::LpScore(size_t member_pos) const {
  std::string_view text = lp().At(lp().Next(member_pos));
  double d = 0;
  // The text was written by FormatDouble ("inf", "-inf" or %.17g), which
  // from_chars reads back exactly.
  std::from_chars(text.data(), text.data() + text.size(), d);
  return d;
}

// A score as the listpack stores it. Redis 7.0 reads a -0 score back from a
// listpack as 0 (and keeps that 0 when the set converts to a skiplist).
static std::string LpScoreText(double score) { return FormatDouble(score == 0 ? 0.0 : score); }

void ZSetValue::LpInsert(double score, std::string_view member) {
  size_t p = lp().Begin();
  for (; p != lp().End(); p = LpNextPair(p)) {
    double s = LpScore(p);
    if (s > score || (s == score && lp().At(p) > member)) break;
  }
  size_t at = lp().Insert(p, member);
  lp().Insert(lp().Next(at), LpScoreText(score));
  LpCompact();
}

void ZSetValue::ToSkiplist() {
  if (rep_.is_big()) return;
  auto big = std::make_unique<Big>();
  LpForEach([&](size_t p) { big->index.Insert(big->list.Insert(LpScore(p), lp().At(p))); });
  rep_.SetBig(std::move(big));
}

ZSetValue ZSetValue::FromSorted(const std::vector<Entry>& entries, const Limits& limits) {
  ZSetValue z;
  size_t longest = 0;
  for (const Entry& e : entries) longest = std::max(longest, e.member.size());
  if (entries.size() > limits.max_entries || longest > limits.max_value) {
    z.rep_.SetBig(std::make_unique<Big>());
    for (const Entry& e : entries) z.BigAdd(e.score, e.member);
    return z;
  }
  for (const Entry& e : entries) {
    z.lp().PushBack(e.member);
    z.lp().PushBack(LpScoreText(e.score));
  }
  z.LpCompact();
  return z;
}

// ---- lookups and updates ----

std::optional<double> ZSetValue::Score(std::string_view member) const {
  if (big()) {
    const SkipList::Node* n = big()->index.Find(member);
    if (!n) return std::nullopt;
    return n->score;
  }
  size_t p = LpFind(member);
  if (p == lp().End()) return std::nullopt;
  return LpScore(p);
}

ZSetValue::AddResult ZSetValue::Add(double score, std::string_view member, int flags,
                                    double* new_score, const Limits& limits) {
  if (std::isnan(score)) return AddResult::kNaN;
  std::optional<double> current = Score(member);
  if (current) {
    if (flags & kAddNx) return AddResult::kNop;
    if (flags & kAddIncr) {
      score += *current;
      if (std::isnan(score)) return AddResult::kNaN;
    }
    if (((flags & kAddLt) && score >= *current) || ((flags & kAddGt) && score <= *current))
      return AddResult::kNop;
    *new_score = score;
    if (score == *current) return AddResult::kUnchanged;
    if (big()) {
      big()->list.UpdateScore(big()->index.Find(member), score);
    } else {
      // Remove and re-insert at the new position.
      size_t p = LpFind(member);
      lp().EraseRange(p, 2);
      LpInsert(score, member);
    }
    return AddResult::kUpdated;
  }
  if (flags & kAddXx) return AddResult::kNop;
  if (!big() && (size() + 1 > limits.max_entries || member.size() > limits.max_value)) ToSkiplist();
  if (big()) {
    BigAdd(score, member);
  } else {
    LpInsert(score, member);
  }
  *new_score = score;
  return AddResult::kAdded;
}

bool ZSetValue::Remove(std::string_view member) {
  if (big()) {
    SkipList::Node* n = big()->index.Find(member);
    if (!n) return false;
    big()->index.Erase(n);
    big()->list.Erase(n);
    return true;
  }
  size_t p = LpFind(member);
  if (p == lp().End()) return false;
  lp().EraseRange(p, 2);
  LpCompact();
  return true;
}

std::optional<size_t> ZSetValue::Rank(std::string_view member, bool reverse) const {
  size_t rank = 0;  // 0-based forward
  if (big()) {
    const SkipList::Node* n = big()->index.Find(member);
    if (!n) return std::nullopt;
    rank = big()->list.Rank(n->score, n->member()) - 1;
  } else {
    size_t p = lp().Begin();
    for (; p != lp().End() && lp().At(p) != member; p = LpNextPair(p)) ++rank;
    if (p == lp().End()) return std::nullopt;
  }
  return reverse ? size() - 1 - rank : rank;
}

// ---- rank ranges ----

std::vector<ZSetValue::Entry> ZSetValue::Range(size_t first, size_t last, bool reverse) const {
  std::vector<Entry> out;
  if (first > last || last >= size()) return out;
  out.reserve(last - first + 1);
  if (big()) {
    const SkipList::Node* n = big()->list.ByRank(first + 1);
    for (size_t i = first; i <= last; ++i, n = n->next()) out.push_back({n->member(), n->score});
  } else {
    size_t p = lp().Seek(static_cast<int64_t>(2 * first));
    for (size_t i = first; i <= last; ++i, p = LpNextPair(p))
      out.push_back({lp().At(p), LpScore(p)});
  }
  if (reverse) std::reverse(out.begin(), out.end());
  return out;
}

ZSetValue::Entry ZSetValue::At(size_t rank) const {
  if (big()) {
    const SkipList::Node* n = big()->list.ByRank(rank + 1);
    return {n->member(), n->score};
  }
  size_t p = lp().Seek(static_cast<int64_t>(2 * rank));
  return {lp().At(p), LpScore(p)};
}

namespace {

// The listpack walk both range kinds share: the first entry inside the
// range starts the span, which runs while entries stay at or below its top
// (as Redis's zzlFirstInRange + iteration).
template <typename GteMin, typename LteMax>
std::pair<size_t, size_t> ScanSpan(size_t n, GteMin gte_min, LteMax lte_max) {
  size_t begin = 0;
  while (begin < n && !gte_min(begin)) ++begin;
  size_t end = begin;
  while (end < n && lte_max(end)) ++end;
  if (begin == end) return {0, 0};
  return {begin, end};
}

}  // namespace

std::pair<size_t, size_t> ZSetValue::RankSpan(const ScoreRange& range) const {
  if (range.Empty()) return {0, 0};
  if (big()) {
    size_t first_rank, last_rank;
    const SkipList::Node* first = big()->list.FirstNotBefore(
        [&](const SkipList::Node* n) { return !range.GteMin(n->score); }, &first_rank);
    if (!first || !range.LteMax(first->score)) return {0, 0};
    big()->list.LastNotAfter([&](const SkipList::Node* n) { return range.LteMax(n->score); },
                            &last_rank);
    return {first_rank - 1, last_rank};
  }
  std::vector<double> scores;
  scores.reserve(size());
  LpForEach([&](size_t p) { scores.push_back(LpScore(p)); });
  return ScanSpan(scores.size(), [&](size_t i) { return range.GteMin(scores[i]); },
                  [&](size_t i) { return range.LteMax(scores[i]); });
}

std::pair<size_t, size_t> ZSetValue::RankSpan(const LexRange& range) const {
  if (range.Empty()) return {0, 0};
  if (big()) {
    size_t first_rank, last_rank;
    const SkipList::Node* first = big()->list.FirstNotBefore(
        [&](const SkipList::Node* n) { return !range.GteMin(n->member()); }, &first_rank);
    if (!first || !range.LteMax(first->member())) return {0, 0};
    big()->list.LastNotAfter([&](const SkipList::Node* n) { return range.LteMax(n->member()); },
                            &last_rank);
    // Members are in lex order only when all scores are equal; with mixed
    // scores (undefined in Redis too) keep the span well-formed.
    return {first_rank - 1, std::max(last_rank, first_rank)};
  }
  std::vector<std::string_view> members;
  members.reserve(size());
  LpForEach([&](size_t p) { members.push_back(lp().At(p)); });
  return ScanSpan(members.size(), [&](size_t i) { return range.GteMin(members[i]); },
                  [&](size_t i) { return range.LteMax(members[i]); });
}

size_t ZSetValue::RemoveRanks(size_t first, size_t last) {
  if (first > last || first >= size()) return 0;
  last = std::min(last, size() - 1);
  if (big()) {
    return big()->list.EraseRanks(first + 1, last + 1,
                                 [this](SkipList::Node* n) { big()->index.Erase(n); });
  }
  lp().EraseRange(lp().Seek(static_cast<int64_t>(2 * first)), 2 * (last - first + 1));
  LpCompact();
  return last - first + 1;
}

size_t ZSetValue::MemoryUsage(size_t samples) const {
  if (is_listpack()) return lp().AllocatedBytes();
  const Big& b = *big();
  size_t seen = 0, sampled = 0;
  for (const SkipList::Node* n = b.list.First(); n && seen < samples; n = n->next(), ++seen)
    sampled += AllocSize(SkipList::NodeBytes(n->height, n->len));
  const size_t header = AllocSize(SkipList::NodeBytes(SkipList::kMaxLevel, 0));
  const size_t fixed =
      AllocSize(sizeof(Big)) + header + AllocSize(b.index.bucket_count() * sizeof(void*));
  return fixed + Extrapolate(sampled, seen, b.list.size());
}

}  // namespace vigil::server

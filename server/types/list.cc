#include "server/types/list.h"

#include "server/allocator.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <charconv>
#include <climits>
#include <utility>

#include "common/util/strings.h"

namespace vigil::server {
namespace {

// Redis's SIZE_SAFETY_LIMIT: a count-limited node still stays under 8 KB.
constexpr size_t kSafetyLimitBytes = 8192;

// Bytes one entry takes in a Listpack: the value framed by its length as a
// varint on both sides.
size_t EntryBytes(size_t len) {
  size_t varint = 1;
  for (size_t v = len; v >= 0x80; v >>= 7) ++varint;
  return len + 2 * varint;
}

// Nodes up to this size are re-allocated to their exact size on each push.
constexpr size_t kExactFitBytes = 256;

// A copy has a buffer of exactly its size: used on nodes that stop growing,
// so a full node does not keep std::string's doubled capacity.
void Compact(Listpack& lp) { lp = Listpack(lp); }

// Stored forms (see list.h): a tag byte 0xF1..0xF8 starts a little-endian
// integer of 1..8 bytes; 0xFF escapes a string that itself starts with a
// byte >= 0xF0; anything else is the string as is.
constexpr unsigned char kIntTag = 0xF0;
constexpr unsigned char kEscapeTag = 0xFF;

}  // namespace

std::string_view ListValue::Encode(std::string_view value, std::string* scratch) {
  if (!value.empty() && static_cast<unsigned char>(value[0]) >= kIntTag) {
    scratch->assign(1, static_cast<char>(kEscapeTag));
    scratch->append(value);
    return *scratch;
  }
  // Only canonical integers (they print back identically), and only when
  // the binary form is shorter.
  if (value.size() < 3 || value.size() > 20) return value;
  auto v = ParseInt64(value);
  if (!v) return value;
  size_t n = 1;
  while (n < 8 && (*v < -(int64_t{1} << (8 * n - 1)) || *v >= (int64_t{1} << (8 * n - 1)))) ++n;
  if (1 + n >= value.size()) return value;
  scratch->assign(1, static_cast<char>(kIntTag + n));
  const auto u = static_cast<uint64_t>(*v);
  for (size_t k = 0; k < n; ++k) scratch->push_back(static_cast<char>((u >> (8 * k)) & 0xff));
  return *scratch;
}

std::string_view ListValue::Decode(std::string_view stored, char* buf) {
  if (stored.empty()) return stored;
  const auto tag = static_cast<unsigned char>(stored[0]);
  if (tag < kIntTag) return stored;
  if (tag == kEscapeTag) return stored.substr(1);
  const size_t n = tag - kIntTag;
  uint64_t u = 0;
  for (size_t k = 0; k < n; ++k) {
    u |= uint64_t{static_cast<unsigned char>(stored[1 + k])} << (8 * k);
  }
  if (n < 8 && (u >> (8 * n - 1)) & 1) u |= ~uint64_t{0} << (8 * n);  // sign-extend
  auto res = std::to_chars(buf, buf + kDecodeBufSize, static_cast<int64_t>(u));
  return std::string_view(buf, static_cast<size_t>(res.ptr - buf));
}

ListValue::ListValue(int64_t fill)
    : fill_(static_cast<int32_t>(std::clamp<int64_t>(fill, INT_MIN, INT_MAX))) {}

ListValue::ListValue(const ListValue& other) : fill_(other.fill_), size_(other.size_) {
  if (other.nodes_ == 0) return;
  capacity_ = std::bit_ceil(other.nodes_);
  ring_ = std::make_unique<Listpack[]>(capacity_);
  nodes_ = other.nodes_;
  for (size_t k = 0; k < nodes_; ++k) ring_[k] = other.node(k);
}

ListValue& ListValue::operator=(const ListValue& other) {
  if (this != &other) *this = ListValue(other);
  return *this;
}

ListValue& ListValue::operator=(ListValue&& other) noexcept {
  ring_ = std::move(other.ring_);
  capacity_ = std::exchange(other.capacity_, 0);
  head_ = std::exchange(other.head_, 0);
  nodes_ = std::exchange(other.nodes_, 0);
  fill_ = other.fill_;
  size_ = std::exchange(other.size_, 0);
  return *this;
}

bool ListValue::Fits(const Listpack& lp, size_t count, size_t bytes) const {
  if (lp.empty()) return true;  // every node holds at least one entry
  // The limits count the whole block, header included, as Redis's count its
  // listpack's: a full node then fits the allocator's 8 KB (or 4, 16, ...)
  // size class instead of spilling into the next one, 25% larger.
  const size_t new_bytes = Listpack::kHeaderBytes + lp.bytes() + bytes;
  if (fill_ >= 0) {
    return new_bytes <= kSafetyLimitBytes && lp.size() + count <= static_cast<size_t>(fill_);
  }
  const int level = std::min(-static_cast<int64_t>(fill_), int64_t{5});
  return new_bytes <= (size_t{4096} << (level - 1));
}

std::pair<size_t, size_t> ListValue::Locate(size_t index) const {
  assert(index < size_);
  if (index < size_ / 2) {
    size_t i = 0;
    while (index >= node(i).size()) index -= node(i++).size();
    return {i, index};
  }
  size_t from_end = size_ - 1 - index;
  size_t i = nodes_ - 1;
  while (from_end >= node(i).size()) from_end -= node(i--).size();
  return {i, node(i).size() - 1 - from_end};
}

void ListValue::Regrow(size_t capacity) {
  auto ring = std::make_unique<Listpack[]>(capacity);
  for (size_t k = 0; k < nodes_; ++k) ring[k] = std::move(node(k));
  ring_ = std::move(ring);
  capacity_ = static_cast<uint32_t>(capacity);
  head_ = 0;
}

void ListValue::InsertNode(size_t i) {
  if (nodes_ == capacity_) Regrow(std::max<size_t>(1, size_t{capacity_} * 2));
  const size_t mask = capacity_ - 1;
  if (i < nodes_ / 2) {
    // Shift the nodes before i one slot towards the front.
    head_ = static_cast<uint32_t>((head_ - 1) & mask);
    for (size_t k = 0; k < i; ++k) node(k) = std::move(node(k + 1));
  } else {
    for (size_t k = nodes_; k > i; --k) node(k) = std::move(node(k - 1));
  }
  node(i) = Listpack();  // moved-from nodes keep a stale count
  ++nodes_;
}

void ListValue::EraseNode(size_t i) {
  const size_t mask = capacity_ - 1;
  if (i < nodes_ / 2) {
    for (size_t k = i; k > 0; --k) node(k) = std::move(node(k - 1));
    node(0) = Listpack();
    head_ = static_cast<uint32_t>((head_ + 1) & mask);
  } else {
    for (size_t k = i; k + 1 < nodes_; ++k) node(k) = std::move(node(k + 1));
    node(nodes_ - 1) = Listpack();
  }
  --nodes_;
  if (nodes_ == 0) {
    ring_.reset();
    capacity_ = 0;
    head_ = 0;
  } else if (capacity_ >= 8 && nodes_ <= capacity_ / 4) {
    Regrow(capacity_ / 2);
  }
}

void ListValue::TryMerge(size_t i) {
  if (i + 1 >= nodes_) return;
  Listpack& left = node(i);
  Listpack& right = node(i + 1);
  // Fits() counts the right node's whole encoding as the added bytes.
  if (!Fits(left, right.size(), right.bytes())) return;
  for (size_t p = right.Begin(); p != right.End(); p = right.Next(p)) left.PushBack(right.At(p));
  Compact(left);
  EraseNode(i + 1);
}

void ListValue::MergeSmallNodes() {
  for (size_t i = 0; i + 1 < nodes_;) {
    const size_t before = nodes_;
    TryMerge(i);
    if (nodes_ == before) ++i;
  }
}

void ListValue::Push(std::string_view value, bool front) {
  std::string scratch;
  PushStored(Encode(value, &scratch), front);
}

void ListValue::PushStored(std::string_view value, bool front) {
  const size_t bytes = EntryBytes(value.size());
  if (nodes_ == 0 || !Fits(node(front ? 0 : nodes_ - 1), 1, bytes)) {
    // The old end node is done growing: drop its spare capacity.
    if (nodes_ != 0) Compact(node(front ? 0 : nodes_ - 1));
    InsertNode(front ? 0 : nodes_);
  }
  Listpack& lp = node(front ? 0 : nodes_ - 1);
  if (front) lp.PushFront(value); else lp.PushBack(value);
  // Short lists are the common case: keep their node exactly sized (as
  // Redis's listpack reallocs on each insert) instead of std::string's
  // doubled capacity. The copy is at most kExactFitBytes.
  if (lp.bytes() <= kExactFitBytes) Compact(lp);
  ++size_;
}

std::string ListValue::Pop(bool front) {
  assert(size_ > 0);
  const size_t i = front ? 0 : nodes_ - 1;
  Listpack& lp = node(i);
  const size_t pos = front ? lp.Begin() : lp.Prev(lp.End());
  char buf[kDecodeBufSize];
  std::string value(Decode(lp.At(pos), buf));
  lp.Erase(pos);
  if (lp.empty()) EraseNode(i);
  --size_;
  return value;
}

std::optional<std::string> ListValue::At(int64_t index) const {
  const auto n = static_cast<int64_t>(size_);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return std::nullopt;
  auto [i, local] = Locate(static_cast<size_t>(index));
  const Listpack& lp = node(i);
  char buf[kDecodeBufSize];
  return std::string(Decode(lp.At(lp.Seek(static_cast<int64_t>(local))), buf));
}

bool ListValue::Set(int64_t index, std::string_view raw) {
  std::string scratch;
  const std::string_view value = Encode(raw, &scratch);
  const auto n = static_cast<int64_t>(size_);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return false;
  auto [i, local] = Locate(static_cast<size_t>(index));
  Listpack& lp = node(i);
  const size_t pos = lp.Seek(static_cast<int64_t>(local));
  const size_t old_bytes = lp.Next(pos) - pos;
  const size_t new_bytes = EntryBytes(value.size());
  if (lp.size() == 1 || new_bytes <= old_bytes || Fits(lp, 0, new_bytes - old_bytes)) {
    lp.Replace(pos, value);
    return true;
  }
  // Too big for its node: let Insert find it a place (splitting the node).
  Erase(static_cast<size_t>(index), 1);
  InsertStored(static_cast<size_t>(index), value);
  return true;
}

void ListValue::Insert(size_t index, std::string_view value) {
  std::string scratch;
  InsertStored(index, Encode(value, &scratch));
}

void ListValue::InsertStored(size_t index, std::string_view value) {
  assert(index <= size_);
  if (index == 0 || index == size_) return PushStored(value, index == 0);
  auto [i, local] = Locate(index);
  const size_t bytes = EntryBytes(value.size());
  if (Fits(node(i), 1, bytes)) {
    Listpack& lp = node(i);
    lp.Insert(lp.Seek(static_cast<int64_t>(local)), value);
  } else if (local == 0 && Fits(node(i - 1), 1, bytes)) {
    node(i - 1).PushBack(value);  // i > 0: index 0 was handled above
  } else if (local == 0) {
    InsertNode(i);
    node(i).PushBack(value);
  } else {
    // Split node i before the insertion point: [0, local) stays, the rest
    // moves to a new node i+1; the value joins whichever side has room.
    InsertNode(i + 1);
    Listpack& left = node(i);
    Listpack& right = node(i + 1);
    const size_t split = left.Seek(static_cast<int64_t>(local));
    for (size_t p = split; p != left.End(); p = left.Next(p)) right.PushBack(left.At(p));
    left.EraseRange(split, left.size() - local);
    Compact(left);
    size_t last = i + 1;  // the node holding the old tail part
    if (Fits(left, 1, bytes)) {
      left.PushBack(value);
    } else if (Fits(right, 1, bytes)) {
      right.PushFront(value);
    } else {
      InsertNode(i + 1);
      node(i + 1).PushBack(value);
      last = i + 2;
    }
    TryMerge(last);
    if (i > 0) TryMerge(i - 1);
  }
  ++size_;
}

bool ListValue::InsertAtPivot(std::string_view pivot, std::string_view value, bool after) {
  // Equal strings have equal stored forms, so compare without decoding.
  std::string scratch;
  const std::string_view needle = Encode(pivot, &scratch);
  size_t index = 0;
  for (size_t i = 0; i < nodes_; ++i) {
    const Listpack& lp = node(i);
    const size_t pos = lp.Find(lp.Begin(), needle);
    if (pos == lp.End()) {
      index += lp.size();
      continue;
    }
    for (size_t p = lp.Begin(); p != pos; p = lp.Next(p)) ++index;
    Insert(after ? index + 1 : index, value);
    return true;
  }
  return false;
}

void ListValue::Erase(size_t index, size_t n) {
  if (index >= size_) return;
  n = std::min(n, size_ - index);
  if (n == 0) return;
  auto [i, local] = Locate(index);
  const size_t first = i;
  while (n > 0) {
    Listpack& lp = node(i);
    const size_t take = std::min(n, lp.size() - local);
    if (take == lp.size()) {
      EraseNode(i);
    } else {
      lp.EraseRange(lp.Seek(static_cast<int64_t>(local)), take);
      ++i;
    }
    n -= take;
    size_ -= take;
    local = 0;
  }
  if (first > 0) TryMerge(first - 1);
  if (first < nodes_) TryMerge(first);
}

size_t ListValue::Remove(std::string_view raw, int64_t count) {
  std::string scratch;
  const std::string_view value = Encode(raw, &scratch);
  const size_t limit = count == 0 ? SIZE_MAX
                       : count > 0 ? static_cast<size_t>(count)
                                   : static_cast<size_t>(-(count + 1)) + 1;
  size_t removed = 0;
  for (size_t k = 0; k < nodes_ && removed < limit;) {
    const size_t i = count >= 0 ? k : nodes_ - 1 - k;
    Listpack& lp = node(i);
    if (count >= 0) {
      for (size_t p = lp.Begin(); p != lp.End() && removed < limit;) {
        if (lp.At(p) == value) {
          p = lp.Erase(p);
          ++removed;
        } else {
          p = lp.Next(p);
        }
      }
    } else {
      for (size_t p = lp.End(); p != lp.Begin() && removed < limit;) {
        p = lp.Prev(p);
        if (lp.At(p) == value) {
          lp.Erase(p);
          ++removed;
        }
      }
    }
    // An emptied node disappears, so the next node to visit keeps index k
    // (counted from whichever end the walk started).
    if (lp.empty()) EraseNode(i); else ++k;
  }
  size_ -= removed;
  if (removed > 0) MergeSmallNodes();
  return removed;
}

size_t ListValue::MemoryUsage(size_t samples) const {
  size_t seen = 0, sampled = 0;
  for (; seen < nodes_ && seen < samples; ++seen) sampled += node(seen).AllocatedBytes();
  return AllocSize(sizeof(ListValue)) + AllocSize(capacity_ * sizeof(Listpack)) +
         Extrapolate(sampled, seen, nodes_);
}

}  // namespace vigil::server

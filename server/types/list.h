// A list value, shaped like Redis's quicklist: a sequence of Listpack nodes,
// each bounded by list-max-listpack-size (negative -1..-5: 4/8/16/32/64 KB of
// encoded entries per node; positive: entries per node, still capped at 8 KB).
// Small values cost their bytes plus 2 bytes of framing, and the per-node
// overhead is shared by hundreds of entries.
//
// Entries are stored as Redis's listpack stores them: a string that is a
// canonical integer of 3+ digits is kept as a tagged little-endian binary
// integer (an 8-digit number takes 4 bytes instead of 8); see Encode().
//
// The nodes live in a ring buffer, so pushes and pops at either end are O(1)
// amortized (plus the memmove inside the end node, as in Redis); index access
// walks node counts from the nearer end, then seeks inside one node.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/types/listpack.h"

namespace vigil::server {

class ListValue {
 public:
  static constexpr int64_t kDefaultFill = -2;  // list-max-listpack-size's default

  explicit ListValue(int64_t fill = kDefaultFill);
  ListValue(const ListValue& other);
  ListValue& operator=(const ListValue& other);
  ListValue(ListValue&& other) noexcept { *this = std::move(other); }
  ListValue& operator=(ListValue&& other) noexcept;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Redis 7.0 encodes every list as a quicklist, even a one-element one
  // (OBJECT ENCODING on redis-server 7.0.15 says so); the listpack encoding
  // for small lists only arrived in 7.2.
  const char* EncodingName() const { return "quicklist"; }

  void Push(std::string_view value, bool front);
  void PushFront(std::string_view value) { Push(value, true); }
  void PushBack(std::string_view value) { Push(value, false); }
  // Removes and returns the first (front) or last element; the list must not
  // be empty.
  std::string Pop(bool front);

  // Element `index` (negative counts from the end); nullopt when out of range.
  std::optional<std::string> At(int64_t index) const;
  // Replaces element `index` (negative from the end); false when out of range.
  bool Set(int64_t index, std::string_view value);
  // Inserts so the value becomes element `index` (0..size()).
  void Insert(size_t index, std::string_view value);
  // Inserts before (or after) the first element equal to `pivot`; false when
  // there is none.
  bool InsertAtPivot(std::string_view pivot, std::string_view value, bool after);
  // Erases `n` elements starting at `index` (clamped to the end).
  void Erase(size_t index, size_t n);
  // LREM: removes up to |count| elements equal to `value` (all when 0),
  // from the head when count >= 0, from the tail when negative.
  size_t Remove(std::string_view value, int64_t count);

  // Calls fn(element) from element `start` towards the tail (or, with
  // `reverse`, towards the head) until fn returns false or the list ends.
  template <typename Fn>
  void Walk(size_t start, bool reverse, Fn&& fn) const;

  // MEMORY USAGE: the heap bytes of the value, the elements estimated from
  // the first `samples` of them.
  size_t MemoryUsage(size_t samples) const;

  // Introspection for tests and memory reports.
  size_t node_count() const { return nodes_; }
  const Listpack& NodeAt(size_t i) const { return node(i); }
  int64_t fill() const { return fill_; }

  // The stored form of a value (pointing into `scratch` when it differs),
  // and back; `buf` must hold kDecodeBufSize bytes.
  static constexpr size_t kDecodeBufSize = 24;
  static std::string_view Encode(std::string_view value, std::string* scratch);
  static std::string_view Decode(std::string_view stored, char* buf);

 private:
  Listpack& node(size_t i) { return ring_[(head_ + i) & (capacity_ - 1)]; }
  const Listpack& node(size_t i) const { return ring_[(head_ + i) & (capacity_ - 1)]; }
  void PushStored(std::string_view stored, bool front);
  void InsertStored(size_t index, std::string_view stored);
  // Whether `lp` may take `count` more entries of `bytes` encoded bytes.
  bool Fits(const Listpack& lp, size_t count, size_t bytes) const;
  // (node, index inside the node) of element `index` < size().
  std::pair<size_t, size_t> Locate(size_t index) const;
  // Opens an empty node at position i / removes node i.
  void InsertNode(size_t i);
  void EraseNode(size_t i);
  void Regrow(size_t capacity);
  // Merges node i into node i+1's place when both fit in one node.
  void TryMerge(size_t i);
  void MergeSmallNodes();

  // A bare array rather than a vector keeps the object at 32 bytes (one
  // 48-byte malloc chunk): many keys hold short lists.
  std::unique_ptr<Listpack[]> ring_;
  uint32_t capacity_ = 0;  // slots in ring_: a power of two (or 0)
  uint32_t head_ = 0;      // ring slot of node 0
  uint32_t nodes_ = 0;
  int32_t fill_;
  size_t size_ = 0;
};

template <typename Fn>
void ListValue::Walk(size_t start, bool reverse, Fn&& fn) const {
  if (start >= size_) return;
  auto [i, local] = Locate(start);
  const Listpack* lp = &node(i);
  size_t p = lp->Seek(static_cast<int64_t>(local));
  char buf[kDecodeBufSize];
  if (!reverse) {
    for (;;) {
      for (; p != lp->End(); p = lp->Next(p)) {
        if (!fn(Decode(lp->At(p), buf))) return;
      }
      if (++i == nodes_) return;
      lp = &node(i);
      p = lp->Begin();
    }
  }
  for (;;) {
    for (;;) {
      if (!fn(Decode(lp->At(p), buf))) return;
      if (p == lp->Begin()) break;
      p = lp->Prev(p);
    }
    if (i-- == 0) return;
    lp = &node(i);
    p = lp->Prev(lp->End());
  }
}

}  // namespace vigil::server

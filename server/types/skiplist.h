// The big sorted-set encoding: a skiplist ordered by (score, member) whose
// links carry spans (how many nodes a link jumps), so rank lookups and rank
// ranges cost O(log n), plus NodeIndex, a hash from member to node that is
// intrusive (the chain link lives in the node), so a member is stored once
// and the hash costs one bucket pointer per element. Each node is a single
// allocation: header, its levels, then the member bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/db/scan_cursor.h"

namespace vigil::server {

// A score interval as ZRANGEBYSCORE reads it ("(1" is exclusive).
struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;

  bool GteMin(double v) const { return minex ? v > min : v >= min; }
  bool LteMax(double v) const { return maxex ? v < max : v <= max; }
  bool Empty() const { return min > max || (min == max && (minex || maxex)); }
};

// One end of a ZRANGEBYLEX interval: "-" (kMin), "+" (kMax), "[x" or "(x".
struct LexBound {
  enum Kind : uint8_t { kValue, kMin, kMax };
  Kind kind = kValue;
  bool exclusive = false;
  std::string value;
};

struct LexRange {
  LexBound min, max;

  bool GteMin(std::string_view v) const;
  bool LteMax(std::string_view v) const;
  bool Empty() const;
};

class SkipList {
 public:
  static constexpr int kMaxLevel = 32;

  struct Node;
  struct Level {
    Node* forward;
    size_t span;  // nodes jumped by `forward` (rank distance)
  };
  struct Node {
    double score;
    Node* backward;
    Node* hash_next;  // NodeIndex's chain
    uint32_t len;
    uint8_t height;

    Level* levels() { return reinterpret_cast<Level*>(this + 1); }
    const Level* levels() const { return reinterpret_cast<const Level*>(this + 1); }
    std::string_view member() const {
      return {reinterpret_cast<const char*>(levels() + height), len};
    }
    Node* next() const { return levels()[0].forward; }
    Node* prev() const { return backward; }
  };

  SkipList();
  ~SkipList();
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  size_t size() const { return length_; }
  Node* First() const { return header_->levels()[0].forward; }
  Node* Last() const { return tail_; }

  // Inserts a member that is not present yet.
  Node* Insert(double score, std::string_view member);
  // Unlinks and frees `node`.
  void Erase(Node* node);
  // Moves `node` to its place for `score`; the node (and so any pointer to
  // it) stays the same.
  void UpdateScore(Node* node, double score);

  // 1-based rank of the node holding (score, member); 0 if absent.
  size_t Rank(double score, std::string_view member) const;
  // The node of 1-based `rank`; nullptr when out of range.
  Node* ByRank(size_t rank) const;

  // The first node for which before(node) is false (nodes must be ordered so
  // that `before` holds for a prefix), with its 1-based rank; nullptr if none.
  template <typename Before>
  Node* FirstNotBefore(Before before, size_t* rank) const;
  // The last node for which not_after(node) holds (a prefix property), with
  // its 1-based rank; nullptr if none.
  template <typename NotAfter>
  Node* LastNotAfter(NotAfter not_after, size_t* rank) const;

  // Removes the nodes of 1-based ranks [start, end], calling on_erase(node)
  // before each is freed; returns how many.
  template <typename OnErase>
  size_t EraseRanks(size_t start, size_t end, OnErase on_erase);

  // Bytes of one node allocation.
  static size_t NodeBytes(int height, size_t len) {
    return sizeof(Node) + sizeof(Level) * static_cast<size_t>(height) + len;
  }

 private:
  static Node* NewNode(int height, double score, std::string_view member);
  static void FreeNode(Node* n);
  static int RandomHeight();
  // Fills update[] with the rightmost node before (score, member) on every
  // level and rank[] with their 1-based ranks.
  void FindUpdate(double score, std::string_view member, Node** update, size_t* rank) const;
  void Link(Node* x, Node** update, const size_t* rank);
  void Unlink(Node* x, Node** update);

  Node* header_;
  Node* tail_ = nullptr;
  size_t length_ = 0;
  int level_ = 1;
};

// Member -> node hash over a SkipList's nodes, chained through
// Node::hash_next, with power-of-two buckets so ZSCAN can use Redis's
// reverse-binary cursor.
class NodeIndex {
 public:
  using Node = SkipList::Node;

  size_t size() const { return size_; }
  size_t bucket_count() const { return buckets_.size(); }
  Node* Find(std::string_view member) const;
  void Insert(Node* node);  // the member must be absent
  void Erase(Node* node);

  // Visits one bucket chosen by `cursor`; returns the next cursor (0 = done).
  template <typename F>  // F(const Node*)
  uint64_t Scan(uint64_t cursor, F&& fn) const;

 private:
  static size_t Hash(std::string_view s);
  void Resize(size_t buckets);
  size_t Mask() const { return buckets_.size() - 1; }

  std::vector<Node*> buckets_;
  size_t size_ = 0;
};

// ---- template definitions ----

template <typename Before>
SkipList::Node* SkipList::FirstNotBefore(Before before, size_t* rank) const {
  Node* x = header_;
  size_t r = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && before(x->levels()[i].forward)) {
      r += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
  }
  *rank = r + 1;
  return x->levels()[0].forward;
}

template <typename NotAfter>
SkipList::Node* SkipList::LastNotAfter(NotAfter not_after, size_t* rank) const {
  Node* x = header_;
  size_t r = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && not_after(x->levels()[i].forward)) {
      r += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
  }
  *rank = r;
  return x == header_ ? nullptr : x;
}

template <typename OnErase>
size_t SkipList::EraseRanks(size_t start, size_t end, OnErase on_erase) {
  Node* update[kMaxLevel];
  Node* x = header_;
  size_t traversed = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && traversed + x->levels()[i].span < start) {
      traversed += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    update[i] = x;
  }
  ++traversed;
  x = x->levels()[0].forward;
  size_t removed = 0;
  while (x && traversed <= end) {
    Node* next = x->levels()[0].forward;
    Unlink(x, update);
    on_erase(x);
    FreeNode(x);
    ++removed;
    ++traversed;
    x = next;
  }
  return removed;
}

template <typename F>
uint64_t NodeIndex::Scan(uint64_t cursor, F&& fn) const {
  if (buckets_.empty()) return 0;
  const uint64_t mask = Mask();
  for (const Node* n = buckets_[cursor & mask]; n; n = n->hash_next) fn(n);
  return NextScanCursor(cursor, mask);
}

}  // namespace vigil::server

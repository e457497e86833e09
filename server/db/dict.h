// A chained hash table with power-of-two buckets, as Redis's dict: it gives
// SCAN its guarantee (every element present for the whole scan is returned
// at least once, even if the table grows or shrinks between calls) through
// the reverse-binary cursor, which std::unordered_map's prime bucket counts
// cannot offer. Resizing is done at once for now; incremental rehashing is a
// later latency optimisation that keeps the same cursor semantics.
//
// Memory: each entry is one heap block holding the chain link, the value and
// the key's bytes, the key starting right after its length field, in what
// would otherwise be the struct's tail padding. A keyspace entry with a
// 10-byte key and a 16-byte Object is a 38-byte request, one 48-byte malloc
// chunk, where a node holding a std::string key took 96. Keys are immutable,
// so a node never moves and pointers to values stay valid until erased.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/db/scan_cursor.h"

namespace vigil::server {

template <typename V>
class Dict {
 public:
  Dict() = default;
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  Dict(Dict&& other) noexcept : table_(std::move(other.table_)), size_(other.size_) {
    other.size_ = 0;
  }
  Dict& operator=(Dict&& other) noexcept {
    if (this != &other) {
      Clear();
      table_ = std::move(other.table_);
      size_ = other.size_;
      other.size_ = 0;
    }
    return *this;
  }
  ~Dict() { Clear(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  V* Find(std::string_view key) {
    if (table_.empty()) return nullptr;
    for (Node* n = table_[Hash(key) & Mask()]; n; n = n->next)
      if (n->key() == key) return &n->value();
    return nullptr;
  }
  const V* Find(std::string_view key) const { return const_cast<Dict*>(this)->Find(key); }

  // Inserts or replaces; returns the stored value and whether it was new.
  std::pair<V*, bool> Upsert(std::string_view key, V value) {
    if (V* v = Find(key)) {
      *v = std::move(value);
      return {v, false};
    }
    if (size_ + 1 > table_.size()) Resize(table_.empty() ? 4 : table_.size() * 2);
    size_t b = Hash(key) & Mask();
    table_[b] = NewNode(table_[b], key, std::move(value));
    ++size_;
    return {&table_[b]->value(), true};
  }

  bool Erase(std::string_view key) {
    if (table_.empty()) return false;
    Node** link = &table_[Hash(key) & Mask()];
    for (Node* n = *link; n; link = &n->next, n = n->next) {
      if (n->key() == key) {
        *link = n->next;
        DeleteNode(n);
        --size_;
        // Shrink when mostly empty, as Redis does below 10% fill.
        if (table_.size() > 4 && size_ * 10 < table_.size()) Resize(table_.size() / 2);
        return true;
      }
    }
    return false;
  }

  void Clear() {
    for (Node* head : table_) {
      while (head) {
        Node* next = head->next;
        DeleteNode(head);
        head = next;
      }
    }
    table_.clear();
    size_ = 0;
  }

  void Swap(Dict& other) {
    table_.swap(other.table_);
    std::swap(size_, other.size_);
  }

  template <typename F>  // F(std::string_view key, V& value)
  void ForEach(F&& fn) {
    for (Node* n : table_)
      for (; n; n = n->next) fn(n->key(), n->value());
  }
  template <typename F>  // F(std::string_view key, const V& value)
  void ForEach(F&& fn) const {
    for (const Node* n : table_)
      for (; n; n = n->next) fn(n->key(), n->value());
  }

  // Visits one bucket chosen by `cursor` and returns the next cursor (0 when
  // the scan is complete). The cursor counts in reversed-bit order, so the
  // buckets already visited stay visited when the mask grows or shrinks.
  template <typename F>  // F(std::string_view key, V& value)
  uint64_t Scan(uint64_t cursor, F&& fn) {
    if (table_.empty()) return 0;
    const uint64_t mask = Mask();
    for (Node* n = table_[cursor & mask]; n;) {
      Node* next = n->next;  // fn may not erase, but keep the walk simple
      fn(n->key(), n->value());
      n = next;
    }
    return NextScanCursor(cursor, mask);
  }

  // A random element, fair whatever the chain lengths (what Redis's
  // dictGetFairRandomKey aims at): a random bucket and a random slot among
  // kSlots, retried when the slot is past the chain's end, so each entry has
  // the same chance (picking a random entry of a random non-empty bucket
  // favours short chains about 2x). Only chains longer than kSlots (rare at
  // a load factor of at most 1) are under-sampled. A null value when empty.
  template <typename Rng>
  std::pair<std::string_view, V*> Random(Rng& rng) {
    if (size_ == 0) return {{}, nullptr};
    constexpr size_t kSlots = 4;
    for (;;) {
      Node* head = table_[rng() & Mask()];
      size_t len = 0;
      for (Node* n = head; n; n = n->next) ++len;
      size_t slot = len > kSlots ? rng() % len : rng() % kSlots;
      if (slot >= len) continue;
      Node* n = head;
      while (slot--) n = n->next;
      return {n->key(), &n->value()};
    }
  }

  size_t bucket_count() const { return table_.size(); }

  // Bytes requested for the entry of a `key_len`-byte key (one block).
  static size_t NodeBytes(size_t key_len) { return std::max(sizeof(Node), kKeyOffset + key_len); }
  // Visits up to `n` entries, in bucket order (MEMORY USAGE's samples).
  template <typename F>  // F(std::string_view key, const V& value)
  void Sample(size_t n, F&& fn) const {
    for (const Node* head : table_) {
      for (const Node* e = head; e; e = e->next) {
        if (n-- == 0) return;
        fn(e->key(), e->value());
      }
    }
  }

 private:
  // Standard layout, so offsetof gives where the key bytes start; the value
  // lives in raw storage constructed and destroyed by NewNode/DeleteNode.
  struct Node {
    Node* next;
    alignas(V) unsigned char storage[sizeof(V)];
    uint32_t key_len;  // keys are at most proto-max-bulk-len (512 MB)

    V& value() { return *std::launder(reinterpret_cast<V*>(storage)); }
    const V& value() const { return *std::launder(reinterpret_cast<const V*>(storage)); }
    std::string_view key() const {
      return {reinterpret_cast<const char*>(this) + kKeyOffset, key_len};
    }
  };
  static constexpr size_t kKeyOffset = offsetof(Node, key_len) + sizeof(uint32_t);

  static Node* NewNode(Node* next, std::string_view key, V&& value) {
    void* mem = ::operator new(NodeBytes(key.size()));
    Node* n = ::new (mem) Node;
    n->next = next;
    n->key_len = static_cast<uint32_t>(key.size());
    if (!key.empty()) std::memcpy(static_cast<char*>(mem) + kKeyOffset, key.data(), key.size());
    ::new (n->storage) V(std::move(value));
    return n;
  }
  static void DeleteNode(Node* n) {
    n->value().~V();
    ::operator delete(n);
  }

  static size_t Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }
  size_t Mask() const { return table_.size() - 1; }


  void Resize(size_t buckets) {
    std::vector<Node*> fresh(buckets, nullptr);
    const size_t mask = buckets - 1;
    for (Node* head : table_) {
      while (head) {
        Node* next = head->next;
        size_t b = Hash(head->key()) & mask;
        head->next = fresh[b];
        fresh[b] = head;
        head = next;
      }
    }
    table_.swap(fresh);
  }

  std::vector<Node*> table_;
  size_t size_ = 0;
};

}  // namespace vigil::server

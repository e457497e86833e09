// A sorted array of distinct 64-bit integers packed at the narrowest width
// (2, 4 or 8 bytes) that holds every member, as Redis's intset: small sets of
// integers cost their raw bytes (in an exact-size block). Inserting a
// value that needs a wider width upgrades the whole array once; the width
// never shrinks (as Redis). Lookups are binary searches. Up to kInlineBytes
// of members live inside the object itself (no heap block at all), which
// covers the common small set: 10 32-bit members cost no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::server {

class IntSet {
 public:
  static constexpr size_t kInlineBytes = 40;

  IntSet() = default;
  IntSet(const IntSet& other);
  IntSet& operator=(const IntSet& other);
  IntSet(IntSet&& other) noexcept;
  IntSet& operator=(IntSet&& other) noexcept;
  ~IntSet();

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Bytes per member: 2, 4 or 8.
  unsigned width() const { return width_; }
  // Bytes of the packed array (the heap allocation).
  size_t bytes() const { return static_cast<size_t>(count_) * width_; }

  // The i-th smallest member (i < size()).
  int64_t At(size_t i) const;
  bool Contains(int64_t v) const;
  // Returns false if v was already present.
  bool Insert(int64_t v);
  // Returns false if v was absent.
  bool Erase(int64_t v);
  void Clear();

  // The width needed to store v.
  static unsigned WidthFor(int64_t v);

  // The bytes of the heap block (0 while the members are inline).
  size_t HeapBytes() const;

 private:
  // Binary search: true if found; *pos is the index of v or where it belongs.
  bool Search(int64_t v, size_t* pos) const;
  void Put(size_t i, int64_t v);
  // The members' bytes: inline while they fit, else the heap block.
  bool is_inline() const { return bytes() <= kInlineBytes; }
  char* data() { return is_inline() ? inline_ : heap_; }
  const char* data() const { return is_inline() ? inline_ : heap_; }
  // Changes the member count to `n` at the current width, moving the bytes
  // between inline storage and an exact-size heap block as needed.
  void Resize(size_t n);
  // Rewrites every member at `new_width` and inserts v (which needs it) at
  // the front or back: a value that needs a wider width is below or above
  // all current members.
  void UpgradeAndInsert(int64_t v);

  union {
    char* heap_;
    char inline_[kInlineBytes];
  };
  uint32_t count_ = 0;
  uint8_t width_ = 2;
};

}  // namespace vigil::server

// A compact sequence of byte strings in one contiguous buffer, the role
// Redis's listpack plays for small lists, hashes and sorted sets: each entry
// is <varint length><bytes><reversed varint length>, so the sequence can be
// walked both ways and an entry costs its bytes plus 2 (short values) to 10
// bytes of framing, instead of a heap node each.
//
// Positions are byte offsets into the buffer; Begin() is 0 and End() is
// bytes(). Inserting or erasing shifts the entries after the position, so
// offsets after it are invalidated (the returned offset stays valid).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace vigil::server {

//
// The object is one pointer (8 bytes) to a heap block holding a small header
// and the entries; an empty listpack allocates nothing. A copy is allocated
// at its exact size (the types copy to drop spare capacity after a change);
// growth keeps at most ~1/8 spare so appends do not copy on every call.
class Listpack {
 public:
  Listpack() = default;
  Listpack(const Listpack& other);
  Listpack& operator=(const Listpack& other);
  Listpack(Listpack&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  Listpack& operator=(Listpack&& other) noexcept {
    if (this != &other) {
      Clear();
      p_ = std::exchange(other.p_, nullptr);
    }
    return *this;
  }
  ~Listpack();

  size_t size() const { return p_ ? hdr()->count : 0; }
  bool empty() const { return size() == 0; }
  size_t bytes() const { return p_ ? hdr()->bytes : 0; }

  size_t Begin() const { return 0; }
  size_t End() const { return bytes(); }
  std::string_view At(size_t pos) const;
  size_t Next(size_t pos) const;
  // The entry before `pos` (pos > Begin()).
  size_t Prev(size_t pos) const;
  // The offset of entry `index` (negative counts from the end, -1 = last);
  // End() when out of range. Walks from the nearer end.
  size_t Seek(int64_t index) const;

  // Inserts before `pos` (End() appends); returns the new entry's offset.
  size_t Insert(size_t pos, std::string_view value);
  void PushBack(std::string_view value) { Insert(End(), value); }
  void PushFront(std::string_view value) { Insert(Begin(), value); }
  // Replaces the entry at `pos`; returns its (unchanged) offset.
  size_t Replace(size_t pos, std::string_view value);
  // Erases the entry at `pos`; returns the offset of the entry that followed.
  size_t Erase(size_t pos);
  // Erases `n` entries starting at `pos`; returns the following offset.
  size_t EraseRange(size_t pos, size_t n);
  void Clear() noexcept;

  // The first entry equal to `value` among the entries at `pos`, then every
  // (skip+1)th after it (skip=1 walks the keys of a field/value list);
  // End() if none.
  size_t Find(size_t pos, std::string_view value, size_t skip = 0) const;

  bool operator==(const Listpack& o) const;

  // The bytes the heap block takes (MEMORY USAGE); 0 when empty.
  size_t AllocatedBytes() const;

  // Bytes of the heap block besides the entries (what a size limit that
  // counts the whole block, as Redis's list-max-listpack-size does, adds).
  static constexpr size_t kHeaderBytes = 12;

 private:
  struct Header {
    uint32_t bytes;  // entry bytes in use
    uint32_t cap;    // entry bytes allocated
    uint32_t count;
  };
  static_assert(sizeof(Header) == kHeaderBytes);
  Header* hdr() const { return reinterpret_cast<Header*>(p_); }
  char* data() const { return p_ + sizeof(Header); }
  // Makes room for `bytes` entry bytes (growing with some spare).
  void Reserve(size_t bytes);
  // Opens `n` bytes at `pos` (shifting the tail right) / closes them.
  void Open(size_t pos, size_t n);
  void Close(size_t pos, size_t n);

  char* p_ = nullptr;
};

}  // namespace vigil::server

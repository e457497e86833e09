#include "server/types/intset.h"

#include "server/allocator.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

namespace vigil::server {
namespace {

int64_t Load(const char* p, unsigned width) {
  switch (width) {
    case 2: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case 4: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
  }
}

void Store(char* p, unsigned width, int64_t v) {
  if (width == 2) {
    auto n = static_cast<int16_t>(v);
    std::memcpy(p, &n, 2);
  } else if (width == 4) {
    auto n = static_cast<int32_t>(v);
    std::memcpy(p, &n, 4);
  } else {
    std::memcpy(p, &v, 8);
  }
}

char* Allocate(size_t bytes) {
  auto* p = static_cast<char*>(std::malloc(bytes));
  if (!p) throw std::bad_alloc();
  return p;
}

}  // namespace

IntSet::IntSet(const IntSet& other) : count_(other.count_), width_(other.width_) {
  if (is_inline()) {
    std::memcpy(inline_, other.inline_, kInlineBytes);
  } else {
    heap_ = Allocate(bytes());
    std::memcpy(heap_, other.heap_, bytes());
  }
}

IntSet& IntSet::operator=(const IntSet& other) {
  if (this != &other) {
    IntSet copy(other);
    *this = std::move(copy);
  }
  return *this;
}

IntSet::IntSet(IntSet&& other) noexcept : count_(other.count_), width_(other.width_) {
  std::memcpy(inline_, other.inline_, kInlineBytes);  // the heap pointer too
  other.count_ = 0;
  other.width_ = 2;
}

IntSet& IntSet::operator=(IntSet&& other) noexcept {
  if (this != &other) {
    Clear();
    std::memcpy(inline_, other.inline_, kInlineBytes);
    count_ = std::exchange(other.count_, 0);
    width_ = std::exchange(other.width_, 2);
  }
  return *this;
}

IntSet::~IntSet() {
  if (!is_inline()) std::free(heap_);
}

unsigned IntSet::WidthFor(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}

int64_t IntSet::At(size_t i) const { return Load(data() + i * width_, width_); }

void IntSet::Put(size_t i, int64_t v) { Store(data() + i * width_, width_, v); }

bool IntSet::Search(int64_t v, size_t* pos) const {
  size_t lo = 0, hi = count_;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int64_t cur = At(mid);
    if (cur == v) {
      *pos = mid;
      return true;
    }
    if (cur < v) lo = mid + 1; else hi = mid;
  }
  *pos = lo;
  return false;
}

bool IntSet::Contains(int64_t v) const {
  if (WidthFor(v) > width_) return false;
  size_t pos;
  return Search(v, &pos);
}

void IntSet::Resize(size_t n) {
  const size_t old_bytes = bytes(), new_bytes = n * width_;
  const bool was_inline = is_inline(), now_inline = new_bytes <= kInlineBytes;
  if (was_inline && !now_inline) {
    char* p = Allocate(new_bytes);
    std::memcpy(p, inline_, old_bytes);
    heap_ = p;
  } else if (!was_inline && now_inline) {
    char* p = heap_;
    std::memcpy(inline_, p, new_bytes);
    std::free(p);
  } else if (!was_inline) {
    // Exact-size reallocation keeps sets compact, as Redis's intset.
    void* p = std::realloc(heap_, new_bytes);
    if (!p) throw std::bad_alloc();
    heap_ = static_cast<char*>(p);
  }
  count_ = static_cast<uint32_t>(n);
}

void IntSet::UpgradeAndInsert(int64_t v) {
  // Rare (at most twice per set): rewrite through a copy of the members.
  std::vector<int64_t> members(count_);
  for (size_t i = 0; i < count_; ++i) members[i] = At(i);
  const size_t n = count_;
  Clear();
  width_ = static_cast<uint8_t>(WidthFor(v));
  Resize(n + 1);
  // A value that needs a wider width is below or above every member.
  const size_t shift = v < 0 ? 1 : 0;
  for (size_t i = 0; i < n; ++i) Put(i + shift, members[i]);
  Put(v < 0 ? 0 : n, v);
}

bool IntSet::Insert(int64_t v) {
  if (WidthFor(v) > width_) {
    UpgradeAndInsert(v);
    return true;
  }
  size_t pos;
  if (Search(v, &pos)) return false;
  const size_t n = count_;
  Resize(n + 1);
  char* d = data();
  std::memmove(d + (pos + 1) * width_, d + pos * width_, (n - pos) * width_);
  Put(pos, v);
  return true;
}

bool IntSet::Erase(int64_t v) {
  size_t pos;
  if (WidthFor(v) > width_ || !Search(v, &pos)) return false;
  char* d = data();
  std::memmove(d + pos * width_, d + (pos + 1) * width_, (count_ - pos - 1) * width_);
  Resize(count_ - 1);
  return true;
}

void IntSet::Clear() {
  if (!is_inline()) std::free(heap_);
  count_ = 0;
  width_ = 2;
}

size_t IntSet::HeapBytes() const { return is_inline() ? 0 : AllocSize(bytes()); }

}  // namespace vigil::server

// A collection's two encodings in one word: a Listpack while the collection
// is small, else an owning pointer to the large encoding (`Big`), told apart
// by the pointer's low bit (malloc blocks are at least 8-aligned, so a
// Listpack's block pointer always has it clear). Small hashes and sorted sets
// are numerous; one word instead of a Listpack plus a unique_ptr lets the
// value live inside the keyspace Object instead of in a block of its own.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "server/types/listpack.h"

namespace vigil::server {

template <typename Big>
class ListpackOr {
 public:
  ListpackOr() { ::new (word_) Listpack(); }
  ListpackOr(const ListpackOr&) = delete;
  ListpackOr& operator=(const ListpackOr&) = delete;
  // Moves relocate the word and leave an empty listpack behind.
  ListpackOr(ListpackOr&& o) noexcept {
    std::memcpy(word_, o.word_, sizeof word_);
    ::new (o.word_) Listpack();
  }
  ListpackOr& operator=(ListpackOr&& o) noexcept {
    if (this != &o) {
      Destroy();
      std::memcpy(word_, o.word_, sizeof word_);
      ::new (o.word_) Listpack();
    }
    return *this;
  }
  ~ListpackOr() { Destroy(); }

  bool is_big() const { return (Raw() & kBigBit) != 0; }
  // The large encoding, or nullptr while the listpack is in use.
  Big* big() const {
    const uintptr_t w = Raw();
    return (w & kBigBit) ? reinterpret_cast<Big*>(w & ~kBigBit) : nullptr;
  }
  // The listpack; only while !is_big().
  Listpack& lp() { return *std::launder(reinterpret_cast<Listpack*>(word_)); }
  const Listpack& lp() const { return *std::launder(reinterpret_cast<const Listpack*>(word_)); }

  // Switches to the large encoding (freeing the listpack).
  void SetBig(std::unique_ptr<Big> big) {
    Destroy();
    const uintptr_t w = reinterpret_cast<uintptr_t>(big.release()) | kBigBit;
    std::memcpy(word_, &w, sizeof w);
  }

 private:
  static constexpr uintptr_t kBigBit = 1;
  static_assert(sizeof(Listpack) == sizeof(uintptr_t), "a Listpack is one pointer");
  static_assert(alignof(Big) > 1, "the low bit of a Big* must be free for the tag");

  uintptr_t Raw() const {
    uintptr_t w;
    std::memcpy(&w, word_, sizeof w);
    return w;
  }
  void Destroy() noexcept {
    if (Big* b = big()) {
      delete b;
    } else {
      lp().~Listpack();
    }
  }

  alignas(uintptr_t) unsigned char word_[sizeof(uintptr_t)];
};

}  // namespace vigil::server

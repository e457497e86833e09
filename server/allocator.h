// The heap allocator vigil-server runs on, and its counters for INFO memory.
//
// The server links jemalloc (Debian's libjemalloc2) as Redis does: its size
// classes keep objects of one size together in their own slabs, so e.g. a
// big sorted set's taller skiplist nodes (the ones every search walks) sit
// densely instead of scattered among the short ones and the member bytes,
// and it returns freed pages to the system on its own. Sanitizer builds keep
// libc's malloc, which the sanitizers replace; then these figures come from
// glibc's mallinfo2.
#pragma once

#include <cstdint>

namespace vigil::server {

struct AllocatorStats {
  uint64_t allocated = 0;  // bytes handed out and not yet freed (used_memory)
  uint64_t active = 0;     // bytes in pages the allocator has in use
  uint64_t resident = 0;   // bytes of the allocator's pages in RAM (0 = unknown)
};

// Fresh figures (jemalloc's counters are refreshed by bumping its epoch).
AllocatorStats ReadAllocatorStats();

// INFO's mem_allocator: "jemalloc-5.3.0" or "libc".
const char* AllocatorName();

}  // namespace vigil::server

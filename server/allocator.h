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

#include <cstddef>
#include <cstdint>
#include <string>

namespace vigil::server {

struct AllocatorStats {
  uint64_t allocated = 0;  // bytes handed out and not yet freed (used_memory)
  uint64_t active = 0;     // bytes in pages the allocator has in use
  uint64_t resident = 0;   // bytes of the allocator's pages in RAM (0 = unknown)
};

// Fresh figures (jemalloc's counters are refreshed by bumping its epoch).
AllocatorStats ReadAllocatorStats();

// used_memory cheap enough to read before every command (maxmemory): the
// exact figure is taken by Sync() (the cron, ten times a second) and moved
// on by what this thread allocated and freed since, from jemalloc's
// per-thread cumulative counters (two loads, no mallctl). Allocations made
// by other threads show up at the next Sync. With libc malloc, Used() asks
// mallinfo2 every time (sanitizer builds only).
class UsedMemoryMeter {
 public:
  UsedMemoryMeter();  // binds to the calling thread's counters and syncs
  void Sync();
  uint64_t Used() const;

 private:
  uint64_t ThreadNet() const;  // this thread's allocated - deallocated bytes
  const uint64_t* thread_allocated_ = nullptr;
  const uint64_t* thread_deallocated_ = nullptr;
  uint64_t synced_used_ = 0;
  uint64_t synced_net_ = 0;
};

// INFO's mem_allocator: "jemalloc-5.3.0" or "libc".
const char* AllocatorName();

// The bytes an allocation of `request` bytes really takes (the size class
// it rounds up to); 0 for 0. MEMORY USAGE adds these up.
size_t AllocSize(size_t request);

// MEMORY USAGE's estimate for `total` elements from `seen` sampled ones
// that took `sampled_bytes`.
inline size_t Extrapolate(size_t sampled_bytes, size_t seen, size_t total) {
  if (seen == 0) return 0;
  const double per_element = static_cast<double>(sampled_bytes) / static_cast<double>(seen);
  return static_cast<size_t>(per_element * static_cast<double>(total));
}

// MEMORY PURGE: hands dirty pages back to the system; false on failure.
bool PurgeAllocator();

// MEMORY MALLOC-STATS: the allocator's own report.
std::string AllocatorReport();

}  // namespace vigil::server

#include "server/allocator.h"

#include <algorithm>
#include <cstddef>
#include <string>

#ifdef VIGIL_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
#include <malloc.h>
#endif

namespace vigil::server {

#ifdef VIGIL_JEMALLOC

namespace {

uint64_t ReadSizeStat(const char* name) {
  size_t value = 0;
  size_t len = sizeof(value);
  return mallctl(name, &value, &len, nullptr, 0) == 0 ? value : 0;
}

}  // namespace

AllocatorStats ReadAllocatorStats() {
  // The stats.* counters are a snapshot taken when the epoch advances.
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);
  return {ReadSizeStat("stats.allocated"), ReadSizeStat("stats.active"),
          ReadSizeStat("stats.resident")};
}

UsedMemoryMeter::UsedMemoryMeter() {
  // thread.allocatedp / thread.deallocatedp: pointers to this thread's
  // cumulative byte counters, valid for the thread's lifetime.
  uint64_t* p = nullptr;
  size_t len = sizeof(p);
  if (mallctl("thread.allocatedp", &p, &len, nullptr, 0) == 0) thread_allocated_ = p;
  len = sizeof(p);
  if (mallctl("thread.deallocatedp", &p, &len, nullptr, 0) == 0) thread_deallocated_ = p;
  Sync();
}

uint64_t UsedMemoryMeter::ThreadNet() const {
  if (thread_allocated_ == nullptr || thread_deallocated_ == nullptr) return 0;
  return *thread_allocated_ - *thread_deallocated_;
}

void UsedMemoryMeter::Sync() {
  synced_net_ = ThreadNet();
  synced_used_ = ReadAllocatorStats().allocated;
}

uint64_t UsedMemoryMeter::Used() const {
  // Unsigned wrap-around gives the signed difference; the sum stays positive.
  return synced_used_ + (ThreadNet() - synced_net_);
}

#define VIGIL_STR2(x) #x
#define VIGIL_STR(x) VIGIL_STR2(x)
const char* AllocatorName() {
  return "jemalloc-" VIGIL_STR(JEMALLOC_VERSION_MAJOR) "." VIGIL_STR(
      JEMALLOC_VERSION_MINOR) "." VIGIL_STR(JEMALLOC_VERSION_BUGFIX);
}
#undef VIGIL_STR
#undef VIGIL_STR2

size_t AllocSize(size_t request) { return request == 0 ? 0 : nallocx(request, 0); }

bool PurgeAllocator() {
  const std::string purge = "arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge";
  return mallctl(purge.c_str(), nullptr, nullptr, nullptr, 0) == 0;
}

std::string AllocatorReport() {
  std::string out;
  malloc_stats_print(
      [](void* sink, const char* text) { static_cast<std::string*>(sink)->append(text); }, &out,
      nullptr);
  return out;
}

#else  // libc malloc

AllocatorStats ReadAllocatorStats() {
  const struct mallinfo2 mi = mallinfo2();
  // arena + hblkhd: the heap and the mmapped blocks obtained from the system.
  return {mi.uordblks + mi.hblkhd, mi.arena + mi.hblkhd, 0};
}

UsedMemoryMeter::UsedMemoryMeter() { Sync(); }
uint64_t UsedMemoryMeter::ThreadNet() const { return 0; }
void UsedMemoryMeter::Sync() { synced_used_ = ReadAllocatorStats().allocated; }
uint64_t UsedMemoryMeter::Used() const { return ReadAllocatorStats().allocated; }

const char* AllocatorName() { return "libc"; }

size_t AllocSize(size_t request) {
  // glibc: the request plus the 8-byte size field, in 16-byte steps, at
  // least 32.
  return request == 0 ? 0 : std::max<size_t>(32, (request + 8 + 15) & ~size_t{15});
}

bool PurgeAllocator() { return malloc_trim(0) >= 0; }

std::string AllocatorReport() { return "Stats not supported for the current allocator"; }

#endif

}  // namespace vigil::server

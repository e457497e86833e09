// maxmemory enforcement, after Redis 7.0's evict.c: before each command (and
// from the cron) keys are evicted by maxmemory-policy until used memory is
// back under maxmemory, with Redis's approximated algorithm: a pool of the 16
// best candidates fed by maxmemory-samples random keys per database.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/allocator.h"
#include "server/db/database.h"

namespace vigil::server {

class Server;

enum class EvictionPolicy {
  kNoEviction,
  kAllKeysLru,
  kVolatileLru,
  kAllKeysLfu,
  kVolatileLfu,
  kAllKeysRandom,
  kVolatileRandom,
  kVolatileTtl,
};

// The maxmemory-policy names; noeviction for anything else.
EvictionPolicy ParseEvictionPolicy(std::string_view name);
bool IsVolatilePolicy(EvictionPolicy p);
bool IsLfuPolicy(EvictionPolicy p);

// Redis's evictionTimeLimitUs: the time one eviction run may take, from
// maxmemory-eviction-tenacity (0..10: 50 us steps; then +15% per step; 100:
// unlimited, UINT64_MAX).
uint64_t EvictionTimeLimitUs(int64_t tenacity);

// Redis's eviction pool: the best candidates seen so far, ordered by
// ascending "idle" score (the higher, the better to evict).
class EvictionPool {
 public:
  static constexpr size_t kSize = 16;
  struct Entry {
    uint64_t idle = 0;
    int db = 0;
    std::string key;
  };
  // Inserts a candidate in order; when full, it replaces the worst entry,
  // unless it is no better than all of them. A key already pooled is not
  // added twice.
  void Offer(uint64_t idle, int db, std::string_view key);
  // Removes and returns the best candidate (highest idle).
  std::optional<Entry> PopBest();
  const std::vector<Entry>& entries() const { return entries_; }
  void Clear() { entries_.clear(); }

 private:
  std::vector<Entry> entries_;
};

class Evictor {
 public:
  explicit Evictor(Server& server);

  // Re-reads maxmemory-policy and the LFU settings (CONFIG SET's apply hook,
  // set up by Server).
  void Refresh();
  const AccessTracking& tracking() const { return tracking_; }
  EvictionPolicy policy() const { return policy_; }

  enum class Result {
    kOk,       // under the limit (or eviction not applicable)
    kRunning,  // over the limit, the time budget ran out; continues later
    kFail,     // over the limit and nothing (more) can be evicted
  };
  // Redis's performEvictions: evicts until used memory (minus replica
  // output buffers) is under maxmemory, within the tenacity time budget.
  Result Perform();
  // Ten times a second: the exact used_memory figure, and the evictions a
  // previous run left undone.
  void Cron();

  uint64_t used_memory() const { return meter_.Used(); }

 private:
  bool SafeToEvict() const;
  // Replica output buffers (Redis's freeMemoryGetNotCountedMemory).
  uint64_t NotCountedMemory() const;
  // The next key to evict under the current policy: its db and name.
  std::optional<EvictionPool::Entry> SelectKey();
  void PopulatePool(int db_index, Database& db);
  uint64_t Score(const Object& o, int64_t expire_ms, int64_t now_ms) const;

  Server& server_;
  UsedMemoryMeter meter_;
  EvictionPool pool_;
  std::string policy_seen_;
  EvictionPolicy policy_ = EvictionPolicy::kNoEviction;
  AccessTracking tracking_;
  const int64_t* log_factor_;
  const int64_t* decay_time_;
  const int64_t* tenacity_;
  const bool* replica_ignore_maxmemory_;
  size_t next_random_db_ = 0;
};

}  // namespace vigil::server

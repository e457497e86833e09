// One logical database (SELECT n): the keyspace and the expiry table, with
// lazy expiry on access and sampling for the active expiry cycle. Both tables
// are Dicts (power-of-two buckets) so SCAN keeps Redis's guarantees.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "server/db/dict.h"
#include "server/db/object.h"

namespace vigil::server {

// How an access is recorded in Object::lru_s: the time (LRU, OBJECT
// IDLETIME), or under an *-lfu maxmemory-policy Redis's LFU word with the
// lfu-log-factor / lfu-decay-time in force.
struct AccessTracking {
  bool lfu = false;
  int64_t log_factor = 10;
  int64_t decay_time = 1;
};

class Database {
 public:
  // Looks a key up, deleting it first if its TTL has passed. `now_ms` is Unix
  // time in milliseconds. Updates the access time.
  Object* Lookup(std::string_view key, int64_t now_ms);
  // As Lookup, leaving the access time alone (TYPE, EXISTS, TTL, OBJECT: Redis's
  // LOOKUP_NOTOUCH).
  Object* LookupNoTouch(std::string_view key, int64_t now_ms);
  // As Lookup, without touching the access time or expiring (OBJECT IDLETIME,
  // SCAN's type filter); the caller checks the TTL.
  const Object* Peek(std::string_view key) const { return map_.Find(key); }
  // Inserts or replaces; the TTL is dropped unless keep_ttl. A key that did
  // not exist reaches the on_new hook (the "new" keyspace event).
  Object& Set(std::string_view key, Object obj, bool keep_ttl = false);
  // As Set for a key known to be absent, without the hook: loading an RDB
  // (Redis's dbAddRDBLoad sends no event either).
  void AddLoaded(std::string_view key, Object obj);
  bool Delete(std::string_view key);
  bool Exists(std::string_view key, int64_t now_ms) { return Lookup(key, now_ms) != nullptr; }

  // Expiry: absolute Unix ms; nullopt if the key has no TTL.
  std::optional<int64_t> GetExpire(std::string_view key) const;
  void SetExpire(std::string_view key, int64_t when_ms);
  bool Persist(std::string_view key);
  bool IsExpired(std::string_view key, int64_t now_ms) const {
    auto e = GetExpire(key);
    return e && *e <= now_ms;
  }

  // Removes expired keys among about `samples` keys with a TTL; returns how
  // many it removed (the active expiry cycle calls it while the proportion
  // expired stays high).
  size_t ExpireSample(size_t samples, int64_t now_ms);

  // Called with the key each time a key is removed because its TTL passed
  // (lazily or by the active cycle), before it is gone: notifications, stats.
  void set_on_expired(std::function<void(std::string_view)> fn) { on_expired_ = std::move(fn); }
  void set_on_new(std::function<void(std::string_view)> fn) { on_new_ = std::move(fn); }

  // How a key whose TTL has passed is treated on access. A master deletes it
  // (kDelete). A replica waits for its master's DEL: its own clients do not
  // see the key (kHide) while the master's stream still does (kKeep), as in
  // Redis 7.0, so a replica never diverges by expiring on its own clock.
  enum class ExpiryMode { kDelete, kHide, kKeep };
  void set_expiry_mode(ExpiryMode m) { expiry_mode_ = m; }
  ExpiryMode expiry_mode() const { return expiry_mode_; }

  // The access-tracking settings Lookup follows (owned by the server; none:
  // plain LRU times).
  void set_access_tracking(const AccessTracking* t) { tracking_ = t; }
  bool tracks_lfu() const { return tracking_ != nullptr && tracking_->lfu; }

  // Eviction sampling: calls fn for about `count` keys around a random spot
  // (repeats possible in a small table) of the keyspace or, with
  // volatile_only, of the keys with a TTL, with the key's expiry time (0 for
  // allkeys samples).
  void SampleKeys(size_t count, bool volatile_only,
                  const std::function<void(std::string_view, const Object&, int64_t)>& fn);

  // A random key (random bucket, then random chain entry); nullopt when empty.
  std::optional<std::string> RandomKey();
  // The same among the keys with a TTL.
  std::optional<std::string> RandomVolatileKey();

  // One SCAN step: calls fn for the keys of one bucket and returns the next
  // cursor (0 when done). Expired keys are passed too; callers filter.
  uint64_t Scan(uint64_t cursor, const std::function<void(std::string_view, const Object&)>& fn);

  void Clear();
  size_t size() const { return map_.size(); }
  size_t expires_size() const { return expires_.size(); }
  size_t bucket_count() const { return map_.bucket_count(); }
  // Calls fn for every key (expired ones included; callers check).
  void ForEach(const std::function<void(std::string_view, const Object&)>& fn) const;
  void Swap(Database& other) {
    map_.Swap(other.map_);
    expires_.Swap(other.expires_);
  }

 private:
  bool ExpireIfNeeded(std::string_view key, int64_t now_ms);
  void RemoveExpired(std::string_view key);
  Dict<Object> map_;
  Dict<int64_t> expires_;
  uint64_t expire_cursor_ = 0;
  std::function<void(std::string_view)> on_expired_;
  std::function<void(std::string_view)> on_new_;
  const AccessTracking* tracking_ = nullptr;
  ExpiryMode expiry_mode_ = ExpiryMode::kDelete;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace vigil::server

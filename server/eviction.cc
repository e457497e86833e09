#include "server/eviction.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/util/clock.h"
#include "server/server.h"

namespace vigil::server {

EvictionPolicy ParseEvictionPolicy(std::string_view name) {
  static constexpr std::pair<std::string_view, EvictionPolicy> kNames[] = {
      {"allkeys-lru", EvictionPolicy::kAllKeysLru},
      {"volatile-lru", EvictionPolicy::kVolatileLru},
      {"allkeys-lfu", EvictionPolicy::kAllKeysLfu},
      {"volatile-lfu", EvictionPolicy::kVolatileLfu},
      {"allkeys-random", EvictionPolicy::kAllKeysRandom},
      {"volatile-random", EvictionPolicy::kVolatileRandom},
      {"volatile-ttl", EvictionPolicy::kVolatileTtl},
  };
  for (const auto& [n, p] : kNames)
    if (n == name) return p;
  return EvictionPolicy::kNoEviction;
}

bool IsVolatilePolicy(EvictionPolicy p) {
  return p == EvictionPolicy::kVolatileLru || p == EvictionPolicy::kVolatileLfu ||
         p == EvictionPolicy::kVolatileRandom || p == EvictionPolicy::kVolatileTtl;
}

bool IsLfuPolicy(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysLfu || p == EvictionPolicy::kVolatileLfu;
}

namespace {
bool IsRandomPolicy(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysRandom || p == EvictionPolicy::kVolatileRandom;
}
}  // namespace

uint64_t EvictionTimeLimitUs(int64_t tenacity) {
  if (tenacity <= 10) return 50 * static_cast<uint64_t>(std::max<int64_t>(0, tenacity));
  if (tenacity < 100)
    return static_cast<uint64_t>(500.0 * std::pow(1.15, static_cast<double>(tenacity) - 10.0));
  return std::numeric_limits<uint64_t>::max();
}

void EvictionPool::Offer(uint64_t idle, int db, std::string_view key) {
  for (const Entry& e : entries_)
    if (e.db == db && e.key == key) return;
  // The first entry at least as good as the candidate: it goes before it.
  auto at = std::find_if(entries_.begin(), entries_.end(),
                         [idle](const Entry& e) { return e.idle >= idle; });
  if (entries_.size() == kSize) {
    if (at == entries_.begin()) return;  // worse than everything pooled
    entries_.erase(entries_.begin());    // drop the worst to make room
    --at;
  }
  entries_.insert(at, Entry{idle, db, std::string(key)});
}

std::optional<EvictionPool::Entry> EvictionPool::PopBest() {
  if (entries_.empty()) return std::nullopt;
  Entry best = std::move(entries_.back());
  entries_.pop_back();
  return best;
}

Evictor::Evictor(Server& server) : server_(server) {
  // Stored in the config's by-name tables, whose entries never move.
  ServerConfig& cfg = server.config();
  log_factor_ = &cfg.accepted_ints["lfu-log-factor"];
  decay_time_ = &cfg.accepted_ints["lfu-decay-time"];
  tenacity_ = &cfg.accepted_ints["maxmemory-eviction-tenacity"];
  replica_ignore_maxmemory_ = &cfg.accepted_bools["replica-ignore-maxmemory"];
  Refresh();
}

void Evictor::Refresh() {
  const std::string& name = server_.config().maxmemory_policy;
  if (name != policy_seen_) {
    policy_seen_ = name;
    policy_ = ParseEvictionPolicy(name);
    tracking_.lfu = IsLfuPolicy(policy_);
    pool_.Clear();  // its scores were computed under the old policy
  }
  tracking_.log_factor = *log_factor_;
  tracking_.decay_time = *decay_time_;
}

bool Evictor::SafeToEvict() const {
  // A replica follows its master's DELs; loading and paused servers keep
  // the dataset still.
  if (server_.persistence().loading()) return false;
  if (server_.replication().is_replica() && *replica_ignore_maxmemory_) return false;
  return server_.pause_mode() == Server::PauseMode::kNone;
}

uint64_t Evictor::NotCountedMemory() const {
  uint64_t bytes = 0;
  for (const auto& [id, c] : server_.clients())
    if (c->is_replica()) bytes += c->output_buffer_size();
  return bytes;
}

uint64_t Evictor::Score(const Object& o, int64_t expire_ms, int64_t now_ms) const {
  switch (policy_) {
    case EvictionPolicy::kVolatileTtl:  // the sooner it expires, the better
      return std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(expire_ms);
    case EvictionPolicy::kAllKeysLfu:
    case EvictionPolicy::kVolatileLfu:
      return 255 - lfu::DecayedCounter(o.lru_s, now_ms, tracking_.decay_time);
    default: {  // LRU: idle milliseconds at the LRU clock's 1 s resolution
      const int64_t idle_s = now_ms / 1000 - static_cast<int64_t>(o.lru_s);
      return static_cast<uint64_t>(std::max<int64_t>(0, idle_s)) * 1000;
    }
  }
}

void Evictor::PopulatePool(int db_index, Database& db) {
  const int64_t now = UnixMs();
  const auto samples =
      static_cast<size_t>(std::max<int64_t>(1, server_.config().maxmemory_samples));
  db.SampleKeys(samples, IsVolatilePolicy(policy_),
                [&](std::string_view key, const Object& o, int64_t expire_ms) {
                  pool_.Offer(Score(o, expire_ms, now), db_index, key);
                });
}

std::optional<EvictionPool::Entry> Evictor::SelectKey() {
  std::vector<Database>& dbs = server_.dbs();
  const bool volatile_only = IsVolatilePolicy(policy_);
  const auto keys_of = [volatile_only](const Database& db) {
    return volatile_only ? db.expires_size() : db.size();
  };
  if (IsRandomPolicy(policy_)) {
    // Round-robin over the databases, one random key from the first non-empty.
    for (size_t i = 0; i < dbs.size(); ++i) {
      const size_t index = ++next_random_db_ % dbs.size();
      if (keys_of(dbs[index]) == 0) continue;
      std::optional<std::string> key =
          volatile_only ? dbs[index].RandomVolatileKey() : dbs[index].RandomKey();
      if (key) return EvictionPool::Entry{0, static_cast<int>(index), std::move(*key)};
    }
    return std::nullopt;
  }
  for (;;) {
    size_t total = 0;
    for (size_t i = 0; i < dbs.size(); ++i) {
      const size_t keys = keys_of(dbs[i]);
      if (keys == 0) continue;
      PopulatePool(static_cast<int>(i), dbs[i]);
      total += keys;
    }
    if (total == 0) return std::nullopt;
    // Pooled keys may have gone since (deleted, or lost their TTL).
    while (auto best = pool_.PopBest()) {
      Database& db = dbs[static_cast<size_t>(best->db)];
      const bool present =
          volatile_only ? db.GetExpire(best->key).has_value() : db.Peek(best->key) != nullptr;
      if (present) return best;
    }
  }
}

Evictor::Result Evictor::Perform() {
  const auto maxmemory = static_cast<uint64_t>(server_.config().maxmemory);
  if (maxmemory == 0 || meter_.Used() <= maxmemory || !SafeToEvict()) return Result::kOk;
  const uint64_t not_counted = NotCountedMemory();
  const auto over_limit = [&] {
    const uint64_t used = meter_.Used();
    return used - std::min(used, not_counted) > maxmemory;
  };
  if (!over_limit()) return Result::kOk;
  if (policy_ == EvictionPolicy::kNoEviction) return Result::kFail;
  const int64_t start = MonotonicUs();
  const uint64_t budget_us = EvictionTimeLimitUs(*tenacity_);
  uint64_t evicted = 0;
  while (over_limit()) {
    std::optional<EvictionPool::Entry> victim = SelectKey();
    if (!victim) return Result::kFail;
    server_.db(victim->db).Delete(victim->key);
    server_.OnKeyEvicted(victim->db, victim->key);
    // Checking the clock every 16 keys, as Redis does, keeps it cheap.
    if (++evicted % 16 == 0 && static_cast<uint64_t>(MonotonicUs() - start) > budget_us)
      return Result::kRunning;
  }
  return Result::kOk;
}

void Evictor::Cron() {
  meter_.Sync();
  Perform();
}

}  // namespace vigil::server

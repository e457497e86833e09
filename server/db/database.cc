#include "server/db/database.h"

#include <vector>

#include "common/util/clock.h"

namespace vigil::server {

void Database::RemoveExpired(std::string_view key) {
  if (on_expired_) on_expired_(key);
  expires_.Erase(key);
  map_.Erase(key);
}

bool Database::ExpireIfNeeded(std::string_view key, int64_t now_ms) {
  if (expires_.empty()) return false;
  const int64_t* when = expires_.Find(key);
  if (when == nullptr || *when > now_ms) return false;
  if (expiry_mode_ != ExpiryMode::kDelete) return expiry_mode_ == ExpiryMode::kHide;
  RemoveExpired(key);
  return true;
}

Object* Database::Lookup(std::string_view key, int64_t now_ms) {
  if (ExpireIfNeeded(key, now_ms)) return nullptr;
  Object* o = map_.Find(key);
  if (o == nullptr) return nullptr;
  if (tracks_lfu()) {
    const double r = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    o->lru_s = lfu::Access(o->lru_s, now_ms, tracking_->log_factor, tracking_->decay_time, r);
  } else {
    o->Touch(now_ms);
  }
  return o;
}

Object* Database::LookupNoTouch(std::string_view key, int64_t now_ms) {
  if (ExpireIfNeeded(key, now_ms)) return nullptr;
  return map_.Find(key);
}

Object& Database::Set(std::string_view key, Object obj, bool keep_ttl) {
  if (tracks_lfu()) {
    // A new key starts at LFU_INIT_VAL; an overwritten one keeps its
    // frequency (Redis's dbSetValue).
    const Object* old = map_.Find(key);
    obj.lru_s = old ? old->lru_s : lfu::Word(UnixMs(), lfu::kInitVal);
  }
  auto [stored, fresh] = map_.Upsert(key, std::move(obj));
  if (!fresh && !keep_ttl && !expires_.empty()) expires_.Erase(key);
  if (fresh && on_new_) on_new_(key);
  return *stored;
}

void Database::AddLoaded(std::string_view key, Object obj) {
  if (tracks_lfu()) obj.lru_s = lfu::Word(UnixMs(), lfu::kInitVal);
  map_.Upsert(key, std::move(obj));
}

bool Database::Delete(std::string_view key) {
  if (!map_.Erase(key)) return false;
  if (!expires_.empty()) expires_.Erase(key);
  return true;
}

std::optional<int64_t> Database::GetExpire(std::string_view key) const {
  const int64_t* when = expires_.Find(key);
  if (when == nullptr) return std::nullopt;
  return *when;
}

void Database::SetExpire(std::string_view key, int64_t when_ms) { expires_.Upsert(key, when_ms); }

bool Database::Persist(std::string_view key) { return expires_.Erase(key); }

size_t Database::ExpireSample(size_t samples, int64_t now_ms) {
  // Walk the expiry table with a SCAN cursor kept between calls, so every
  // volatile key is visited over successive cycles without a separate index.
  if (expires_.empty()) return 0;
  std::vector<std::string> dead;
  size_t seen = 0;
  do {
    expire_cursor_ = expires_.Scan(expire_cursor_, [&](std::string_view k, int64_t when) {
      ++seen;
      if (when <= now_ms) dead.emplace_back(k);
    });
  } while (seen < samples && expire_cursor_ != 0);
  for (const auto& k : dead) RemoveExpired(k);
  return dead.size();
}

namespace {

// Redis's dictGetSomeKeys: from a random bucket, the keys of the buckets that
// follow (in SCAN order) until `count` are seen or 10x as many buckets were
// visited. Far fewer cache misses than `count` fair random picks, each of
// which retries empty slots.
template <typename V, typename Rng, typename F>
void WalkFromRandomBucket(Dict<V>& table, size_t count, Rng& rng, F&& fn) {
  if (table.empty()) return;
  size_t seen = 0;
  uint64_t cursor = rng();
  for (size_t steps = 0; seen < count && steps < count * 10; ++steps) {
    cursor = table.Scan(cursor, [&](std::string_view key, V& value) {
      if (seen < count && fn(key, value)) ++seen;
    });
    if (cursor == 0) cursor = rng();  // past the last bucket: start anew
  }
}

}  // namespace

void Database::SampleKeys(
    size_t count, bool volatile_only,
    const std::function<void(std::string_view, const Object&, int64_t)>& fn) {
  if (!volatile_only) {
    WalkFromRandomBucket(map_, count, rng_, [&](std::string_view key, Object& value) {
      fn(key, value, 0);
      return true;
    });
    return;
  }
  WalkFromRandomBucket(expires_, count, rng_, [&](std::string_view key, int64_t& when) {
    const Object* value = map_.Find(key);
    if (value != nullptr) fn(key, *value, when);
    return value != nullptr;
  });
}

std::optional<std::string> Database::RandomVolatileKey() {
  auto [key, when] = expires_.Random(rng_);
  if (when == nullptr) return std::nullopt;
  return std::string(key);
}

std::optional<std::string> Database::RandomKey() {
  auto [key, value] = map_.Random(rng_);
  if (value == nullptr) return std::nullopt;
  return std::string(key);
}

uint64_t Database::Scan(uint64_t cursor,
                        const std::function<void(std::string_view, const Object&)>& fn) {
  return map_.Scan(cursor, [&](std::string_view k, Object& o) { fn(k, o); });
}

void Database::Clear() {
  map_.Clear();
  expires_.Clear();
}

void Database::ForEach(const std::function<void(std::string_view, const Object&)>& fn) const {
  map_.ForEach(fn);
}

}  // namespace vigil::server

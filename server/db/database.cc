#include "server/db/database.h"

namespace vigil::server {

bool Database::ExpireIfNeeded(std::string_view key, int64_t now_ms) {
  if (expires_.empty()) return false;
  auto it = expires_.find(key);
  if (it == expires_.end() || it->second > now_ms) return false;
  std::string k(key);
  expires_.erase(it);
  map_.erase(k);
  return true;
}

Object* Database::Lookup(std::string_view key, int64_t now_ms) {
  if (ExpireIfNeeded(key, now_ms)) return nullptr;
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  it->second.lru_ms = now_ms;
  return &it->second;
}

Object& Database::Set(std::string_view key, Object obj, bool keep_ttl) {
  auto it = map_.find(key);
  if (it == map_.end()) {
    it = map_.emplace(std::string(key), std::move(obj)).first;
  } else {
    it->second = std::move(obj);
    if (!keep_ttl && !expires_.empty()) {
      auto e = expires_.find(key);
      if (e != expires_.end()) expires_.erase(e);
    }
  }
  return it->second;
}

bool Database::Delete(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  map_.erase(it);
  if (!expires_.empty()) {
    auto e = expires_.find(key);
    if (e != expires_.end()) expires_.erase(e);
  }
  return true;
}

std::optional<int64_t> Database::GetExpire(std::string_view key) const {
  auto it = expires_.find(key);
  if (it == expires_.end()) return std::nullopt;
  return it->second;
}

void Database::SetExpire(std::string_view key, int64_t when_ms) {
  auto it = expires_.find(key);
  if (it == expires_.end()) {
    expires_.emplace(std::string(key), when_ms);
  } else {
    it->second = when_ms;
  }
}

bool Database::Persist(std::string_view key) {
  auto it = expires_.find(key);
  if (it == expires_.end()) return false;
  expires_.erase(it);
  return true;
}

size_t Database::ExpireSample(size_t samples, int64_t now_ms) {
  // Walk the expiry table bucket by bucket from where the last call stopped,
  // so every volatile key is visited over successive cycles without keeping a
  // separate index.
  size_t removed = 0, seen = 0;
  size_t buckets = expires_.bucket_count();
  if (expires_.empty() || buckets == 0) return 0;
  std::vector<std::string> dead;
  const size_t start = expire_cursor_bucket_;
  for (size_t n = 0; n < buckets && seen < samples; ++n) {
    size_t b = (start + n) % buckets;
    for (auto it = expires_.begin(b); it != expires_.end(b); ++it) {
      ++seen;
      if (it->second <= now_ms) dead.push_back(it->first);
    }
    expire_cursor_bucket_ = b + 1;
  }
  for (const auto& k : dead) {
    expires_.erase(k);
    map_.erase(k);
    ++removed;
  }
  return removed;
}

std::optional<std::string> Database::RandomKey() {
  if (map_.empty()) return std::nullopt;
  size_t buckets = map_.bucket_count();
  // Probe random buckets until a non-empty one; the load factor is <= 1 so
  // this takes a couple of tries on average, and the cap keeps it bounded.
  for (int i = 0; i < 1000; ++i) {
    size_t b = rng_() % buckets;
    size_t n = map_.bucket_size(b);
    if (n == 0) continue;
    auto it = map_.begin(b);
    std::advance(it, static_cast<long>(rng_() % n));
    return it->first;
  }
  return map_.begin()->first;
}

void Database::Clear() {
  map_.clear();
  expires_.clear();
}

void Database::ForEach(const std::function<void(const std::string&, const Object&)>& fn) const {
  for (const auto& [k, v] : map_) fn(k, v);
}

}  // namespace vigil::server

#include "server/db/database.h"

#include <vector>

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
  if (o) o->Touch(now_ms);
  return o;
}

Object* Database::LookupNoTouch(std::string_view key, int64_t now_ms) {
  if (ExpireIfNeeded(key, now_ms)) return nullptr;
  return map_.Find(key);
}

Object& Database::Set(std::string_view key, Object obj, bool keep_ttl) {
  auto [stored, fresh] = map_.Upsert(key, std::move(obj));
  if (!fresh && !keep_ttl && !expires_.empty()) expires_.Erase(key);
  if (fresh && on_new_) on_new_(key);
  return *stored;
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

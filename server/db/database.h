// One logical database (SELECT n): the keyspace and the expiry table, with
// lazy expiry on access and sampling for the active expiry cycle. This first
// version stores strings only; the collection types join in the data-types
// stage behind the same interface.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vigil::server {

enum class ObjType { kString, kList, kHash, kSet, kZSet };

struct Object {
  ObjType type = ObjType::kString;
  std::string str;
  int64_t lru_ms = 0;  // last access (OBJECT IDLETIME)
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class Database {
 public:
  using Map = std::unordered_map<std::string, Object, StringHash, std::equal_to<>>;

  // Looks a key up, deleting it first if its TTL has passed. `now_ms` is Unix
  // time in milliseconds. Updates the access time.
  Object* Lookup(std::string_view key, int64_t now_ms);
  // Inserts or replaces; the TTL is dropped unless keep_ttl.
  Object& Set(std::string_view key, Object obj, bool keep_ttl = false);
  bool Delete(std::string_view key);
  bool Exists(std::string_view key, int64_t now_ms) { return Lookup(key, now_ms) != nullptr; }

  // Expiry: absolute Unix ms; nullopt if the key has no TTL.
  std::optional<int64_t> GetExpire(std::string_view key) const;
  void SetExpire(std::string_view key, int64_t when_ms);
  bool Persist(std::string_view key);

  // Removes expired keys among a sample of `samples` keys with a TTL; returns
  // how many it removed (the active expiry cycle calls it while the
  // proportion expired stays high).
  size_t ExpireSample(size_t samples, int64_t now_ms);

  // A uniformly chosen bucket's first key (approximately uniform, as
  // Redis's dictGetFairRandomKey); nullopt when empty.
  std::optional<std::string> RandomKey();

  void Clear();
  size_t size() const { return map_.size(); }
  size_t expires_size() const { return expires_.size(); }
  const Map& map() const { return map_; }
  // Calls fn for every key (expired ones included; callers check).
  void ForEach(const std::function<void(const std::string&, const Object&)>& fn) const;
  void Swap(Database& other) {
    map_.swap(other.map_);
    expires_.swap(other.expires_);
  }

 private:
  bool ExpireIfNeeded(std::string_view key, int64_t now_ms);
  Map map_;
  std::unordered_map<std::string, int64_t, StringHash, std::equal_to<>> expires_;
  size_t expire_cursor_bucket_ = 0;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace vigil::server

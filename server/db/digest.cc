#include "server/db/digest.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

namespace vigil::server {
namespace {

void XorDigest(Digest& d, const void* data, size_t len) {
  const Digest h = Sha1::Hash(data, len);
  for (size_t i = 0; i < d.size(); ++i) d[i] ^= h[i];
}
void XorDigest(Digest& d, std::string_view s) { XorDigest(d, s.data(), s.size()); }

// XOR, then hash the result: unlike a plain XOR, the order of mixes counts.
void MixDigest(Digest& d, const void* data, size_t len) {
  XorDigest(d, data, len);
  d = Sha1::Hash(d.data(), d.size());
}
void MixDigest(Digest& d, std::string_view s) { MixDigest(d, s.data(), s.size()); }

void MixUint32(Digest& d, uint32_t v) {
  const uint32_t be = htonl(v);
  MixDigest(d, &be, sizeof be);
}

// Redis's OBJ_* type numbers, which differ from ObjType's order.
uint32_t RedisTypeCode(ObjType t) {
  switch (t) {
    case ObjType::kString:
      return 0;
    case ObjType::kList:
      return 1;
    case ObjType::kSet:
      return 2;
    case ObjType::kZSet:
      return 3;
    case ObjType::kHash:
      return 4;
  }
  return 0;
}

// An element made of parts (hash field + value, zset member + score) is
// mixed into its own digest, which is then XORed into the value's.
void XorPairDigest(Digest& d, std::string_view first, std::string_view second) {
  Digest ele{};
  MixDigest(ele, first);
  MixDigest(ele, second);
  XorDigest(d, ele.data(), ele.size());
}

void AddValue(Digest& d, const Object& o, bool has_expire) {
  MixUint32(d, RedisTypeCode(o.type()));
  switch (o.type()) {
    case ObjType::kString:
      MixDigest(d, o.str());
      break;
    case ObjType::kList:
      o.list().Walk(0, false, [&](std::string_view e) {
        MixDigest(d, e);
        return true;
      });
      break;
    case ObjType::kSet:
      o.set().ForEach([&](std::string_view m) { XorDigest(d, m); });
      break;
    case ObjType::kZSet: {
      const ZSetValue& z = o.zset();
      if (z.empty()) break;
      for (const auto& e : z.Range(0, z.size() - 1, false)) {
        char buf[128];
        const int n = std::snprintf(buf, sizeof buf, "%.17g", e.score);
        XorPairDigest(d, e.member, std::string_view(buf, static_cast<size_t>(n)));
      }
      break;
    }
    case ObjType::kHash:
      o.hash().ForEach([&](std::string_view f, std::string_view v) { XorPairDigest(d, f, v); });
      break;
  }
  if (has_expire) XorDigest(d, "!!expire!!");
}

}  // namespace

Digest ValueDigest(const Object& value, bool has_expire) {
  Digest d{};
  AddValue(d, value, has_expire);
  return d;
}

Digest KeyValueDigest(std::string_view key, const Object& value, bool has_expire) {
  Digest d{};
  MixDigest(d, key);
  AddValue(d, value, has_expire);
  return d;
}

Digest DatasetDigest(const std::vector<Database>& dbs) {
  Digest final_digest{};
  for (size_t i = 0; i < dbs.size(); ++i) {
    const Database& db = dbs[i];
    if (db.size() == 0) continue;
    // The db index is mixed in: the same keys in another db digest differently.
    MixUint32(final_digest, static_cast<uint32_t>(i));
    db.ForEach([&](std::string_view key, const Object& value) {
      const Digest kv = KeyValueDigest(key, value, db.GetExpire(key).has_value());
      XorDigest(final_digest, kv.data(), kv.size());
    });
  }
  return final_digest;
}

}  // namespace vigil::server

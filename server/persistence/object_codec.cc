#include "server/persistence/object_codec.h"

#include <algorithm>

namespace vigil::server {

rdb::Value ToRdbValue(const Object& o) {
  rdb::Value v;
  switch (o.type()) {
    case ObjType::kString:
      v.kind = rdb::Kind::kString;
      v.str = o.str();
      break;
    case ObjType::kList:
      v.kind = rdb::Kind::kList;
      v.items.reserve(o.list().size());
      o.list().Walk(0, false, [&](std::string_view e) {
        v.items.emplace_back(e);
        return true;
      });
      break;
    case ObjType::kSet:
      v.kind = rdb::Kind::kSet;
      v.items = o.set().Members();
      break;
    case ObjType::kHash:
      v.kind = rdb::Kind::kHash;
      v.items.reserve(o.hash().size() * 2);
      o.hash().ForEach([&](std::string_view f, std::string_view val) {
        v.items.emplace_back(f);
        v.items.emplace_back(val);
      });
      break;
    case ObjType::kZSet: {
      v.kind = rdb::Kind::kZSet;
      const ZSetValue& z = o.zset();
      if (z.size() > 0) {
        for (const auto& e : z.Range(0, z.size() - 1, false)) v.zset.emplace_back(std::string(e.member), e.score);
      }
      break;
    }
  }
  return v;
}

StatusOr<Object> FromRdbValue(rdb::Value&& v, const ServerConfig& cfg) {
  switch (v.kind) {
    case rdb::Kind::kString:
      return Object(std::move(v.str));
    case rdb::Kind::kList: {
      auto l = std::make_unique<ListValue>(cfg.list_max_listpack_size);
      for (const auto& e : v.items) l->PushBack(e);
      return Object(std::move(l));
    }
    case rdb::Kind::kSet: {
      auto s = std::make_unique<SetValue>();
      for (const auto& e : v.items) s->Add(e, static_cast<size_t>(cfg.set_max_intset_entries));
      return Object(std::move(s));
    }
    case rdb::Kind::kHash: {
      HashValue h;
      const HashValue::Limits limits{static_cast<size_t>(cfg.hash_max_listpack_entries),
                                     static_cast<size_t>(cfg.hash_max_listpack_value)};
      for (size_t i = 0; i + 1 < v.items.size(); i += 2) h.Set(v.items[i], v.items[i + 1], limits);
      return Object(std::move(h));
    }
    case rdb::Kind::kZSet: {
      // Redis writes skiplists tail first; the set is built from sorted entries.
      std::sort(v.zset.begin(), v.zset.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second < b.second : a.first < b.first;
      });
      std::vector<ZSetValue::Entry> entries;
      entries.reserve(v.zset.size());
      for (const auto& [m, s] : v.zset) entries.push_back({m, s});
      ZSetValue::Limits limits;
      limits.max_entries = static_cast<size_t>(cfg.zset_max_listpack_entries);
      limits.max_value = static_cast<size_t>(cfg.zset_max_listpack_value);
      return Object(ZSetValue::FromSorted(entries, limits));
    }
  }
  return Status::Error("unknown value kind");
}

}  // namespace vigil::server

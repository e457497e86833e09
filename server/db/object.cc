#include "server/db/object.h"

#include "common/util/strings.h"

namespace vigil::server {

const char* TypeName(ObjType t) {
  switch (t) {
    case ObjType::kString: return "string";
    case ObjType::kList: return "list";
    case ObjType::kHash: return "hash";
    case ObjType::kSet: return "set";
    case ObjType::kZSet: return "zset";
  }
  return "none";
}

// Redis's string encodings: "int" for values that fit a long, "embstr" up to
// 44 bytes, "raw" above. vigil stores them all the same way; reporting
// Redis's names keeps tools that inspect OBJECT ENCODING working.
const char* StringEncoding(const std::string& s) {
  if (s.size() <= 20 && ParseInt64(s)) return "int";
  return s.size() <= 44 ? "embstr" : "raw";
}

Object Object::Clone() const {
  Object o;
  o.lru_s = lru_s;
  o.str_enc = str_enc;
  std::visit(
      [&o](const auto& val) {
        using T = std::decay_t<decltype(val)>;
        if constexpr (std::is_same_v<T, std::string>) {
          o.v = val;
        } else {
          o.v = std::make_unique<typename T::element_type>(*val);
        }
      },
      v);
  return o;
}

const char* Object::EncodingName() const {
  switch (type()) {
    case ObjType::kString:
      if (str_enc == kRaw) return "raw";
      if (str_enc == kNoInt) return str().size() <= 44 ? "embstr" : "raw";
      return StringEncoding(str());
    case ObjType::kList: return list().EncodingName();
    case ObjType::kHash: return hash().EncodingName();
    case ObjType::kSet: return set().EncodingName();
    case ObjType::kZSet: return zset().EncodingName();
  }
  return "unknown";
}

}  // namespace vigil::server

// Conversions between vigil's in-memory values and the RDB codec's plain
// element lists.
#include "server/persistence/snapshot.h"

namespace vigil::server {

rdb::Value ToRdbValue(const Object& o) {
  rdb::Value v;
  switch (o.type()) {
    case ObjType::kString:
      v.kind = rdb::Kind::kString;
      v.str = o.str();
      break;
    default:
      break;  // collection types: filled in as each type lands
  }
  return v;
}

StatusOr<Object> FromRdbValue(rdb::Value&& v, const ServerConfig& cfg) {
  switch (v.kind) {
    case rdb::Kind::kString: return Object(std::move(v.str));
    default: return Status::Error("value type not loadable yet");
  }
}

}  // namespace vigil::server

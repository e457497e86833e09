// Conversions between vigil's in-memory values and plain element lists (the
// RDB codec's Value): snapshots, AOF bases and SORT's type-neutral view.
#pragma once

#include "common/util/status.h"
#include "server/config/server_config.h"
#include "server/db/object.h"
#include "server/persistence/rdb_codec.h"

namespace vigil::server {

rdb::Value ToRdbValue(const Object& o);
// Builds the value in the encoding the config's thresholds choose.
StatusOr<Object> FromRdbValue(rdb::Value&& v, const ServerConfig& cfg);

}  // namespace vigil::server

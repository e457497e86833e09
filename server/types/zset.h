// Placeholder until the zset type lands: the interface object.h relies on.
#pragma once

#include <cstddef>

namespace vigil::server {

class ZSetValue {
 public:
  size_t size() const { return 0; }
  const char* EncodingName() const { return "listpack"; }
};

}  // namespace vigil::server

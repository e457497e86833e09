// Placeholder until the hash type lands: the interface object.h relies on.
#pragma once

#include <cstddef>

namespace vigil::server {

class HashValue {
 public:
  size_t size() const { return 0; }
  const char* EncodingName() const { return "listpack"; }
};

}  // namespace vigil::server

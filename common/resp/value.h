// A parsed RESP2/RESP3 reply, as seen by the client side of a connection (the
// sentinel's links, a replica's link to its master, tests).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::resp {

struct Value {
  enum class Type {
    kSimpleString,
    kError,
    kInteger,
    kBulk,
    kNull,
    kArray,
    kMap,
    kSet,
    kPush,
    kDouble,
    kBoolean,
    kVerbatim,
    kBigNumber,
  };
  Type type = Type::kNull;
  std::string str;      // simple string, error (without '-'), bulk, double/bignum text
  int64_t integer = 0;  // integer, boolean (0/1)
  double dbl = 0;
  // Array/set/push elements; a map's keys and values interleaved.
  std::vector<Value> elems;

  bool IsError() const { return type == Type::kError; }
  bool IsNull() const { return type == Type::kNull; }
  // Renders like redis-cli does (for tests and logs).
  std::string ToString() const;
};

}  // namespace vigil::resp

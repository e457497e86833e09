// Incremental parser for replies (client side): RESP2 and RESP3, every type,
// nested aggregates, with a depth and size bound.
#pragma once

#include <string_view>

#include "common/resp/value.h"

namespace vigil::resp {

enum class ReplyStatus { kOk, kNeedMore, kError };

class ReplyParser {
 public:
  // Tries to parse one complete reply from the start of `data`. On kOk sets
  // *consumed and *out. On kNeedMore nothing is consumed (callers keep their
  // buffer; replies are small except bulk payloads, which are scanned once per
  // call). On kError, error() says why.
  ReplyStatus Parse(std::string_view data, size_t* consumed, Value* out);
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

}  // namespace vigil::resp

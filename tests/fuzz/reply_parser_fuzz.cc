// Fuzz target for resp::ReplyParser (the client side used by sentinel and
// replica links). Checks: no crash, consumption stays within the input, a
// reply parsed from a stream is parsed identically from exactly its own
// bytes, and no strict prefix of a complete reply is mistaken for one.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/resp/reply_parser.h"

namespace {

using vigil::resp::ReplyParser;
using vigil::resp::ReplyStatus;
using vigil::resp::Value;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "reply_parser_fuzz: invariant violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ReplyParser parser;
  // Replies back to back, as on a pipelined link.
  for (int n = 0; n < 64 && !input.empty(); ++n) {
    size_t consumed = 0;
    Value v;
    ReplyStatus st = parser.Parse(input, &consumed, &v);
    if (st == ReplyStatus::kNeedMore) {
      Check(consumed == 0, "kNeedMore consumed bytes");
      break;
    }
    if (st == ReplyStatus::kError) {
      Check(!parser.error().empty(), "error without text");
      break;
    }
    Check(consumed > 0 && consumed <= input.size(), "bad consumed count");
    std::string rendered = v.ToString();

    std::string_view own = input.substr(0, consumed);
    size_t again_consumed = 0;
    Value again;
    Check(parser.Parse(own, &again_consumed, &again) == ReplyStatus::kOk &&
              again_consumed == consumed && again.ToString() == rendered && again.type == v.type,
          "reply does not re-parse from its own bytes");
    // RESP is prefix-free: a cut-short reply can only be incomplete.
    size_t cut = consumed == 1 ? 0 : (static_cast<size_t>(own.back()) * 131) % consumed;
    size_t cut_consumed = 0;
    Check(parser.Parse(own.substr(0, cut), &cut_consumed, &again) == ReplyStatus::kNeedMore &&
              cut_consumed == 0,
          "a strict prefix of a reply was not kNeedMore");
    input.remove_prefix(consumed);
  }
  return 0;
}

// Fuzz target for resp::RequestParser. Beyond "does not crash", it checks the
// property the connection code depends on: the commands and the final error
// are the same however the input is sliced (whole, split at a data-derived
// point, byte by byte), and every parsed command survives a re-encode.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/resp/parser.h"

namespace {

using vigil::resp::ParserLimits;
using vigil::resp::ParseStatus;
using vigil::resp::RequestParser;

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  bool failed = false;
  std::string error;
  size_t pending = 0;
};

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "resp_parser_fuzz: invariant violated: %s\n", what);
    std::abort();
  }
}

Outcome Run(const ParserLimits& limits, std::string_view input, const std::vector<size_t>& cuts) {
  RequestParser parser(limits);
  Outcome out;
  size_t start = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (size_t end : ends) {
    std::string_view chunk = input.substr(start, end - start);
    start = end;
    while (true) {
      size_t consumed = 0;
      std::vector<std::string> args;
      ParseStatus st = parser.Parse(chunk, &consumed, &args);
      Check(consumed <= chunk.size(), "consumed beyond input");
      if (st == ParseStatus::kError) {
        Check(!parser.error().empty(), "error without text");
        out.failed = true;
        out.error = parser.error();
        return out;
      }
      chunk.remove_prefix(consumed);
      if (st == ParseStatus::kNeedMore) {
        Check(chunk.empty(), "kNeedMore left input unconsumed");
        break;
      }
      Check(!args.empty(), "kOk with no arguments");
      Check(parser.pending_bytes() == 0, "pending bytes after a complete command");
      out.commands.push_back(std::move(args));
    }
    // Whatever is held back must have come from the input seen so far.
    Check(parser.pending_bytes() <= end, "pending bytes exceed input");
  }
  out.pending = parser.pending_bytes();
  return out;
}

bool Same(const Outcome& a, const Outcome& b) {
  return a.commands == b.commands && a.failed == b.failed && a.error == b.error &&
         a.pending == b.pending;
}

std::string Encode(const std::vector<std::string>& args) {
  std::string s = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // Byte 0 picks the limits so every limit path is reachable with small
  // inputs; byte 1 picks the split point.
  const uint8_t flags = data[0];
  const uint8_t split_seed = data[1];
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);

  ParserLimits limits;
  limits.unauthenticated = flags & 1;
  // Bulk lengths are capped so a "$536870912" header cannot make each run
  // reserve half a gigabyte.
  limits.max_bulk_len = (flags & 2) ? 64 : 1 << 20;
  limits.max_multibulk_len = (flags & 4) ? 4 : 1024 * 1024;
  limits.max_inline_len = (flags & 8) ? 16 : 64 * 1024;

  Outcome whole = Run(limits, input, {});
  size_t cut = input.empty() ? 0 : (static_cast<size_t>(split_seed) * input.size()) / 255;
  Check(Same(whole, Run(limits, input, {cut})), "split result differs from whole");
  Check(Same(whole, Run(limits, input, {cut / 2, cut})), "3-way split differs from whole");
  if (input.size() <= 4096) {
    std::vector<size_t> every;
    for (size_t i = 1; i < input.size(); ++i) every.push_back(i);
    Check(Same(whole, Run(limits, input, every)), "byte-by-byte result differs from whole");
  }

  // Every command must come back unchanged through the canonical encoding.
  // Inline commands are not subject to the bulk/count limits (as in Redis),
  // so the round trip uses roomy limits.
  ParserLimits roomy;
  roomy.max_bulk_len = 1 << 20;
  for (const auto& cmd : whole.commands) {
    Outcome again = Run(roomy, Encode(cmd), {});
    Check(!again.failed && again.commands.size() == 1 && again.commands[0] == cmd,
          "re-encoded command does not round-trip");
  }
  return 0;
}

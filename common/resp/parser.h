// Incremental parser for client requests: RESP2 multibulk ("*2\r\n$3\r\nGET\r\n...")
// and inline commands ("PING\r\n" typed over telnet). It keeps its state across
// calls, so a command split at any byte boundary costs no re-parsing, and a
// large bulk is copied once. Protocol errors carry Redis's exact text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::resp {

struct ParserLimits {
  // proto-max-bulk-len (512mb by default).
  int64_t max_bulk_len = 512LL * 1024 * 1024;
  // Largest multibulk count accepted (Redis: INT_MAX; 1024*1024 is plenty and
  // keeps a hostile header from reserving huge vectors).
  int64_t max_multibulk_len = 1024 * 1024;
  // Longest inline command / header line without "\r\n" (PROTO_INLINE_MAX_SIZE).
  size_t max_inline_len = 64 * 1024;
  // Redis limits unauthenticated clients to multibulk <= 10 and bulk <= 16384.
  bool unauthenticated = false;
};

enum class ParseStatus {
  kOk,        // *args holds one complete command
  kNeedMore,  // all input was consumed into internal state; feed more
  kError,     // protocol error; error() has Redis's text; close the connection
};

class RequestParser {
 public:
  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

  // Parses from `data`. Sets *consumed to the number of bytes of `data` that
  // were used (they may be dropped by the caller, even on kNeedMore). On kOk,
  // *args receives the command (cleared first). An empty inline line is
  // skipped (kNeedMore or the next command), as Redis does.
  ParseStatus Parse(std::string_view data, size_t* consumed, std::vector<std::string>* args);

  // The error text without the leading '-', e.g.
  // "ERR Protocol error: invalid multibulk length".
  const std::string& error() const { return error_; }

  void set_limits(const ParserLimits& limits) { limits_ = limits; }
  const ParserLimits& limits() const { return limits_; }
  // Bytes buffered inside the parser for the command in progress (for
  // client-query-buffer-limit accounting and CLIENT LIST qbuf).
  size_t pending_bytes() const;
  void Reset();

 private:
  ParserLimits limits_;
  std::string error_;
  // kStart: at a command boundary. kMultibulkLen: inside "*<n>\r\n".
  // kMultibulkArgLen: inside "$<len>\r\n". kBulkBody: copying bulk bytes.
  // kBulkTrailer: skipping the two bytes after a bulk. kInline: inside an
  // inline line.
  enum class State {
    kStart,
    kMultibulkLen,
    kMultibulkArgLen,
    kBulkBody,
    kBulkTrailer,
    kInline,
  } state_ = State::kStart;

  enum class LineResult { kReady, kNeedMore, kTooBig };
  // Reads a header line ending in '\r' plus one more byte (Redis skips the
  // byte after '\r' without looking at it). `*line` may point into `data` or
  // into line_; the caller must call line_.clear() after using it.
  LineResult ReadHeaderLine(std::string_view data, size_t* pos, std::string_view* line);
  // Reads an inline line ending in '\n' (the '\n' is consumed, not returned).
  LineResult ReadInlineLine(std::string_view data, size_t* pos, std::string_view* line);
  ParseStatus Fail(std::string msg);
  ParseStatus Finish(std::vector<std::string>* args);
  // Handles a complete "*<n>" line; returns false and sets error_ on a bad count.
  bool OnMultibulkLen(std::string_view line);
  bool OnBulkLen(std::string_view line);
  bool OnInline(std::string_view line);

  int64_t multibulk_remaining_ = 0;
  int64_t bulk_len_ = -1;
  int trailer_left_ = 0;
  bool cr_seen_ = false;  // header line complete up to '\r'; one byte to skip
  std::string line_;      // partial header/inline line
  std::vector<std::string> args_;
  size_t args_bytes_ = 0;  // sum of args_ sizes, for pending_bytes()
};

}  // namespace vigil::resp

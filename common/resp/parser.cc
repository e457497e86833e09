// RequestParser: a byte-driven state machine over Redis's request grammar. It
// mirrors processMultibulkBuffer/processInlineBuffer in networking.c, except
// that it never needs the whole command in one buffer: every state survives
// the end of `data`, so the caller may drop consumed bytes after each call.
#include "common/resp/parser.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "common/util/split_args.h"
#include "common/util/strings.h"

namespace vigil::resp {
namespace {

// Redis's extra limits for clients that have not authenticated yet
// (processMultibulkBuffer: authRequired()).
constexpr int64_t kUnauthMultibulkMax = 10;
constexpr int64_t kUnauthBulkMax = 16384;
// Args vector reservation is capped so a "*1000000" header alone cannot make
// us allocate; the vector grows as real arguments arrive (Redis does the same).
constexpr int64_t kMaxArgsReserve = 1024;

}  // namespace

size_t RequestParser::pending_bytes() const { return line_.size() + args_bytes_; }

void RequestParser::Reset() {
  error_.clear();
  state_ = State::kStart;
  multibulk_remaining_ = 0;
  bulk_len_ = -1;
  trailer_left_ = 0;
  cr_seen_ = false;
  line_.clear();
  args_.clear();
  args_bytes_ = 0;
}

ParseStatus RequestParser::Fail(std::string msg) {
  error_ = std::move(msg);
  return ParseStatus::kError;
}

ParseStatus RequestParser::Finish(std::vector<std::string>* args) {
  // Swapping (rather than moving) hands the caller's old vector back to us,
  // so both keep their capacity across commands.
  args->clear();
  std::swap(*args, args_);
  args_bytes_ = 0;
  state_ = State::kStart;
  return ParseStatus::kOk;
}

RequestParser::LineResult RequestParser::ReadHeaderLine(std::string_view data, size_t* pos,
                                                        std::string_view* line) {
  if (cr_seen_) {
    if (*pos >= data.size()) return LineResult::kNeedMore;
    ++*pos;  // the byte after '\r' (normally '\n'); Redis does not check it
    cr_seen_ = false;
    *line = line_;
    return LineResult::kReady;
  }
  const char* start = data.data() + *pos;
  size_t avail = data.size() - *pos;
  const char* cr = static_cast<const char*>(std::memchr(start, '\r', avail));
  if (cr == nullptr) {
    // Redis errors once more than the limit is buffered without '\r'. We
    // count the line itself, so the outcome does not depend on how the
    // input was split.
    if (line_.size() + avail > limits_.max_inline_len) return LineResult::kTooBig;
    line_.append(start, avail);
    *pos = data.size();
    return LineResult::kNeedMore;
  }
  size_t len = static_cast<size_t>(cr - start);
  if (line_.size() + len > limits_.max_inline_len) return LineResult::kTooBig;
  if (len + 1 < avail) {
    if (line_.empty()) {
      *line = std::string_view(start, len);  // zero-copy fast path
    } else {
      line_.append(start, len);
      *line = line_;
    }
    *pos += len + 2;
    return LineResult::kReady;
  }
  line_.append(start, len);
  cr_seen_ = true;
  *pos = data.size();
  return LineResult::kNeedMore;
}

RequestParser::LineResult RequestParser::ReadInlineLine(std::string_view data, size_t* pos,
                                                        std::string_view* line) {
  const char* start = data.data() + *pos;
  size_t avail = data.size() - *pos;
  const char* nl = static_cast<const char*>(std::memchr(start, '\n', avail));
  if (nl == nullptr) {
    if (line_.size() + avail > limits_.max_inline_len) return LineResult::kTooBig;
    line_.append(start, avail);
    *pos = data.size();
    return LineResult::kNeedMore;
  }
  size_t len = static_cast<size_t>(nl - start);
  if (line_.size() + len > limits_.max_inline_len) return LineResult::kTooBig;
  if (line_.empty()) {
    *line = std::string_view(start, len);
  } else {
    line_.append(start, len);
    *line = line_;
  }
  *pos += len + 1;
  return LineResult::kReady;
}

bool RequestParser::OnMultibulkLen(std::string_view line) {
  // line[0] is '*'. Redis: string2ll, then ll > INT_MAX (our configurable
  // max) or, before AUTH, ll > 10 is an error; ll <= 0 is an empty command.
  std::optional<int64_t> n = ParseInt64(line.substr(1));
  if (!n || *n > limits_.max_multibulk_len ||
      (limits_.unauthenticated && *n > kUnauthMultibulkMax)) {
    error_ = "ERR Protocol error: invalid multibulk length";
    return false;
  }
  if (*n <= 0) {
    state_ = State::kStart;
    return true;
  }
  multibulk_remaining_ = *n;
  args_.clear();
  args_.reserve(static_cast<size_t>(std::min(*n, kMaxArgsReserve)));
  state_ = State::kMultibulkArgLen;
  return true;
}

bool RequestParser::OnBulkLen(std::string_view line) {
  if (line.empty() || line[0] != '$') {
    // An empty line means the '\r' came first; Redis prints that byte.
    error_ = "ERR Protocol error: expected '$', got '";
    error_.push_back(line.empty() ? '\r' : line[0]);
    error_.push_back('\'');
    return false;
  }
  std::optional<int64_t> n = ParseInt64(line.substr(1));
  if (!n || *n < 0 || *n > limits_.max_bulk_len ||
      (limits_.unauthenticated && *n > kUnauthBulkMax)) {
    error_ = "ERR Protocol error: invalid bulk length";
    return false;
  }
  bulk_len_ = *n;
  args_.emplace_back();
  state_ = State::kBulkBody;
  return true;
}

bool RequestParser::OnInline(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::optional<std::vector<std::string>> split = SplitArgs(line);
  if (!split) {
    error_ = "ERR Protocol error: unbalanced quotes in request";
    return false;
  }
  args_ = std::move(*split);
  args_bytes_ = 0;
  return true;
}

ParseStatus RequestParser::Parse(std::string_view data, size_t* consumed,
                                 std::vector<std::string>* args) {
  *consumed = 0;
  if (!error_.empty()) return ParseStatus::kError;
  size_t pos = 0;
  while (true) {
    switch (state_) {
      case State::kStart: {
        if (pos >= data.size()) {
          *consumed = pos;
          return ParseStatus::kNeedMore;
        }
        state_ = data[pos] == '*' ? State::kMultibulkLen : State::kInline;
        break;
      }
      case State::kMultibulkLen: {
        std::string_view line;
        LineResult r = ReadHeaderLine(data, &pos, &line);
        *consumed = pos;
        if (r == LineResult::kNeedMore) return ParseStatus::kNeedMore;
        if (r == LineResult::kTooBig) return Fail("ERR Protocol error: too big mbulk count string");
        bool ok = OnMultibulkLen(line);
        line_.clear();
        if (!ok) return ParseStatus::kError;
        break;
      }
      case State::kMultibulkArgLen: {
        std::string_view line;
        LineResult r = ReadHeaderLine(data, &pos, &line);
        *consumed = pos;
        if (r == LineResult::kNeedMore) return ParseStatus::kNeedMore;
        if (r == LineResult::kTooBig) return Fail("ERR Protocol error: too big bulk count string");
        bool ok = OnBulkLen(line);
        line_.clear();
        if (!ok) return ParseStatus::kError;
        break;
      }
      case State::kBulkBody: {
        std::string& arg = args_.back();
        size_t want = static_cast<size_t>(bulk_len_) - arg.size();
        size_t avail = data.size() - pos;
        if (arg.empty() && avail >= want) {
          // Whole bulk present: one allocation, one copy.
          arg.assign(data.data() + pos, want);
        } else {
          if (avail == 0) {
            *consumed = pos;
            return ParseStatus::kNeedMore;
          }
          // Reserve the full length once so a big value arriving in many
          // reads is copied exactly once (Redis also sizes its buffer to
          // the announced bulk length).
          if (arg.capacity() < static_cast<size_t>(bulk_len_)) {
            arg.reserve(static_cast<size_t>(bulk_len_));
          }
          want = std::min(want, avail);
          arg.append(data.data() + pos, want);
        }
        pos += want;
        args_bytes_ += want;
        if (arg.size() == static_cast<size_t>(bulk_len_)) {
          trailer_left_ = 2;
          state_ = State::kBulkTrailer;
        }
        break;
      }
      case State::kBulkTrailer: {
        // Redis skips the two bytes after a bulk without checking them.
        size_t skip = std::min(static_cast<size_t>(trailer_left_), data.size() - pos);
        pos += skip;
        trailer_left_ -= static_cast<int>(skip);
        if (trailer_left_ > 0) {
          *consumed = pos;
          return ParseStatus::kNeedMore;
        }
        bulk_len_ = -1;
        if (--multibulk_remaining_ == 0) {
          *consumed = pos;
          return Finish(args);
        }
        state_ = State::kMultibulkArgLen;
        break;
      }
      case State::kInline: {
        std::string_view line;
        LineResult r = ReadInlineLine(data, &pos, &line);
        *consumed = pos;
        if (r == LineResult::kNeedMore) return ParseStatus::kNeedMore;
        if (r == LineResult::kTooBig) return Fail("ERR Protocol error: too big inline request");
        bool ok = OnInline(line);
        line_.clear();
        if (!ok) return ParseStatus::kError;
        if (args_.empty()) {
          state_ = State::kStart;  // empty line: skipped, as Redis does
          break;
        }
        return Finish(args);
      }
    }
  }
}

}  // namespace vigil::resp

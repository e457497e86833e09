// ReplyParser: recursive descent over one RESP2/RESP3 reply. It is stateless
// between calls (kNeedMore consumes nothing), which keeps it simple for the
// sentinel and replica links where replies are small; a bulk payload is only
// length-checked, never scanned, while incomplete.
#include "common/resp/reply_parser.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>

namespace vigil::resp {
namespace {

// Deep enough for every Redis reply (COMMAND DOCS, XINFO STREAM FULL nest
// well under 16) while keeping recursion bounded on hostile input.
constexpr int kMaxDepth = 64;
// proto-max-bulk-len's default; a larger bulk is a broken or hostile peer.
constexpr int64_t kMaxBulkLen = 512LL * 1024 * 1024;
// Aggregate counts beyond this cannot be real replies.
constexpr int64_t kMaxElements = int64_t{1} << 32;
// A header or simple line longer than this without CRLF is garbage.
constexpr size_t kMaxLineLen = 64 * 1024 * 1024;
// The smallest encoded element ("_\r\n", "+\r\n") is 3 bytes; an aggregate
// of n elements needs at least 3n more bytes, which lets us answer kNeedMore
// early and never reserve for elements that have not arrived.
constexpr int64_t kMinElementSize = 3;

enum class Step { kOk, kNeedMore, kError };

std::optional<int64_t> ParseInteger(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    s.remove_prefix(1);
    if (s.empty()) return std::nullopt;
  }
  uint64_t v = 0;
  const uint64_t limit = neg ? static_cast<uint64_t>(INT64_MAX) + 1 : INT64_MAX;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (limit - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}

class Reader {
 public:
  explicit Reader(std::string_view data, std::string* error) : data_(data), error_(error) {}

  size_t pos() const { return pos_; }

  Step ReadValue(Value* out, int depth) {
    if (depth > kMaxDepth) return Fail("Protocol error: reply nested too deeply");
    if (pos_ >= data_.size()) return Step::kNeedMore;
    char type = data_[pos_];
    std::string_view line;
    size_t line_start = pos_ + 1;
    Step s = ReadLine(line_start, &line);
    if (s != Step::kOk) return s;
    switch (type) {
      case '+':
        *out = Value{};
        out->type = Value::Type::kSimpleString;
        out->str.assign(line);
        return Step::kOk;
      case '-':
        *out = Value{};
        out->type = Value::Type::kError;
        out->str.assign(line);
        return Step::kOk;
      case ':': {
        auto n = ParseInteger(line);
        if (!n) return Fail("Protocol error: bad integer");
        *out = Value{};
        out->type = Value::Type::kInteger;
        out->integer = *n;
        return Step::kOk;
      }
      case '_':
        if (!line.empty()) return Fail("Protocol error: bad null");
        *out = Value{};
        return Step::kOk;
      case '#':
        if (line != "t" && line != "f") return Fail("Protocol error: bad boolean");
        *out = Value{};
        out->type = Value::Type::kBoolean;
        out->integer = line == "t" ? 1 : 0;
        return Step::kOk;
      case ',':
        return ReadDouble(line, out);
      case '(':
        return ReadBigNumber(line, out);
      case '$':
      case '!':
      case '=':
        return ReadBlob(type, line, out);
      case '*':
      case '%':
      case '~':
      case '>':
        return ReadAggregate(type, line, out, depth);
      case '|':
        return ReadAttribute(line, out, depth);
      default: {
        std::string msg = "Protocol error: unexpected reply type byte '";
        msg.push_back(type);
        msg.push_back('\'');
        return Fail(std::move(msg));
      }
    }
  }

 private:
  Step Fail(std::string msg) {
    *error_ = std::move(msg);
    return Step::kError;
  }

  // Reads up to CRLF starting at `start`; on kOk advances pos_ past it.
  Step ReadLine(size_t start, std::string_view* line) {
    size_t avail = data_.size() - start;
    const char* base = data_.data() + start;
    const char* cr = static_cast<const char*>(std::memchr(base, '\r', avail));
    if (cr == nullptr) {
      if (avail > kMaxLineLen) return Fail("Protocol error: line too long");
      return Step::kNeedMore;
    }
    size_t len = static_cast<size_t>(cr - base);
    if (len > kMaxLineLen) return Fail("Protocol error: line too long");
    if (len + 1 >= avail) return Step::kNeedMore;
    if (cr[1] != '\n') return Fail("Protocol error: expected LF after CR");
    *line = std::string_view(base, len);
    pos_ = start + len + 2;
    return Step::kOk;
  }

  Step ReadDouble(std::string_view line, Value* out) {
    if (line.empty() || line.size() > 512) return Fail("Protocol error: bad double");
    double d;
    if (line == "inf" || line == "+inf") {
      d = HUGE_VAL;
    } else if (line == "-inf") {
      d = -HUGE_VAL;
    } else if (line == "nan" || line == "-nan") {
      d = std::nan("");
    } else {
      std::string buf(line);
      char* end = nullptr;
      errno = 0;
      d = std::strtod(buf.c_str(), &end);
      if (end != buf.c_str() + buf.size() || std::isspace(static_cast<unsigned char>(buf[0]))) {
        return Fail("Protocol error: bad double");
      }
    }
    *out = Value{};
    out->type = Value::Type::kDouble;
    out->str.assign(line);
    out->dbl = d;
    return Step::kOk;
  }

  Step ReadBigNumber(std::string_view line, Value* out) {
    std::string_view digits = line;
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
    if (digits.empty()) return Fail("Protocol error: bad big number");
    for (char c : digits) {
      if (c < '0' || c > '9') return Fail("Protocol error: bad big number");
    }
    *out = Value{};
    out->type = Value::Type::kBigNumber;
    out->str.assign(line);
    return Step::kOk;
  }

  Step ReadBlob(char type, std::string_view line, Value* out) {
    auto n = ParseInteger(line);
    if (!n) return Fail("Protocol error: bad bulk length");
    if (*n == -1 && type == '$') {
      *out = Value{};  // RESP2 null bulk
      return Step::kOk;
    }
    if (*n < 0 || *n > kMaxBulkLen) return Fail("Protocol error: bad bulk length");
    size_t len = static_cast<size_t>(*n);
    if (data_.size() - pos_ < len + 2) return Step::kNeedMore;
    std::string_view payload = data_.substr(pos_, len);
    if (data_[pos_ + len] != '\r' || data_[pos_ + len + 1] != '\n') {
      return Fail("Protocol error: bulk not terminated by CRLF");
    }
    pos_ += len + 2;
    *out = Value{};
    if (type == '$') {
      out->type = Value::Type::kBulk;
      out->str.assign(payload);
    } else if (type == '!') {
      out->type = Value::Type::kError;
      out->str.assign(payload);
    } else {
      // "txt:..." / "mkd:...": Value keeps the text; the format is dropped.
      if (payload.size() < 4 || payload[3] != ':') return Fail("Protocol error: bad verbatim");
      out->type = Value::Type::kVerbatim;
      out->str.assign(payload.substr(4));
    }
    return Step::kOk;
  }

  Step ReadCount(std::string_view line, int64_t* n) {
    auto v = ParseInteger(line);
    if (!v || *v < -1 || *v > kMaxElements) return Fail("Protocol error: bad aggregate length");
    *n = *v;
    return Step::kOk;
  }

  Step ReadElements(int64_t count, std::vector<Value>* elems, int depth) {
    if (static_cast<int64_t>(data_.size() - pos_) / kMinElementSize < count) {
      return Step::kNeedMore;
    }
    elems->clear();
    elems->reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) {
      elems->emplace_back();
      Step s = ReadValue(&elems->back(), depth + 1);
      if (s != Step::kOk) return s;
    }
    return Step::kOk;
  }

  Step ReadAggregate(char type, std::string_view line, Value* out, int depth) {
    int64_t n;
    if (ReadCount(line, &n) != Step::kOk) return Step::kError;
    if (n == -1) {
      if (type != '*') return Fail("Protocol error: bad aggregate length");
      *out = Value{};  // RESP2 null array
      return Step::kOk;
    }
    Value v;
    switch (type) {
      case '%':
        v.type = Value::Type::kMap;
        break;
      case '~':
        v.type = Value::Type::kSet;
        break;
      case '>':
        v.type = Value::Type::kPush;
        break;
      default:
        v.type = Value::Type::kArray;
        break;
    }
    int64_t count = type == '%' ? n * 2 : n;
    Step s = ReadElements(count, &v.elems, depth);
    if (s != Step::kOk) return s;
    *out = std::move(v);
    return Step::kOk;
  }

  // RESP3 attributes ("|n" + n key/value pairs) annotate the reply that
  // follows; we have no use for them, so they are parsed and dropped.
  Step ReadAttribute(std::string_view line, Value* out, int depth) {
    int64_t n;
    if (ReadCount(line, &n) != Step::kOk) return Step::kError;
    if (n < 0) return Fail("Protocol error: bad attribute length");
    std::vector<Value> ignored;
    Step s = ReadElements(n * 2, &ignored, depth);
    if (s != Step::kOk) return s;
    return ReadValue(out, depth + 1);
  }

  std::string_view data_;
  std::string* error_;
  size_t pos_ = 0;
};

}  // namespace

ReplyStatus ReplyParser::Parse(std::string_view data, size_t* consumed, Value* out) {
  *consumed = 0;
  error_.clear();
  Reader reader(data, &error_);
  Value v;
  switch (reader.ReadValue(&v, 0)) {
    case Step::kOk:
      *consumed = reader.pos();
      *out = std::move(v);
      return ReplyStatus::kOk;
    case Step::kNeedMore:
      return ReplyStatus::kNeedMore;
    case Step::kError:
      break;
  }
  return ReplyStatus::kError;
}

}  // namespace vigil::resp

// Writer: appends RESP2/RESP3 replies to a caller-owned buffer. Integers and
// lengths go through std::to_chars into a stack buffer so the hot path (GET,
// SET, INCR replies) costs one or two appends and no allocation beyond the
// buffer's own growth.
#include "common/resp/writer.h"

#include <charconv>
#include <cmath>

#include "common/util/strings.h"

namespace vigil::resp {
namespace {

constexpr std::string_view kCrlf = "\r\n";

// True if `msg` opens with an error code such as "ERR ", "WRONGTYPE " or
// "NOAUTH ": one or more upper-case letters (digits and '_' allowed after
// the first) followed by a space.
bool HasErrorCode(std::string_view msg) {
  if (msg.empty() || msg[0] < 'A' || msg[0] > 'Z') return false;
  for (size_t i = 1; i < msg.size(); ++i) {
    char c = msg[i];
    if (c == ' ') return true;
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return false;
}

}  // namespace

void Writer::Prefixed(char prefix, int64_t n) {
  // 1 prefix + 20 digits + sign + CRLF fits comfortably.
  char buf[32];
  buf[0] = prefix;
  auto res = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  char* end = res.ptr;
  *end++ = '\r';
  *end++ = '\n';
  out_->append(buf, static_cast<size_t>(end - buf));
}

void Writer::SimpleString(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append(kCrlf);
}

void Writer::Error(std::string_view msg) {
  // A leading '-' means the caller already spelled the full error (Redis's
  // addReplyError convention); it is dropped, not doubled.
  bool coded = false;
  if (!msg.empty() && msg[0] == '-') {
    msg.remove_prefix(1);
    coded = true;
  }
  out_->push_back('-');
  if (!coded && !HasErrorCode(msg)) out_->append("ERR ");
  size_t start = out_->size();
  out_->append(msg);
  // A CR or LF inside the text would end the error early and desync the
  // client, so Redis turns them into spaces.
  for (size_t i = start; i < out_->size(); ++i) {
    char& c = (*out_)[i];
    if (c == '\r' || c == '\n') c = ' ';
  }
  out_->append(kCrlf);
}

void Writer::Integer(int64_t v) { Prefixed(':', v); }

void Writer::Bulk(std::string_view s) {
  out_->reserve(out_->size() + s.size() + 32);
  Prefixed('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append(kCrlf);
}

void Writer::Null() {
  if (protocol_ >= 3) {
    out_->append("_\r\n");
  } else {
    out_->append("$-1\r\n");
  }
}

void Writer::NullArray() {
  if (protocol_ >= 3) {
    out_->append("_\r\n");
  } else {
    out_->append("*-1\r\n");
  }
}

void Writer::ArrayHeader(int64_t n) { Prefixed('*', n); }

void Writer::MapHeader(int64_t n) {
  if (protocol_ >= 3) {
    Prefixed('%', n);
  } else {
    Prefixed('*', n * 2);
  }
}

void Writer::SetHeader(int64_t n) { Prefixed(protocol_ >= 3 ? '~' : '*', n); }

void Writer::PushHeader(int64_t n) { Prefixed(protocol_ >= 3 ? '>' : '*', n); }

void Writer::Double(double d) { DoubleText(FormatDouble(d)); }

void Writer::DoubleText(std::string_view text) {
  if (protocol_ >= 3) {
    out_->push_back(',');
    out_->append(text);
    out_->append(kCrlf);
  } else {
    Bulk(text);
  }
}

void Writer::Boolean(bool b) {
  if (protocol_ >= 3) {
    out_->append(b ? "#t\r\n" : "#f\r\n");
  } else {
    out_->append(b ? ":1\r\n" : ":0\r\n");
  }
}

void Writer::Verbatim(std::string_view s, std::string_view format) {
  if (protocol_ < 3) {
    Bulk(s);
    return;
  }
  // The format is always three characters in RESP3; pad or cut defensively
  // so a bad argument cannot corrupt the stream.
  char fmt[3] = {' ', ' ', ' '};
  for (size_t i = 0; i < 3 && i < format.size(); ++i) fmt[i] = format[i];
  Prefixed('=', static_cast<int64_t>(s.size() + 4));
  out_->append(fmt, 3);
  out_->push_back(':');
  out_->append(s);
  out_->append(kCrlf);
}

void Writer::BigNumber(std::string_view digits) {
  if (protocol_ < 3) {
    Bulk(digits);
    return;
  }
  out_->push_back('(');
  out_->append(digits);
  out_->append(kCrlf);
}

}  // namespace vigil::resp

// Reply encoder for RESP2 and RESP3. Handlers reply only through this class,
// never by formatting protocol by hand; the protocol version of the client
// decides how maps, sets, doubles, nulls and pushes are spelled.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::resp {

class Writer {
 public:
  explicit Writer(std::string* out, int protocol = 2) : out_(out), protocol_(protocol) {}

  int protocol() const { return protocol_; }
  void set_protocol(int p) { protocol_ = p; }
  std::string* buffer() { return out_; }

  void SimpleString(std::string_view s);  // +OK
  // `msg` without the leading '-'; if it does not start with an upper-case
  // error code word, "ERR " is prepended as Redis's addReplyError does.
  // CR/LF inside msg are replaced by spaces.
  void Error(std::string_view msg);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  void Null();       // RESP2 "$-1", RESP3 "_"
  void NullArray();  // RESP2 "*-1", RESP3 "_"
  void ArrayHeader(int64_t n);
  void MapHeader(int64_t n);   // n pairs; RESP2: "*<2n>"
  void SetHeader(int64_t n);   // RESP2: "*n"
  void PushHeader(int64_t n);  // RESP2: "*n"
  void Double(double d);       // RESP3 ",1.5"; RESP2 bulk "%.17g" (inf/-inf)
  // A double the caller formatted (e.g. Redis's "%.17Lf" trimmed), sent as Double.
  void DoubleText(std::string_view text);
  void Boolean(bool b);        // RESP3 "#t"; RESP2 ":1"/":0"
  // RESP3 verbatim string "=<len>\r\ntxt:..." ; RESP2 plain bulk.
  void Verbatim(std::string_view s, std::string_view format = "txt");
  void BigNumber(std::string_view digits);  // RESP3 "("; RESP2 bulk
  // Appends bytes that are already encoded (e.g. cached shared replies).
  void Raw(std::string_view bytes) { out_->append(bytes); }

  // Convenience: an array of bulk strings.
  template <typename Range>
  void BulkArray(const Range& items) {
    ArrayHeader(static_cast<int64_t>(std::size(items)));
    for (const auto& s : items) Bulk(s);
  }

 private:
  void Prefixed(char prefix, int64_t n);
  std::string* out_;
  int protocol_;
};

}  // namespace vigil::resp

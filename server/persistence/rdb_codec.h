// Reading and writing Redis's RDB format: the length and string encodings
// (integers, LZF), every value type Redis 1.x-7.0 writes (including the
// ziplist, listpack, intset and zipmap blobs, which are decoded here into
// plain element lists), opcodes, AUX fields and the CRC64 trailer.
//
// The codec knows nothing of vigil's in-memory encodings: values cross it as
// RdbValue (plain elements), and server/persistence/snapshot.cc converts.
// Every read is bounds-checked; a corrupt or truncated file yields an error
// naming the byte offset, never a crash or a silently partial load.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/util/status.h"

namespace vigil::server::rdb {

enum class Kind { kString, kList, kSet, kZSet, kHash };

struct Value {
  Kind kind = Kind::kString;
  std::string str;                                   // kString
  std::vector<std::string> items;                    // list / set members; hash: field, value, ...
  std::vector<std::pair<std::string, double>> zset;  // member, score
};

// ---- writing ----

// Buffers the encoded bytes, keeps the running CRC64 and hands full chunks to
// `flush` (a file, later a replica's socket).
class Encoder {
 public:
  using Flush = std::function<Status(std::string_view)>;
  Encoder(Flush flush, bool compress, bool checksum)
      : flush_(std::move(flush)), compress_(compress), checksum_(checksum) {}

  Status Header();  // "REDIS0010"
  Status Aux(std::string_view key, std::string_view value);
  Status SelectDb(uint64_t db);
  Status ResizeDb(uint64_t keys, uint64_t expires);
  Status Entry(std::string_view key, const Value& value, std::optional<int64_t> expire_ms);
  Status Eof();  // opcode, CRC64 (0 when checksums are off), final flush

  uint64_t bytes_written() const { return written_; }

 private:
  friend std::string EncodeDumpPayload(const Value& v, bool compress);
  static uint8_t TypeByte(Kind kind);
  // The value after its type byte and key.
  Status Body(const Value& v);
  void Byte(uint8_t b) { buf_.push_back(static_cast<char>(b)); }
  void Raw(std::string_view s) { buf_.append(s); }
  void Len(uint64_t len);
  void String(std::string_view s);
  void BinaryDouble(double d);
  Status MaybeFlush(bool force = false);

  Flush flush_;
  bool compress_;
  bool checksum_;
  std::string buf_;
  uint64_t crc_ = 0;
  uint64_t written_ = 0;
};

// ---- reading ----

// A byte source with the offset of the next byte (for error messages).
class Input {
 public:
  virtual ~Input() = default;
  // Reads exactly n bytes or fails (short read).
  virtual bool Read(void* dst, size_t n) = 0;
  uint64_t offset() const { return offset_; }

 protected:
  uint64_t offset_ = 0;
};

class StringInput : public Input {
 public:
  explicit StringInput(std::string_view data) : data_(data) {}
  bool Read(void* dst, size_t n) override;

 private:
  std::string_view data_;
};

class FileInput : public Input {
 public:
  explicit FileInput(std::FILE* f) : f_(f) {}
  bool Read(void* dst, size_t n) override;

 private:
  std::FILE* f_;
};

struct LoadCallbacks {
  std::function<void(std::string_view key, std::string_view value)> on_aux;
  std::function<void(uint64_t db)> on_select_db;
  std::function<void(uint64_t keys, uint64_t expires)> on_resize_db;
  // A key of the current db; expire_ms is absolute Unix ms.
  std::function<Status(std::string key, Value value, std::optional<int64_t> expire_ms)> on_entry;
};

// Loads a whole RDB stream, verifying the checksum when the file has one.
// Errors read "... at offset N".
Status Load(Input& in, const LoadCallbacks& cb);

// ---- DUMP / RESTORE ----

// The RDB version a DUMP payload carries (Redis 7.0's RDB_VERSION); RESTORE
// refuses newer ones.
inline constexpr unsigned kDumpRdbVersion = 10;

// What Redis's DUMP returns: the value as an RDB entry holds it (type byte,
// then the value; no key), the RDB version (2 bytes) and a CRC64 of all that
// (8 bytes), both little-endian.
std::string EncodeDumpPayload(const Value& v, bool compress);
// RESTORE's reading: the footer is checked as Redis's verifyDumpPayload
// ("DUMP payload version or checksum are wrong"), then the value is decoded
// ("Bad data format"); any RDB value type Redis writes is accepted.
StatusOr<Value> DecodeDumpPayload(std::string_view payload);

// Blob decoders, exposed for tests (ziplist, listpack, intset, zipmap as
// Redis lays them out in memory and in RDB).
StatusOr<std::vector<std::string>> DecodeListpack(std::string_view blob);
StatusOr<std::vector<std::string>> DecodeZiplist(std::string_view blob);
StatusOr<std::vector<std::string>> DecodeIntset(std::string_view blob);
StatusOr<std::vector<std::string>> DecodeZipmap(std::string_view blob);

}  // namespace vigil::server::rdb

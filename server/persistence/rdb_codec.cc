#include "server/persistence/rdb_codec.h"

#include <lzf.h>

#include <cmath>
#include <cstring>

#include "common/util/strings.h"
#include "server/persistence/crc64.h"
#include "server/persistence/rdb_format.h"

namespace vigil::server::rdb {
namespace {

constexpr size_t kFlushChunk = 64 * 1024;
// Strings are read in pieces of at most this size, so a corrupt length
// cannot make the loader allocate more than the input actually holds.
constexpr size_t kReadChunk = 1 << 20;

// The integer a string holds, if it round-trips exactly (Redis's
// string2ll-based test for the integer encodings).
std::optional<int64_t> CanonicalInt(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  return ParseInt64(s);
}

template <typename T>
T LoadLE(const unsigned char* p) {
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return static_cast<T>(v);
}

}  // namespace

// ---------------------------------------------------------------- writing

void Encoder::Len(uint64_t len) {
  if (len < (1 << 6)) {
    Byte(static_cast<uint8_t>(len));
  } else if (len < (1 << 14)) {
    Byte(static_cast<uint8_t>(((len >> 8) & 0x3f) | (kLen14Bit << 6)));
    Byte(static_cast<uint8_t>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    Byte(kLen32Bit);
    for (int i = 3; i >= 0; --i) Byte(static_cast<uint8_t>(len >> (8 * i)));
  } else {
    Byte(kLen64Bit);
    for (int i = 7; i >= 0; --i) Byte(static_cast<uint8_t>(len >> (8 * i)));
  }
}

void Encoder::String(std::string_view s) {
  // Small integers as 1/2/4-byte values, as Redis does.
  if (s.size() <= 11) {
    if (auto v = CanonicalInt(s)) {
      if (*v >= INT8_MIN && *v <= INT8_MAX) {
        Byte((kEncVal << 6) | kEncInt8);
        Byte(static_cast<uint8_t>(*v));
        return;
      }
      if (*v >= INT16_MIN && *v <= INT16_MAX) {
        Byte((kEncVal << 6) | kEncInt16);
        for (int i = 0; i < 2; ++i) Byte(static_cast<uint8_t>(static_cast<uint64_t>(*v) >> (8 * i)));
        return;
      }
      if (*v >= INT32_MIN && *v <= INT32_MAX) {
        Byte((kEncVal << 6) | kEncInt32);
        for (int i = 0; i < 4; ++i) Byte(static_cast<uint8_t>(static_cast<uint64_t>(*v) >> (8 * i)));
        return;
      }
    }
  }
  // LZF for strings over 20 bytes when it saves at least 4 bytes.
  if (compress_ && s.size() > 20) {
    std::string out(s.size() - 4, '\0');
    unsigned int n = lzf_compress(s.data(), static_cast<unsigned int>(s.size()), out.data(),
                                  static_cast<unsigned int>(out.size()));
    if (n > 0) {
      Byte((kEncVal << 6) | kEncLzf);
      Len(n);
      Len(s.size());
      Raw(std::string_view(out.data(), n));
      return;
    }
  }
  Len(s.size());
  Raw(s);
}

void Encoder::BinaryDouble(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  for (int i = 0; i < 8; ++i) Byte(static_cast<uint8_t>(bits >> (8 * i)));
}

Status Encoder::MaybeFlush(bool force) {
  if (buf_.empty() || (!force && buf_.size() < kFlushChunk)) return Status::Ok();
  if (checksum_) crc_ = Crc64(crc_, buf_.data(), buf_.size());
  written_ += buf_.size();
  Status st = flush_(buf_);
  buf_.clear();
  return st;
}

Status Encoder::Header() {
  char magic[16];
  std::snprintf(magic, sizeof magic, "REDIS%04d", kVersion);
  Raw(magic);
  return Status::Ok();
}

Status Encoder::Aux(std::string_view key, std::string_view value) {
  Byte(kOpAux);
  String(key);
  String(value);
  return MaybeFlush();
}

Status Encoder::SelectDb(uint64_t db) {
  Byte(kOpSelectDb);
  Len(db);
  return MaybeFlush();
}

Status Encoder::ResizeDb(uint64_t keys, uint64_t expires) {
  Byte(kOpResizeDb);
  Len(keys);
  Len(expires);
  return MaybeFlush();
}

// vigil writes the plain (non-blob) form of every type: any Redis since 2.x
// loads it and converts to its own compact encodings on the way in.
uint8_t Encoder::TypeByte(Kind kind) {
  switch (kind) {
    case Kind::kString: return kTypeString;
    case Kind::kList: return kTypeList;
    case Kind::kSet: return kTypeSet;
    case Kind::kHash: return kTypeHash;
    case Kind::kZSet: return kTypeZSet2;
  }
  return kTypeString;
}

Status Encoder::Body(const Value& v) {
  switch (v.kind) {
    case Kind::kString:
      String(v.str);
      break;
    case Kind::kList:
    case Kind::kSet:
    case Kind::kHash:
      Len(v.kind == Kind::kHash ? v.items.size() / 2 : v.items.size());
      for (const auto& e : v.items) {
        String(e);
        VIGIL_RETURN_IF_ERROR(MaybeFlush());
      }
      break;
    case Kind::kZSet:
      Len(v.zset.size());
      for (const auto& [member, score] : v.zset) {
        String(member);
        BinaryDouble(score);
        VIGIL_RETURN_IF_ERROR(MaybeFlush());
      }
      break;
  }
  return MaybeFlush();
}

Status Encoder::Entry(std::string_view key, const Value& v, std::optional<int64_t> expire_ms) {
  if (expire_ms) {
    Byte(kOpExpireTimeMs);
    for (int i = 0; i < 8; ++i) Byte(static_cast<uint8_t>(static_cast<uint64_t>(*expire_ms) >> (8 * i)));
  }
  Byte(TypeByte(v.kind));
  String(key);
  return Body(v);
}

std::string EncodeDumpPayload(const Value& v, bool compress) {
  std::string out;
  Encoder enc(
      [&](std::string_view bytes) {
        out.append(bytes);
        return Status::Ok();
      },
      compress, /*checksum=*/false);
  enc.Byte(Encoder::TypeByte(v.kind));
  (void)enc.Body(v);  // the sink cannot fail
  (void)enc.MaybeFlush(/*force=*/true);
  out.push_back(static_cast<char>(kDumpRdbVersion & 0xff));
  out.push_back(static_cast<char>(kDumpRdbVersion >> 8));
  const uint64_t crc = Crc64(0, out.data(), out.size());
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

Status Encoder::Eof() {
  Byte(kOpEof);
  VIGIL_RETURN_IF_ERROR(MaybeFlush(true));
  // The checksum covers everything before it.
  const uint64_t crc = checksum_ ? crc_ : 0;
  for (int i = 0; i < 8; ++i) Byte(static_cast<uint8_t>(crc >> (8 * i)));
  written_ += buf_.size();
  Status st = flush_(buf_);
  buf_.clear();
  return st;
}

// ---------------------------------------------------------------- inputs

bool StringInput::Read(void* dst, size_t n) {
  if (offset_ + n > data_.size()) return false;
  std::memcpy(dst, data_.data() + offset_, n);
  offset_ += n;
  return true;
}

bool FileInput::Read(void* dst, size_t n) {
  size_t got = std::fread(dst, 1, n, f_);
  offset_ += got;
  return got == n;
}

// ---------------------------------------------------------------- reading

namespace {

// Wraps an Input with the running checksum and Redis-worded errors.
class Reader {
 public:
  explicit Reader(Input& in) : in_(in) {}

  Status Fail(const std::string& what) const {
    return Status::Error(what + " at offset " + std::to_string(in_.offset()));
  }
  Status ShortRead() const { return Fail("Short read or corrupt RDB file (unexpected end of data)"); }

  bool Bytes(void* dst, size_t n) {
    if (!in_.Read(dst, n)) return false;
    if (checksum_on_) crc_ = Crc64(crc_, dst, n);
    return true;
  }
  StatusOr<uint8_t> Byte() {
    uint8_t b;
    if (!Bytes(&b, 1)) return ShortRead();
    return b;
  }

  // A length; *encoded is set for the special string encodings.
  StatusOr<uint64_t> Len(bool* encoded = nullptr) {
    if (encoded) *encoded = false;
    auto b = Byte();
    if (!b.ok()) return b.status();
    const uint8_t type = (*b & 0xc0) >> 6;
    if (type == kEncVal) {
      if (encoded == nullptr) return Fail("Unexpected encoded length");
      *encoded = true;
      return static_cast<uint64_t>(*b & 0x3f);
    }
    if (type == kLen6Bit) return static_cast<uint64_t>(*b & 0x3f);
    if (type == kLen14Bit) {
      auto b2 = Byte();
      if (!b2.ok()) return b2.status();
      return (static_cast<uint64_t>(*b & 0x3f) << 8) | *b2;
    }
    size_t n = *b == kLen32Bit ? 4 : *b == kLen64Bit ? 8 : 0;
    if (n == 0) return Fail("Unknown length encoding " + std::to_string(*b) + " in rdbLoadLen()");
    unsigned char buf[8];
    if (!Bytes(buf, n)) return ShortRead();
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | buf[i];
    return v;
  }

  StatusOr<std::string> String() {
    bool encoded;
    auto len = Len(&encoded);
    if (!len.ok()) return len.status();
    if (encoded) {
      unsigned char buf[4];
      switch (*len) {
        case kEncInt8:
          if (!Bytes(buf, 1)) return ShortRead();
          return std::to_string(static_cast<int8_t>(buf[0]));
        case kEncInt16:
          if (!Bytes(buf, 2)) return ShortRead();
          return std::to_string(LoadLE<int16_t>(buf));
        case kEncInt32:
          if (!Bytes(buf, 4)) return ShortRead();
          return std::to_string(LoadLE<int32_t>(buf));
        case kEncLzf: return Lzf();
        default: return Fail("Unknown RDB string encoding type " + std::to_string(*len));
      }
    }
    return RawBytes(*len);
  }

  StatusOr<std::string> RawBytes(uint64_t len) {
    std::string out;
    while (out.size() < len) {
      size_t piece = static_cast<size_t>(std::min<uint64_t>(len - out.size(), kReadChunk));
      size_t at = out.size();
      out.resize(at + piece);
      if (!Bytes(out.data() + at, piece)) return ShortRead();
    }
    return out;
  }

  StatusOr<std::string> Lzf() {
    auto clen = Len();
    if (!clen.ok()) return clen.status();
    auto len = Len();
    if (!len.ok()) return len.status();
    auto packed = RawBytes(*clen);
    if (!packed.ok()) return packed.status();
    // An LZF block expands at most ~ 8x per input byte pair; a claimed length
    // beyond that is corruption, not something to allocate.
    if (*len > 0 && (*len > 1ULL << 32 || *len > *clen * 300ULL + 64)) return Fail("Invalid LZF compressed string");
    std::string out(static_cast<size_t>(*len), '\0');
    unsigned int n = lzf_decompress(packed->data(), static_cast<unsigned int>(packed->size()),
                                    out.data(), static_cast<unsigned int>(out.size()));
    if (n != *len) return Fail("Invalid LZF compressed string");
    return out;
  }

  // RDB_TYPE_ZSET's textual score: 253 nan, 254 +inf, 255 -inf, else len+text.
  StatusOr<double> TextDouble() {
    auto b = Byte();
    if (!b.ok()) return b.status();
    if (*b == 253) return std::nan("");
    if (*b == 254) return HUGE_VAL;
    if (*b == 255) return -HUGE_VAL;
    char buf[256];
    if (!Bytes(buf, *b)) return ShortRead();
    buf[*b] = '\0';
    char* end;
    double d = std::strtod(buf, &end);
    if (end != buf + *b) return Fail("Invalid double value");
    return d;
  }

  StatusOr<double> BinaryDouble() {
    unsigned char buf[8];
    if (!Bytes(buf, 8)) return ShortRead();
    uint64_t bits = LoadLE<uint64_t>(buf);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }

  uint64_t offset() const { return in_.offset(); }
  uint64_t crc() const { return crc_; }
  void set_checksum(bool on) { checksum_on_ = on; }

 private:
  Input& in_;
  uint64_t crc_ = 0;
  bool checksum_on_ = true;
};

#define VIGIL_ASSIGN_OR_RETURN(lhs, expr) \
  auto lhs##_or = (expr);                 \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = std::move(*lhs##_or)

Status BlobError(Reader& r, const Status& st) { return r.Fail(st.message()); }

// Reads `count` strings into items.
Status ReadStrings(Reader& r, uint64_t count, std::vector<std::string>* items) {
  for (uint64_t i = 0; i < count; ++i) {
    VIGIL_ASSIGN_OR_RETURN(s, r.String());
    items->push_back(std::move(s));
  }
  return Status::Ok();
}

// Turns field/score pairs of a ziplist or listpack zset into Value::zset.
Status PairsToZset(Reader& r, const std::vector<std::string>& flat, Value* v) {
  if (flat.size() % 2) return r.Fail("Zset listpack has an odd number of entries");
  for (size_t i = 0; i < flat.size(); i += 2) {
    auto d = ParseDouble(flat[i + 1]);
    if (!d) return r.Fail("Zset listpack holds an invalid score");
    v->zset.emplace_back(flat[i], *d);
  }
  return Status::Ok();
}

StatusOr<Value> ReadValue(Reader& r, uint8_t type) {
  Value v;
  switch (type) {
    case kTypeString: {
      VIGIL_ASSIGN_OR_RETURN(s, r.String());
      v.str = std::move(s);
      return v;
    }
    case kTypeList:
    case kTypeSet: {
      v.kind = type == kTypeList ? Kind::kList : Kind::kSet;
      VIGIL_ASSIGN_OR_RETURN(n, r.Len());
      VIGIL_RETURN_IF_ERROR(ReadStrings(r, n, &v.items));
      return v;
    }
    case kTypeHash: {
      v.kind = Kind::kHash;
      VIGIL_ASSIGN_OR_RETURN(n, r.Len());
      if (n > UINT64_MAX / 2) return r.Fail("Hash length out of range");
      VIGIL_RETURN_IF_ERROR(ReadStrings(r, n * 2, &v.items));
      return v;
    }
    case kTypeZSet:
    case kTypeZSet2: {
      v.kind = Kind::kZSet;
      VIGIL_ASSIGN_OR_RETURN(n, r.Len());
      for (uint64_t i = 0; i < n; ++i) {
        VIGIL_ASSIGN_OR_RETURN(member, r.String());
        auto score = type == kTypeZSet2 ? r.BinaryDouble() : r.TextDouble();
        if (!score.ok()) return score.status();
        if (std::isnan(*score)) return r.Fail("Zset with NAN score detected");
        v.zset.emplace_back(std::move(member), *score);
      }
      return v;
    }
    case kTypeListQuicklist:
    case kTypeListQuicklist2: {
      v.kind = Kind::kList;
      VIGIL_ASSIGN_OR_RETURN(nodes, r.Len());
      for (uint64_t i = 0; i < nodes; ++i) {
        uint64_t container = kQuicklistNodePacked;
        if (type == kTypeListQuicklist2) {
          VIGIL_ASSIGN_OR_RETURN(c, r.Len());
          container = c;
          if (c != kQuicklistNodePlain && c != kQuicklistNodePacked)
            return r.Fail("Quicklist integrity check failed");
        }
        VIGIL_ASSIGN_OR_RETURN(blob, r.String());
        if (container == kQuicklistNodePlain) {
          v.items.push_back(std::move(blob));
          continue;
        }
        auto items = type == kTypeListQuicklist2 ? DecodeListpack(blob) : DecodeZiplist(blob);
        if (!items.ok()) return BlobError(r, items.status());
        for (auto& e : *items) v.items.push_back(std::move(e));
      }
      return v;
    }
    case kTypeListZiplist:
    case kTypeSetIntset:
    case kTypeZSetZiplist:
    case kTypeHashZiplist:
    case kTypeHashZipmap:
    case kTypeHashListpack:
    case kTypeZSetListpack: {
      VIGIL_ASSIGN_OR_RETURN(blob, r.String());
      StatusOr<std::vector<std::string>> items =
          type == kTypeSetIntset                                       ? DecodeIntset(blob)
          : type == kTypeHashZipmap                                    ? DecodeZipmap(blob)
          : (type == kTypeHashListpack || type == kTypeZSetListpack) ? DecodeListpack(blob)
                                                                       : DecodeZiplist(blob);
      if (!items.ok()) return BlobError(r, items.status());
      if (type == kTypeListZiplist) {
        v.kind = Kind::kList;
        v.items = std::move(*items);
      } else if (type == kTypeSetIntset) {
        v.kind = Kind::kSet;
        v.items = std::move(*items);
      } else if (type == kTypeZSetZiplist || type == kTypeZSetListpack) {
        v.kind = Kind::kZSet;
        VIGIL_RETURN_IF_ERROR(PairsToZset(r, *items, &v));
      } else {
        v.kind = Kind::kHash;
        if (items->size() % 2) return r.Fail("Hash ziplist/listpack has an odd number of entries");
        v.items = std::move(*items);
      }
      return v;
    }
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2:
      return r.Fail("Streams are not supported by vigil (RDB type " + std::to_string(type) + ")");
    case kTypeModule:
    case kTypeModule2:
      return r.Fail("Module values are not supported by vigil (RDB type " + std::to_string(type) + ")");
    default:
      return r.Fail("Unknown RDB encoding type " + std::to_string(type));
  }
}

}  // namespace

Status Load(Input& in, const LoadCallbacks& cb) {
  Reader r(in);
  char magic[9];
  if (!r.Bytes(magic, 9)) return r.ShortRead();
  if (std::memcmp(magic, "REDIS", 5) != 0)
    return Status::Error("Wrong signature trying to load DB from file");
  int version = 0;
  for (int i = 5; i < 9; ++i) {
    if (magic[i] < '0' || magic[i] > '9') return Status::Error("Wrong signature trying to load DB from file");
    version = version * 10 + (magic[i] - '0');
  }
  if (version < kMinReadVersion || version > kVersion)
    return Status::Error("Can't handle RDB format version " + std::to_string(version));

  std::optional<int64_t> expire;
  for (;;) {
    VIGIL_ASSIGN_OR_RETURN(op, r.Byte());
    switch (op) {
      case kOpExpireTime: {
        unsigned char b[4];
        if (!r.Bytes(b, 4)) return r.ShortRead();
        expire = static_cast<int64_t>(LoadLE<int32_t>(b)) * 1000;
        continue;
      }
      case kOpExpireTimeMs: {
        unsigned char b[8];
        if (!r.Bytes(b, 8)) return r.ShortRead();
        expire = LoadLE<int64_t>(b);
        continue;
      }
      case kOpFreq: {
        VIGIL_ASSIGN_OR_RETURN(freq, r.Byte());
        (void)freq;
        continue;
      }
      case kOpIdle: {
        VIGIL_ASSIGN_OR_RETURN(idle, r.Len());
        (void)idle;
        continue;
      }
      case kOpEof: {
        if (version >= 5) {
          const uint64_t expected = r.crc();
          r.set_checksum(false);
          unsigned char b[8];
          if (!r.Bytes(b, 8)) return r.ShortRead();
          const uint64_t stored = LoadLE<uint64_t>(b);
          // A zero checksum means the writer had rdbchecksum off.
          if (stored != 0 && stored != expected) {
            char msg[128];
            std::snprintf(msg, sizeof msg, "Wrong RDB checksum expected: (%llx) got (%llx)",
                          static_cast<unsigned long long>(stored),
                          static_cast<unsigned long long>(expected));
            return Status::Error(msg);
          }
        }
        return Status::Ok();
      }
      case kOpSelectDb: {
        VIGIL_ASSIGN_OR_RETURN(db, r.Len());
        if (cb.on_select_db) cb.on_select_db(db);
        continue;
      }
      case kOpResizeDb: {
        VIGIL_ASSIGN_OR_RETURN(keys, r.Len());
        VIGIL_ASSIGN_OR_RETURN(expires, r.Len());
        if (cb.on_resize_db) cb.on_resize_db(keys, expires);
        continue;
      }
      case kOpAux: {
        VIGIL_ASSIGN_OR_RETURN(k, r.String());
        VIGIL_ASSIGN_OR_RETURN(v, r.String());
        if (cb.on_aux) cb.on_aux(k, v);
        continue;
      }
      case kOpModuleAux:
        return r.Fail("Module auxiliary data is not supported by vigil");
      case kOpFunction:
      case kOpFunction2:
        return r.Fail("Functions are not supported by vigil");
      default: {
        VIGIL_ASSIGN_OR_RETURN(key, r.String());
        VIGIL_ASSIGN_OR_RETURN(value, ReadValue(r, op));
        if (cb.on_entry) VIGIL_RETURN_IF_ERROR(cb.on_entry(std::move(key), std::move(value), expire));
        expire.reset();
      }
    }
  }
}

#undef VIGIL_ASSIGN_OR_RETURN

StatusOr<Value> DecodeDumpPayload(std::string_view payload) {
  const Status bad_footer = Status::Error("DUMP payload version or checksum are wrong");
  if (payload.size() < 10) return bad_footer;
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(payload[i]); };
  const size_t footer = payload.size() - 10;
  const unsigned version = byte(footer) | (unsigned{byte(footer + 1)} << 8);
  if (version > kDumpRdbVersion) return bad_footer;
  uint64_t stored = 0;
  for (int i = 7; i >= 0; --i) stored = (stored << 8) | byte(footer + 2 + static_cast<size_t>(i));
  if (Crc64(0, payload.data(), payload.size() - 8) != stored) return bad_footer;
  StringInput in(payload.substr(0, footer));
  Reader r(in);
  auto type = r.Byte();
  if (!type.ok()) return Status::Error("Bad data format");
  auto value = ReadValue(r, *type);
  if (!value.ok()) return Status::Error("Bad data format");
  return value;
}

}  // namespace vigil::server::rdb

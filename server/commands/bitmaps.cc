// Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO,
// on string values (the bit logic is in server/types/bitops.h). Checks run in
// Redis 7.0's order, so the same bad command gets the same error.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/command_table.h"
#include "server/connection.h"
#include "server/db/database.h"
#include "server/errors.h"
#include "server/server.h"
#include "server/types/bitops.h"

namespace vigil::server {
namespace {

constexpr std::string_view kBadOffset = "ERR bit offset is not an integer or out of range";
constexpr std::string_view kBadBitValue = "ERR bit is not an integer or out of range";
constexpr std::string_view kBadFieldType =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.";

// Redis's getBitOffsetFromArgument: a bit offset or, when `field_bits` > 0,
// also "#n", the n-th field of that width. An offset whose byte would lie
// past proto-max-bulk-len is refused, except from our master or the AOF
// (Client::must_obey: the writer's limit may have been higher, and a replica
// or a reload must not diverge). nullopt after the error reply.
std::optional<uint64_t> ParseBitOffset(CommandContext& ctx, std::string_view arg,
                                       unsigned field_bits = 0) {
  const bool nth_field = field_bits > 0 && !arg.empty() && arg[0] == '#';
  auto v = ParseInt64(nth_field ? arg.substr(1) : arg);
  if (v && nth_field) {
    // Redis's signed product wraps on overflow; the unsigned one does the same, defined.
    v = static_cast<int64_t>(static_cast<uint64_t>(*v) * field_bits);
  }
  const bool too_far = v && (*v >> 3) >= ctx.server.config().proto_max_bulk_len;
  if (!v || *v < 0 || (too_far && !ctx.client.must_obey())) {
    ctx.reply.Error(kBadOffset);
    return std::nullopt;
  }
  return static_cast<uint64_t>(*v);
}

// Looks the key (argv[1]) up for reading, counted in keyspace hits/misses as
// GET. False after a WRONGTYPE reply; otherwise *out is the value or nullptr.
bool LookupBitsRead(CommandContext& ctx, const Object** out) {
  const Object* o = ctx.LookupRead(ctx.args[1]);
  if (o && o->type() != ObjType::kString) {
    ctx.reply.Error(errors::kWrongType);
    return false;
  }
  *out = o;
  return true;
}

// A string value opened for writing bits.
struct BitTarget {
  char* data = nullptr;  // nullptr after a WRONGTYPE reply
  size_t size = 0;
  bool grew = false;  // created or lengthened
  std::string_view view() const { return {data, size}; }
};

// Redis's lookupStringForBitCommand: the string at argv[1], created or
// zero-padded so that bit `max_bit` exists. Not a counted read lookup.
BitTarget LookupBitsWrite(CommandContext& ctx, uint64_t max_bit) {
  const std::string& key = ctx.args[1];
  const size_t len = static_cast<size_t>(max_bit >> 3) + 1;
  Object* o = ctx.db().Lookup(key, UnixMs());
  BitTarget t;
  if (o && o->type() != ObjType::kString) {
    ctx.reply.Error(errors::kWrongType);
    return t;
  }
  size_t old_size = 0;
  if (o) {
    old_size = o->str().size();
  } else {
    // Exactly `len` bytes, as Redis's sdsnewlen: no room to grow yet.
    o = &ctx.db().Set(key, Object(std::string(len, '\0'), UnixMs()));
  }
  t.data = o->ResizeStrAtLeast(len);
  t.size = o->str().size();
  t.grew = t.size != old_size;
  // Redis unshares the value into a raw sds even when no bit changes.
  o->str_enc = Object::kRaw;
  return t;
}

void BitsChanged(CommandContext& ctx) {
  ctx.KeyModified(ctx.args[1]);
  ctx.Notify(kNotifyString, "setbit", ctx.args[1]);
}

// SETBIT key offset 0|1: replies the bit's old value.
void CmdSetBit(CommandContext& ctx) {
  auto offset = ParseBitOffset(ctx, ctx.args[2]);
  if (!offset) return;
  auto on = ParseInt64(ctx.args[3]);
  if (!on || (*on != 0 && *on != 1)) return ctx.reply.Error(kBadBitValue);
  BitTarget t = LookupBitsWrite(ctx, *offset);
  if (!t.data) return;
  const bool old = bitops::GetBit(t.view(), *offset);
  // As Redis 7.0: an unchanged bit in a string that did not grow is no write.
  if (t.grew || old != (*on == 1)) {
    bitops::SetBit(t.data, *offset, *on == 1);
    BitsChanged(ctx);
  }
  ctx.reply.Integer(old ? 1 : 0);
}

void CmdGetBit(CommandContext& ctx) {
  auto offset = ParseBitOffset(ctx, ctx.args[2]);
  if (!offset) return;
  const Object* o;
  if (!LookupBitsRead(ctx, &o)) return;
  ctx.reply.Integer(o && bitops::GetBit(o->str(), *offset) ? 1 : 0);
}

// A BITCOUNT / BITPOS index; false after the error reply.
bool ParseIndex(CommandContext& ctx, std::string_view arg, int64_t* out) {
  auto v = ParseInt64(arg);
  if (!v) {
    ctx.reply.Error(errors::kNotInteger);
    return false;
  }
  *out = *v;
  return true;
}

// The optional BYTE|BIT unit of BITCOUNT / BITPOS; false after a syntax error.
bool ParseRangeUnit(CommandContext& ctx, std::string_view arg, bool* in_bits) {
  if (EqualsIgnoreCase(arg, "bit") || EqualsIgnoreCase(arg, "byte")) {
    *in_bits = EqualsIgnoreCase(arg, "bit");
    return true;
  }
  ctx.reply.Error(errors::kSyntax);
  return false;
}

// BITCOUNT / BITPOS ranges: `start` and `end` count bytes or bits (`in_bits`)
// of a `len`-byte string, negative ones from the end, clamped as Redis does,
// into an inclusive bit range [*first, *last]. False when it is empty.
bool ResolveBitRange(size_t len, int64_t start, int64_t end, bool in_bits, uint64_t* first,
                     uint64_t* last) {
  const auto total = static_cast<int64_t>(in_bits ? len * 8 : len);
  if (start < 0) start += total;
  if (end < 0) end += total;
  start = std::max<int64_t>(start, 0);
  end = std::min(std::max<int64_t>(end, 0), total - 1);
  if (start > end) return false;
  *first = static_cast<uint64_t>(in_bits ? start : start * 8);
  *last = static_cast<uint64_t>(in_bits ? end : end * 8 + 7);
  return true;
}

// BITCOUNT key [start end [BYTE|BIT]]
void CmdBitCount(CommandContext& ctx) {
  const Object* o;
  if (!LookupBitsRead(ctx, &o)) return;
  // Redis 7.0 answers 0 for a missing key before it looks at the range.
  if (!o) return ctx.reply.Integer(0);
  const std::string_view s = o->str();
  if (ctx.argc() == 2) return ctx.reply.Integer(static_cast<int64_t>(bitops::PopCount(s)));
  if (ctx.argc() != 4 && ctx.argc() != 5) return ctx.reply.Error(errors::kSyntax);
  int64_t start, end;
  if (!ParseIndex(ctx, ctx.args[2], &start) || !ParseIndex(ctx, ctx.args[3], &end)) return;
  bool in_bits = false;
  if (ctx.argc() == 5 && !ParseRangeUnit(ctx, ctx.args[4], &in_bits)) return;
  // Both from the end and crossed: empty before clamping could make it one byte.
  if (start < 0 && end < 0 && start > end) return ctx.reply.Integer(0);
  uint64_t first, last;
  if (!ResolveBitRange(s.size(), start, end, in_bits, &first, &last)) {
    return ctx.reply.Integer(0);
  }
  ctx.reply.Integer(static_cast<int64_t>(bitops::CountBits(s, first, last)));
}

// BITPOS key 0|1 [start [end [BYTE|BIT]]]
void CmdBitPos(CommandContext& ctx) {
  auto bit = ParseInt64(ctx.args[2]);
  if (!bit) return ctx.reply.Error(errors::kNotInteger);
  if (*bit != 0 && *bit != 1) return ctx.reply.Error("ERR The bit argument must be 1 or 0.");
  const Object* o;
  if (!LookupBitsRead(ctx, &o)) return;
  // A missing key is an endless run of zeros.
  if (!o) return ctx.reply.Integer(*bit ? -1 : 0);
  if (ctx.argc() > 6) return ctx.reply.Error(errors::kSyntax);
  const std::string_view s = o->str();
  int64_t start = 0, end = -1;
  bool in_bits = false;
  const bool end_given = ctx.argc() >= 5;
  // Redis's order: start, then the unit, then end.
  if (ctx.argc() >= 4 && !ParseIndex(ctx, ctx.args[3], &start)) return;
  if (ctx.argc() == 6 && !ParseRangeUnit(ctx, ctx.args[5], &in_bits)) return;
  if (end_given && !ParseIndex(ctx, ctx.args[4], &end)) return;
  uint64_t first, last;
  if (!ResolveBitRange(s.size(), start, end, in_bits, &first, &last)) {
    return ctx.reply.Integer(-1);
  }
  int64_t pos = bitops::FindBit(s, *bit == 1, first, last);
  // Without an explicit end the string counts as zero-padded on the right:
  // the first clear bit is then the one just past it.
  if (pos < 0 && *bit == 0 && !end_given) pos = static_cast<int64_t>(s.size() * 8);
  ctx.reply.Integer(pos);
}

// BITOP AND|OR|XOR|NOT destkey key [key ...]: replies the result's length;
// an empty result deletes destkey.
void CmdBitOp(CommandContext& ctx) {
  const std::string& name = ctx.args[1];
  bitops::BitOp op;
  if (EqualsIgnoreCase(name, "and")) {
    op = bitops::BitOp::kAnd;
  } else if (EqualsIgnoreCase(name, "or")) {
    op = bitops::BitOp::kOr;
  } else if (EqualsIgnoreCase(name, "xor")) {
    op = bitops::BitOp::kXor;
  } else if (EqualsIgnoreCase(name, "not")) {
    op = bitops::BitOp::kNot;
  } else {
    return ctx.reply.Error(errors::kSyntax);
  }
  if (op == bitops::BitOp::kNot && ctx.argc() != 4) {
    return ctx.reply.Error("ERR BITOP NOT must be called with a single source key.");
  }
  std::vector<std::string_view> sources;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    const Object* o = ctx.LookupRead(ctx.args[i]);
    if (o && o->type() != ObjType::kString) return ctx.reply.Error(errors::kWrongType);
    sources.push_back(o ? o->str() : std::string_view());
  }
  const std::string& dest = ctx.args[2];
  // The result is as long as the longest source (a view that may die with dest).
  const std::string_view longest = sources[bitops::LongestSource(sources)];
  const size_t len = longest.size();
  if (len > 0) {
    // One exact-size buffer: a copy of the longest source, combined in place.
    Object result(longest, UnixMs());
    bitops::CombineInPlace(op, sources, result.ResizeStrAtLeast(len));
    // A new raw string that replaces the key and its TTL (Redis's setKey).
    result.str_enc = Object::kRaw;
    ctx.db().Set(dest, std::move(result));
    ctx.KeyModified(dest);
    ctx.Notify(kNotifyString, "set", dest);
  } else if (ctx.db().Delete(dest)) {
    ctx.KeyModified(dest);
    ctx.Notify(kNotifyGeneric, "del", dest);
  }
  ctx.reply.Integer(static_cast<int64_t>(len));
}

enum class FieldOpKind { kGet, kSet, kIncrBy };

struct FieldOp {
  FieldOpKind kind;
  bitops::FieldType type;
  uint64_t offset;
  int64_t arg;  // SET's value, INCRBY's increment
  bitops::Overflow overflow;
};

// BITFIELD's GET / SET / INCRBY / OVERFLOW list, checked in Redis's order;
// false after the error reply.
bool ParseFieldOps(CommandContext& ctx, std::vector<FieldOp>* ops) {
  const auto& a = ctx.args;
  auto overflow = bitops::Overflow::kWrap;
  for (size_t j = 2; j < a.size(); ++j) {
    const size_t more = a.size() - j - 1;
    FieldOpKind kind;
    if (EqualsIgnoreCase(a[j], "get") && more >= 2) {
      kind = FieldOpKind::kGet;
    } else if (EqualsIgnoreCase(a[j], "set") && more >= 3) {
      kind = FieldOpKind::kSet;
    } else if (EqualsIgnoreCase(a[j], "incrby") && more >= 3) {
      kind = FieldOpKind::kIncrBy;
    } else if (EqualsIgnoreCase(a[j], "overflow") && more >= 1) {
      const std::string& mode = a[++j];
      if (EqualsIgnoreCase(mode, "wrap")) {
        overflow = bitops::Overflow::kWrap;
      } else if (EqualsIgnoreCase(mode, "sat")) {
        overflow = bitops::Overflow::kSat;
      } else if (EqualsIgnoreCase(mode, "fail")) {
        overflow = bitops::Overflow::kFail;
      } else {
        ctx.reply.Error("ERR Invalid OVERFLOW type specified");
        return false;
      }
      continue;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
    auto type = bitops::ParseFieldType(a[j + 1]);
    if (!type) {
      ctx.reply.Error(kBadFieldType);
      return false;
    }
    auto offset = ParseBitOffset(ctx, a[j + 2], type->bits);
    if (!offset) return false;
    int64_t arg = 0;
    if (kind != FieldOpKind::kGet) {
      auto v = ParseInt64(a[j + 3]);
      if (!v) {
        ctx.reply.Error(errors::kNotInteger);
        return false;
      }
      arg = *v;
    }
    ops->push_back({kind, *type, *offset, arg, overflow});
    j += kind == FieldOpKind::kGet ? 2 : 3;
  }
  return true;
}

// Runs SET / INCRBY (and GET) on a value opened for writing, replying each
// result: SET the old value, INCRBY the new one, nil when OVERFLOW FAIL
// refuses. True when some field changed or the string grew.
bool ApplyFieldOps(CommandContext& ctx, const std::vector<FieldOp>& ops, const BitTarget& t) {
  bool changed = false;
  for (const FieldOp& op : ops) {
    const int64_t old = bitops::GetField(t.view(), op.offset, op.type);
    if (op.kind == FieldOpKind::kGet) {
      ctx.reply.Integer(old);
      continue;
    }
    const bool is_set = op.kind == FieldOpKind::kSet;
    auto stored = is_set ? bitops::FitField(op.type, op.arg, 0, op.overflow)
                         : bitops::FitField(op.type, old, op.arg, op.overflow);
    if (!stored) {
      ctx.reply.Null();
      continue;
    }
    ctx.reply.Integer(is_set ? old : *stored);
    bitops::SetField(t.data, op.offset, op.type, *stored);
    changed = changed || t.grew || old != *stored;
  }
  return changed;
}

// BITFIELD and BITFIELD_RO (`read_only`: GET only).
void BitField(CommandContext& ctx, bool read_only) {
  std::vector<FieldOp> ops;
  if (!ParseFieldOps(ctx, &ops)) return;
  uint64_t max_bit = 0;
  bool writes = false;
  for (const FieldOp& op : ops) {
    if (op.kind == FieldOpKind::kGet) continue;
    writes = true;
    max_bit = std::max(max_bit, op.offset + op.type.bits - 1);
  }
  if (!writes) {
    const Object* o;
    if (!LookupBitsRead(ctx, &o)) return;
    const std::string_view s = o ? o->str() : std::string_view();
    ctx.reply.ArrayHeader(static_cast<int64_t>(ops.size()));
    for (const FieldOp& op : ops) ctx.reply.Integer(bitops::GetField(s, op.offset, op.type));
    return;
  }
  if (read_only) return ctx.reply.Error("ERR BITFIELD_RO only supports the GET subcommand");
  // As Redis, the key is created (and padded) even if every write then fails.
  BitTarget t = LookupBitsWrite(ctx, max_bit);
  if (!t.data) return;
  ctx.reply.ArrayHeader(static_cast<int64_t>(ops.size()));
  if (ApplyFieldOps(ctx, ops, t)) BitsChanged(ctx);
}

void CmdBitField(CommandContext& ctx) { BitField(ctx, false); }
void CmdBitFieldRo(CommandContext& ctx) { BitField(ctx, true); }

}  // namespace

void RegisterBitmapCommands(CommandTable& t) {
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
  t.Add({"setbit", 4, kW, 1, 1, 1, &CmdSetBit})
      .Add({"getbit", 3, kCmdReadOnly | kCmdFast, 1, 1, 1, &CmdGetBit})
      .Add({"bitcount", -2, kCmdReadOnly, 1, 1, 1, &CmdBitCount})
      .Add({"bitpos", -3, kCmdReadOnly, 1, 1, 1, &CmdBitPos})
      .Add({"bitop", -4, kW, 2, -1, 1, &CmdBitOp})
      .Add({"bitfield", -2, kW, 1, 1, 1, &CmdBitField})
      .Add({"bitfield_ro", -2, kCmdReadOnly | kCmdFast, 1, 1, 1, &CmdBitFieldRo});
}

}  // namespace vigil::server

// HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST. An HLL is a
// plain string in Redis's format (server/types/hyperloglog.h), so GET, SET,
// RDB and replication carry it unchanged.
#include "server/types/hyperloglog.h"

#include <cstdint>
#include <string>
#include <string_view>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/command_table.h"
#include "server/db/database.h"
#include "server/errors.h"
#include "server/server.h"

namespace vigil::server {
namespace {

size_t SparseMaxBytes(CommandContext& ctx) {
  return static_cast<size_t>(ctx.server.config().hll_sparse_max_bytes);
}

// Redis's isHLLObjectOrReply: false after the error reply when `o` is not
// a string, or a string that is not shaped like an HLL.
bool IsHllOrReply(CommandContext& ctx, const Object& o) {
  if (o.type() != ObjType::kString) {
    ctx.reply.Error(errors::kWrongType);
    return false;
  }
  if (!hll::LooksValid(o.str())) {
    ctx.reply.Error(hll::kNotHllErr);
    return false;
  }
  return true;
}

// An existing HLL about to be read or edited: Redis unshares the value
// (dbUnshareStringValue), which leaves it "raw" for OBJECT ENCODING.
Object* LookupHll(CommandContext& ctx, std::string_view key, bool read, bool* failed) {
  Object* o = read ? ctx.LookupRead(key) : ctx.db().Lookup(key, UnixMs());
  *failed = o != nullptr && !IsHllOrReply(ctx, *o);
  if (*failed) return nullptr;
  if (o) o->str_enc = Object::kRaw;
  return o;
}

// Writes an edited HLL back: into `o` in place (TTL kept), or as a new key.
void StoreHll(CommandContext& ctx, std::string_view key, Object* o, const std::string& value) {
  if (o) {
    o->SetStr(value);
  } else {
    o = &ctx.db().Set(key, Object(value, UnixMs()));
  }
  o->str_enc = Object::kRaw;
}

// PFADD / PFMERGE report a change the same way (Redis sends "pfadd" for both).
void ReportAdded(CommandContext& ctx, std::string_view key) {
  ctx.KeyModified(key);
  ctx.Notify(kNotifyString, "pfadd", key);
}

// The union of the HLLs at every key argument (missing ones count as empty);
// `any_dense` is set if one of them is dense. False after the error reply.
bool MergeKeys(CommandContext& ctx, hll::RawRegisters& max, bool* any_dense) {
  max.fill(0);
  *any_dense = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    bool failed;
    Object* o = LookupHll(ctx, ctx.args[i], /*read=*/true, &failed);
    if (failed) return false;
    if (!o) continue;
    if (hll::EncodingOf(o->str()) == hll::kDense) *any_dense = true;
    if (!hll::MergeInto(max, o->str())) {
      ctx.reply.Error(hll::kInvalidErr);
      return false;
    }
  }
  return true;
}

// PFADD key [element ...]
void CmdPfAdd(CommandContext& ctx) {
  const std::string& key = ctx.args[1];
  bool failed;
  Object* o = LookupHll(ctx, key, /*read=*/false, &failed);
  if (failed) return;
  std::string value = o ? std::string(o->str()) : hll::CreateEmpty();
  int64_t updated = o ? 0 : 1;  // creating the key counts as a change
  for (size_t i = 2; i < ctx.argc(); ++i) {
    int r = hll::Add(value, ctx.args[i], SparseMaxBytes(ctx));
    if (r < 0) {
      // Redis edits in place: what earlier elements changed stays.
      if (updated) StoreHll(ctx, key, o, value);
      return ctx.reply.Error(hll::kInvalidErr);
    }
    updated += r;
  }
  if (updated) {
    hll::InvalidateCache(value);
    StoreHll(ctx, key, o, value);
    ReportAdded(ctx, key);
    ctx.server.add_dirty(static_cast<uint64_t>(updated - 1));  // Redis: dirty += updated
  }
  ctx.reply.Integer(updated ? 1 : 0);
}

// PFCOUNT key [key ...]
void CmdPfCount(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    hll::RawRegisters max;
    bool any_dense;
    if (!MergeKeys(ctx, max, &any_dense)) return;
    return ctx.reply.Integer(static_cast<int64_t>(hll::CountRaw(max)));
  }
  const std::string& key = ctx.args[1];
  bool failed;
  Object* o = LookupHll(ctx, key, /*read=*/true, &failed);
  if (failed) return;
  if (!o) return ctx.reply.Integer(0);
  if (hll::CacheValid(o->str())) {
    return ctx.reply.Integer(static_cast<int64_t>(hll::CachedCount(o->str())));
  }
  auto count = hll::Count(o->str());
  if (!count) return ctx.reply.Error(hll::kInvalidErr);
  // Refreshing the cache rewrites the string: a change for WATCH and the
  // dirty counter, and (readonly command or not) Redis propagates it.
  std::string value(o->str());
  hll::SetCachedCount(value, *count);
  StoreHll(ctx, key, o, value);
  ctx.KeyModified(key);
  ctx.PropagateAs(ctx.args);
  ctx.reply.Integer(static_cast<int64_t>(*count));
}

// PFMERGE destkey [sourcekey ...]: the destination is one of the inputs.
void CmdPfMerge(CommandContext& ctx) {
  hll::RawRegisters max;
  bool any_dense;
  if (!MergeKeys(ctx, max, &any_dense)) return;
  const std::string& key = ctx.args[1];
  Object* o = ctx.db().Lookup(key, UnixMs());  // checked by MergeKeys
  std::string value = o ? std::string(o->str()) : hll::CreateEmpty();
  // Redis 7.0 goes dense only when an input is dense; else it stays sparse
  // while the registers fit.
  if (any_dense && !hll::SparseToDense(value)) return ctx.reply.Error(hll::kInvalidErr);
  for (uint32_t i = 0; i < hll::kRegisters; ++i) {
    if (max[i]) hll::SetRegister(value, i, max[i], SparseMaxBytes(ctx));
  }
  hll::InvalidateCache(value);
  StoreHll(ctx, key, o, value);
  ReportAdded(ctx, key);
  ctx.reply.SimpleString("OK");
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
void CmdPfDebug(CommandContext& ctx) {
  const std::string& sub = ctx.args[1];
  const std::string& key = ctx.args[2];
  bool failed;
  Object* o = LookupHll(ctx, key, /*read=*/false, &failed);
  if (failed) return;
  if (!o) return ctx.reply.Error("ERR The specified key does not exist");
  const bool sparse = hll::EncodingOf(o->str()) == hll::kSparse;
  // GETREG and TODENSE make a sparse value dense; Redis counts that as a
  // change to propagate (dirty) but does not signal the key (WATCH).
  auto to_dense = [&]() {
    std::string value(o->str());
    if (!hll::SparseToDense(value)) {
      ctx.reply.Error(hll::kInvalidErr);
      return false;
    }
    StoreHll(ctx, key, o, value);
    ctx.server.add_dirty(1);
    return true;
  };
  if (EqualsIgnoreCase(sub, "getreg")) {
    if (sparse && !to_dense()) return;
    const auto* regs = reinterpret_cast<const uint8_t*>(o->str().data()) + hll::kHeaderSize;
    ctx.reply.ArrayHeader(hll::kRegisters);
    for (uint32_t i = 0; i < hll::kRegisters; ++i) ctx.reply.Integer(hll::DenseGet(regs, i));
  } else if (EqualsIgnoreCase(sub, "decode")) {
    if (!sparse) return ctx.reply.Error("ERR HLL encoding is not sparse");
    ctx.reply.Bulk(hll::DecodeSparse(o->str()));
  } else if (EqualsIgnoreCase(sub, "encoding")) {
    ctx.reply.SimpleString(sparse ? "sparse" : "dense");
  } else if (EqualsIgnoreCase(sub, "todense")) {
    if (sparse && !to_dense()) return;
    ctx.reply.Integer(sparse ? 1 : 0);
  } else {
    ctx.reply.Error("ERR Unknown PFDEBUG subcommand '" + sub + "'");
  }
}

void CmdPfSelfTest(CommandContext& ctx) {
  if (auto err = hll::SelfTest(SparseMaxBytes(ctx))) return ctx.reply.Error(*err);
  ctx.reply.SimpleString("OK");
}

}  // namespace

void RegisterHyperLogLogCommands(CommandTable& t) {
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
  t.Add({"pfadd", -2, kW | kCmdFast, 1, 1, 1, &CmdPfAdd})
      .Add({"pfcount", -2, kCmdReadOnly, 1, -1, 1, &CmdPfCount})
      .Add({"pfmerge", -2, kW, 1, -1, 1, &CmdPfMerge})
      .Add({"pfdebug", 3, kW | kCmdAdmin, 2, 2, 1, &CmdPfDebug})
      .Add({"pfselftest", 1, kCmdAdmin, 0, 0, 0, &CmdPfSelfTest});
}

}  // namespace vigil::server

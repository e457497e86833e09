// DEBUG DIGEST / DIGEST-VALUE: fingerprints equal to Redis's for the same
// data (server/db/digest.h), used to compare a dataset across servers,
// replicas and reloads.
#include "server/commands/debug_digest.h"

#include <string>

#include "common/util/sha1.h"
#include "server/db/database.h"
#include "server/db/digest.h"
#include "server/server.h"

namespace vigil::server {

void CmdDebugDigest(CommandContext& ctx) {
  // Registered with arity -2 so that extra arguments get Redis's own text
  // (DEBUG is not a container command there) rather than 'debug|digest'.
  if (ctx.argc() != 2) {
    return ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                           ctx.args[1].substr(0, 128) + "'. Try DEBUG HELP.");
  }
  ctx.reply.SimpleString(HexDigest(DatasetDigest(ctx.server.dbs())));
}

void CmdDebugDigestValue(CommandContext& ctx) {
  const Database& db = ctx.db();
  ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); ++i) {
    // Peek, not Lookup: like Redis, a logically expired key still present
    // is digested, and nothing is expired or touched.
    const Object* o = db.Peek(ctx.args[i]);
    const Digest d = o ? ValueDigest(*o, db.GetExpire(ctx.args[i]).has_value()) : Digest{};
    ctx.reply.SimpleString(HexDigest(d));
  }
}

}  // namespace vigil::server

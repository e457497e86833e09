// DEBUG DIGEST and DEBUG DIGEST-VALUE handlers, registered in the DEBUG
// entry of server_admin.cc.
#pragma once

#include "server/command.h"

namespace vigil::server {

// DEBUG DIGEST: the 40-hex fingerprint of the whole dataset.
void CmdDebugDigest(CommandContext& ctx);
// DEBUG DIGEST-VALUE key [key ...]: one fingerprint per key (zeros if missing).
void CmdDebugDigestValue(CommandContext& ctx);

}  // namespace vigil::server

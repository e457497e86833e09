#include <gtest/gtest.h>

#include "server/server.h"

namespace vigil::server {
namespace {

TEST(ProtectedModeTest, RefusesRemoteClientsOnlyWithoutPasswordAndBind) {
  ServerConfig cfg;  // defaults: protected-mode yes, no bind line, no password
  EXPECT_TRUE(ProtectedModeRefuses(cfg, /*peer_is_loopback=*/false));
  EXPECT_FALSE(ProtectedModeRefuses(cfg, /*peer_is_loopback=*/true));

  ServerConfig with_pass = cfg;
  with_pass.requirepass = "foobared";
  EXPECT_FALSE(ProtectedModeRefuses(with_pass, false));

  ServerConfig with_bind = cfg;
  with_bind.bind_explicit = true;
  EXPECT_FALSE(ProtectedModeRefuses(with_bind, false));

  ServerConfig off = cfg;
  off.protected_mode = false;
  EXPECT_FALSE(ProtectedModeRefuses(off, false));
}

}  // namespace
}  // namespace vigil::server

// Placeholder until the family lands.
#include "server/command_table.h"

namespace vigil::server {

void RegisterPubSubCommands(CommandTable& table) {}

}  // namespace vigil::server

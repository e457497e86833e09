// Placeholder until SORT lands.
#include "server/command_table.h"

namespace vigil::server {

void RegisterSortCommands(CommandTable& table) {}

}  // namespace vigil::server

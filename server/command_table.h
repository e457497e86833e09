// THE command table: every family registers its commands here from the bottom
// of its own file, and RegisterAllCommands() wires the families in one list.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "server/command.h"

namespace vigil::server {

class CommandTable {
 public:
  CommandTable& Add(CommandSpec spec);
  // rename-command: the command answers to `to` instead (an empty `to`
  // removes it). Its own name (errors, commandstats) stays, as in Redis.
  // False if `from` is not a command.
  bool Rename(std::string_view from, std::string_view to);
  // Case-insensitive lookup; nullptr if unknown.
  const CommandSpec* Find(std::string_view name) const;
  const std::map<std::string, CommandSpec>& all() const { return commands_; }
  // Gives every command with subcommands a HELP subcommand (arity 2, as
  // Redis's container|help) answered by `help`, unless it has one.
  void AddHelpSubcommands(CommandHandler help);

 private:
  std::map<std::string, CommandSpec> commands_;
};

// Families (one per file under commands/).
void RegisterConnectionCommands(CommandTable& table);
void RegisterStringCommands(CommandTable& table);
void RegisterKeyCommands(CommandTable& table);
void RegisterServerAdminCommands(CommandTable& table);
void RegisterScanCommands(CommandTable& table);
void RegisterListCommands(CommandTable& table);
void RegisterHashCommands(CommandTable& table);
void RegisterSetCommands(CommandTable& table);
void RegisterSortedSetCommands(CommandTable& table);
void RegisterPubSubCommands(CommandTable& table);
void RegisterTransactionCommands(CommandTable& table);
void RegisterSortCommands(CommandTable& table);
void RegisterBitmapCommands(CommandTable& table);
void RegisterHyperLogLogCommands(CommandTable& table);
void RegisterMemoryCommands(CommandTable& table);
void RegisterDumpCommands(CommandTable& table);
void RegisterGeoCommands(CommandTable& table);
void RegisterPersistenceCommands(CommandTable& table);
void RegisterReplicationCommands(CommandTable& table);
// After every family: the HELP subcommand of each container (server_admin.cc).
void RegisterContainerHelp(CommandTable& table);

void RegisterAllCommands(CommandTable& table);

}  // namespace vigil::server

#include "server/command_table.h"

#include "common/util/strings.h"

namespace vigil::server {

CommandTable& CommandTable::Add(CommandSpec spec) {
  spec.name = ToLower(spec.name);
  std::string key = spec.name;
  commands_[key] = std::move(spec);
  return *this;
}

bool CommandTable::Rename(std::string_view from, std::string_view to) {
  auto it = commands_.find(ToLower(from));
  if (it == commands_.end()) return false;
  CommandSpec spec = std::move(it->second);
  commands_.erase(it);
  if (!to.empty()) commands_[ToLower(to)] = std::move(spec);
  return true;
}

void CommandTable::AddHelpSubcommands(CommandHandler help) {
  for (auto& [name, spec] : commands_) {
    if (spec.subcommands.empty() || spec.FindSubcommand("help")) continue;
    spec.subcommands.push_back({"help", 2, kCmdLoading | kCmdStale, 0, 0, 0, help});
  }
}

const CommandSpec* CommandSpec::FindSubcommand(std::string_view name) const {
  for (const CommandSpec& s : subcommands)
    if (EqualsIgnoreCase(s.name, name)) return &s;
  return nullptr;
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  auto it = commands_.find(ToLower(name));
  return it == commands_.end() ? nullptr : &it->second;
}

void RegisterAllCommands(CommandTable& table) {
  RegisterConnectionCommands(table);
  RegisterStringCommands(table);
  RegisterKeyCommands(table);
  RegisterServerAdminCommands(table);
  RegisterScanCommands(table);
  RegisterListCommands(table);
  RegisterHashCommands(table);
  RegisterSetCommands(table);
  RegisterSortedSetCommands(table);
  RegisterPubSubCommands(table);
  RegisterTransactionCommands(table);
  RegisterSortCommands(table);
  RegisterBitmapCommands(table);
  RegisterHyperLogLogCommands(table);
  RegisterMemoryCommands(table);
  RegisterDumpCommands(table);
  RegisterGeoCommands(table);
  RegisterPersistenceCommands(table);
  RegisterReplicationCommands(table);
  RegisterContainerHelp(table);
}

}  // namespace vigil::server

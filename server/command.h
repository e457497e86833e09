// The shape of a command: its table entry (name, arity, flags, key positions,
// handler) and the context a handler runs in. The dispatcher checks arity,
// auth and flags once from the entry, so handlers never do.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/resp/writer.h"

namespace vigil::server {

class Server;
class Client;
class Database;

enum CommandFlags : uint32_t {
  kCmdWrite = 1 << 0,
  kCmdReadOnly = 1 << 1,
  kCmdAdmin = 1 << 2,
  kCmdFast = 1 << 3,
  kCmdNoAuth = 1 << 4,   // allowed before AUTH (AUTH, HELLO, QUIT ...)
  kCmdLoading = 1 << 5,  // allowed while loading
  kCmdStale = 1 << 6,    // allowed on a stale replica
  kCmdNoMulti = 1 << 7,  // not queued inside MULTI
  kCmdPubSub = 1 << 8,
  kCmdDenyOom = 1 << 9,
  kCmdNoScript = 1 << 10,
  kCmdBlocking = 1 << 11,
  kCmdSkipMonitor = 1 << 12,  // never shown to MONITOR (AUTH, HELLO carry secrets)
};

struct CommandContext;
using CommandHandler = void (*)(CommandContext&);

struct CommandSpec {
  std::string name;  // lower case, as COMMAND prints it
  int arity = 0;     // positive: exact argc; negative: at least -arity
  uint32_t flags = 0;
  int first_key = 0;
  int last_key = 0;
  int key_step = 0;
  CommandHandler handler = nullptr;
  // Subcommands (CONFIG GET ...), if any; their names are "config|get".
  std::vector<CommandSpec> subcommands;

  // The subcommand called `name` (any case); nullptr if there is none.
  const CommandSpec* FindSubcommand(std::string_view name) const;
};

struct CommandContext {
  Server& server;
  Client& client;
  const std::vector<std::string>& args;
  resp::Writer& reply;
  const CommandSpec& spec;

  // False inside MULTI/EXEC: a blocking command that finds nothing answers
  // its timeout reply at once instead of blocking.
  bool may_block = true;
  // True when a blocked command is run again because a key it waits on
  // became ready (see server/blocking.h).
  bool reexec = false;

  // What replicas and the AOF receive for this command. By default the
  // command as received, if it changed the dataset; a handler whose effect
  // must be replayed differently says so (EXPIRE -> PEXPIREAT, BLPOP ->
  // LPOP, SPOP -> SREM, INCRBYFLOAT -> SET KEEPTTL ...).
  std::vector<std::vector<std::string>> propagate_as;
  bool propagate_override = false;
  void PropagateAs(std::vector<std::string> cmd) {
    propagate_override = true;
    propagate_as.push_back(std::move(cmd));
  }
  void DontPropagate() { propagate_override = true; }

  Database& db();
  // Looks a key up for reading (any type) and counts it in keyspace_hits /
  // keyspace_misses, as Redis's lookupKeyRead.
  // `touch`: update the access time (not for TYPE, EXISTS, TTL, OBJECT).
  class Object* LookupRead(std::string_view key, bool touch = true);
  size_t argc() const { return args.size(); }

  // Every command that changes a key reports it: WATCH invalidation and the
  // dirty counter (save points) hang off this.
  void KeyModified(std::string_view key);
  // A keyspace notification of class `event_class` (kNotify* in
  // server/config/server_config.h), sent if notify-keyspace-events enables it.
  void Notify(int event_class, std::string_view event, std::string_view key);
  // A list or zset key received elements: clients blocked on it are served
  // once the current command (or EXEC) has finished.
  void KeyReady(std::string_view key);
};

}  // namespace vigil::server

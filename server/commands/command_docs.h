// COMMAND DOCS in Redis 7.0's reply shape. Every command's documentation is
// plain text in command_docs_data.inc (compiled into the binary), parsed once,
// on first use, into CommandDoc records. The data covers every Redis 7.0
// command, so a command registered later already has its docs; a unit test
// fails if a registered command or subcommand has none.
//
// Data format: one record per command or subcommand; lines starting with '#'
// are comments. Fields are indented by exactly 2 spaces.
//
//   <name> <group> <since> [syscmd] [deprecated=<version>]
//     summary <one line>
//     complexity <text>                (optional)
//     replaced-by <text>               (required with deprecated=)
//     history <version> <text>         (repeatable, oldest first)
//     args <argument list in the DSL below>
//         lines indented by 4+ spaces continue the field above
//
// <name> is lower case; a subcommand is "container|sub" (config|get). A
// container's doc lists the documented subcommands that are registered.
//
// Argument DSL (whitespace separates elements):
//   name:type[@N]       an argument; type is string, integer, double, key,
//                       pattern or unix-time; @N is its key_spec_index. The
//                       name may hold ':' (ip:port:string): the last one counts
//   TOKEN               a pure token, named after the token in lower case
//   name=TOKEN          a pure token with another name (change=CH)
//   TOKEN name:type     an argument introduced by a token (EX seconds:integer)
//   name:oneof(a | b)   exactly one of the alternatives
//   name:block(a b)     the members together; TOKEN may precede either group
//   [x]                 x is optional (brackets hold exactly one element)
//   x ...               x repeats; `x +...` repeats with the token before each
//   x{6.2.0}            x exists since 6.2.0; x{deprecated=2.8.12} is deprecated
// Tokens that are not plain words are quoted: approximately="~", empty="".
//
// Example, SET:
//   key:key@0 value:string [condition:oneof(NX | XX)]{2.6.12} [GET]{6.2.0}
//   [expiration:oneof(EX seconds:integer{2.6.12} | PX milliseconds:integer{2.6.12}
//       | EXAT unix-time-seconds:unix-time{6.2.0} | ... | KEEPTTL{6.0.0})]
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/resp/writer.h"
#include "common/util/status.h"

namespace vigil::server {

class CommandTable;
struct CommandSpec;

enum class DocArgType : uint8_t {
  kString, kInteger, kDouble, kKey, kPattern, kUnixTime, kPureToken, kOneOf, kBlock
};
// Redis's spelling: "string", "unix-time", "pure-token", "oneof" ...
const char* DocArgTypeName(DocArgType type);

enum DocArgFlags : uint8_t {
  kArgOptional = 1 << 0,
  kArgMultiple = 1 << 1,
  kArgMultipleToken = 1 << 2,
};

struct DocArg {
  std::string name;
  DocArgType type = DocArgType::kString;
  int key_spec_index = -1;           // -1: none
  std::optional<std::string> token;  // "" is a real token (MIGRATE)
  uint8_t flags = 0;                 // DocArgFlags
  std::string since;
  std::string deprecated_since;
  std::vector<DocArg> args;  // members of a oneof or block
};

struct CommandDoc {
  std::string name;  // "get", "config|get"
  std::string group;
  std::string since;
  std::string summary;
  std::string complexity;
  bool syscmd = false;
  std::string deprecated_since;  // non-empty: the command is deprecated
  std::string replaced_by;
  std::vector<std::pair<std::string, std::string>> history;  // version, text
  std::vector<DocArg> args;
};

using CommandDocMap = std::map<std::string, CommandDoc, std::less<>>;

// Parses an argument list written in the DSL.
StatusOr<std::vector<DocArg>> ParseDocArgs(std::string_view dsl);
// Parses records in the data format above.
StatusOr<CommandDocMap> ParseCommandDocs(std::string_view text);

// The text of the built-in documentation (command_docs_data.inc).
std::string_view BuiltinCommandDocsText();
// The built-in documentation, parsed on first use. A parse error (a bug in
// the data, which the unit tests catch) is logged and leaves the map empty.
const CommandDocMap& BuiltinCommandDocs();

// The COMMAND DOCS reply: a map from each command's full name to its doc.
// No names: every registered command. Otherwise the named ones ("config|get"
// for a subcommand, any case); unknown names are skipped, as Redis does.
void ReplyCommandDocs(resp::Writer& w, const CommandTable& table,
                      const std::vector<std::string>& names);

// The lines of `<container> HELP` (sent as status replies, as Redis does):
// Redis's header and footer around a syntax line and an indented summary for
// each subcommand, from these docs. `container_name` is the name the client
// typed (rename-command may differ from the spec's).
std::vector<std::string> SubcommandHelpLines(std::string_view container_name,
                                             const CommandSpec& container);

}  // namespace vigil::server

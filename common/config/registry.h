// A typed table of configuration parameters (Kvrocks style): one entry per
// directive drives loading from file, CONFIG GET, CONFIG SET (with
// validation) and CONFIG REWRITE. Used by both programs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/config/config_file.h"
#include "common/util/status.h"

namespace vigil::config {

enum ParamFlags : uint32_t {
  kNone = 0,
  kImmutable = 1 << 0,   // cannot be changed by CONFIG SET
  kSensitive = 1 << 1,   // value redacted in logs
  kMultiLine = 1 << 2,   // may appear on several lines (save, client-output-buffer-limit ...)
  kAcceptOnly = 1 << 3,  // accepted and stored but not implemented yet
  kHidden = 1 << 4,      // not matched by CONFIG GET patterns
  // Takes several arguments on one line (bind, replicaof, save ...). Other
  // parameters take exactly one ("wrong number of arguments" otherwise), and
  // CONFIG SET splits a multi-argument value on single spaces, as Redis does.
  // kMultiLine implies kMultiArg.
  kMultiArg = 1 << 5,
  // Refused by CONFIG SET unless the protected policy allows it (Redis 7's
  // enable-protected-configs: dir, dbfilename).
  kProtected = 1 << 6,
  // For strings: empty means "unset" (Redis's EMPTY_STRING_IS_NULL), so
  // CONFIG REWRITE writes no line at all for an empty value.
  kEmptyIsNull = 1 << 7,
};

// One parameter. `set` receives the arguments after the name (already split);
// `get` returns the value as CONFIG GET prints it; `rewrite_lines` the lines
// CONFIG REWRITE should write (each a full line, "save 900 1"), empty to write
// none; `is_default` tells whether the current value equals the default.
struct Param {
  std::string name;
  std::vector<std::string> aliases;
  uint32_t flags = kNone;
  std::function<Status(const std::vector<std::string>& args, bool at_runtime)> set;
  std::function<std::string()> get;
  std::function<std::vector<std::string>()> rewrite_lines;
  std::function<bool()> is_default;
  // Optional. When set, used by CONFIG REWRITE instead of rewrite_lines and
  // is_default: each line with its own "force" (append even if the file did
  // not mention the option), for options whose lines differ in that respect
  // (client-output-buffer-limit: one line per client class).
  std::function<std::vector<std::pair<std::string, bool>>()> rewrite_lines_forced;
  // Optional. Called by CONFIG SET after every value of the command was set
  // (never while loading); an error reverts the whole command.
  std::function<Status()> apply;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Names may be two words ("sentinel monitor"): such a parameter matches a
  // line whose first two words are its name, and receives the rest.
  // Returns the stored parameter (stable for the registry's life).
  Param* Add(Param p);

  // Helpers for the common shapes. Bounds are inclusive. Each sets *target
  // to `def` at once, as Redis initialises every config to its default.
  Param* AddBool(std::string name, bool* target, bool def, uint32_t flags = kNone,
                 std::vector<std::string> aliases = {});
  Param* AddInt(std::string name, int64_t* target, int64_t def, int64_t min, int64_t max,
                uint32_t flags = kNone, std::vector<std::string> aliases = {});
  // Accepts units (1gb); CONFIG GET prints plain bytes; REWRITE prints units
  // where exact (1gb), as Redis does.
  Param* AddMemory(std::string name, int64_t* target, int64_t def, int64_t min, int64_t max,
                   uint32_t flags = kNone, std::vector<std::string> aliases = {});
  // REWRITE quotes the value as sdscatrepr does ("dump.rdb").
  Param* AddString(std::string name, std::string* target, std::string def, uint32_t flags = kNone,
                   std::vector<std::string> aliases = {});
  Param* AddEnum(std::string name, std::string* target, std::string def,
                 std::vector<std::string> allowed, uint32_t flags = kNone,
                 std::vector<std::string> aliases = {});

  // Directives that are not parameters (include is expanded by the reader;
  // rename-command, user, loadmodule, sentinel ... are not CONFIG GET-able in
  // Redis either) go to this handler while loading. It returns nullopt for
  // "not mine" (then: "Bad directive or wrong number of arguments").
  using Fallback = std::function<std::optional<Status>(const std::vector<std::string>& args)>;
  void SetFallback(Fallback fallback) { fallback_ = std::move(fallback); }

  // Decides whether CONFIG SET may change a kProtected parameter, given
  // whether the client is local. Without a policy they are refused.
  void SetProtectedPolicy(std::function<bool(bool client_is_local)> policy) {
    protected_policy_ = std::move(policy);
  }

  // Looks a name or alias up, case-insensitively. nullptr if unknown.
  const Param* Find(std::string_view name) const;

  // Also runs `hook` when CONFIG SET changes `name` (after its own apply, if
  // any): for state derived from a value outside the config struct. False if
  // `name` is unknown.
  bool AddApplyHook(std::string_view name, std::function<Status()> hook);

  // Applies one directive from a file or the command line. Errors are the
  // reason text Redis prints ("Bad directive or wrong number of arguments",
  // "argument couldn't be parsed into an integer", ...).
  Status ApplyDirective(const std::vector<std::string>& args);

  // Loads every directive; stops at the first error with its location.
  std::optional<ConfigError> ApplyAll(const std::vector<Directive>& directives);

  // CONFIG GET: every parameter whose name (or alias) matches any pattern;
  // pairs of name,value, each parameter once.
  std::vector<std::pair<std::string, std::string>> Get(
      const std::vector<std::string>& patterns) const;

  // CONFIG SET name value [name value ...]: validates all, applies all or
  // none (restoring old values on failure), with Redis's error texts, e.g.
  // "ERR Unknown option or number of arguments for CONFIG SET - 'foo'" or
  // "ERR CONFIG SET failed (possibly related to argument 'port') - ...".
  Status Set(const std::vector<std::pair<std::string, std::string>>& pairs) {
    return Set(pairs, false);
  }
  Status Set(const std::vector<std::pair<std::string, std::string>>& pairs, bool client_is_local);

  // CONFIG REWRITE's text: `old_text` (the current file, may be empty)
  // rewritten as Redis does: lines of known options replaced in place by the
  // current values (aliases count as the option), extra old lines of those
  // options dropped, comments and unknown lines kept, options that differ from
  // their default and were not in the file appended after
  // "# Generated by CONFIG REWRITE". Options at their default that were not in
  // the file are not added.
  std::string RewriteText(std::string_view old_text) const;

  // Reads `path` (a missing file counts as empty), RewriteText,
  // WriteFileAtomically. Errors read as Redis's reply:
  // "ERR Rewriting config file: <strerror>".
  Status Rewrite(const std::string& path) const;

  const std::vector<std::unique_ptr<Param>>& params() const { return params_; }

 private:
  // The parameter a split line names, and how many leading words name it.
  const Param* Lookup(const std::vector<std::string>& args, size_t* name_words) const;

  std::vector<std::unique_ptr<Param>> params_;
  std::map<std::string, Param*> by_name_;  // lower-case names and aliases
  // Every name in registration order (canonical first, then its aliases),
  // so CONFIG GET answers in a stable order.
  std::vector<std::pair<std::string, Param*>> names_;
  Fallback fallback_;
  std::function<bool(bool)> protected_policy_;
};

}  // namespace vigil::config

// COMMAND DOCS: the DSL and record parsers and the reply (see command_docs.h).
#include "server/commands/command_docs.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <spdlog/spdlog.h>

#include "common/util/strings.h"
#include "server/command_table.h"

namespace vigil::server {
namespace {

// The data: a raw string literal named kCommandDocsData.
#include "server/commands/command_docs_data.inc"

// Indexed by DocArgType (checked below).
constexpr std::array<std::pair<DocArgType, const char*>, 9> kTypeNames = {{
    {DocArgType::kString, "string"},
    {DocArgType::kInteger, "integer"},
    {DocArgType::kDouble, "double"},
    {DocArgType::kKey, "key"},
    {DocArgType::kPattern, "pattern"},
    {DocArgType::kUnixTime, "unix-time"},
    {DocArgType::kPureToken, "pure-token"},
    {DocArgType::kOneOf, "oneof"},
    {DocArgType::kBlock, "block"},
}};
static_assert([] {
  for (size_t i = 0; i < kTypeNames.size(); ++i)
    if (static_cast<size_t>(kTypeNames[i].first) != i) return false;
  return true;
}());

// Redis's command groups (COMMAND_GROUP_STR).
constexpr std::array<std::string_view, 17> kGroups = {
    "generic", "string", "list", "set", "sorted-set", "hash", "pubsub", "transactions",
    "connection", "server", "scripting", "hyperloglog", "cluster", "sentinel", "geo",
    "stream", "bitmap"};

// "deprecated=<version>", in a record header and in an argument annotation.
constexpr std::string_view kDeprecatedPrefix = "deprecated=";

bool IsVersion(std::string_view v) {
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  return !v.empty() && digit(v.front()) &&
         std::all_of(v.begin(), v.end(), [&](char c) { return digit(c) || c == '.'; });
}

// Recursive-descent parser for the argument DSL. Errors carry the column.
class DslParser {
 public:
  explicit DslParser(std::string_view s) : s_(s) {}

  StatusOr<std::vector<DocArg>> Parse() {
    std::vector<DocArg> args = ParseList('\0', /*oneof=*/false);
    if (!error_.empty()) return Status::Error(error_);
    return args;
  }

 private:
  bool Fail(std::string msg) { return FailAt(pos_, std::move(msg)); }
  bool FailAt(size_t pos, std::string msg) {
    if (error_.empty()) error_ = "column " + std::to_string(pos + 1) + ": " + msg;
    return false;
  }
  bool AtEnd() const { return pos_ >= s_.size(); }
  bool LooksAt(std::string_view what) const { return s_.substr(pos_, what.size()) == what; }
  void SkipSpace() {
    while (!AtEnd() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }

  // Members up to `close` ('\0': the end of the text); a oneof's members are
  // separated by '|'.
  std::vector<DocArg> ParseList(char close, bool oneof) {
    std::vector<DocArg> out;
    while (error_.empty()) {
      SkipSpace();
      if (AtEnd()) {
        if (close != '\0') Fail(std::string("missing '") + close + "'");
        break;
      }
      if (s_[pos_] == close) {
        ++pos_;
        break;
      }
      if (s_[pos_] == '|') {
        if (!oneof) {
          Fail("'|' outside a oneof");
          break;
        }
        if (out.empty()) {
          Fail("empty alternative");
          break;
        }
        ++pos_;
        SkipSpace();
      } else if (oneof && !out.empty()) {
        Fail("expected '|' between alternatives");
        break;
      }
      DocArg a;
      if (ParseElement(a)) out.push_back(std::move(a));
    }
    return out;
  }

  // A word runs to whitespace, a bracket, '|', an annotation or an ellipsis;
  // "quoted" parts may hold any character but '"'.
  std::string_view ReadWord() {
    size_t start = word_start_ = pos_;
    while (!AtEnd()) {
      char c = s_[pos_];
      if (c == '"') {
        size_t end = s_.find('"', pos_ + 1);
        if (end == std::string_view::npos) {
          Fail("unterminated quote");
          return {};
        }
        pos_ = end + 1;
        continue;
      }
      bool stop = std::isspace(static_cast<unsigned char>(c)) ||
                  std::string_view("[]|(){}").find(c) != std::string_view::npos ||
                  LooksAt("...") || LooksAt("+...");
      if (stop) break;
      ++pos_;
    }
    return s_.substr(start, pos_ - start);
  }

  // The position of the last ':' (or first '=') outside quotes, or npos.
  static size_t FindUnquoted(std::string_view word, char c, bool last) {
    size_t found = std::string_view::npos;
    bool quoted = false;
    for (size_t i = 0; i < word.size(); ++i) {
      if (word[i] == '"') quoted = !quoted;
      if (!quoted && word[i] == c) {
        found = i;
        if (!last) break;
      }
    }
    return found;
  }

  bool Unquote(std::string_view word, std::string& out) {
    if (word.size() >= 2 && word.front() == '"' && word.back() == '"' &&
        word.substr(1, word.size() - 2).find('"') == std::string_view::npos) {
      out = word.substr(1, word.size() - 2);
      return true;
    }
    if (word.empty() || word.find('"') != std::string_view::npos) return Fail("bad token");
    out = word;
    return true;
  }

  bool ParseElement(DocArg& a) {
    if (s_[pos_] == '[') {
      ++pos_;
      SkipSpace();
      if (AtEnd() || !ParseElement(a)) return Fail("expected an argument after '['");
      SkipSpace();
      if (AtEnd() || s_[pos_] != ']') return Fail("expected ']'");
      ++pos_;
      a.flags |= kArgOptional;
      return ParseSuffixes(a);
    }
    std::string_view word = ReadWord();
    if (word.empty()) return Fail("expected an argument");
    if (FindUnquoted(word, ':', true) != std::string_view::npos) {
      if (!ParseNode(word, a)) return false;
    } else if (size_t eq = FindUnquoted(word, '=', false); eq != std::string_view::npos) {
      a.type = DocArgType::kPureToken;
      a.name = word.substr(0, eq);
      std::string token;
      if (a.name.empty() || !Unquote(word.substr(eq + 1), token)) return Fail("bad pure token");
      a.token = std::move(token);
    } else {
      std::string token;
      if (!Unquote(word, token)) return false;
      // A token before a name:type word introduces that argument; alone, it
      // is a pure token.
      size_t after_token = pos_;
      SkipSpace();
      std::string_view next = ReadWord();
      if (!next.empty() && FindUnquoted(next, ':', true) != std::string_view::npos) {
        if (!ParseNode(next, a)) return false;
      } else {
        pos_ = after_token;
        a.type = DocArgType::kPureToken;
        a.name = ToLower(token);
      }
      a.token = std::move(token);
    }
    return ParseSuffixes(a);
  }

  // `word` is name:type[@N]; a oneof or block continues with its members.
  bool ParseNode(std::string_view word, DocArg& a) {
    size_t colon = FindUnquoted(word, ':', true);
    a.name = word.substr(0, colon);
    std::string_view type = word.substr(colon + 1);
    if (a.name.empty() || a.name.find('"') != std::string::npos) {
      return FailAt(word_start_, "bad argument name");
    }
    if (size_t at = type.find('@'); at != std::string_view::npos) {
      auto index = ParseInt64(type.substr(at + 1));
      if (!index || *index < 0) {
        return FailAt(word_start_, "bad key_spec_index in '" + std::string(word) + "'");
      }
      a.key_spec_index = static_cast<int>(*index);
      type = type.substr(0, at);
    }
    auto it = std::find_if(kTypeNames.begin(), kTypeNames.end(),
                           [&](const auto& t) { return type == t.second; });
    if (it == kTypeNames.end() || it->first == DocArgType::kPureToken) {
      return FailAt(word_start_, "unknown type '" + std::string(type) + "'");
    }
    a.type = it->first;
    bool group = a.type == DocArgType::kOneOf || a.type == DocArgType::kBlock;
    bool opens = !AtEnd() && s_[pos_] == '(';
    if (group != opens) return Fail(group ? "expected '(' after " + a.name : "unexpected '('");
    if (!group) return true;
    ++pos_;
    a.args = ParseList(')', a.type == DocArgType::kOneOf);
    if (error_.empty() && a.args.empty()) return Fail("empty " + std::string(type) + " " + a.name);
    return error_.empty();
  }

  // Any of " ...", " +...", "{since}" after an element.
  bool ParseSuffixes(DocArg& a) {
    while (error_.empty()) {
      size_t before = pos_;
      SkipSpace();
      if (LooksAt("+...")) {
        a.flags |= kArgMultiple | kArgMultipleToken;
        if (!a.token) return Fail("'+...' needs a token");
        pos_ += 4;
      } else if (LooksAt("...")) {
        a.flags |= kArgMultiple;
        pos_ += 3;
      } else if (LooksAt("{")) {
        if (!ParseAnnotation(a)) return false;
      } else {
        pos_ = before;
        break;
      }
    }
    return error_.empty();
  }

  bool ParseAnnotation(DocArg& a) {
    size_t end = s_.find('}', pos_);
    if (end == std::string_view::npos) return Fail("missing '}'");
    std::string_view body = s_.substr(pos_ + 1, end - pos_ - 1);
    for (const std::string& item : SplitString(body, ",")) {
      std::string_view v = TrimWhitespace(item);
      bool deprecated = StartsWith(v, kDeprecatedPrefix);
      if (deprecated) v.remove_prefix(kDeprecatedPrefix.size());
      std::string& field = deprecated ? a.deprecated_since : a.since;
      if (!IsVersion(v)) return Fail("bad version '" + std::string(v) + "'");
      field = v;
    }
    pos_ = end + 1;
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  size_t word_start_ = 0;  // where the last word read begins
  std::string error_;
};

Status LineError(size_t line, const std::string& msg) {
  return Status::Error("command docs line " + std::to_string(line) + ": " + msg);
}

// Fills a record from its header words: name group since [syscmd] [deprecated=V].
Status ParseHeader(const std::vector<std::string>& words, CommandDoc& doc) {
  if (words.size() < 3) return Status::Error("header needs a name, a group and a version");
  doc.name = words[0];
  doc.group = words[1];
  doc.since = words[2];
  if (doc.name != ToLower(doc.name)) return Status::Error("name must be lower case");
  if (std::find(kGroups.begin(), kGroups.end(), doc.group) == kGroups.end())
    return Status::Error("unknown group '" + doc.group + "'");
  if (!IsVersion(doc.since)) return Status::Error("bad version '" + doc.since + "'");
  for (size_t i = 3; i < words.size(); ++i) {
    if (words[i] == "syscmd") {
      doc.syscmd = true;
    } else if (StartsWith(words[i], kDeprecatedPrefix) &&
               IsVersion(words[i].substr(kDeprecatedPrefix.size()))) {
      doc.deprecated_since = words[i].substr(kDeprecatedPrefix.size());
    } else {
      return Status::Error("unknown header flag '" + words[i] + "'");
    }
  }
  return Status::Ok();
}

// Applies one field line ("summary ...", "args ...") to a record.
Status ApplyField(std::string_view key, std::string_view value, CommandDoc& doc) {
  if (value.empty()) return Status::Error("empty " + std::string(key));
  auto set_once = [&](std::string& field) {
    if (!field.empty()) return Status::Error(std::string(key) + " given twice");
    field = value;
    return Status::Ok();
  };
  if (key == "summary") return set_once(doc.summary);
  if (key == "complexity") return set_once(doc.complexity);
  if (key == "replaced-by") return set_once(doc.replaced_by);
  if (key == "history") {
    size_t space = value.find(' ');
    std::string_view version = value.substr(0, space);
    if (space == std::string_view::npos || !IsVersion(version))
      return Status::Error("history needs a version and a text");
    doc.history.emplace_back(version, TrimWhitespace(value.substr(space)));
    return Status::Ok();
  }
  if (key == "args") {
    if (!doc.args.empty()) return Status::Error("args given twice");
    auto args = ParseDocArgs(value);
    if (!args.ok()) return args.status();
    doc.args = std::move(*args);
    return Status::Ok();
  }
  return Status::Error("unknown field '" + std::string(key) + "'");
}

// Checks a finished record and adds it to the map.
Status Finish(CommandDoc doc, CommandDocMap& out) {
  if (doc.summary.empty()) return Status::Error(doc.name + " has no summary");
  if (doc.replaced_by.empty() != doc.deprecated_since.empty())
    return Status::Error(doc.name + ": deprecated= and replaced-by go together");
  std::string name = doc.name;
  if (!out.emplace(name, std::move(doc)).second) return Status::Error("duplicate " + name);
  return Status::Ok();
}

// ---------------------------------------------------------------- reply

void Field(resp::Writer& w, std::string_view key, std::string_view value) {
  w.Bulk(key);
  w.Bulk(value);
}

void WriteArgs(resp::Writer& w, const std::vector<DocArg>& args) {
  static constexpr std::pair<uint8_t, const char*> kFlagNames[] = {
      {kArgOptional, "optional"}, {kArgMultiple, "multiple"},
      {kArgMultipleToken, "multiple_token"}};
  w.ArrayHeader(static_cast<int64_t>(args.size()));
  for (const DocArg& a : args) {
    bool group = !a.args.empty();
    w.MapHeader(2 + (a.key_spec_index >= 0) + a.token.has_value() + !a.since.empty() +
                !a.deprecated_since.empty() + (a.flags != 0) + group);
    Field(w, "name", a.name);
    Field(w, "type", DocArgTypeName(a.type));
    if (a.key_spec_index >= 0) {
      w.Bulk("key_spec_index");
      w.Integer(a.key_spec_index);
    }
    if (a.token) Field(w, "token", *a.token);
    if (!a.since.empty()) Field(w, "since", a.since);
    if (!a.deprecated_since.empty()) Field(w, "deprecated_since", a.deprecated_since);
    if (a.flags != 0) {
      w.Bulk("flags");
      w.SetHeader(std::count_if(std::begin(kFlagNames), std::end(kFlagNames),
                                [&](const auto& f) { return (a.flags & f.first) != 0; }));
      for (const auto& [bit, text] : kFlagNames)
        if (a.flags & bit) w.SimpleString(text);
    }
    if (group) {
      w.Bulk("arguments");
      WriteArgs(w, a.args);
    }
  }
}

// A registered command (or subcommand) and its documentation.
struct Documented {
  std::string full_name;
  const CommandSpec* spec;
  const CommandDoc* doc;
};

std::vector<Documented> DocumentedSubcommands(const CommandSpec& spec,
                                              const std::string& full_name) {
  const CommandDocMap& docs = BuiltinCommandDocs();
  std::vector<Documented> out;
  for (const CommandSpec& sub : spec.subcommands) {
    std::string name = full_name + "|" + sub.name;
    if (auto it = docs.find(name); it != docs.end()) out.push_back({name, &sub, &it->second});
  }
  return out;
}

// One command's doc map, fields in Redis's order; a container lists the
// docs of its registered subcommands.
void WriteDoc(resp::Writer& w, const Documented& d) {
  const CommandDoc& doc = *d.doc;
  std::vector<Documented> subs;
  if (!d.spec->subcommands.empty()) subs = DocumentedSubcommands(*d.spec, d.full_name);
  bool deprecated = !doc.deprecated_since.empty();
  bool has_flags = deprecated || doc.syscmd;
  w.MapHeader(3 + !doc.complexity.empty() + has_flags + 2 * deprecated + !doc.history.empty() +
              !doc.args.empty() + !d.spec->subcommands.empty());
  Field(w, "summary", doc.summary);
  Field(w, "since", doc.since);
  Field(w, "group", doc.group);
  if (!doc.complexity.empty()) Field(w, "complexity", doc.complexity);
  if (has_flags) {
    w.Bulk("doc_flags");
    w.SetHeader(deprecated + doc.syscmd);
    if (deprecated) w.SimpleString("deprecated");
    if (doc.syscmd) w.SimpleString("syscmd");
  }
  if (deprecated) {
    Field(w, "deprecated_since", doc.deprecated_since);
    Field(w, "replaced_by", doc.replaced_by);
  }
  if (!doc.history.empty()) {
    w.Bulk("history");  // a set of [version, text] pairs, as Redis 7.0 replies
    w.SetHeader(static_cast<int64_t>(doc.history.size()));
    for (const auto& [version, text] : doc.history) {
      w.ArrayHeader(2);
      w.Bulk(version);
      w.Bulk(text);
    }
  }
  if (!doc.args.empty()) {
    w.Bulk("arguments");
    WriteArgs(w, doc.args);
  }
  if (!d.spec->subcommands.empty()) {
    w.Bulk("subcommands");
    w.MapHeader(static_cast<int64_t>(subs.size()));
    for (const Documented& sub : subs) {
      w.Bulk(sub.full_name);
      WriteDoc(w, sub);
    }
  }
}

// Resolves "get" or "config|get" (any case) as Redis's lookupCommandBySds.
std::optional<Documented> Resolve(const CommandTable& table, std::string_view name) {
  size_t bar = name.find('|');
  const CommandSpec* spec = table.Find(name.substr(0, bar));
  if (!spec) return std::nullopt;
  std::string full_name = spec->name;
  if (bar != std::string_view::npos) {
    std::string_view sub_name = name.substr(bar + 1);
    if (sub_name.find('|') != std::string_view::npos) return std::nullopt;
    const CommandSpec* sub = spec->FindSubcommand(sub_name);
    if (sub == nullptr) return std::nullopt;
    full_name += "|" + sub->name;
    spec = sub;
  }
  const CommandDocMap& docs = BuiltinCommandDocs();
  auto it = docs.find(full_name);
  if (it == docs.end()) return std::nullopt;
  return Documented{full_name, spec, &it->second};
}

}  // namespace

const char* DocArgTypeName(DocArgType type) {
  return kTypeNames[static_cast<size_t>(type)].second;
}

StatusOr<std::vector<DocArg>> ParseDocArgs(std::string_view dsl) {
  return DslParser(dsl).Parse();
}

StatusOr<CommandDocMap> ParseCommandDocs(std::string_view text) {
  CommandDocMap out;
  std::optional<CommandDoc> doc;
  std::string field, value;  // the field being read (continuations extend it)
  size_t field_line = 0;
  auto flush_field = [&]() -> Status {
    if (field.empty()) return Status::Ok();
    Status st = ApplyField(field, value, *doc);
    field.clear();
    return st.ok() ? st : LineError(field_line, st.message());
  };
  size_t line_no = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    size_t indent = line.find_first_not_of(' ');
    if (indent == std::string_view::npos || line[indent] == '#') continue;
    line = TrimWhitespace(line);
    if (indent >= 4 && !field.empty()) {  // continuation
      value += ' ';
      value += line;
      continue;
    }
    VIGIL_RETURN_IF_ERROR(flush_field());
    if (indent == 0) {
      if (doc) VIGIL_RETURN_IF_ERROR(Finish(std::move(*doc), out));
      doc.emplace();
      Status st = ParseHeader(SplitString(line, " "), *doc);
      if (!st.ok()) return LineError(line_no, st.message());
    } else if (indent == 2 && doc) {
      size_t space = line.find(' ');
      field = line.substr(0, space);
      value = space == std::string_view::npos ? "" : TrimWhitespace(line.substr(space));
      field_line = line_no;
    } else {
      return LineError(line_no, "unexpected indentation");
    }
  }
  VIGIL_RETURN_IF_ERROR(flush_field());
  if (doc) VIGIL_RETURN_IF_ERROR(Finish(std::move(*doc), out));
  return out;
}

std::string_view BuiltinCommandDocsText() { return kCommandDocsData; }

const CommandDocMap& BuiltinCommandDocs() {
  static const CommandDocMap docs = [] {
    auto parsed = ParseCommandDocs(kCommandDocsData);
    if (parsed.ok()) return std::move(*parsed);
    spdlog::error("built-in command docs: {}", parsed.message());
    return CommandDocMap{};
  }();
  return docs;
}

void ReplyCommandDocs(resp::Writer& w, const CommandTable& table,
                      const std::vector<std::string>& names) {
  std::vector<Documented> found;
  if (names.empty()) {
    for (const auto& [name, spec] : table.all())
      if (auto d = Resolve(table, name)) found.push_back(*d);
  } else {
    for (const std::string& name : names)
      if (auto d = Resolve(table, name)) found.push_back(*d);
  }
  w.MapHeader(static_cast<int64_t>(found.size()));
  for (const Documented& d : found) {
    w.Bulk(d.full_name);
    WriteDoc(w, d);
  }
}

// ---- X HELP ----

namespace {

// One argument as a help line writes it: <name>, TOKEN <name>, (A|B),
// [optional], and "x [x ...]" for a repeated one.
std::string ArgSyntax(const DocArg& a) {
  std::string s;
  const auto join = [](const std::vector<DocArg>& args, std::string_view sep) {
    std::string out;
    for (const DocArg& sub : args) {
      if (!out.empty()) out += sep;
      out += ArgSyntax(sub);
    }
    return out;
  };
  if (a.type == DocArgType::kPureToken) {
    s = a.token ? *a.token : ToUpper(a.name);
  } else {
    if (a.token) s = *a.token + " ";
    if (a.type == DocArgType::kOneOf) {
      s += (a.flags & kArgOptional) && !a.token ? join(a.args, "|") : "(" + join(a.args, "|") + ")";
    } else if (a.type == DocArgType::kBlock) {
      s += join(a.args, " ");
    } else {
      s += "<" + a.name + ">";
    }
  }
  if (a.flags & (kArgMultiple | kArgMultipleToken)) {
    const bool simple = a.type != DocArgType::kOneOf && a.type != DocArgType::kBlock;
    s += simple ? " [" + s + " ...]" : " ...";
  }
  if (a.flags & kArgOptional) s = "[" + s + "]";
  return s;
}

}  // namespace

std::vector<std::string> SubcommandHelpLines(std::string_view container_name,
                                             const CommandSpec& container) {
  std::vector<std::string> lines;
  lines.push_back(ToUpper(container_name) +
                  " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  const CommandDocMap& docs = BuiltinCommandDocs();
  for (const CommandSpec& sub : container.subcommands) {
    if (sub.name == "help") continue;  // the footer
    std::string line = ToUpper(sub.name);
    auto it = docs.find(container.name + "|" + sub.name);
    if (it != docs.end()) {
      for (const DocArg& a : it->second.args) line += " " + ArgSyntax(a);
    }
    lines.push_back(std::move(line));
    if (it != docs.end()) lines.push_back("    " + it->second.summary + ".");
  }
  lines.push_back("HELP");
  lines.push_back("    Prints this help.");
  return lines;
}

}  // namespace vigil::server

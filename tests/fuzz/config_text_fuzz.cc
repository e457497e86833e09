// libFuzzer target for whole config texts: reading (line split, trimming,
// comments), loading into a small parameter table, CONFIG GET, CONFIG SET of
// the text's own words, and CONFIG REWRITE, which must settle after two
// passes. Inputs mentioning "include" are skipped: they would make the
// reader open arbitrary files (/dev/zero) on the fuzzing machine.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/config_file.h"
#include "common/config/registry.h"
#include "common/util/strings.h"

namespace {

struct Table {
  bool flag = false;
  int64_t number = 0;
  int64_t memory = 0;
  std::string text;
  std::string choice;
  std::vector<std::string> list;
  vigil::config::Registry r;

  Table() {
    using namespace vigil::config;
    r.AddBool("flag", &flag, false, kNone, {"old-flag"});
    r.AddInt("number", &number, 10, -5, 1000);
    r.AddMemory("memory", &memory, 1024, 0, INT64_MAX);
    r.AddString("text", &text, "", kEmptyIsNull);
    r.AddEnum("choice", &choice, "a", {"a", "b", "c"});
    Param p;
    p.name = "list";
    p.flags = kMultiLine;
    p.set = [this](const std::vector<std::string>& args, bool at_runtime) -> vigil::Status {
      if (at_runtime) list.clear();
      for (const auto& a : args) list.push_back(a);
      return vigil::Status::Ok();
    };
    p.get = [this] {
      std::string s;
      for (const auto& a : list) s += (s.empty() ? "" : " ") + a;
      return s;
    };
    p.rewrite_lines = [this] {
      std::vector<std::string> out;
      for (const auto& a : list) out.push_back("list " + vigil::QuoteRepr(a));
      return out;
    };
    p.is_default = [this] { return list.empty(); };
    r.Add(std::move(p));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (vigil::ToLower(input).find("include") != std::string::npos) return 0;

  auto read = vigil::config::ParseConfigText(input, "fuzz");
  Table t;
  if (!read.error) {
    auto err = t.r.ApplyAll(read.directives);
    if (err) (void)err->Format();
  } else {
    (void)read.error->Format();
  }
  (void)t.r.Get({"*", "fl?g", "[a-z]*", std::string(input.substr(0, 16))});

  // CONFIG SET with words from the input: all or nothing.
  // ("list" is left out: like Redis's save, its CONFIG GET form joins values
  // with spaces, so values holding spaces do not survive the restore.)
  if (!read.error && !read.directives.empty() && read.directives[0].args.size() >= 2 &&
      t.r.Find(read.directives[0].args[0]) != t.r.Find("list")) {
    auto before = t.r.Get({"*"});
    const auto& a = read.directives[0].args;
    vigil::Status st = t.r.Set({{a[0], a[1]}, {"number", a.back()}});
    if (!st.ok() && t.r.Get({"*"}) != before) __builtin_trap();
  }

  std::string once = t.r.RewriteText(input);
  std::string twice = t.r.RewriteText(once);
  std::string thrice = t.r.RewriteText(twice);
  if (thrice != twice) __builtin_trap();
  return 0;
}

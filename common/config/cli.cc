// Command line as redis-server's main() reads it: an optional config file
// first, then `--directive args` overrides turned into config text appended
// after the file (so the last word wins), `-` for stdin. The binary's own
// flags are handed to Boost.Program_options; its exceptions stop here.
#include "common/config/cli.h"

#include <boost/program_options.hpp>
#include <filesystem>
#include <set>

#include "common/config/config_file.h"
#include "common/util/strings.h"

namespace vigil::config {
namespace {

namespace po = boost::program_options;

// An argument needs quotes in the directive text if sdssplitargs would not
// give it back unchanged when written bare.
bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '\'' || c == '\\' || c >= 0x7f) return true;
  }
  return false;
}

std::string QuoteIfNeeded(const std::string& s) { return NeedsQuotes(s) ? QuoteRepr(s) : s; }

std::string AbsolutePath(const std::string& p) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(p, ec);
  if (ec) return p;
  return abs.lexically_normal().string();
}

}  // namespace

StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv,
                                       const std::vector<std::string>& own_value_flags) {
  CommandLine cl;
  const std::set<std::string> bool_flags = {"--help", "-h", "--version", "-v"};
  std::set<std::string> value_flags;
  for (const auto& f : own_value_flags) {
    std::string flag = "--";
    flag.append(f);
    value_flags.insert(std::move(flag));
  }

  std::vector<std::string> own_tokens;  // handed to Program_options
  std::string& options = cl.overrides_text;
  int j = 1;
  if (argc > 1 && argv[1][0] != '-') {
    // Absolute now, so CONFIG REWRITE still finds the file after `dir`
    // changed the working directory (redis-server does the same).
    cl.config_path = AbsolutePath(argv[1]);
    j = 2;
  }
  bool handled_last_config_arg = true;
  for (; j < argc; ++j) {
    const std::string arg = argv[j];
    if (arg == "-" && (j == 1 || j == argc - 1)) {
      if (cl.config_path.empty()) {
        cl.config_path.assign(1, '-');  // assign("-") trips GCC 12 -Wrestrict
      } else {
        cl.config_from_stdin = true;
      }
      continue;
    }
    if (handled_last_config_arg) {
      if (bool_flags.count(arg)) {
        own_tokens.push_back(arg);
        continue;
      }
      std::string name = arg.substr(0, arg.find('='));
      if (value_flags.count(name)) {
        own_tokens.push_back(arg);
        if (name == arg && j + 1 < argc) own_tokens.push_back(argv[++j]);
        continue;
      }
    }
    if (handled_last_config_arg && arg.size() >= 2 && arg[0] == '-' && arg[1] == '-') {
      // A new directive: "--port" (arguments follow) or "--port 6380" (one
      // word holding name and value, taken as written).
      if (!options.empty()) options += "\n";
      options += arg.substr(2);
      auto split = SplitArgs(arg);
      if (split && split->size() == 1) {
        handled_last_config_arg = false;
        const bool next_is_option = j != argc - 1 && argv[j + 1][0] == '-' && argv[j + 1][1] == '-';
        // Compatibility cases of Redis 7.0.1+: "--save" with no value means
        // save "", and "--sentinel" is a flag without a value.
        if (EqualsIgnoreCase(arg, "--save") && (next_is_option || j == argc - 1)) {
          options += " \"\"";
          handled_last_config_arg = true;
        } else if (EqualsIgnoreCase(arg, "--sentinel") && (next_is_option || j == argc - 1)) {
          handled_last_config_arg = true;
        }
      }
    } else {
      // An argument of the current directive (even if it starts with "--":
      // `--requirepass --x` sets the password "--x").
      if (!options.empty() && options.back() != '\n') options += " ";
      options += QuoteIfNeeded(arg);
      handled_last_config_arg = true;
    }
  }

  po::options_description desc("Options");
  desc.add_options()("help,h", "show usage")("version,v", "show version");
  for (const auto& f : own_value_flags) desc.add_options()(f.c_str(), po::value<std::string>());
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(own_tokens).options(desc).run(), vm);
    po::notify(vm);
    cl.help = vm.count("help") > 0;
    cl.version = vm.count("version") > 0;
    for (const auto& f : own_value_flags) {
      if (vm.count(f)) cl.own_flags.emplace_back(f, vm[f].as<std::string>());
    }
  } catch (const po::error& e) {
    return Status::Error(std::string("Invalid command line: ") + e.what());
  } catch (const std::exception& e) {
    return Status::Error(std::string("Invalid command line: ") + e.what());
  }
  return cl;
}

std::string UsageText(const std::string& program) {
  const std::string p = program;
  std::string out;
  out += "Usage: " + p + " [/path/to/vigil.conf] [options] [-]\n";
  out += "       " + p + " - (read config from stdin)\n";
  out += "       " + p + " -v or --version\n";
  out += "       " + p + " -h or --help\n";
  out += "\n";
  out += "Examples:\n";
  out += "       " + p + " (run the server with default conf)\n";
  out += "       echo 'maxmemory 128mb' | " + p + " -\n";
  out += "       " + p + " /etc/vigil/6379.conf\n";
  out += "       " + p + " --port 7777\n";
  out += "       " + p + " --port 7777 --replicaof 127.0.0.1 8888\n";
  out += "       " + p + " /etc/myvigil.conf --loglevel verbose -\n";
  out += "       " + p + " /etc/myvigil.conf --loglevel verbose\n";
  if (program.find("sentinel") != std::string::npos) {
    out += "\n";
    out += "Sentinel mode:\n";
    out += "       " + p + " /etc/sentinel.conf\n";
  }
  return out;
}

}  // namespace vigil::config

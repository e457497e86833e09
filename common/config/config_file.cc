// Reader for redis.conf-format text. The splitting rules copy Redis's
// sdssplitargs byte for byte, because operators' files (quoted paths, empty
// "" values, \x escapes) must mean exactly what they meant to redis-server.
#include "common/config/config_file.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/util/split_args.h"
#include "common/util/strings.h"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.0.0"
#endif

namespace vigil::config {
namespace {

// Nested includes deeper than this are almost certainly a loop through
// different spellings of a path that realpath could not resolve.
constexpr int kMaxIncludeDepth = 32;

std::string ErrnoText(int err) { return std::strerror(err); }

bool HasGlobChars(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

bool ReadWholeFile(const std::string& path, std::string* out, int* err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = errno;
    return false;
  }
  out->clear();
  char buf[16384];
  while (true) {
    ssize_t r = ::read(fd, buf, sizeof(buf));
    if (r < 0) {
      if (errno == EINTR) continue;
      *err = errno;  // EISDIR for a directory
      ::close(fd);
      return false;
    }
    if (r == 0) break;
    out->append(buf, static_cast<size_t>(r));
  }
  ::close(fd);
  return true;
}

// Parses `text` (from `source`) into `result`, expanding includes. `stack`
// holds the real paths of the files being read, to detect include loops.
bool ParseInto(std::string_view text, const std::string& source, std::vector<std::string>* stack,
               ReadResult* result);

bool ReadFileInto(const std::string& path, const Directive* included_from,
                  std::vector<std::string>* stack, ReadResult* result) {
  auto fail = [&](std::string reason) {
    ConfigError e;
    if (included_from != nullptr) {
      e.file = included_from->file;
      e.line_no = included_from->line_no;
      e.line = included_from->line;
    } else {
      e.file = path;
    }
    e.reason = std::move(reason);
    result->error = std::move(e);
    return false;
  };
  std::string content;
  int err = 0;
  if (!ReadWholeFile(path, &content, &err)) {
    return fail("Fatal error, can't open config file '" + path + "': " + ErrnoText(err));
  }
  char* real = ::realpath(path.c_str(), nullptr);
  std::string key = real != nullptr ? std::string(real) : path;
  std::free(real);
  for (const auto& open : *stack) {
    if (open == key) return fail("include loop: '" + path + "' is already being read");
  }
  if (static_cast<int>(stack->size()) >= kMaxIncludeDepth) {
    return fail("includes nested too deeply at '" + path + "'");
  }
  stack->push_back(key);
  bool ok = ParseInto(content, path, stack, result);
  stack->pop_back();
  return ok;
}

bool ExpandInclude(const Directive& d, std::vector<std::string>* stack, ReadResult* result) {
  const std::string& target = d.args[1];
  if (!HasGlobChars(target)) return ReadFileInto(target, &d, stack, result);
  // As Redis 7: a pattern that matches nothing is skipped, so an empty
  // conf.d directory can be included.
  glob_t g;
  std::memset(&g, 0, sizeof(g));
  if (::glob(target.c_str(), 0, nullptr, &g) != 0) {
    ::globfree(&g);
    return true;
  }
  std::vector<std::string> files(g.gl_pathv, g.gl_pathv + g.gl_pathc);
  ::globfree(&g);
  for (const auto& f : files) {
    if (!ReadFileInto(f, &d, stack, result)) return false;
  }
  return true;
}

bool ParseInto(std::string_view text, const std::string& source, std::vector<std::string>* stack,
               ReadResult* result) {
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    std::string_view line = TrimWhitespace(raw);
    if (line.empty() || line[0] == '#') continue;
    auto args = SplitArgs(line);
    if (!args) {
      result->error = ConfigError{source, line_no, std::string(line),
                                  "Unbalanced quotes in configuration line"};
      return false;
    }
    if (args->empty()) continue;
    Directive d;
    d.file = source;
    d.line_no = line_no;
    d.line = std::string(line);
    d.args = std::move(*args);
    if (d.args.size() == 2 && EqualsIgnoreCase(d.args[0], "include")) {
      if (!ExpandInclude(d, stack, result)) return false;
      continue;
    }
    result->directives.push_back(std::move(d));
  }
  return true;
}

}  // namespace

std::optional<std::vector<std::string>> SplitArgs(std::string_view line) {
  return vigil::SplitArgs(line);
}

std::optional<int64_t> ParseMemory(std::string_view s) {
  size_t u = 0;
  if (u < s.size() && s[u] == '-') ++u;
  while (u < s.size() && s[u] >= '0' && s[u] <= '9') ++u;
  std::string unit = ToLower(s.substr(u));
  int64_t mul;
  if (unit.empty() || unit == "b") {
    mul = 1;
  } else if (unit == "k") {
    mul = 1000;
  } else if (unit == "kb") {
    mul = 1024;
  } else if (unit == "m") {
    mul = 1000 * 1000;
  } else if (unit == "mb") {
    mul = 1024 * 1024;
  } else if (unit == "g") {
    mul = 1000LL * 1000 * 1000;
  } else if (unit == "gb") {
    mul = 1024LL * 1024 * 1024;
  } else {
    return std::nullopt;
  }
  std::string_view digits = s.substr(0, u);
  // memtoll runs strtoll on the digits: "" (and a bare unit such as "kb")
  // reads as 0, a lone "-" does not parse.
  bool neg = !digits.empty() && digits[0] == '-';
  if (neg) digits.remove_prefix(1);
  if (neg && digits.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : digits) {
    int d = c - '0';
    if (v > (INT64_MAX - d) / 10) return std::nullopt;  // strtoll's ERANGE
    v = v * 10 + d;
  }
  if (v > INT64_MAX / mul) return std::nullopt;
  v *= mul;
  return neg ? -v : v;
}

std::optional<bool> ParseYesNo(std::string_view s) {
  if (EqualsIgnoreCase(s, "yes")) return true;
  if (EqualsIgnoreCase(s, "no")) return false;
  return std::nullopt;
}

std::string FormatMemory(int64_t bytes) {
  constexpr int64_t kGb = 1024LL * 1024 * 1024;
  constexpr int64_t kMb = 1024LL * 1024;
  constexpr int64_t kKb = 1024;
  if (bytes != 0 && bytes % kGb == 0) return std::to_string(bytes / kGb) + "gb";
  if (bytes != 0 && bytes % kMb == 0) return std::to_string(bytes / kMb) + "mb";
  if (bytes != 0 && bytes % kKb == 0) return std::to_string(bytes / kKb) + "kb";
  return std::to_string(bytes);
}

std::string ConfigError::Format() const {
  std::string out = "\n*** FATAL CONFIG FILE ERROR (vigil " VIGIL_VERSION ") ***\n";
  if (line_no > 0) {
    out +=
        "Reading the configuration file '" + file + "', at line " + std::to_string(line_no) + "\n";
    out += ">>> '" + line + "'\n";
  }
  out += reason + "\n";
  return out;
}

ReadResult ReadConfigFile(const std::string& path) {
  ReadResult result;
  std::vector<std::string> stack;
  ReadFileInto(path, nullptr, &stack, &result);
  return result;
}

ReadResult ParseConfigText(std::string_view text, const std::string& source_name) {
  ReadResult result;
  std::vector<std::string> stack;
  ParseInto(text, source_name, &stack, &result);
  return result;
}

Status WriteFileAtomically(const std::string& path, std::string_view content, int* err_no) {
  static std::atomic<uint64_t> counter{0};
  if (err_no != nullptr) *err_no = 0;
  auto fail = [&](const std::string& what, int err) {
    if (err_no != nullptr) *err_no = err;
    return Status::Error(what + ": " + ErrnoText(err));
  };

  std::string dir = ".";
  size_t slash = path.rfind('/');
  if (slash != std::string::npos) dir = slash == 0 ? "/" : path.substr(0, slash);

  // A unique name beside the target, so rename() stays inside one file
  // system and is atomic. O_EXCL: never reuse someone else's file.
  const std::string tmp =
      path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return fail("Could not create temp file '" + tmp + "'", errno);

  auto abandon = [&](const std::string& what, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail(what, err);
  };

  // Keep the old file's permissions: a config holding requirepass is often
  // 0640 and must not become world-readable by being rewritten.
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) (void)::fchmod(fd, st.st_mode & 07777);

  size_t off = 0;
  while (off < content.size()) {
    ssize_t w = ::write(fd, content.data() + off, content.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      return abandon("Could not write temp file '" + tmp + "'", errno);
    }
    if (w == 0) return abandon("Could not write temp file '" + tmp + "'", EIO);
    off += static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0) return abandon("Could not sync temp file '" + tmp + "'", errno);
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return fail("Could not close temp file '" + tmp + "'", err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return fail("Could not rename '" + tmp + "' to '" + path + "'", err);
  }
  // Make the rename itself durable. The new file is already in place, so a
  // failure here is not reported as a failed write (some file systems do
  // not support fsync on directories).
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace vigil::config

#include "server/persistence/check_tool.h"

#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/persistence/aof.h"
#include "server/persistence/rdb_codec.h"

namespace vigil::server {
namespace {

using ull = unsigned long long;  // what printf's %llu takes

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

uint64_t FileSize(std::FILE* f) {
  struct stat st {};
  return fstat(fileno(f), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// How redis-check-aof tells its inputs apart: a manifest starts with
// "file", an RDB image (a base file or a preamble) with "REDIS".
bool FileStartsWith(const std::string& path, std::string_view magic, uint64_t min_size) {
  FilePtr f(std::fopen(path.c_str(), "r"));
  if (!f || FileSize(f.get()) < min_size) return false;
  std::string head(magic.size(), '\0');
  return std::fread(head.data(), 1, head.size(), f.get()) == head.size() && head == magic;
}

// The codec's errors end in " at offset N"; the report puts the offset first.
std::string WithoutOffsetSuffix(const std::string& msg) {
  static constexpr std::string_view kAt = " at offset ";
  const size_t at = msg.rfind(kAt);
  if (at == std::string::npos || at + kAt.size() == msg.size() ||
      msg.find_first_not_of("0123456789", at + kAt.size()) != std::string::npos) {
    return msg;
  }
  return msg.substr(0, at);
}

// What redis-check-rdb says about the trailer of an image that loaded:
// nothing before version 5 (no checksum), and a zero checksum means the
// writer had rdbchecksum off.
std::optional<std::string> ChecksumNote(std::FILE* f, uint64_t end) {
  char magic[9];
  if (pread(fileno(f), magic, sizeof magic, 0) != static_cast<ssize_t>(sizeof magic)) return {};
  const int version = std::atoi(std::string(magic + 5, 4).c_str());  // "REDIS0010"
  unsigned char crc[8];
  if (version < 5 || end < sizeof crc) return {};
  if (pread(fileno(f), crc, sizeof crc, static_cast<off_t>(end - sizeof crc)) !=
      static_cast<ssize_t>(sizeof crc)) {
    return {};
  }
  if (std::all_of(crc, crc + sizeof crc, [](unsigned char b) { return b == 0; }))
    return "RDB file was saved with checksum disabled: no check performed.";
  return "Checksum OK";
}

// Checks the RDB image at the start of `f` (a dump, an AOF base or an AOF
// preamble), printing redis-check-rdb's report. Leaves `f` just after it.
bool CheckRdbStream(std::FILE* f, const std::string& name) {
  std::printf("[offset 0] Checking RDB file %s\n", name.c_str());
  rdb::FileInput in(f);
  ull keys = 0, expires = 0, already_expired = 0;
  const int64_t now = UnixMs();
  rdb::LoadCallbacks cb;
  cb.on_aux = [&](std::string_view k, std::string_view v) {
    std::printf("[offset %llu] AUX FIELD %.*s = '%.*s'\n", static_cast<ull>(in.offset()),
                static_cast<int>(k.size()), k.data(), static_cast<int>(v.size()), v.data());
  };
  cb.on_select_db = [&](uint64_t db) {
    std::printf("[offset %llu] Selecting DB ID %llu\n", static_cast<ull>(in.offset()),
                static_cast<ull>(db));
  };
  cb.on_entry = [&](std::string, rdb::Value, std::optional<int64_t> expire) {
    ++keys;
    if (expire) {
      ++expires;
      if (*expire < now) ++already_expired;
    }
    return Status::Ok();
  };
  const Status st = rdb::Load(in, cb);
  const ull end = in.offset();
  if (st.ok()) {
    if (auto note = ChecksumNote(f, end)) std::printf("[offset %llu] %s\n", end, note->c_str());
    std::printf("[offset %llu] \\o/ RDB looks OK! \\o/\n", end);
  } else {
    std::printf("--- RDB ERROR DETECTED ---\n");
    std::printf("[offset %llu] %s\n", end, WithoutOffsetSuffix(st.message()).c_str());
  }
  std::printf("[info] %llu keys read\n[info] %llu expires\n[info] %llu already expired\n", keys,
              expires, already_expired);
  return st.ok();
}

// redis-check-aof's error lines: the file position in a 16-wide hex field.
std::string ErrorAt(uint64_t pos, const std::string& what) {
  char prefix[32];
  std::snprintf(prefix, sizeof prefix, "0x%16llx: ", static_cast<ull>(pos));
  return prefix + what;
}

// The length of a RESP header line ("*3\r\n", "$5\r\n").
uint64_t HeaderLen(uint64_t n) { return std::to_string(n).size() + 3; }

enum class AofOutcome { kOk, kEmpty, kTruncated, kFailed };

// Checks AOF files one at a time, as redis-check-aof does, with its report.
class AofChecker {
 public:
  explicit AofChecker(bool fix) : fix_(fix) {}

  // `name` is how the report calls the file; `last_file` allows --fix.
  AofOutcome CheckFile(const std::string& name, const std::string& path, bool last_file,
                       bool preamble);

 private:
  // CommandReader says where and how a command failed; these re-read it as
  // redis-check-aof does, for its error text and line count.
  std::string DescribeFailedCommand(std::FILE* f, uint64_t start, const std::string& name);
  bool ReadLong(std::FILE* f, char prefix, long* out, std::string* err);
  bool ConsumeNewline(const char* p, uint64_t pos, std::string* err);
  AofOutcome Truncate(const std::string& name, const std::string& path, uint64_t size,
                      uint64_t ok_up_to);

  bool fix_;
  // Lines read so far (ok_up_to_line). Like redis-check-aof, counted across
  // the files of one run, and including the lines of a failed command.
  long long line_ = 1;
};

bool AofChecker::ConsumeNewline(const char* p, uint64_t pos, std::string* err) {
  if (std::strncmp(p, "\r\n", 2) != 0) {
    char what[64];
    std::snprintf(what, sizeof what, "Expected \\r\\n, got: %02x%02x", p[0], p[0] ? p[1] : 0);
    *err = ErrorAt(pos, what);
    return false;
  }
  ++line_;
  return true;
}

bool AofChecker::ReadLong(std::FILE* f, char prefix, long* out, std::string* err) {
  const uint64_t pos = static_cast<uint64_t>(ftello(f));
  char buf[128];
  if (std::fgets(buf, sizeof buf, f) == nullptr) return false;  // plain EOF: no message
  if (buf[0] != prefix) {
    char what[64];
    std::snprintf(what, sizeof what, "Expected prefix '%c', got: '%c'", prefix, buf[0]);
    *err = ErrorAt(pos, what);
    return false;
  }
  char* end = nullptr;
  *out = std::strtol(buf + 1, &end, 10);
  return ConsumeNewline(end, pos, err);
}

std::string AofChecker::DescribeFailedCommand(std::FILE* f, uint64_t start,
                                              const std::string& name) {
  if (fseeko(f, static_cast<off_t>(start), SEEK_SET) != 0) return {};
  const int c = std::fgetc(f);
  if (c != '*') return "AOF " + name + " format error";
  std::ungetc(c, f);
  std::string err;
  long argc = 0;
  if (!ReadLong(f, '*', &argc, &err)) return err;
  for (long i = 0; i < argc; ++i) {
    long len = 0;
    if (!ReadLong(f, '$', &len, &err)) return err;
    const uint64_t pos = static_cast<uint64_t>(ftello(f));
    if (len < 0) {
      return ErrorAt(pos, "Expected to read string of " + std::to_string(len) +
                              " bytes, which is not in the suitable range");
    }
    // The argument and its CRLF, in pieces (a corrupt length can be huge);
    // only the last two bytes matter.
    const uint64_t want = static_cast<uint64_t>(len) + 2;
    uint64_t got = 0;
    char piece[4096];
    char tail[3] = {0, 0, 0};
    while (got < want) {
      const size_t n = std::fread(piece, 1, std::min<uint64_t>(sizeof piece, want - got), f);
      if (n == 0) break;
      got += n;
      if (n >= 2) {
        std::memcpy(tail, piece + n - 2, 2);
      } else {  // one byte: the CRLF may straddle two pieces
        tail[0] = tail[1];
        tail[1] = piece[0];
      }
    }
    if (got != want) {
      return ErrorAt(pos, "Expected to read " + std::to_string(want) + " bytes, got " +
                              std::to_string(got) + " bytes");
    }
    if (!ConsumeNewline(tail, pos, &err)) return err;
  }
  return err;  // empty: redis-check-aof would have accepted this command
}

AofOutcome AofChecker::CheckFile(const std::string& name, const std::string& path, bool last_file,
                                 bool preamble) {
  FilePtr f(std::fopen(path.c_str(), "r"));
  if (!f) {
    std::printf("Cannot open file: %s, aborting...\n", name.c_str());
    return AofOutcome::kFailed;
  }
  const uint64_t size = FileSize(f.get());
  if (size == 0) return AofOutcome::kEmpty;
  uint64_t base = 0;  // where the commands start
  if (preamble) {
    if (!CheckRdbStream(f.get(), name)) {
      std::printf("RDB preamble of AOF file is not sane, aborting.\n");
      return AofOutcome::kFailed;
    }
    std::printf("RDB preamble is OK, proceeding with AOF tail...\n");
    base = static_cast<uint64_t>(ftello(f.get()));
  }

  using Result = aof::CommandReader::Result;
  aof::CommandReader reader(f.get());
  std::vector<std::string> args;
  int multi = 0;
  uint64_t ok_up_to = base;     // end of the last command outside MULTI ... EXEC
  uint64_t cmd_start = base;    // start of the command being read
  uint64_t last_arg_at = base;  // where the last argument read began
  std::string error;
  bool damaged = false;  // broken before its tail: --fix must not cut there
  Result res;
  while ((res = reader.Next(&args)) == Result::kCommand) {
    const uint64_t end = base + reader.valid_up_to();
    const bool is_multi = EqualsIgnoreCase(args[0], "multi");
    const bool is_exec = EqualsIgnoreCase(args[0], "exec");
    if ((is_multi && multi++ > 0) || (is_exec && --multi != 0)) {
      line_ += 3;  // redis-check-aof stops after the name: header, length, name
      const uint64_t name_at = cmd_start + HeaderLen(args.size()) + HeaderLen(args[0].size());
      error = ErrorAt(
          name_at, std::string("Unexpected ") + (is_multi ? "MULTI" : "EXEC") + " in AOF " + path);
      damaged = true;
      break;
    }
    line_ += 1 + 2 * static_cast<long long>(args.size());
    last_arg_at = end - args.back().size() - 2;
    if (multi == 0) ok_up_to = end;
    cmd_start = end;
  }
  if (res == Result::kTruncated || res == Result::kBadFormat) {
    error = DescribeFailedCommand(f.get(), cmd_start, name);
    damaged = res == Result::kBadFormat;
  } else if (res == Result::kEof && multi > 0) {
    error = ErrorAt(last_arg_at, "Reached EOF before reading EXEC for MULTI");
  }
  if (!error.empty()) std::printf("%s\n", error.c_str());

  const uint64_t diff = size - ok_up_to;
  std::printf(
      "AOF analyzed: filename=%s, size=%llu, ok_up_to=%llu, ok_up_to_line=%lld, diff=%llu\n",
      name.c_str(), static_cast<ull>(size), static_cast<ull>(ok_up_to), line_,
      static_cast<ull>(diff));
  if (diff == 0) return AofOutcome::kOk;
  if (!fix_) {
    std::printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", name.c_str());
    return AofOutcome::kFailed;
  }
  if (!last_file) {
    std::printf("Failed to truncate AOF %s because it is not the last file\n", name.c_str());
    return AofOutcome::kFailed;
  }
  if (damaged) {
    // redis-check-aof would cut here too, silently dropping every command
    // after the damage; only a torn tail is safe to cut.
    std::printf(
        "AOF %s is damaged before its end, not just torn: --fix would drop %llu bytes "
        "of commands after the damage. Not truncating; restore the file from a backup.\n",
        name.c_str(), static_cast<ull>(diff));
    return AofOutcome::kFailed;
  }
  f.reset();
  return Truncate(name, path, size, ok_up_to);
}

AofOutcome AofChecker::Truncate(const std::string& name, const std::string& path, uint64_t size,
                                uint64_t ok_up_to) {
  std::printf("This will shrink the AOF %s from %llu bytes, with %llu bytes, to %llu bytes\n",
              name.c_str(), static_cast<ull>(size), static_cast<ull>(size - ok_up_to),
              static_cast<ull>(ok_up_to));
  std::printf("Continue? [y/N]: ");
  std::fflush(stdout);
  char answer[2];
  if (std::fgets(answer, sizeof answer, stdin) == nullptr || strncasecmp(answer, "y", 1) != 0) {
    std::printf("Aborting...\n");
    return AofOutcome::kFailed;
  }
  if (truncate(path.c_str(), static_cast<off_t>(ok_up_to)) != 0) {
    std::printf("Failed to truncate AOF %s\n", name.c_str());
    return AofOutcome::kFailed;
  }
  return AofOutcome::kTruncated;
}

// The verdict line for one file ("BASE AOF x is valid"); 1 if it failed.
int Report(AofOutcome outcome, const char* kind, const std::string& name) {
  switch (outcome) {
    case AofOutcome::kOk:
      std::printf("%s %s is valid\n", kind, name.c_str());
      return 0;
    case AofOutcome::kEmpty:
      std::printf("%s %s is empty\n", kind, name.c_str());
      return 0;
    case AofOutcome::kTruncated:
      std::printf("Successfully truncated AOF %s\n", name.c_str());
      return 0;
    case AofOutcome::kFailed:
      return 1;
  }
  return 1;
}

int CheckMultiPartAof(AofChecker& checker, const std::string& manifest_path) {
  std::printf("Start checking Multi Part AOF\n");
  std::ifstream in(manifest_path);
  std::stringstream text;
  text << in.rdbuf();
  auto manifest = aof::Manifest::Parse(text.str());
  if (!manifest.ok()) {
    std::printf("\n*** FATAL AOF MANIFEST FILE ERROR ***\n%s\n", manifest.message().c_str());
    return 1;
  }
  // The files a manifest names live next to it.
  std::string dir = std::filesystem::path(manifest_path).parent_path().string();
  if (dir.empty()) dir = ".";
  const aof::ManifestEntry* base = manifest->base();
  const auto incrs = manifest->incrs();
  const size_t total = (base ? 1 : 0) + incrs.size();
  size_t checked = 0;
  if (base) {
    const std::string path = dir + "/" + base->name;
    const bool rdb = FileStartsWith(path, "REDIS", 8);
    std::printf("Start to check BASE AOF (%s format).\n", rdb ? "RDB" : "RESP");
    if (Report(checker.CheckFile(base->name, path, ++checked == total, rdb), "BASE AOF",
               base->name))
      return 1;
  }
  if (!incrs.empty()) std::printf("Start to check INCR files.\n");
  for (const aof::ManifestEntry* incr : incrs) {
    const std::string path = dir + "/" + incr->name;
    if (Report(checker.CheckFile(incr->name, path, ++checked == total, false), "INCR AOF",
               incr->name))
      return 1;
  }
  std::printf("All AOF files and manifest are valid\n");
  return 0;
}

// Removes `flag` from args; true if it was there.
bool TakeFlag(std::vector<std::string>* args, std::string_view flag) {
  auto it = std::find(args->begin(), args->end(), flag);
  if (it == args->end()) return false;
  args->erase(it);
  return true;
}

}  // namespace

int CheckRdbMain(const std::string& path) {
  FilePtr f(std::fopen(path.c_str(), "r"));
  if (!f) {
    std::printf("[offset 0] Checking RDB file %s\n", path.c_str());
    std::printf("Fatal error: can't open the RDB file %s for reading: %s\n", path.c_str(),
                std::strerror(errno));
    return 1;
  }
  return CheckRdbStream(f.get(), path) ? 0 : 1;
}

int CheckAofMain(const std::string& path, bool fix) {
  if (FilePtr f(std::fopen(path.c_str(), "r")); !f) {
    std::printf("Cannot open file: %s\n", path.c_str());
    return 1;
  }
  AofChecker checker(fix);
  // The smallest manifest: "file a.1.incr.aof seq 1 type i".
  if (FileStartsWith(path, "file", 30)) return CheckMultiPartAof(checker, path);
  std::printf("Start checking Old-Style AOF\n");
  const bool preamble = FileStartsWith(path, "REDIS", 8);
  return Report(checker.CheckFile(path, path, true, preamble), "AOF", path);
}

std::optional<int> RunCheckToolIfRequested(int argc, const char* const* argv) {
  const std::string prog = argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "";
  std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  std::string usage_name = prog;
  bool rdb = prog == "vigil-check-rdb";
  bool aof = prog == "vigil-check-aof";
  if (!rdb && !aof) {
    // vigil-server --check-rdb FILE, --check-aof [--fix] FILE (or --flag=FILE).
    for (size_t i = 0; i < args.size() && !rdb && !aof; ++i) {
      for (const char* flag : {"--check-rdb", "--check-aof"}) {
        const std::string_view a = args[i];
        if (a != flag && !StartsWith(a, std::string(flag) + "=")) continue;
        rdb = std::string_view(flag) == "--check-rdb";
        aof = !rdb;
        usage_name += " ";
        usage_name += flag;
        if (a.size() > std::strlen(flag)) {
          args[i] = args[i].substr(std::strlen(flag) + 1);
        } else {
          args.erase(args.begin() + static_cast<ptrdiff_t>(i));
        }
        break;
      }
    }
    if (!rdb && !aof) return std::nullopt;
  }
  if (rdb) {
    if (args.size() != 1) {
      std::printf("Usage: %s <rdb-file-name>\n", usage_name.c_str());
      return 1;
    }
    return CheckRdbMain(args[0]);
  }
  const bool fix = TakeFlag(&args, "--fix");
  if (args.size() != 1 || StartsWith(args[0], "--")) {
    std::printf("Usage: %s [--fix] <file.manifest|file.aof>\n", usage_name.c_str());
    return 1;
  }
  return CheckAofMain(args[0], fix);
}

}  // namespace vigil::server

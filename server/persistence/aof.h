// The append-only file in Redis 7's multi-part layout: a directory
// (appenddirname) holding one BASE file (an RDB image, or commands), INCR
// files of commands written since, and a manifest naming them:
//
//   file appendonly.aof.1.base.rdb seq 1 type b
//   file appendonly.aof.1.incr.aof seq 1 type i
//
// A rewrite opens the next INCR file at once (so no rewrite buffer is
// needed), a forked child writes the new BASE from its copy-on-write image,
// and a new manifest switches to [new base, incr files since] atomically.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/util/status.h"

namespace vigil::server::aof {

enum class FileType : char { kBase = 'b', kHistory = 'h', kIncr = 'i' };

struct ManifestEntry {
  std::string name;
  int64_t seq = 0;
  FileType type = FileType::kIncr;
};

struct Manifest {
  std::vector<ManifestEntry> files;

  const ManifestEntry* base() const;
  std::vector<const ManifestEntry*> incrs() const;  // in seq order
  int64_t next_incr_seq() const;
  int64_t next_base_seq() const;

  std::string Format() const;
  // Redis's errors: "Invalid AOF manifest file format", "Found duplicate base
  // file information", ...
  static StatusOr<Manifest> Parse(std::string_view text);
};

std::string ManifestName(const std::string& appendfilename);
std::string BaseName(const std::string& appendfilename, int64_t seq, bool rdb_preamble);
std::string IncrName(const std::string& appendfilename, int64_t seq);

// Appends one command in RESP multibulk form, as the AOF stores it.
void AppendCommand(std::string* out, const std::vector<std::string>& args);

// Reads the commands of an INCR (or command-form BASE) file.
class CommandReader {
 public:
  enum class Result { kCommand, kEof, kTruncated, kBadFormat };
  // `start`: the file offset `f` is at (commands after an RDB preamble).
  explicit CommandReader(std::FILE* f, uint64_t start = 0) : f_(f), offset_(start), valid_(start) {}
  Result Next(std::vector<std::string>* args);
  // Offset just after the last complete command (where --fix truncates).
  uint64_t valid_up_to() const { return valid_; }
  uint64_t offset() const { return offset_; }

 private:
  bool ReadLine(std::string* line);
  std::FILE* f_;
  uint64_t offset_ = 0;
  uint64_t valid_ = 0;
};

enum class Fsync { kAlways, kEverySec, kNo };
std::optional<Fsync> ParseFsync(std::string_view s);

// The open INCR file: commands are buffered per event-loop turn, written
// before the replies they belong to go out, and fsynced per the policy
// (everysec: by a background thread, so the event loop never waits on the
// disk).
class Writer {
 public:
  Writer();
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Opens `path` for appending (creating it) and clears a remembered write
  // error, as Redis does when the AOF is reopened.
  Status Open(const std::string& path);
  void Close();
  bool is_open() const { return fd_ >= 0; }

  void Feed(std::string_view bytes) { buf_.append(bytes); }
  bool has_pending() const { return !buf_.empty(); }
  // Writes the buffer. With kAlways also fsyncs. On a write error the
  // unwritten bytes stay buffered and the error is remembered
  // (aof_last_write_status); the next Flush retries.
  Status Flush(Fsync policy);
  // everysec: hands an fsync to the background thread if one is due.
  void MaybeBackgroundFsync(int64_t now_ms);
  // Waits for the background fsync queue to drain (shutdown, rewrite switch).
  void WaitForFsync();

  uint64_t size() const { return size_; }
  bool last_write_ok() const { return last_write_ok_; }
  const std::string& last_write_error() const { return last_write_error_; }
  uint64_t delayed_fsyncs() const { return delayed_fsyncs_; }

 private:
  void FsyncLoop();
  int fd_ = -1;
  std::string buf_;
  uint64_t size_ = 0;
  bool last_write_ok_ = true;
  std::string last_write_error_;
  bool unsynced_ = false;
  int64_t last_fsync_ms_ = 0;
  uint64_t delayed_fsyncs_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int> fsync_queue_;  // fds to fsync (dup'ed, closed by the thread)
  bool fsync_busy_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace vigil::server::aof

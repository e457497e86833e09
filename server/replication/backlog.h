// The replication backlog: the last `size` bytes of the master's replication
// stream in a ring buffer, with the stream offsets Redis reports
// (master_repl_offset, repl_backlog_first_byte_offset, repl_backlog_histlen).
// A replica that reconnects asking for offset X resumes from here when X is
// still inside the buffer (partial resync) instead of a full copy.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::server::repl {

class Backlog {
 public:
  // `start_offset` is the master_repl_offset the buffer starts after (the
  // first byte appended gets offset start_offset + 1).
  explicit Backlog(size_t size, int64_t start_offset = 0);

  void Append(std::string_view data);
  // Offset of the last byte ever appended (master_repl_offset).
  int64_t offset() const { return offset_; }
  // Offset of the oldest byte still held (repl_backlog_first_byte_offset).
  int64_t first_byte_offset() const { return offset_ - static_cast<int64_t>(histlen_) + 1; }
  size_t histlen() const { return histlen_; }
  size_t size() const { return buf_.size(); }

  // True when a replica asking to continue from byte `from` can be served:
  // first_byte_offset <= from <= offset + 1 (nothing missing yet).
  bool CanServe(int64_t from) const;
  // The bytes from offset `from` to the end (CanServe(from) must hold).
  std::string CopyFrom(int64_t from) const;

  // repl-backlog-size changed: keeps the newest bytes that still fit.
  void Resize(size_t size);

 private:
  std::string buf_;
  size_t head_ = 0;  // where the next byte goes
  size_t histlen_ = 0;
  int64_t offset_ = 0;
};

// The master's answer to `PSYNC <replid> <offset>`.
struct PsyncDecision {
  bool partial = false;
  std::string reason;  // why a full resync, in Redis's log wording
};

// Redis's masterTryPartialResynchronization rules: the replica's history id
// must be ours, or our previous one (replid2) up to second_repl_offset, and
// the offset must still be in the backlog. "?" / -1 always means full.
PsyncDecision DecidePsync(std::string_view req_replid, int64_t req_offset, std::string_view replid,
                          std::string_view replid2, int64_t second_repl_offset,
                          const Backlog* backlog);

// A fresh 40-hex-character replication id (as run_id and master_replid).
std::string RandomReplId();

}  // namespace vigil::server::repl

#include "server/replication/backlog.h"

#include <algorithm>
#include <random>

namespace vigil::server::repl {

Backlog::Backlog(size_t size, int64_t start_offset) : buf_(std::max<size_t>(size, 1), '\0'), offset_(start_offset) {}

void Backlog::Append(std::string_view data) {
  offset_ += static_cast<int64_t>(data.size());
  // Only the tail that fits matters.
  if (data.size() > buf_.size()) data.remove_prefix(data.size() - buf_.size());
  while (!data.empty()) {
    size_t n = std::min(data.size(), buf_.size() - head_);
    std::copy_n(data.data(), n, buf_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = (head_ + n) % buf_.size();
    data.remove_prefix(n);
    histlen_ = std::min(buf_.size(), histlen_ + n);
  }
}

bool Backlog::CanServe(int64_t from) const {
  return histlen_ > 0 ? from >= first_byte_offset() && from <= offset_ + 1 : from == offset_ + 1;
}

std::string Backlog::CopyFrom(int64_t from) const {
  const size_t skip = static_cast<size_t>(from - first_byte_offset());
  const size_t len = histlen_ - skip;
  std::string out;
  out.reserve(len);
  // The oldest byte sits at head_ - histlen_ (mod size).
  size_t pos = (head_ + buf_.size() - histlen_ + skip) % buf_.size();
  for (size_t left = len; left > 0;) {
    size_t n = std::min(left, buf_.size() - pos);
    out.append(buf_, pos, n);
    pos = (pos + n) % buf_.size();
    left -= n;
  }
  return out;
}

void Backlog::Resize(size_t size) {
  size = std::max<size_t>(size, 1);
  if (size == buf_.size()) return;
  std::string keep = histlen_ > 0 ? CopyFrom(first_byte_offset()) : std::string();
  if (keep.size() > size) keep.erase(0, keep.size() - size);
  const int64_t end = offset_;
  buf_.assign(size, '\0');
  head_ = 0;
  histlen_ = 0;
  offset_ = end - static_cast<int64_t>(keep.size());
  Append(keep);
}

PsyncDecision DecidePsync(std::string_view req_replid, int64_t req_offset, std::string_view replid,
                          std::string_view replid2, int64_t second_repl_offset,
                          const Backlog* backlog) {
  PsyncDecision d;
  if (req_replid == "?" || req_offset < 0) {
    d.reason = "Full resync requested by replica";
    return d;
  }
  if (req_replid != replid && (req_replid != replid2 || req_offset > second_repl_offset)) {
    if (req_replid != replid2) {
      d.reason = "Replication ID mismatch (Replica asked for '" + std::string(req_replid) +
                 "', my replication IDs are '" + std::string(replid) + "' and '" +
                 std::string(replid2) + "')";
    } else {
      d.reason = "Requested offset for second ID was " + std::to_string(req_offset) +
                 ", but I can reply up to " + std::to_string(second_repl_offset);
    }
    return d;
  }
  if (backlog == nullptr || !backlog->CanServe(req_offset)) {
    d.reason = "Unable to partial resync with replica: lack of backlog (Replica request was: " +
               std::to_string(req_offset) + ").";
    return d;
  }
  d.partial = true;
  return d;
}

std::string RandomReplId() {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string id(40, '0');
  for (auto& c : id) c = hex[rng() & 15];
  return id;
}

}  // namespace vigil::server::repl

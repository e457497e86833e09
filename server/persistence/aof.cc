#include "server/persistence/aof.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/config/config_file.h"
#include "common/util/clock.h"
#include "common/util/strings.h"

namespace vigil::server::aof {

// ---------------------------------------------------------------- manifest

const ManifestEntry* Manifest::base() const {
  for (const auto& f : files)
    if (f.type == FileType::kBase) return &f;
  return nullptr;
}

std::vector<const ManifestEntry*> Manifest::incrs() const {
  std::vector<const ManifestEntry*> out;
  for (const auto& f : files)
    if (f.type == FileType::kIncr) out.push_back(&f);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->seq < b->seq; });
  return out;
}

int64_t Manifest::next_incr_seq() const {
  int64_t m = 0;
  for (const auto& f : files)
    if (f.type == FileType::kIncr) m = std::max(m, f.seq);
  return m + 1;
}

int64_t Manifest::next_base_seq() const {
  int64_t m = 0;
  for (const auto& f : files)
    if (f.type == FileType::kBase || f.type == FileType::kHistory) m = std::max(m, f.seq);
  return m + 1;
}

std::string Manifest::Format() const {
  std::string out;
  // Base first, then history, then INCR files in order, as Redis writes it.
  auto emit = [&](const ManifestEntry& f) {
    std::string name = f.name;
    if (name.find_first_of(" \t\r\n\"'\\") != std::string::npos) name = QuoteRepr(name);
    out += "file " + name + " seq " + std::to_string(f.seq) + " type " +
           static_cast<char>(f.type) + "\n";
  };
  if (const auto* b = base()) emit(*b);
  for (const auto& f : files)
    if (f.type == FileType::kHistory) emit(f);
  for (const auto* f : incrs()) emit(*f);
  return out;
}

StatusOr<Manifest> Manifest::Parse(std::string_view text) {
  Manifest m;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    auto args = config::SplitArgs(line);
    if (!args || args->size() % 2 != 0 || args->empty()) {
      return Status::Error("Invalid AOF manifest file format (line " + std::to_string(line_no) + ")");
    }
    ManifestEntry e;
    bool has_type = false, has_seq = false;
    for (size_t i = 0; i < args->size(); i += 2) {
      const std::string& k = (*args)[i];
      const std::string& v = (*args)[i + 1];
      if (k == "file") {
        e.name = v;
      } else if (k == "seq") {
        auto n = ParseInt64(v);
        if (!n) return Status::Error("Invalid AOF manifest file format (line " + std::to_string(line_no) + ")");
        e.seq = *n;
        has_seq = true;
      } else if (k == "type") {
        if (v.size() != 1 || (v[0] != 'b' && v[0] != 'h' && v[0] != 'i'))
          return Status::Error("Unknown AOF file type " + v);
        e.type = static_cast<FileType>(v[0]);
        has_type = true;
      }  // unknown keys are skipped, as Redis does, for forward compatibility
    }
    if (e.name.empty() || !has_seq || !has_type || e.name.find('/') != std::string::npos)
      return Status::Error("Invalid AOF manifest file format (line " + std::to_string(line_no) + ")");
    if (e.type == FileType::kBase && m.base() != nullptr)
      return Status::Error("Found duplicate base file information");
    m.files.push_back(std::move(e));
  }
  return m;
}

std::string ManifestName(const std::string& f) { return f + ".manifest"; }
std::string BaseName(const std::string& f, int64_t seq, bool rdb) {
  return f + "." + std::to_string(seq) + ".base." + (rdb ? "rdb" : "aof");
}
std::string IncrName(const std::string& f, int64_t seq) {
  return f + "." + std::to_string(seq) + ".incr.aof";
}

void AppendCommand(std::string* out, const std::vector<std::string>& args) {
  *out += '*';
  *out += std::to_string(args.size());
  *out += "\r\n";
  for (const auto& a : args) {
    *out += '$';
    *out += std::to_string(a.size());
    *out += "\r\n";
    *out += a;
    *out += "\r\n";
  }
}

// ---------------------------------------------------------------- reading

bool CommandReader::ReadLine(std::string* line) {
  line->clear();
  for (;;) {
    int c = std::fgetc(f_);
    if (c == EOF) return false;
    ++offset_;
    if (c == '\n') {
      if (line->empty() || line->back() != '\r') return false;
      line->pop_back();
      return true;
    }
    line->push_back(static_cast<char>(c));
    if (line->size() > 64) return false;  // a header line is never this long
  }
}

CommandReader::Result CommandReader::Next(std::vector<std::string>* args) {
  args->clear();
  int c = std::fgetc(f_);
  if (c == EOF) return Result::kEof;
  ++offset_;
  if (c != '*') return Result::kBadFormat;
  std::string line;
  if (!ReadLine(&line)) return std::feof(f_) ? Result::kTruncated : Result::kBadFormat;
  auto argc = ParseInt64(line);
  if (!argc || *argc < 1) return Result::kBadFormat;
  for (int64_t i = 0; i < *argc; ++i) {
    c = std::fgetc(f_);
    if (c == EOF) return Result::kTruncated;
    ++offset_;
    if (c != '$') return Result::kBadFormat;
    if (!ReadLine(&line)) return std::feof(f_) ? Result::kTruncated : Result::kBadFormat;
    auto len = ParseInt64(line);
    if (!len || *len < 0) return Result::kBadFormat;
    std::string arg;
    // Read in pieces so a corrupt length cannot allocate more than the file holds.
    while (static_cast<int64_t>(arg.size()) < *len) {
      size_t piece = static_cast<size_t>(std::min<int64_t>(*len - static_cast<int64_t>(arg.size()), 1 << 20));
      size_t at = arg.size();
      arg.resize(at + piece);
      size_t got = std::fread(arg.data() + at, 1, piece, f_);
      offset_ += got;
      if (got != piece) return Result::kTruncated;
    }
    char crlf[2];
    size_t got = std::fread(crlf, 1, 2, f_);
    offset_ += got;
    if (got != 2) return Result::kTruncated;
    if (crlf[0] != '\r' || crlf[1] != '\n') return Result::kBadFormat;
    args->push_back(std::move(arg));
  }
  valid_ = offset_;
  return Result::kCommand;
}

std::optional<Fsync> ParseFsync(std::string_view s) {
  if (EqualsIgnoreCase(s, "always")) return Fsync::kAlways;
  if (EqualsIgnoreCase(s, "everysec")) return Fsync::kEverySec;
  if (EqualsIgnoreCase(s, "no")) return Fsync::kNo;
  return std::nullopt;
}

// ---------------------------------------------------------------- writing

Writer::Writer() : thread_([this] { FsyncLoop(); }) {}

Writer::~Writer() {
  Close();
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Status Writer::Open(const std::string& path) {
  Close();
  fd_ = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd_ < 0) return Status::Error("Can't open the append-only file " + path + ": " + std::strerror(errno));
  struct stat st{};
  size_ = fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  unsynced_ = false;
  last_write_ok_ = true;
  last_write_error_.clear();
  return Status::Ok();
}

void Writer::Close() {
  if (fd_ < 0) return;
  WaitForFsync();
  fdatasync(fd_);
  close(fd_);
  fd_ = -1;
}

Status Writer::Flush(Fsync policy) {
  if (fd_ < 0 || buf_.empty()) return Status::Ok();
  size_t off = 0;
  while (off < buf_.size()) {
    ssize_t n = write(fd_, buf_.data() + off, buf_.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      last_write_ok_ = false;
      last_write_error_ = n < 0 ? std::strerror(errno) : "short write";
      // Keep what did not reach the file; a partial command that did is
      // completed by the retry, so the file stays a sequence of commands.
      buf_.erase(0, off);
      size_ += off;
      return Status::Error("Error writing to the AOF file: " + last_write_error_);
    }
    off += static_cast<size_t>(n);
  }
  size_ += buf_.size();
  buf_.clear();
  last_write_ok_ = true;
  if (policy == Fsync::kAlways) {
    if (fdatasync(fd_) != 0) {
      last_write_ok_ = false;
      last_write_error_ = std::strerror(errno);
      return Status::Error("Can't persist the AOF file: " + last_write_error_);
    }
    last_fsync_ms_ = MonotonicMs();
  } else {
    unsynced_ = true;
  }
  return Status::Ok();
}

void Writer::MaybeBackgroundFsync(int64_t now_ms) {
  if (fd_ < 0 || !unsynced_ || now_ms - last_fsync_ms_ < 1000) return;
  std::lock_guard<std::mutex> l(mu_);
  if (fsync_busy_ || !fsync_queue_.empty()) {
    ++delayed_fsyncs_;  // the disk is slower than once a second
    return;
  }
  int dup_fd = dup(fd_);
  if (dup_fd < 0) return;
  fsync_queue_.push_back(dup_fd);
  unsynced_ = false;
  last_fsync_ms_ = now_ms;
  cv_.notify_one();
}

void Writer::WaitForFsync() {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [this] { return fsync_queue_.empty() && !fsync_busy_; });
}

void Writer::FsyncLoop() {
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    cv_.wait(l, [this] { return stop_ || !fsync_queue_.empty(); });
    if (fsync_queue_.empty() && stop_) return;
    int fd = fsync_queue_.back();
    fsync_queue_.pop_back();
    fsync_busy_ = true;
    l.unlock();
    fdatasync(fd);
    close(fd);
    l.lock();
    fsync_busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace vigil::server::aof

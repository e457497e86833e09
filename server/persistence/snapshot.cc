#include "server/persistence/snapshot.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/log/logging.h"
#include "common/util/clock.h"
#include "common/util/strings.h"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.0.0"
#endif

namespace vigil::server {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

std::string TempName(pid_t pid) { return "temp-" + std::to_string(pid) + ".rdb"; }

// fsync of the directory holding `path`, so the rename itself is durable.
Status SyncDirectoryOf(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int fd = open(dir.c_str(), O_RDONLY);
  if (fd < 0) return Status::Error("Failed to open directory " + dir + ": " + ErrnoText());
  int rc = fsync(fd);
  close(fd);
  if (rc != 0) return Status::Error("Failed to fsync directory " + dir + ": " + ErrnoText());
  return Status::Ok();
}

Status WriteAll(std::FILE* f, const std::vector<Database>& dbs, const ServerConfig& cfg,
                const RdbSaveInfo& info) {
  return WriteRdb(
      dbs, cfg, info, [f](std::string_view s) {
        if (std::fwrite(s.data(), 1, s.size(), f) != s.size())
          return Status::Error("Write error saving DB on disk: " + ErrnoText());
        return Status::Ok();
      });
}

}  // namespace

Status WriteRdb(const std::vector<Database>& dbs, const ServerConfig& cfg, const RdbSaveInfo& info,
                const rdb::Encoder::Flush& sink) {
  rdb::Encoder enc(sink, cfg.rdbcompression, cfg.rdbchecksum);
  VIGIL_RETURN_IF_ERROR(enc.Header());
  VIGIL_RETURN_IF_ERROR(enc.Aux("redis-ver", "7.0.15"));
  VIGIL_RETURN_IF_ERROR(enc.Aux("vigil-ver", VIGIL_VERSION));
  VIGIL_RETURN_IF_ERROR(enc.Aux("redis-bits", "64"));
  VIGIL_RETURN_IF_ERROR(enc.Aux("ctime", std::to_string(UnixMs() / 1000)));
  VIGIL_RETURN_IF_ERROR(enc.Aux("aof-base", "0"));
  if (!info.repl_id.empty()) {
    VIGIL_RETURN_IF_ERROR(enc.Aux("repl-stream-db", std::to_string(info.repl_stream_db)));
    VIGIL_RETURN_IF_ERROR(enc.Aux("repl-id", info.repl_id));
    VIGIL_RETURN_IF_ERROR(enc.Aux("repl-offset", std::to_string(info.repl_offset)));
  }
  for (size_t i = 0; i < dbs.size(); ++i) {
    const Database& db = dbs[i];
    if (db.size() == 0) continue;
    VIGIL_RETURN_IF_ERROR(enc.SelectDb(i));
    VIGIL_RETURN_IF_ERROR(enc.ResizeDb(db.size(), db.expires_size()));
    Status st;
    db.ForEach([&](std::string_view key, const Object& o) {
      if (!st.ok()) return;
      st = enc.Entry(key, ToRdbValue(o), db.GetExpire(key));
    });
    VIGIL_RETURN_IF_ERROR(st);
  }
  return enc.Eof();
}

Status WriteRdbFile(const std::vector<Database>& dbs, const std::string& path,
                    const ServerConfig& cfg, const RdbSaveInfo& info) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const std::string tmp = (dir.empty() ? "" : dir + "/") + TempName(getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    std::error_code ec;
    return Status::Error("Failed opening the temp RDB file " + TempName(getpid()) +
                         " (in server root dir " + std::filesystem::current_path(ec).string() +
                         ") for saving: " + ErrnoText());
  }
  Status st = WriteAll(f, dbs, cfg, info);
  if (st.ok() && std::fflush(f) != 0) st = Status::Error("Write error saving DB on disk: " + ErrnoText());
  if (st.ok() && fsync(fileno(f)) != 0) st = Status::Error("Write error saving DB on disk: " + ErrnoText());
  if (std::fclose(f) != 0 && st.ok()) st = Status::Error("Write error saving DB on disk: " + ErrnoText());
  if (st.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    st = Status::Error("Error moving temp DB file " + tmp + " on the final destination " + path +
                       " (in server root dir): " + ErrnoText());
  }
  if (!st.ok()) {
    std::remove(tmp.c_str());
    return st;
  }
  return SyncDirectoryOf(path);
}

StatusOr<RdbLoadStats> LoadRdbFile(const std::string& path, std::vector<Database>* dbs,
                                   const ServerConfig& cfg, bool drop_expired) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return Status::Error(ErrnoText());
  RdbLoadStats stats;
  rdb::FileInput in(f);
  uint64_t db = 0;
  const int64_t now = UnixMs();
  int64_t last_progress = MonotonicMs();
  rdb::LoadCallbacks cb;
  cb.on_aux = [&](std::string_view k, std::string_view v) {
    if (k == "redis-ver") {
      stats.redis_ver = v;
      spdlog::info("Loading RDB produced by version {}", v);
    } else if (k == "repl-id") {
      stats.repl_id = v;
    } else if (k == "repl-offset") {
      stats.repl_offset = ParseInt64(v).value_or(-1);
    } else if (k == "ctime") {
      if (auto t = ParseInt64(v)) spdlog::info("RDB age {} seconds", now / 1000 - *t);
    }
  };
  cb.on_select_db = [&](uint64_t d) { db = d; };
  cb.on_entry = [&](std::string key, rdb::Value v, std::optional<int64_t> expire) -> Status {
    if (db >= dbs->size()) {
      return Status::Error("FATAL: Data file was created with a Redis server configured to handle more than " +
                           std::to_string(dbs->size()) + " databases");
    }
    if (expire && *expire <= now && drop_expired) {
      ++stats.keys_expired;
      return Status::Ok();
    }
    auto obj = FromRdbValue(std::move(v), cfg);
    if (!obj.ok()) return obj.status();
    Database& d = (*dbs)[db];
    if (d.Peek(key) != nullptr) return Status::Error("Duplicate key '" + key + "' found in RDB file");
    d.AddLoaded(key, std::move(*obj));  // no "new" event, as Redis's dbAddRDBLoad
    if (expire) d.SetExpire(key, *expire);
    ++stats.keys_loaded;
    if (stats.keys_loaded % 100000 == 0 && MonotonicMs() - last_progress > 1000) {
      last_progress = MonotonicMs();
      spdlog::info("Loading RDB: {} keys loaded, {} bytes read", stats.keys_loaded, in.offset());
    }
    return Status::Ok();
  };
  Status st = rdb::Load(in, cb);
  std::fclose(f);
  if (!st.ok()) return st;
  stats.end_offset = in.offset();
  return stats;
}

void CloseSocketsInChild() {
  std::error_code ec;
  std::vector<int> fds;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    auto fd = ParseInt64(entry.path().filename().string());
    if (fd) fds.push_back(static_cast<int>(*fd));
  }
  for (int fd : fds) {
    struct stat st{};
    if (fd > 2 && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) close(fd);
  }
}

Status Snapshotter::Save(const std::vector<Database>& dbs, const RdbSaveInfo& info) {
  if (bgsave_in_progress()) return Status::Error("ERR Background save already in progress");
  Status st = WriteRdbFile(dbs, cfg_->dbfilename, *cfg_, info);
  if (!st.ok()) {
    spdlog::warn("{}", st.message());
    return st;
  }
  spdlog::info("DB saved on disk");
  last_save_unix_ = UnixMs() / 1000;
  last_bgsave_ok_ = true;
  ++saves_;
  return Status::Ok();
}

Status Snapshotter::BackgroundSave(const std::vector<Database>& dbs, uint64_t dirty,
                                   const RdbSaveInfo& info) {
  if (bgsave_in_progress()) return Status::Error("ERR Background save already in progress");
  last_bgsave_try_unix_ = UnixMs() / 1000;
  const int64_t start = MonotonicMs();
  pid_t pid = fork();
  if (pid < 0) {
    last_bgsave_ok_ = false;
    spdlog::warn("Can't save in background: fork: {}", ErrnoText());
    return Status::Error("ERR Background save failed: fork: " + ErrnoText());
  }
  if (pid == 0) {
    // The child: a copy-on-write image of the keyspace at the fork.
    log::SetRole('C');
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    CloseSocketsInChild();
    Status st = WriteRdbFile(dbs, cfg_->dbfilename, *cfg_, info);
    if (st.ok()) {
      spdlog::info("DB saved on disk");
    } else {
      spdlog::warn("{}", st.message());
    }
    _exit(st.ok() ? 0 : 1);
  }
  spdlog::info("Background saving started by pid {}", pid);
  child_pid_ = pid;
  child_start_ms_ = start;
  child_dirty_ = dirty;
  bgsave_scheduled_ = false;
  return Status::Ok();
}

bool Snapshotter::ReapChild(uint64_t* saved_dirty) {
  if (child_pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(child_pid_, &status, WNOHANG);
  if (r == 0) return false;
  const bool ok = r == child_pid_ && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (ok) {
    spdlog::info("Background saving terminated with success");
    last_save_unix_ = UnixMs() / 1000;
    ++saves_;
    *saved_dirty = child_dirty_;
  } else if (r == child_pid_ && WIFSIGNALED(status)) {
    spdlog::warn("Background saving terminated by signal {}", WTERMSIG(status));
    std::remove(TempName(child_pid_).c_str());
    *saved_dirty = 0;
  } else {
    spdlog::warn("Background saving error");
    *saved_dirty = 0;
  }
  last_bgsave_ok_ = ok;
  last_bgsave_seconds_ = (MonotonicMs() - child_start_ms_) / 1000;
  child_pid_ = -1;
  return true;
}

void Snapshotter::KillChild() {
  if (child_pid_ <= 0) return;
  kill(child_pid_, SIGUSR1);
  waitpid(child_pid_, nullptr, 0);
  std::remove(TempName(child_pid_).c_str());
  child_pid_ = -1;
}

int64_t Snapshotter::current_bgsave_seconds() const {
  return child_pid_ > 0 ? (MonotonicMs() - child_start_ms_) / 1000 : -1;
}

bool Snapshotter::SavePointDue(uint64_t dirty, int64_t now_unix) const {
  if (bgsave_in_progress()) return false;
  for (const auto& sp : cfg_->save_points) {
    // After a failed BGSAVE, retry only every 5 seconds (CONFIG_BGSAVE_RETRY_DELAY).
    if (dirty >= static_cast<uint64_t>(sp.changes) && now_unix - last_save_unix_ > sp.seconds &&
        (last_bgsave_ok_ || now_unix - last_bgsave_try_unix_ > 5)) {
      return true;
    }
  }
  return false;
}

bool Snapshotter::WritesRefused() const {
  return cfg_->stop_writes_on_bgsave_error && !cfg_->save_points.empty() && !last_bgsave_ok_;
}

}  // namespace vigil::server

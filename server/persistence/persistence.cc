#include "server/persistence/persistence.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include <boost/asio/post.hpp>

#include "common/config/config_file.h"
#include "common/log/logging.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/server.h"

namespace vigil::server {
namespace {

bool FileExists(const std::string& p) {
  struct stat st{};
  return stat(p.c_str(), &st) == 0;
}

uint64_t FileSize(const std::string& p) {
  struct stat st{};
  return stat(p.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

bool StartsWithRdbMagic(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char magic[5] = {};
  f.read(magic, 5);
  return f.gcount() == 5 && std::memcmp(magic, "REDIS", 5) == 0;
}

// The commands that rebuild one key (a command-form AOF base).
void AppendKeyCommands(std::string* out, const std::string& key, const rdb::Value& v,
                       std::optional<int64_t> expire) {
  auto batch = [&](const char* cmd, const std::vector<std::string>& items, size_t per) {
    // Bounded argument counts, as Redis's rewrite does (AOF_REWRITE_ITEMS_PER_CMD = 64).
    for (size_t i = 0; i < items.size();) {
      std::vector<std::string> args{cmd, key};
      for (size_t n = 0; n < 64 * per && i < items.size(); ++n) args.push_back(items[i++]);
      aof::AppendCommand(out, args);
    }
  };
  switch (v.kind) {
    case rdb::Kind::kString: aof::AppendCommand(out, {"SET", key, v.str}); break;
    case rdb::Kind::kList: batch("RPUSH", v.items, 1); break;
    case rdb::Kind::kSet: batch("SADD", v.items, 1); break;
    case rdb::Kind::kHash: batch("HSET", v.items, 2); break;
    case rdb::Kind::kZSet: {
      std::vector<std::string> flat;
      for (const auto& [m, s] : v.zset) {
        flat.push_back(FormatDouble(s));
        flat.push_back(m);
      }
      batch("ZADD", flat, 2);
      break;
    }
  }
  if (expire) aof::AppendCommand(out, {"PEXPIREAT", key, std::to_string(*expire)});
}

Status WriteCommandBase(const std::vector<Database>& dbs, const std::string& path) {
  std::string out;
  for (size_t i = 0; i < dbs.size(); ++i) {
    if (dbs[i].size() == 0) continue;
    aof::AppendCommand(&out, {"SELECT", std::to_string(i)});
    dbs[i].ForEach([&](std::string_view k, const Object& o) {
      AppendKeyCommands(&out, std::string(k), ToRdbValue(o), dbs[i].GetExpire(k));
    });
  }
  return config::WriteFileAtomically(path, out);
}

StatusOr<aof::Manifest> ReadManifest(const std::string& path) {
  std::ifstream mf(path);
  std::stringstream ss;
  ss << mf.rdbuf();
  auto m = aof::Manifest::Parse(ss.str());
  if (!m.ok()) return Status::Error(m.message() + " (" + path + ")");
  return m;
}

}  // namespace

Persistence::Persistence(Server& server) : server_(server), snap_(&server.config()) {}
Persistence::~Persistence() = default;

std::string Persistence::AofDir() const { return server_.config().appenddirname; }

std::string Persistence::ManifestPath() const {
  return AofPath(aof::ManifestName(server_.config().appendfilename));
}

// Where the rewrite child writes the new base (named after the parent, so a
// leftover from a crash is recognisable and overwritten next time).
std::string Persistence::TempBasePath() const {
  return AofPath("temp-rewriteaof-bg-" + std::to_string(getpid()) + ".aof");
}

// Redis's temporary INCR file: the writes made while the first base of an
// AOF enabled at run time is written. Not in the manifest until then.
std::string Persistence::TempIncrPath() const {
  return AofPath("temp-" + server_.config().appendfilename + ".incr");
}

std::string Persistence::AofPath(std::string_view name) const {
  return AofDir() + "/" + std::string(name);
}

// The base, the INCR files closed by failed rewrites (their size is fixed),
// and the open one as the writer counts it: the cron's growth check needs no
// stat() of the file being written.
uint64_t Persistence::AofCurrentSize() const {
  uint64_t size = aof_base_size_;
  const auto incrs = manifest_.incrs();
  for (size_t i = 0; i + 1 < incrs.size(); ++i) size += FileSize(AofPath(incrs[i]->name));
  if (!incrs.empty()) {
    size += writer_ && writer_->is_open() ? writer_->size() : FileSize(AofPath(incrs.back()->name));
  }
  return size;
}

Status Persistence::CreateAofDir() const {
  std::error_code ec;
  std::filesystem::create_directories(AofDir(), ec);
  if (ec) return Status::Error("Can't open or create append-only dir " + AofDir() + ": " + ec.message());
  return Status::Ok();
}

Status Persistence::PersistManifest() {
  return config::WriteFileAtomically(ManifestPath(), manifest_.Format());
}

Status Persistence::OpenIncr(int64_t seq) {
  const std::string name = aof::IncrName(server_.config().appendfilename, seq);
  if (!writer_) writer_ = std::make_unique<aof::Writer>();
  VIGIL_RETURN_IF_ERROR(writer_->Open(AofPath(name)));
  aof_selected_db_ = -1;
  bool listed = false;
  for (const auto& f : manifest_.files) listed |= f.name == name;
  if (!listed) manifest_.files.push_back({name, seq, aof::FileType::kIncr});
  return Status::Ok();
}

// ---------------------------------------------------------------- loading

Status Persistence::Load(const Replay& replay) {
  const ServerConfig& cfg = server_.config();
  loading_ = true;
  const int64_t start = MonotonicMs();
  Status st;
  if (cfg.appendonly) {
    if (OldAofNeedsUpgrade()) st = UpgradeOldAof();
    if (st.ok()) st = CreateAofDir();
    if (!st.ok()) {
      // Nothing else: the AOF (or its absence) is the truth.
    } else if (FileExists(ManifestPath())) {
      st = LoadAof(replay);
    } else {
      // No AOF yet: start from the RDB if there is one (Redis 7.0 would
      // start empty), then give the AOF its base before serving, so the
      // data is not lost when the AOF takes over.
      bool rdb_loaded = false;
      if (FileExists(cfg.dbfilename)) {
        auto r = LoadRdbFile(cfg.dbfilename, &server_.dbs(), cfg, true);
        if (!r.ok()) st = r.status();
        rdb_loaded = r.ok();
      }
      if (st.ok()) st = CreateBaseOnStart(rdb_loaded);
    }
    aof_state_ = st.ok() ? AofState::kOn : AofState::kOff;
  } else if (FileExists(cfg.dbfilename)) {
    // A replica keeps keys past their TTL: its master decides.
    auto r = LoadRdbFile(cfg.dbfilename, &server_.dbs(), cfg, cfg.replicaof_host.empty());
    if (r.ok() && !r->repl_id.empty() && r->repl_offset >= 0) {
      server_.replication().RestoreFromRdb(r->repl_id, r->repl_offset);
    }
    if (r.ok()) {
      spdlog::info("Done loading RDB, keys loaded: {}, keys expired: {}.", r->keys_loaded,
                   r->keys_expired);
      spdlog::info("DB loaded from disk: {:.3f} seconds", (MonotonicMs() - start) / 1000.0);
      snap_.set_last_save_unix(UnixMs() / 1000);
    } else {
      st = r.status();
    }
  }
  if (snap_.last_save_unix() == 0) snap_.set_last_save_unix(UnixMs() / 1000);
  loading_ = false;
  return st;
}

// Redis 7.0's test for an upgrade from a single-file AOF (appendfilename in
// dir): no AOF directory, or no manifest in it, or a manifest naming only
// that file as base while the file is not in the directory yet (a crash
// between the two steps of UpgradeOldAof).
bool Persistence::OldAofNeedsUpgrade() const {
  const std::string& old_name = server_.config().appendfilename;
  if (!FileExists(old_name)) return false;
  if (!FileExists(AofDir()) || !FileExists(ManifestPath())) return true;
  auto m = ReadManifest(ManifestPath());
  if (!m.ok()) return false;  // LoadAof reports it
  return m->base() != nullptr && m->incrs().empty() && m->base()->name == old_name &&
         !FileExists(AofPath(old_name));
}

// aofUpgradePrepare: the old file becomes the base (seq 1) of a new
// manifest, written first, then the file moves into the directory. A crash
// between the steps is retried by the next start.
Status Persistence::UpgradeOldAof() {
  const std::string& old_name = server_.config().appendfilename;
  VIGIL_RETURN_IF_ERROR(CreateAofDir());
  manifest_ = aof::Manifest{};
  manifest_.files.push_back({old_name, 1, aof::FileType::kBase});
  VIGIL_RETURN_IF_ERROR(PersistManifest());
  if (std::rename(old_name.c_str(), AofPath(old_name).c_str()) != 0) {
    return Status::Error("Error trying to move the old AOF file " + old_name + " into dir " +
                         AofDir() + ": " + std::strerror(errno));
  }
  spdlog::info("Successfully migrated an old-style AOF file ({}) into the AOF directory ({}).",
               old_name, AofDir());
  return Status::Ok();
}

Status Persistence::LoadAof(const Replay& replay) {
  auto m = ReadManifest(ManifestPath());
  if (!m.ok()) return m.status();
  manifest_ = std::move(*m);
  const int64_t start = MonotonicMs();
  auto incrs = manifest_.incrs();
  if (const auto* base = manifest_.base()) {
    VIGIL_RETURN_IF_ERROR(LoadAofFile(AofPath(base->name), true, incrs.empty(), replay));
  }
  for (size_t i = 0; i < incrs.size(); ++i) {
    VIGIL_RETURN_IF_ERROR(
        LoadAofFile(AofPath(incrs[i]->name), false, i + 1 == incrs.size(), replay));
  }
  spdlog::info("DB loaded from append only file: {:.3f} seconds", (MonotonicMs() - start) / 1000.0);
  if (const auto* base = manifest_.base()) aof_base_size_ = FileSize(AofPath(base->name));
  // Keep appending to the last INCR file (or start the first one).
  incrs = manifest_.incrs();
  const int64_t seq = incrs.empty() ? manifest_.next_incr_seq() : incrs.back()->seq;
  VIGIL_RETURN_IF_ERROR(OpenIncr(seq));
  if (incrs.empty()) VIGIL_RETURN_IF_ERROR(PersistManifest());
  spdlog::info("{} AOF incr file {} on server start", incrs.empty() ? "Creating" : "Opening",
               aof::IncrName(server_.config().appendfilename, seq));
  return Status::Ok();
}

Status Persistence::LoadAofFile(const std::string& path, bool is_base, bool last,
                                const Replay& replay) {
  const ServerConfig& cfg = server_.config();
  if (!FileExists(path)) return Status::Error("The AOF file " + path + " doesn't exist");
  const uint64_t size = FileSize(path);
  if (size == 0) return Status::Ok();
  // A base may be an RDB image; an old-style AOF is an RDB preamble followed
  // by the commands written after it.
  uint64_t start = 0;
  if (is_base && StartsWithRdbMagic(path)) {
    spdlog::info("Reading RDB base file on AOF loading...");
    auto r = LoadRdbFile(path, &server_.dbs(), cfg, true);
    if (!r.ok()) {
      return Status::Error("Error reading the RDB base file " + path + ": " + r.message());
    }
    spdlog::info("DB loaded from base file {}: {} keys", path, r->keys_loaded);
    if (r->end_offset >= size) return Status::Ok();
    spdlog::info("Reading the remaining AOF tail...");
    start = r->end_offset;
  }
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return Status::Error("Fatal error: can't open the append log file " + path + " for reading: " + std::strerror(errno));
  if (std::fseek(f, static_cast<long>(start), SEEK_SET) != 0) {
    std::fclose(f);
    return Status::Error("Unrecoverable error reading the append only file " + path + ": " +
                         std::strerror(errno));
  }
  aof::CommandReader reader(f, start);
  std::vector<std::string> args;
  int db = 0;
  uint64_t valid_before_multi = start;
  bool in_multi = false;
  uint64_t commands = 0;
  aof::CommandReader::Result res;
  uint64_t before = start;  // offset before the command just read
  while ((res = reader.Next(&args)) == aof::CommandReader::Result::kCommand) {
    const uint64_t command_start = before;
    before = reader.valid_up_to();
    ++commands;
    if (EqualsIgnoreCase(args[0], "SELECT") && args.size() == 2) {
      auto n = ParseInt64(args[1]);
      if (!n || *n < 0 || *n >= static_cast<int64_t>(server_.dbs().size())) {
        std::fclose(f);
        return Status::Error("Bad file format reading the append only file " + path + ": invalid SELECT");
      }
      db = static_cast<int>(*n);
      continue;
    }
    if (EqualsIgnoreCase(args[0], "MULTI")) {
      in_multi = true;
      valid_before_multi = command_start;
    }
    if (EqualsIgnoreCase(args[0], "EXEC")) in_multi = false;
    Status st = replay(db, args);
    if (!st.ok()) {
      std::fclose(f);
      return Status::Error("Error replaying the append only file " + path + " at offset " +
                           std::to_string(reader.valid_up_to()) + ": " + st.message());
    }
  }
  std::fclose(f);
  if (res == aof::CommandReader::Result::kBadFormat) {
    return Status::Error("Bad file format reading the append only file " + path + " at offset " +
                         std::to_string(reader.valid_up_to()) +
                         ": make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>");
  }
  if (res == aof::CommandReader::Result::kTruncated || in_multi) {
    if (!last || !cfg.aof_load_truncated) {
      return Status::Error(
          "Unexpected end of file reading the append only file " + path +
          ". You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
          "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
          "configuration option to yes and restart the server.");
    }
    // Cut the torn tail (and a MULTI that never got its EXEC) so appends
    // continue after the last complete command.
    uint64_t cut = reader.valid_up_to();
    if (in_multi) {
      spdlog::warn("Revert incomplete MULTI/EXEC transaction in AOF file {}", path);
      cut = valid_before_multi;
    }
    spdlog::warn("!!! Warning: short read while loading the AOF file {}!!!", path);
    spdlog::warn("!!! Truncating the AOF {} at offset {} !!!", path, cut);
    if (truncate(path.c_str(), static_cast<off_t>(cut)) != 0) {
      return Status::Error("Error truncating the AOF file " + path + ": " + std::strerror(errno));
    }
    spdlog::warn("AOF {} loaded anyway because aof-load-truncated is enabled", path);
  }
  spdlog::info("DB loaded from incr file {}: {} commands", path, commands);
  return Status::Ok();
}

// Redis writes the base of a new AOF synchronously at startup (before
// serving). When the data came from dump.rdb, that file already is the base:
// a hard link makes it one without writing the dataset again.
Status Persistence::CreateBaseOnStart(bool rdb_loaded) {
  const ServerConfig& cfg = server_.config();
  manifest_ = aof::Manifest{};
  const int64_t seq = 1;
  const bool rdb = rdb_loaded || cfg.aof_use_rdb_preamble;
  const std::string base = aof::BaseName(cfg.appendfilename, seq, rdb);
  const std::string path = AofPath(base);
  std::remove(path.c_str());  // a leftover of a start that crashed before its manifest
  Status st;
  if (!rdb_loaded || link(cfg.dbfilename.c_str(), path.c_str()) != 0) {
    st = rdb ? WriteRdbFile(server_.dbs(), path, cfg) : WriteCommandBase(server_.dbs(), path);
  }
  VIGIL_RETURN_IF_ERROR(st);
  manifest_.files.push_back({base, seq, aof::FileType::kBase});
  aof_base_size_ = FileSize(path);
  VIGIL_RETURN_IF_ERROR(OpenIncr(1));
  VIGIL_RETURN_IF_ERROR(PersistManifest());
  spdlog::info("Creating AOF base file {} on server start", base);
  spdlog::info("Creating AOF incr file {} on server start", aof::IncrName(cfg.appendfilename, 1));
  return Status::Ok();
}

// ---------------------------------------------------------------- writing

void Persistence::Feed(int db, const std::vector<std::string>& args) {
  if (!AofWriting() || loading_) return;
  std::string out;
  if (db != aof_selected_db_) {
    aof::AppendCommand(&out, {"SELECT", std::to_string(db)});
    aof_selected_db_ = db;
  }
  aof::AppendCommand(&out, args);
  writer_->Feed(out);
}

void Persistence::BeforeReply() {
  if (!AofWriting() || !writer_->has_pending()) return;
  auto policy = aof::ParseFsync(server_.config().appendfsync).value_or(aof::Fsync::kEverySec);
  Status st = writer_->Flush(policy);
  if (!st.ok()) {
    spdlog::warn("{}", st.message());
    if (policy == aof::Fsync::kAlways) {
      // A write acknowledged under 'always' must be durable; it cannot be.
      spdlog::warn("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
      std::_Exit(1);
    }
  }
}

std::string Persistence::WriteRefusal() const {
  if (snap_.WritesRefused()) {
    return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
           "persist to disk. Commands that may modify the data set are disabled, because this "
           "instance is configured to report errors during writes if RDB snapshotting fails "
           "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
           "the RDB error.";
  }
  if (AofWriting() && !writer_->last_write_ok()) {
    return "MISCONF Errors writing to the AOF file: " + writer_->last_write_error();
  }
  return "";
}

// ---------------------------------------------------------------- commands

Status Persistence::Save() {
  if (snap_.bgsave_in_progress()) return Status::Error("ERR Background save already in progress");
  const uint64_t dirty = server_.dirty();
  VIGIL_RETURN_IF_ERROR(snap_.Save(server_.dbs(), server_.replication().SaveInfo()));
  server_.sub_dirty(dirty);
  return Status::Ok();
}

Status Persistence::Reload() {
  VIGIL_RETURN_IF_ERROR(Save());
  for (auto& db : server_.dbs()) db.Clear();
  loading_ = true;
  auto r = LoadRdbFile(server_.config().dbfilename, &server_.dbs(), server_.config(), true);
  loading_ = false;
  if (!r.ok()) return Status::Error("Error trying to load the RDB dump: " + r.message());
  return Status::Ok();
}

StatusOr<std::string> Persistence::BackgroundSave(bool schedule) {
  if (snap_.bgsave_in_progress()) {
    if (schedule) return std::string("Background saving scheduled");  // Redis: already running
    return Status::Error("ERR Background save already in progress");
  }
  if (server_.in_exec()) {
    snap_.set_bgsave_scheduled(true);
    return std::string("Background saving scheduled");
  }
  if (rewrite_pid_ > 0) {
    if (schedule) {
      snap_.set_bgsave_scheduled(true);
      return std::string("Background saving scheduled");
    }
    return Status::Error(
        "ERR An AOF log rewriting in progress: can't BGSAVE right now. Use BGSAVE SCHEDULE in "
        "order to schedule a BGSAVE whenever possible.");
  }
  VIGIL_RETURN_IF_ERROR(snap_.BackgroundSave(server_.dbs(), server_.dirty(), server_.replication().SaveInfo()));
  return std::string("Background saving started");
}

StatusOr<std::string> Persistence::BackgroundRewriteAof() {
  if (rewrite_pid_ > 0) return Status::Error("ERR Background append only file rewriting already in progress");
  if (aof_state_ == AofState::kOff) {
    // Redis rewrites a file even with appendonly off; vigil's AOF lives only
    // while enabled, so the equivalent is a new base when it is turned on.
    return Status::Error("ERR Background append only file rewriting needs appendonly yes");
  }
  // Inside EXEC the child would see half a transaction that the new incr
  // file then replays whole: scheduled for after it, as Redis's in_exec.
  if (snap_.bgsave_in_progress() || server_.in_exec()) {
    rewrite_scheduled_ = true;
    return std::string("Background append only file rewriting scheduled");
  }
  rewrite_failures_ = 0;  // a manual rewrite lifts the retry limit, as in Redis
  Status st = StartRewrite();
  if (!st.ok()) return Status::Error("ERR " + st.message());
  return std::string("Background append only file rewriting started");
}

// rewriteAppendOnlyFileBackground: appends switch to a new INCR file first
// (a temporary one while the AOF waits for its first base), so the child's
// base plus the INCR files written from now on are complete.
Status Persistence::StartRewrite() {
  if (Status st = CreateAofDir(); !st.ok()) {
    last_rewrite_ok_ = false;
    return st;
  }
  BeforeReply();
  std::string incr_name;
  if (aof_state_ == AofState::kWaitRewrite) {
    if (!writer_) writer_ = std::make_unique<aof::Writer>();
    std::remove(TempIncrPath().c_str());  // a leftover of an earlier try or crash
    if (Status st = writer_->Open(TempIncrPath()); !st.ok()) {
      last_rewrite_ok_ = false;
      return st;
    }
    aof_selected_db_ = -1;
    incr_name = std::filesystem::path(TempIncrPath()).filename().string();
  } else {
    const int64_t new_incr = manifest_.next_incr_seq();
    Status st = OpenIncr(new_incr);
    if (st.ok()) st = PersistManifest();
    if (!st.ok()) {
      last_rewrite_ok_ = false;
      return st;
    }
    rewrite_base_seq_ = new_incr;
    incr_name = aof::IncrName(server_.config().appendfilename, new_incr);
  }
  spdlog::info("Creating AOF incr file {} on background rewrite", incr_name);
  const std::string tmp = TempBasePath();
  pid_t pid = fork();
  if (pid < 0) {
    const std::string err = std::strerror(errno);
    last_rewrite_ok_ = false;
    ++rewrite_failures_;
    if (aof_state_ == AofState::kWaitRewrite) {
      writer_->Close();
      std::remove(TempIncrPath().c_str());
    }
    spdlog::warn("Can't rewrite append only file in background: fork: {}", err);
    return Status::Error("Can't rewrite append only file in background: fork: " + err);
  }
  if (pid == 0) {
    log::SetRole('C');
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    CloseSocketsInChild();
    const ServerConfig& cfg = server_.config();
    Status st = cfg.aof_use_rdb_preamble ? WriteRdbFile(server_.dbs(), tmp, cfg)
                                         : WriteCommandBase(server_.dbs(), tmp);
    if (!st.ok()) spdlog::warn("{}", st.message());
    else spdlog::info("Successfully created the temporary AOF base file {}", tmp);
    _exit(st.ok() ? 0 : 1);
  }
  spdlog::info("Background append only file rewriting started by pid {}", pid);
  rewrite_pid_ = pid;
  rewrite_start_ms_ = MonotonicMs();
  rewrite_scheduled_ = false;
  return Status::Ok();
}

// The scheduled rewrite (after a BGSAVE, or the first base of an AOF turned
// on at run time) starts outside any command, never in the middle of EXEC:
// a base taken there would hold half of the transaction that the INCR file
// then gets whole.
void Persistence::StartScheduledRewrite() {
  if (!rewrite_scheduled_ || aof_state_ == AofState::kOff || rewrite_pid_ > 0 ||
      snap_.bgsave_in_progress() || RewriteLimited()) {
    return;
  }
  if (Status st = StartRewrite(); !st.ok()) {
    spdlog::warn("{}", st.message());
    if (aof_state_ == AofState::kWaitRewrite) {
      spdlog::warn("Redis needs to enable the AOF but can't trigger a background AOF rewrite "
                   "operation. Check the above logs for more info about the error.");
    }
  }
}

// aofRewriteLimited: after 3 consecutive failures, automatic and scheduled
// rewrites wait 1, 2, 4 ... up to 60 minutes between tries (BGREWRITEAOF
// still runs at once).
bool Persistence::RewriteLimited() {
  if (rewrite_failures_ < 3) {
    rewrite_delay_minutes_ = 0;
    next_rewrite_try_ms_ = 0;
    return false;
  }
  const int64_t now = MonotonicMs();
  if (next_rewrite_try_ms_ != 0) {
    if (now < next_rewrite_try_ms_) return true;
    next_rewrite_try_ms_ = 0;
    return false;
  }
  rewrite_delay_minutes_ =
      rewrite_delay_minutes_ == 0 ? 1 : std::min(rewrite_delay_minutes_ * 2, 60);
  next_rewrite_try_ms_ = now + rewrite_delay_minutes_ * 60 * 1000;
  spdlog::warn("Background AOF rewrite has repeatedly failed and triggered the limit, will retry "
               "in {} minutes", rewrite_delay_minutes_);
  return true;
}

void Persistence::ReapAofRewrite() {
  if (rewrite_pid_ <= 0) return;
  int status = 0;
  pid_t r = waitpid(rewrite_pid_, &status, WNOHANG);
  if (r == 0) return;
  const bool exited_ok = r == rewrite_pid_ && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  last_rewrite_seconds_ = (MonotonicMs() - rewrite_start_ms_) / 1000;
  rewrite_pid_ = -1;
  Status st = exited_ok ? InstallRewrite()
                         : Status::Error("Background AOF rewrite terminated with error");
  if (st.ok()) {
    last_rewrite_ok_ = true;
    rewrite_failures_ = 0;
    ++aof_rewrites_;
    spdlog::info("Background AOF rewrite finished successfully");
    return;
  }
  spdlog::warn("{}", st.message());
  std::remove(TempBasePath().c_str());
  last_rewrite_ok_ = false;
  ++rewrite_failures_;
  if (aof_state_ == AofState::kWaitRewrite) {
    // The writes since the fork are only in memory now: drop the temporary
    // INCR file and try again with a new fork.
    writer_->Close();
    std::remove(TempIncrPath().c_str());
    rewrite_scheduled_ = true;
  }
}

// backgroundRewriteDoneHandler: the new base gets the next base number and
// the manifest switches to [new base, INCR files since the fork] in one
// atomic write; the older files are deleted once that is durable.
Status Persistence::InstallRewrite() {
  const ServerConfig& cfg = server_.config();
  const int64_t base_seq = manifest_.next_base_seq();
  const std::string base = aof::BaseName(cfg.appendfilename, base_seq, cfg.aof_use_rdb_preamble);
  const std::string base_path = AofPath(base);
  if (std::rename(TempBasePath().c_str(), base_path.c_str()) != 0) {
    return Status::Error("Error trying to rename the temporary AOF base file " + TempBasePath() +
                         " into " + base + ": " + std::strerror(errno));
  }
  aof::Manifest next;
  next.files.push_back({base, base_seq, aof::FileType::kBase});
  std::vector<std::string> obsolete;
  const bool first_base = aof_state_ == AofState::kWaitRewrite;
  if (first_base) {
    // The temporary INCR file joins the manifest; the writer keeps its fd.
    const int64_t incr_seq = manifest_.next_incr_seq();
    const std::string incr = aof::IncrName(cfg.appendfilename, incr_seq);
    if (std::rename(TempIncrPath().c_str(), AofPath(incr).c_str()) != 0) {
      Status err = Status::Error("Error trying to rename the temporary AOF incr file " +
                                 TempIncrPath() + " into " + incr + ": " + std::strerror(errno));
      std::remove(base_path.c_str());
      return err;
    }
    next.files.push_back({incr, incr_seq, aof::FileType::kIncr});
  }
  for (const auto& f : manifest_.files) {
    if (!first_base && f.type == aof::FileType::kIncr && f.seq >= rewrite_base_seq_) {
      next.files.push_back(f);
    } else {
      obsolete.push_back(f.name);
    }
  }
  aof::Manifest previous = std::move(manifest_);
  manifest_ = std::move(next);
  if (Status st = PersistManifest(); !st.ok()) {
    manifest_ = std::move(previous);
    return st;
  }
  for (const auto& name : obsolete) std::remove(AofPath(name).c_str());
  aof_base_size_ = FileSize(base_path);
  if (first_base) aof_state_ = AofState::kOn;
  return Status::Ok();
}

void Persistence::KillAofChild() {
  if (rewrite_pid_ <= 0) return;
  spdlog::info("Killing running AOF rewrite child: {}", rewrite_pid_);
  if (kill(rewrite_pid_, SIGUSR1) == 0) waitpid(rewrite_pid_, nullptr, 0);
  // The child's files: its RDB temp file (named after it) and the base.
  std::remove((AofDir() + "/temp-" + std::to_string(rewrite_pid_) + ".rdb").c_str());
  std::remove(TempBasePath().c_str());
  rewrite_pid_ = -1;
}

// stopAppendOnly: flush and fsync what was written, kill a rewrite.
void Persistence::StopAppendOnly() {
  if (writer_ && writer_->is_open()) {
    BeforeReply();
    writer_->Close();
  }
  KillAofChild();
  if (aof_state_ == AofState::kWaitRewrite) std::remove(TempIncrPath().c_str());
  aof_state_ = AofState::kOff;
  rewrite_scheduled_ = false;
  aof_selected_db_ = -1;
}

Status Persistence::SetAppendOnly(bool on) {
  if (on == (aof_state_ != AofState::kOff)) return Status::Ok();
  if (!on) {
    StopAppendOnly();
    return Status::Ok();
  }
  // startAppendOnly. The manifest already on disk (an earlier AOF) stays the
  // one a restart loads until the new base replaces it; the new files take
  // the next numbers so they never overwrite a file it names.
  VIGIL_RETURN_IF_ERROR(CreateAofDir());
  manifest_ = aof::Manifest{};
  if (FileExists(ManifestPath())) {
    auto m = ReadManifest(ManifestPath());
    if (!m.ok()) return m.status();
    manifest_ = std::move(*m);
  }
  aof_state_ = AofState::kWaitRewrite;
  rewrite_scheduled_ = true;
  rewrite_failures_ = 0;
  if (snap_.bgsave_in_progress()) {
    spdlog::info("AOF was enabled but there is already another background operation. An AOF "
                 "background was scheduled to start when possible.");
  } else {
    boost::asio::post(server_.io(), [this] { StartScheduledRewrite(); });
  }
  return Status::Ok();
}

Status Persistence::Shutdown(bool save_requested, bool nosave) {
  if (rewrite_pid_ > 0 && aof_state_ == AofState::kWaitRewrite) {
    // Exiting now would leave no AOF holding the dataset.
    spdlog::warn("Writing initial AOF, can't exit.");
    return Status::Error("Writing initial AOF, can't exit.");
  }
  snap_.KillChild();
  if (rewrite_pid_ > 0) {
    spdlog::warn("There is a child rewriting the AOF. Killing it!");
    KillAofChild();
  }
  if (AofWriting()) {
    spdlog::info("Calling fsync() on the AOF file.");
    BeforeReply();
    writer_->Close();
  }
  if (!nosave && (save_requested || !server_.config().save_points.empty())) {
    spdlog::info("Saving the final RDB snapshot before exiting.");
    Status st = snap_.Save(server_.dbs(), server_.replication().SaveInfo());
    if (!st.ok()) {
      spdlog::warn("Error trying to save the DB, can't exit.");
      return st;
    }
  }
  return Status::Ok();
}

void Persistence::Cron() {
  uint64_t saved = 0;
  if (snap_.ReapChild(&saved)) server_.sub_dirty(saved);
  ReapAofRewrite();
  const int64_t now_unix = UnixMs() / 1000;
  if (snap_.SavePointDue(server_.dirty(), now_unix) && rewrite_pid_ <= 0) {
    for (const auto& sp : server_.config().save_points) {
      if (server_.dirty() >= static_cast<uint64_t>(sp.changes)) {
        spdlog::info("{} changes in {} seconds. Saving...", sp.changes, sp.seconds);
        break;
      }
    }
    (void)BackgroundSave(false);
  }
  if (snap_.bgsave_scheduled() && rewrite_pid_ <= 0 && !snap_.bgsave_in_progress()) {
    (void)BackgroundSave(false);
  }
  StartScheduledRewrite();
  if (AofWriting()) {
    BeforeReply();
    writer_->MaybeBackgroundFsync(MonotonicMs());
    // Automatic rewrite when the AOF grew by auto-aof-rewrite-percentage
    // over its size after the last rewrite, and is past the minimum.
    const ServerConfig& cfg = server_.config();
    const uint64_t size = AofCurrentSize();
    if (aof_state_ == AofState::kOn && cfg.auto_aof_rewrite_percentage > 0 &&
        rewrite_pid_ <= 0 && !snap_.bgsave_in_progress() &&
        size > static_cast<uint64_t>(cfg.auto_aof_rewrite_min_size) && !RewriteLimited()) {
      uint64_t base = std::max<uint64_t>(aof_base_size_, 1);
      uint64_t growth = (size - std::min(size, base)) * 100 / base;
      if (growth >= static_cast<uint64_t>(cfg.auto_aof_rewrite_percentage)) {
        spdlog::info("Starting automatic rewriting of AOF on {}% growth", growth);
        if (Status st = StartRewrite(); !st.ok()) spdlog::warn("{}", st.message());
      }
    }
  }
}

// ---------------------------------------------------------------- INFO

std::string Persistence::Info() const {
  std::string s;
  auto kv = [&](const char* k, const std::string& v) {
    s += k;
    s += ':';
    s += v;
    s += "\r\n";
  };
  auto num = [&](const char* k, int64_t v) { kv(k, std::to_string(v)); };
  num("loading", loading_);
  num("async_loading", 0);
  num("current_cow_peak", 0);
  num("current_cow_size", 0);
  num("current_cow_size_age", 0);
  kv("current_fork_perc", "0.00");
  num("current_save_keys_processed", 0);
  num("current_save_keys_total", 0);
  num("rdb_changes_since_last_save", static_cast<int64_t>(server_.dirty()));
  num("rdb_bgsave_in_progress", snap_.bgsave_in_progress());
  num("rdb_last_save_time", snap_.last_save_unix());
  kv("rdb_last_bgsave_status", snap_.last_bgsave_ok() ? "ok" : "err");
  num("rdb_last_bgsave_time_sec", snap_.last_bgsave_seconds());
  num("rdb_current_bgsave_time_sec", snap_.current_bgsave_seconds());
  num("rdb_saves", static_cast<int64_t>(snap_.saves()));
  num("rdb_last_cow_size", 0);
  num("rdb_last_load_keys_expired", 0);
  num("rdb_last_load_keys_loaded", 0);
  num("aof_enabled", aof_state_ != AofState::kOff);
  num("aof_rewrite_in_progress", rewrite_pid_ > 0);
  num("aof_rewrite_scheduled", rewrite_scheduled_);
  num("aof_last_rewrite_time_sec", last_rewrite_seconds_);
  num("aof_current_rewrite_time_sec", rewrite_pid_ > 0 ? (MonotonicMs() - rewrite_start_ms_) / 1000 : -1);
  kv("aof_last_bgrewrite_status", last_rewrite_ok_ ? "ok" : "err");
  num("aof_rewrites", static_cast<int64_t>(aof_rewrites_));
  num("aof_rewrites_consecutive_failures", rewrite_failures_);
  kv("aof_last_write_status", !writer_ || writer_->last_write_ok() ? "ok" : "err");
  num("aof_last_cow_size", 0);
  num("module_fork_in_progress", 0);
  num("module_fork_last_cow_size", 0);
  if (aof_state_ != AofState::kOff) {
    num("aof_current_size", static_cast<int64_t>(AofCurrentSize()));
    num("aof_base_size", static_cast<int64_t>(aof_base_size_));
    num("aof_pending_rewrite", rewrite_scheduled_);
    num("aof_buffer_length", 0);
    num("aof_pending_bio_fsync", 0);
    num("aof_delayed_fsync", writer_ ? static_cast<int64_t>(writer_->delayed_fsyncs()) : 0);
  }
  return s;
}

}  // namespace vigil::server

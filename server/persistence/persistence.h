// Persistence as the server sees it: loading at startup (AOF when
// appendonly, else RDB), the AOF feed of every change, the save points and
// background children run from cron, SAVE / BGSAVE / BGREWRITEAOF, the
// MISCONF write refusal and the INFO persistence section.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/status.h"
#include "server/persistence/aof.h"
#include "server/persistence/snapshot.h"

namespace vigil::server {

class Server;

class Persistence {
 public:
  // Runs one command while an AOF is replayed (the server's dispatcher with
  // a loading client).
  using Replay = std::function<Status(int db, const std::vector<std::string>& args)>;

  explicit Persistence(Server& server);
  ~Persistence();

  // Startup. Redis's order: with appendonly yes the AOF is the truth (an
  // old single-file AOF is first moved into the AOF directory; a missing AOF
  // is created from the RDB, if any, before serving); otherwise the RDB.
  Status Load(const Replay& replay);
  bool loading() const { return loading_; }

  // Called for every command that changed the dataset (already rewritten
  // into its deterministic form, e.g. PEXPIREAT).
  void Feed(int db, const std::vector<std::string>& args);
  // Writes the AOF buffer before replies go out (and fsyncs for 'always').
  void BeforeReply();
  bool HasPendingAof() const { return AofWriting() && writer_->has_pending(); }
  // Once per cron run: reap children, save points, everysec fsync, automatic
  // AOF rewrite.
  void Cron();

  Status Save();
  // DEBUG RELOAD: save, empty every database, load the dump back.
  Status Reload();
  // BGSAVE [SCHEDULE]: with schedule, a running AOF rewrite defers it.
  StatusOr<std::string> BackgroundSave(bool schedule);
  StatusOr<std::string> BackgroundRewriteAof();
  // CONFIG SET appendonly yes|no (and the AOF restart after a full sync).
  // 'yes' returns at once: a background rewrite (started right after the
  // current command, or when a running BGSAVE ends) writes the base while
  // new writes collect in a temporary INCR file; both join the manifest when
  // it succeeds. 'no' kills a running rewrite.
  Status SetAppendOnly(bool on);
  // SHUTDOWN: save when asked or when save points exist (unless nosave),
  // flush and fsync the AOF. An error means "do not exit" (Redis refuses to
  // shut down when the final save fails).
  Status Shutdown(bool save_requested, bool nosave);

  // -MISCONF: empty when writes are allowed.
  std::string WriteRefusal() const;
  // The body of INFO persistence.
  std::string Info() const;
  int64_t last_save_unix() const { return snap_.last_save_unix(); }

 private:
  // kWaitRewrite: enabled at run time, the first base is being written.
  enum class AofState { kOff, kOn, kWaitRewrite };

  // Whether Feed appends: on, or waiting with the rewrite child running
  // (before the fork the child's image will hold the writes).
  bool AofWriting() const {
    return writer_ && writer_->is_open() &&
           (aof_state_ == AofState::kOn ||
            (aof_state_ == AofState::kWaitRewrite && rewrite_pid_ > 0));
  }
  bool OldAofNeedsUpgrade() const;
  Status UpgradeOldAof();
  Status LoadAof(const Replay& replay);
  Status LoadAofFile(const std::string& path, bool is_base, bool last, const Replay& replay);
  Status CreateBaseOnStart(bool rdb_loaded);
  Status OpenIncr(int64_t seq);
  Status StartRewrite();
  void StartScheduledRewrite();
  bool RewriteLimited();
  void ReapAofRewrite();
  Status InstallRewrite();
  void KillAofChild();
  void StopAppendOnly();
  std::string AofDir() const;
  std::string AofPath(std::string_view name) const;  // a file in the AOF directory
  uint64_t AofCurrentSize() const;                   // INFO aof_current_size
  Status CreateAofDir() const;
  std::string ManifestPath() const;
  std::string TempBasePath() const;
  std::string TempIncrPath() const;
  Status PersistManifest();

  Server& server_;
  Snapshotter snap_;
  bool loading_ = false;

  // AOF state.
  AofState aof_state_ = AofState::kOff;
  aof::Manifest manifest_;
  std::unique_ptr<aof::Writer> writer_;
  int aof_selected_db_ = -1;
  pid_t rewrite_pid_ = -1;
  int64_t rewrite_start_ms_ = 0;
  int64_t rewrite_base_seq_ = 0;
  bool rewrite_scheduled_ = false;
  bool last_rewrite_ok_ = true;
  int rewrite_failures_ = 0;        // consecutive; 3+ delays automatic retries
  int rewrite_delay_minutes_ = 0;   // the current delay (doubles, up to 60)
  int64_t next_rewrite_try_ms_ = 0;
  int64_t last_rewrite_seconds_ = -1;
  uint64_t aof_base_size_ = 0;  // size at the last rewrite (auto-aof-rewrite-percentage)
  uint64_t aof_rewrites_ = 0;
  uint64_t dirty_at_save_start_ = 0;
};

}  // namespace vigil::server

// RDB snapshots of the whole keyspace: SAVE (in the event loop), BGSAVE (a
// forked child writes a copy-on-write image while the parent keeps serving),
// save points, and loading at startup. Files are written as temp file ->
// fsync -> rename -> fsync of the directory, so a crash at any point leaves
// the old or the new file, never a torn one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/util/status.h"
#include "server/config/server_config.h"
#include "server/db/database.h"
#include "server/persistence/object_codec.h"
#include "server/persistence/rdb_codec.h"

namespace vigil::server {

struct RdbSaveInfo {
  std::string repl_id;  // AUX repl-id / repl-offset, for replication later
  int64_t repl_offset = 0;
  int repl_stream_db = -1;
};

// Encodes every database as an RDB stream into `sink` (a file, or a
// replica's socket for a diskless full sync).
Status WriteRdb(const std::vector<Database>& dbs, const ServerConfig& cfg, const RdbSaveInfo& info,
                const rdb::Encoder::Flush& sink);

// Writes every database to `path` atomically (via a temp file in the same
// directory). Runs in the caller's process.
Status WriteRdbFile(const std::vector<Database>& dbs, const std::string& path,
                    const ServerConfig& cfg, const RdbSaveInfo& info = {});

struct RdbLoadStats {
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;
  std::string redis_ver;  // AUX redis-ver of the writer
  // AUX repl-id / repl-offset: the replication history the data is at.
  std::string repl_id;
  int64_t repl_offset = -1;
  // Where the RDB stream ended: an old-style AOF continues with commands.
  uint64_t end_offset = 0;
};

// Loads `path` into dbs (which the caller has emptied). Keys whose TTL has
// passed are skipped when `drop_expired` (a master), kept otherwise.
StatusOr<RdbLoadStats> LoadRdbFile(const std::string& path, std::vector<Database>* dbs,
                                   const ServerConfig& cfg, bool drop_expired);

// In a forked child: closes every inherited socket (listeners, clients,
// replication links), so a child that outlives a killed parent cannot hold
// the port a restarted server binds, nor keep clients' connections open.
void CloseSocketsInChild();

// The state INFO persistence reports and the save-point logic needs.
class Snapshotter {
 public:
  explicit Snapshotter(ServerConfig* cfg) : cfg_(cfg) {}

  // SAVE. "ERR Background save already in progress" while a child runs.
  Status Save(const std::vector<Database>& dbs, const RdbSaveInfo& info = {});
  // BGSAVE: forks a child; false with the error if fork failed or a child
  // already runs.
  Status BackgroundSave(const std::vector<Database>& dbs, uint64_t dirty,
                        const RdbSaveInfo& info = {});
  // Reaps a finished child (call from cron); returns true when one finished,
  // with *saved_dirty set to the dirty count the snapshot covered.
  bool ReapChild(uint64_t* saved_dirty);
  // True when a save point says it is time for a BGSAVE.
  bool SavePointDue(uint64_t dirty, int64_t now_unix) const;
  // Kills a running child (SHUTDOWN, FLUSHALL) and removes its temp file.
  void KillChild();

  bool bgsave_in_progress() const { return child_pid_ > 0; }
  pid_t child_pid() const { return child_pid_; }
  int64_t last_save_unix() const { return last_save_unix_; }
  void set_last_save_unix(int64_t t) { last_save_unix_ = t; }
  bool last_bgsave_ok() const { return last_bgsave_ok_; }
  int64_t last_bgsave_seconds() const { return last_bgsave_seconds_; }
  int64_t current_bgsave_seconds() const;
  uint64_t saves() const { return saves_; }
  bool bgsave_scheduled() const { return bgsave_scheduled_; }
  void set_bgsave_scheduled(bool s) { bgsave_scheduled_ = s; }
  // MISCONF: writes are refused after a failed background save.
  bool WritesRefused() const;
  std::string path() const { return cfg_->dbfilename; }

 private:
  ServerConfig* cfg_;
  pid_t child_pid_ = -1;
  int64_t child_start_ms_ = 0;
  uint64_t child_dirty_ = 0;
  int64_t last_save_unix_ = 0;
  int64_t last_bgsave_try_unix_ = 0;
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_seconds_ = -1;
  uint64_t saves_ = 0;
  bool bgsave_scheduled_ = false;
};

}  // namespace vigil::server

// Tests for vigil-server's configuration table: Redis 7.0.15's names,
// defaults and special forms, the operators' files from the field notes,
// Debian's stock redis.conf, and CONFIG REWRITE of those files.
#include "server/config/server_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/config/config_file.h"

namespace vigil::server {
namespace {

namespace fs = std::filesystem;
using Pairs = std::vector<std::pair<std::string, std::string>>;

const fs::path kTestData = fs::path(__FILE__).parent_path() / "testdata";

// The server block of seeds-digest.md, verbatim.
const char kSeedServerConf[] = R"(bind 0.0.0.0
protected-mode yes
port 6379
tcp-backlog 511
timeout 0
tcp-keepalive 300
daemonize no
# 'supervised systemd' under a Type=notify unit
supervised no
pidfile /var/run/redis_6379.pid
loglevel notice
logfile ""
databases 16
always-show-logo yes
save 900 1
save 300 10
save 60 10000
stop-writes-on-bgsave-error yes
rdbcompression yes
rdbchecksum yes
dbfilename dump.rdb
dir ./
replica-serve-stale-data yes
replica-read-only yes
repl-diskless-sync no
repl-diskless-sync-delay 5
repl-ping-slave-period 10
repl-timeout 60
repl-disable-tcp-nodelay no
repl-backlog-size 1mb
repl-backlog-ttl 3600
replica-priority 100
requirepass foobared
maxclients 10000
appendonly no
appendfilename "appendonly.aof"
appendfsync everysec
no-appendfsync-on-rewrite no
auto-aof-rewrite-percentage 100
auto-aof-rewrite-min-size 64mb
aof-load-truncated yes
aof-use-rdb-preamble yes
lua-time-limit 5000
slowlog-log-slower-than 10000
slowlog-max-len 128
)";

// The replica block of seeds-digest.md, verbatim.
const char kSeedReplicaConf[] = R"(# new spelling: replicaof 192.168.7.103 6379
slaveof 172.16.1.100 6379
masterauth mypass
# new spelling: replica-priority 90 ; 0 = never promoted
slave-priority 100
)";

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Loading `dir` chdir()s; every test gets its cwd back.
class ServerConfigTest : public ::testing::Test {
 protected:
  ServerConfigTest() : old_cwd_(fs::current_path()) {
    std::string tmpl = (fs::temp_directory_path() / "vigil-scfg-XXXXXX").string();
    tmp_ = ::mkdtemp(tmpl.data());
    fs::current_path(tmp_);
    RegisterServerConfig(&cfg_, &reg_);
  }
  ~ServerConfigTest() override {
    fs::current_path(old_cwd_);
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }

  std::optional<config::ConfigError> Load(const std::string& text,
                                          const std::string& name = "vigil.conf") {
    auto read = config::ParseConfigText(text, name);
    if (read.error) return read.error;
    return reg_.ApplyAll(read.directives);
  }
  std::string Get(const std::string& name) {
    auto got = reg_.Get({name});
    return got.empty() ? "<none>" : got[0].second;
  }

  fs::path old_cwd_;
  std::string tmp_;
  ServerConfig cfg_;
  config::Registry reg_;
};

// --- Defaults and names -----------------------------------------------------------

TEST_F(ServerConfigTest, ConfigGetAllMatchesRedis7Defaults) {
  std::map<std::string, std::string> expected;
  std::istringstream in(ReadAll(kTestData / "redis-7.0.15-defaults.tsv"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto tab = line.find('\t');
    expected[line.substr(0, tab)] = line.substr(tab + 1);
  }
  ASSERT_GT(expected.size(), 180u);
  std::map<std::string, std::string> got;
  for (auto& [name, value] : reg_.Get({"*"})) got[name] = value;
  for (const auto& [name, value] : expected) {
    ASSERT_TRUE(got.count(name)) << "missing " << name;
    EXPECT_EQ(got[name], value) << name;
  }
  for (const auto& [name, value] : got) {
    if (name == "dir" || name == "port" || name == "bind" || name == "unixsocket") continue;
    EXPECT_TRUE(expected.count(name)) << "not in Redis 7.0.15: " << name;
  }
  EXPECT_EQ(got["port"], "6379");
  EXPECT_EQ(got["bind"], "* -::*");
  EXPECT_EQ(got["unixsocket"], "");
  EXPECT_EQ(got["dir"], fs::current_path().string());
}

TEST_F(ServerConfigTest, FieldDefaults) {
  EXPECT_EQ(cfg_.port, 6379);
  EXPECT_EQ(cfg_.bind, (std::vector<std::string>{"*", "-::*"}));
  EXPECT_FALSE(cfg_.bind_explicit);
  EXPECT_EQ(cfg_.save_points.size(), 3u);
  EXPECT_EQ(cfg_.hash_max_listpack_entries, 512);
  EXPECT_EQ(cfg_.repl_backlog_size, 1024 * 1024);
  EXPECT_EQ(cfg_.obuf_replica.hard, 256LL * 1024 * 1024);
  EXPECT_EQ(cfg_.lua_time_limit, 5000);
}

TEST_F(ServerConfigTest, AliasesAreRedis7s) {
  const std::vector<std::pair<std::string, std::string>> aliases = {
      {"slaveof", "replicaof"},
      {"slave-priority", "replica-priority"},
      {"slave-read-only", "replica-read-only"},
      {"slave-serve-stale-data", "replica-serve-stale-data"},
      {"slave-lazy-flush", "replica-lazy-flush"},
      {"slave-announce-ip", "replica-announce-ip"},
      {"slave-announce-port", "replica-announce-port"},
      {"slave-ignore-maxmemory", "replica-ignore-maxmemory"},
      {"repl-ping-slave-period", "repl-ping-replica-period"},
      {"min-slaves-to-write", "min-replicas-to-write"},
      {"min-slaves-max-lag", "min-replicas-max-lag"},
      {"hash-max-ziplist-entries", "hash-max-listpack-entries"},
      {"hash-max-ziplist-value", "hash-max-listpack-value"},
      {"zset-max-ziplist-entries", "zset-max-listpack-entries"},
      {"zset-max-ziplist-value", "zset-max-listpack-value"},
      {"list-max-ziplist-size", "list-max-listpack-size"},
      {"lua-time-limit", "busy-reply-threshold"},
      {"cluster-slave-validity-factor", "cluster-replica-validity-factor"},
      {"cluster-slave-no-failover", "cluster-replica-no-failover"},
  };
  for (const auto& [alias, name] : aliases) {
    const config::Param* p = reg_.Find(alias);
    ASSERT_NE(p, nullptr) << alias;
    EXPECT_EQ(p->name, name);
  }
}

TEST_F(ServerConfigTest, StartupOnlyParametersAreImmutable) {
  for (const char* name :
       {"port", "bind", "databases", "daemonize", "supervised", "unixsocket", "unixsocketperm",
        "cluster-enabled", "appenddirname", "appendfilename", "pidfile", "logfile", "tcp-backlog",
        "replicaof", "rdbchecksum", "io-threads"}) {
    const config::Param* p = reg_.Find(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_TRUE(p->flags & config::kImmutable) << name;
    EXPECT_EQ(reg_.Set({{name, "1"}}).message(),
              std::string("ERR CONFIG SET failed (possibly related to argument '") + name +
                  "') - can't set immutable config");
  }
  EXPECT_TRUE(reg_.Find("requirepass")->flags & config::kSensitive);
  EXPECT_TRUE(reg_.Find("masterauth")->flags & config::kSensitive);
  EXPECT_TRUE(reg_.Find("tls-port")->flags & config::kAcceptOnly);
  EXPECT_TRUE(reg_.Find("cluster-node-timeout")->flags & config::kAcceptOnly);
  EXPECT_FALSE(reg_.Find("maxmemory")->flags & config::kAcceptOnly);
}

// --- The operators' files ---------------------------------------------------------

TEST_F(ServerConfigTest, LoadsSeedServerBlock) {
  auto err = Load(kSeedServerConf);
  ASSERT_FALSE(err) << err->Format();
  EXPECT_EQ(cfg_.bind, std::vector<std::string>{"0.0.0.0"});
  EXPECT_TRUE(cfg_.bind_explicit);
  EXPECT_TRUE(cfg_.protected_mode);
  EXPECT_EQ(cfg_.port, 6379);
  EXPECT_EQ(cfg_.tcp_keepalive, 300);
  EXPECT_FALSE(cfg_.daemonize);
  EXPECT_EQ(cfg_.supervised, "no");
  EXPECT_EQ(cfg_.pidfile, "/var/run/redis_6379.pid");
  EXPECT_EQ(cfg_.loglevel, "notice");
  EXPECT_EQ(cfg_.logfile, "");
  EXPECT_TRUE(cfg_.always_show_logo);
  ASSERT_EQ(cfg_.save_points.size(), 3u);
  EXPECT_EQ(cfg_.save_points[0].seconds, 900);
  EXPECT_EQ(cfg_.save_points[0].changes, 1);
  EXPECT_EQ(cfg_.save_points[2].seconds, 60);
  EXPECT_EQ(cfg_.save_points[2].changes, 10000);
  EXPECT_EQ(Get("save"), "900 1 300 10 60 10000");
  EXPECT_EQ(cfg_.dbfilename, "dump.rdb");
  EXPECT_EQ(cfg_.dir, fs::current_path().string());
  EXPECT_FALSE(cfg_.repl_diskless_sync);
  EXPECT_EQ(cfg_.repl_ping_replica_period, 10);
  EXPECT_EQ(cfg_.repl_backlog_size, 1024 * 1024);
  EXPECT_EQ(cfg_.requirepass, "foobared");
  EXPECT_EQ(cfg_.appendfilename, "appendonly.aof");
  EXPECT_EQ(cfg_.auto_aof_rewrite_min_size, 64LL * 1024 * 1024);
  EXPECT_EQ(cfg_.lua_time_limit, 5000);
  EXPECT_EQ(cfg_.slowlog_max_len, 128);
  EXPECT_FALSE(FinishServerConfig(&cfg_));
}

TEST_F(ServerConfigTest, LoadsSeedReplicaBlock) {
  auto err = Load(std::string(kSeedServerConf) + kSeedReplicaConf);
  ASSERT_FALSE(err) << err->Format();
  EXPECT_EQ(cfg_.replicaof_host, "172.16.1.100");
  EXPECT_EQ(cfg_.replicaof_port, 6379);
  EXPECT_EQ(cfg_.masterauth, "mypass");
  EXPECT_EQ(cfg_.replica_priority, 100);
  EXPECT_EQ(Get("replicaof"), "172.16.1.100 6379");
  EXPECT_EQ(Get("slaveof"), "172.16.1.100 6379");
}

TEST_F(ServerConfigTest, QuotedValuesFromTheNotes) {
  ASSERT_FALSE(
      Load("cluster-config-file '/usr/local/cmz/redis02/nodes.conf'\n"
           "pidfile \"/x/redis.pid\"\nlogfile ''\n"
           "cluster-enabled yes\ncluster-node-timeout 15000\n"));
  EXPECT_EQ(cfg_.cluster_config_file, "/usr/local/cmz/redis02/nodes.conf");
  EXPECT_EQ(cfg_.pidfile, "/x/redis.pid");
  EXPECT_EQ(cfg_.logfile, "");
  EXPECT_TRUE(cfg_.cluster_enabled);
}

TEST_F(ServerConfigTest, LoadsDebianStockRedisConf) {
  auto read = config::ReadConfigFile((kTestData / "redis-7.0.15-debian.conf").string());
  ASSERT_FALSE(read.error) << read.error->Format();
  // The stock file says dir /var/lib/redis; point it at our temp dir so the
  // test does not depend on that directory existing.
  for (auto& d : read.directives) {
    if (d.args[0] == "dir") d.args[1] = tmp_;
  }
  auto err = reg_.ApplyAll(read.directives);
  ASSERT_FALSE(err) << err->Format();
  EXPECT_EQ(cfg_.bind, (std::vector<std::string>{"127.0.0.1", "-::1"}));
  EXPECT_TRUE(cfg_.daemonize);
  EXPECT_EQ(cfg_.pidfile, "/run/redis/redis-server.pid");
  EXPECT_EQ(cfg_.logfile, "/var/log/redis/redis-server.log");
  EXPECT_EQ(cfg_.appenddirname, "appendonlydir");
  EXPECT_EQ(cfg_.notify_keyspace_events, "");
  EXPECT_EQ(cfg_.obuf_replica.hard, 256LL * 1024 * 1024);
  EXPECT_EQ(Get("save"), "3600 1 300 100 60 10000");
  EXPECT_EQ(Get("oom-score-adj-values"), "0 200 800");
  EXPECT_EQ(Get("proc-title-template"), "{title} {listen-addr} {server-mode}");
}

TEST_F(ServerConfigTest, StockCommentedExamplesLoadAsInRedis) {
  std::istringstream ok(ReadAll(kTestData / "stock-commented-accepted.conf"));
  std::string line;
  int count = 0;
  while (std::getline(ok, line)) {
    if (line.empty() || line[0] == '#') continue;
    ServerConfig cfg;
    config::Registry reg;
    RegisterServerConfig(&cfg, &reg);
    auto read = config::ParseConfigText(line, "stock");
    ASSERT_FALSE(read.error) << line;
    auto err = reg.ApplyAll(read.directives);
    EXPECT_FALSE(err) << line << ": " << err->reason;
    ++count;
  }
  EXPECT_GT(count, 100);
  std::istringstream bad(ReadAll(kTestData / "stock-commented-refused.txt"));
  while (std::getline(bad, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto tab = line.find('\t');
    std::string text = line.substr(0, tab), reason = line.substr(tab + 1);
    ServerConfig cfg;
    config::Registry reg;
    RegisterServerConfig(&cfg, &reg);
    auto read = config::ParseConfigText(text, "stock");
    std::optional<config::ConfigError> err = read.error;
    if (!err) err = reg.ApplyAll(read.directives);
    ASSERT_TRUE(err) << text;
    EXPECT_EQ(err->reason, reason) << text;
  }
}

TEST_F(ServerConfigTest, UnknownDirectiveFails) {
  auto err = Load("port 6379\nfoo-bar 1\n");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->line_no, 2);
  EXPECT_EQ(err->reason, "Bad directive or wrong number of arguments");
  EXPECT_EQ(err->Format(),
            "\n*** FATAL CONFIG FILE ERROR (vigil " VIGIL_VERSION
            ") ***\nReading the configuration file 'vigil.conf', at line 2\n>>> 'foo-bar 1'\n"
            "Bad directive or wrong number of arguments\n");
}

TEST_F(ServerConfigTest, LoadErrorsMatchRedis) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"replicaof a", "wrong number of arguments"},
      {"replicaof a b", "Invalid master port"},
      {"replicaof a 70000", "Invalid master port"},
      {"client-output-buffer-limit normal 1 2",
       "Wrong number of arguments in buffer limit configuration."},
      {"client-output-buffer-limit master 1 2 3",
       "Invalid client class specified in buffer limit configuration."},
      {"client-output-buffer-limit normal 1x 2 3",
       "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
      {"client-output-buffer-limit normal 1 2 -3",
       "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
      {"notify-keyspace-events Z", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
      {"dir /nonexistent/vigil", "No such file or directory"},
      {"dbfilename a/b", "dbfilename can't be a path, just a filename"},
      {"appendfilename \"\"", "appendfilename can't be empty"},
      {"appenddirname x/y", "appenddirname can't be a path, just a dirname"},
      {"unixsocketperm 999", "argument couldn't be parsed as an octal number"},
      {"unixsocketperm 1777", "argument must be between 0 and 777 inclusive"},
      {"save 0 1", "Invalid save parameters"},
      {"save 10 -1", "Invalid save parameters"},
      {"save 10", "Invalid save parameters"},
      {"loglevel x",
       "argument(s) must be one of the following: debug, verbose, notice, warning, nothing"},
      {"appendfsync x", "argument(s) must be one of the following: everysec, always, no"},
      {"maxmemory 1.5gb", "argument must be a memory value"},
      {"tcp-keepalive -1", "argument must be between 0 and 2147483647 inclusive"},
      {"sentinel monitor a b c d", "sentinel directive while not in sentinel mode"},
      {"x.y", "Module config specified without value"},
      {"oom-score-adj-values 1 2", "wrong number of arguments"},
      {"bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "Too many bind addresses specified."},
      {"rename-command FOO", "Bad directive or wrong number of arguments"},
      {"maxmemory-clients 5x", "argument must be a memory or percent value"},
  };
  for (const auto& [text, reason] : cases) {
    ServerConfig cfg;
    config::Registry reg;
    RegisterServerConfig(&cfg, &reg);
    auto read = config::ParseConfigText(text, "t.conf");
    ASSERT_FALSE(read.error) << text;
    auto err = reg.ApplyAll(read.directives);
    ASSERT_TRUE(err) << text;
    EXPECT_EQ(err->reason, reason) << text;
  }
}

TEST_F(ServerConfigTest, AcceptedNonParameterDirectives) {
  ASSERT_FALSE(
      Load("rename-command FLUSHALL \"\"\nrename-command CONFIG cfg-x\n"
           "user default on nopass ~* +@all\nloadmodule /x/m.so a b\nmymod.opt 5\n"
           "list-max-ziplist-entries 512\nlua-replicate-commands yes\nsentinel\n"));
  ASSERT_EQ(cfg_.rename_commands.size(), 2u);
  EXPECT_EQ(cfg_.rename_commands[0], (std::vector<std::string>{"FLUSHALL", ""}));
  EXPECT_EQ(cfg_.rename_commands[1], (std::vector<std::string>{"CONFIG", "cfg-x"}));
  ASSERT_EQ(cfg_.other_directives.size(), 3u);
  EXPECT_EQ(cfg_.other_directives[0][0], "user");
  EXPECT_EQ(cfg_.other_directives[2], (std::vector<std::string>{"mymod.opt", "5"}));
}

// --- Special forms ---------------------------------------------------------------

TEST_F(ServerConfigTest, SaveForms) {
  ASSERT_FALSE(Load("save 900 1 300 10\n"));
  EXPECT_EQ(Get("save"), "900 1 300 10");
  ASSERT_FALSE(Load("save 60 10000\n"));  // later lines add
  EXPECT_EQ(Get("save"), "900 1 300 10 60 10000");
  ASSERT_FALSE(Load("save \"\"\n"));
  EXPECT_EQ(Get("save"), "");
  EXPECT_TRUE(cfg_.save_points.empty());
  ASSERT_FALSE(Load("save 5 5\n"));
  EXPECT_EQ(Get("save"), "5 5");
  // CONFIG SET replaces the whole list.
  ASSERT_TRUE(reg_.Set({{"save", "100 1 200 2"}}).ok());
  EXPECT_EQ(Get("save"), "100 1 200 2");
  ASSERT_TRUE(reg_.Set({{"save", ""}}).ok());
  EXPECT_EQ(Get("save"), "");
  EXPECT_EQ(reg_.Set({{"save", "0 1"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save "
            "parameters");
}

TEST_F(ServerConfigTest, SaveWithoutArgumentsClears) {
  ASSERT_FALSE(Load("save\n"));
  EXPECT_EQ(Get("save"), "");
}

TEST_F(ServerConfigTest, DefaultSaveKeptWhenFileHasNone) {
  ASSERT_FALSE(Load("port 1\n"));
  EXPECT_EQ(Get("save"), "3600 1 300 100 60 10000");
}

TEST_F(ServerConfigTest, BindForms) {
  ASSERT_FALSE(Load("bind 127.0.0.1 -::1 192.168.1.5\n"));
  EXPECT_EQ(Get("bind"), "127.0.0.1 -::1 192.168.1.5");
  EXPECT_TRUE(cfg_.bind_explicit);
  ASSERT_FALSE(Load("bind \"\"\n"));
  EXPECT_TRUE(cfg_.bind.empty());
}

TEST_F(ServerConfigTest, ReplicaofForms) {
  ASSERT_FALSE(Load("replicaof 10.0.0.1 6380\n"));
  EXPECT_EQ(cfg_.replicaof_host, "10.0.0.1");
  EXPECT_EQ(cfg_.replicaof_port, 6380);
  ASSERT_FALSE(Load("slaveof NO ONE\n"));
  EXPECT_EQ(cfg_.replicaof_host, "");
  EXPECT_EQ(Get("replicaof"), "");
}

TEST_F(ServerConfigTest, ClientOutputBufferLimit) {
  EXPECT_EQ(Get("client-output-buffer-limit"),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  ASSERT_FALSE(
      Load("client-output-buffer-limit replica 512mb 128mb 30\n"
           "client-output-buffer-limit pubsub 1gb 1k 0\n"));
  EXPECT_EQ(Get("client-output-buffer-limit"),
            "normal 0 0 0 slave 536870912 134217728 30 pubsub 1073741824 1000 0");
  ASSERT_TRUE(reg_.Set({{"client-output-buffer-limit", "slave 1mb 2mb 3 normal 1 2 3"}}).ok());
  EXPECT_EQ(Get("client-output-buffer-limit"),
            "normal 1 2 3 slave 1048576 2097152 3 pubsub 1073741824 1000 0");
  // A bad class anywhere changes nothing.
  EXPECT_FALSE(reg_.Set({{"client-output-buffer-limit", "normal 9 9 9 master 1 2 3"}}).ok());
  EXPECT_EQ(cfg_.obuf_normal.hard, 1);
}

TEST_F(ServerConfigTest, DirChdirsAndPrintsAbsolute) {
  fs::create_directory(fs::path(tmp_) / "data");
  ASSERT_FALSE(Load("dir data\n"));
  std::string expected = (fs::path(tmp_) / "data").string();
  EXPECT_EQ(fs::current_path().string(), fs::canonical(expected).string());
  EXPECT_EQ(Get("dir"), fs::current_path().string());
  EXPECT_EQ(cfg_.dir, fs::current_path().string());
  // Protected, as in Redis 7 with enable-protected-configs no.
  EXPECT_EQ(reg_.Set({{"dir", tmp_}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected "
            "config");
}

TEST_F(ServerConfigTest, ProtectedConfigsFollowEnableProtectedConfigs) {
  ASSERT_FALSE(Load("enable-protected-configs local\n"));
  EXPECT_FALSE(reg_.Set({{"dbfilename", "a.rdb"}}, false).ok());
  ASSERT_TRUE(reg_.Set({{"dbfilename", "a.rdb"}}, true).ok());
  EXPECT_EQ(cfg_.dbfilename, "a.rdb");
  fs::create_directory(fs::path(tmp_) / "d2");
  ASSERT_TRUE(reg_.Set({{"dir", (fs::path(tmp_) / "d2").string()}}, true).ok());
  EXPECT_EQ(fs::current_path(), fs::canonical(fs::path(tmp_) / "d2"));
  EXPECT_EQ(reg_.Set({{"dir", "/nonexistent/x"}}, true).message(),
            "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or "
            "directory");
}

TEST_F(ServerConfigTest, NotifyKeyspaceEvents) {
  ASSERT_TRUE(reg_.Set({{"notify-keyspace-events", "KEA"}}).ok());
  EXPECT_EQ(Get("notify-keyspace-events"), "AKE");
  ASSERT_TRUE(reg_.Set({{"notify-keyspace-events", "Kgx$"}}).ok());
  EXPECT_EQ(Get("notify-keyspace-events"), "g$xK");
  ASSERT_TRUE(reg_.Set({{"notify-keyspace-events", "g$lshzxetd"}}).ok());
  EXPECT_EQ(Get("notify-keyspace-events"), "A");
  ASSERT_TRUE(reg_.Set({{"notify-keyspace-events", "AKEmn"}}).ok());
  EXPECT_EQ(Get("notify-keyspace-events"), "AKEm");
  ASSERT_TRUE(reg_.Set({{"notify-keyspace-events", ""}}).ok());
  EXPECT_EQ(Get("notify-keyspace-events"), "");
  EXPECT_EQ(reg_.Set({{"notify-keyspace-events", "Kq"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  EXPECT_EQ(ParseKeyspaceEvents("Ex"), kNotifyKeyevent | kNotifyExpired);
  EXPECT_FALSE(ParseKeyspaceEvents("?"));
  EXPECT_EQ(KeyspaceEventsToString(kNotifyKeyevent | kNotifyExpired), "xE");
}

TEST_F(ServerConfigTest, ConfigSetSessionsFromTheNotes) {
  ASSERT_TRUE(reg_.Set({{"maxmemory", "8589934592"}}).ok());
  EXPECT_EQ(reg_.Get({"maxmemory"}), (Pairs{{"maxmemory", "8589934592"}}));
  ASSERT_TRUE(reg_.Set({{"requirepass", "123456"}}).ok());
  ASSERT_TRUE(reg_.Set({{"masterauth", "mypass"}}).ok());
  EXPECT_EQ(cfg_.requirepass, "123456");
  EXPECT_EQ(cfg_.masterauth, "mypass");
}

TEST_F(ServerConfigTest, ConfigSetErrorsFromRedis) {
  EXPECT_EQ(reg_.Set({{"hz", "0x10"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be "
            "parsed into an integer");
  EXPECT_EQ(reg_.Set({{"repl-ping-slave-period", "0"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'repl-ping-slave-period') - "
            "argument must be between 1 and 2147483647 inclusive");
  EXPECT_EQ(reg_.Set({{"appendonly", "maybe"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must "
            "be 'yes' or 'no'");
  EXPECT_EQ(reg_.Set({{"maxmemory", "-1"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be "
            "a memory value");
}

TEST_F(ServerConfigTest, HzAndBacklogAdjustedAtRuntime) {
  ASSERT_TRUE(reg_.Set({{"hz", "999"}}).ok());
  EXPECT_EQ(Get("hz"), "500");
  ASSERT_TRUE(reg_.Set({{"repl-backlog-size", "2"}}).ok());
  EXPECT_EQ(Get("repl-backlog-size"), "16384");
  ASSERT_TRUE(reg_.Set({{"maxmemory-clients", "5%"}}).ok());
  EXPECT_EQ(Get("maxmemory-clients"), "5%");
}

TEST_F(ServerConfigTest, FinishServerConfigChecks) {
  ASSERT_FALSE(Load("hz 0\n"));
  EXPECT_FALSE(FinishServerConfig(&cfg_));
  EXPECT_EQ(cfg_.hz, 1);
  ASSERT_FALSE(Load("logfile /nonexistent/dir/x.log\n"));
  auto err = FinishServerConfig(&cfg_);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->reason, "Can't open the log file: No such file or directory");
  ServerConfig c2;
  config::Registry r2;
  RegisterServerConfig(&c2, &r2);
  auto read = config::ParseConfigText("cluster-enabled yes\nreplicaof 1.2.3.4 5\n", "x");
  ASSERT_FALSE(r2.ApplyAll(read.directives));
  auto err2 = FinishServerConfig(&c2);
  ASSERT_TRUE(err2);
  EXPECT_EQ(err2->reason, "replicaof directive not allowed in cluster mode");
}

// --- CONFIG REWRITE -----------------------------------------------------------------

TEST_F(ServerConfigTest, RewriteSeedServerAfterOperatorSession) {
  ASSERT_FALSE(Load(kSeedServerConf));
  ASSERT_TRUE(reg_.Set({{"maxmemory", "8589934592"}}).ok());
  ASSERT_TRUE(reg_.Set({{"requirepass", "123456"}}).ok());
  ASSERT_TRUE(reg_.Set({{"masterauth", "mypass"}}).ok());
  std::string out = reg_.RewriteText(kSeedServerConf);

  // Same lines in the same order, values replaced in place.
  std::string expected = kSeedServerConf;
  auto replace = [&](const std::string& from, const std::string& to) {
    auto pos = expected.find(from);
    ASSERT_NE(pos, std::string::npos) << from;
    expected.replace(pos, from.size(), to);
  };
  replace("pidfile /var/run/redis_6379.pid", "pidfile \"/var/run/redis_6379.pid\"");
  replace("dbfilename dump.rdb", "dbfilename \"dump.rdb\"");
  replace("dir ./", "dir \"" + fs::current_path().string() + "\"");
  replace("repl-ping-slave-period 10", "repl-ping-replica-period 10");
  replace("requirepass foobared", "requirepass \"123456\"");
  replace("lua-time-limit 5000", "busy-reply-threshold 5000");
  expected += "\n# Generated by CONFIG REWRITE\nmaxmemory 8gb\nmasterauth \"mypass\"\n";
  EXPECT_EQ(out, expected);

  // The rewritten file loads back to the same state.
  ServerConfig again;
  config::Registry reg2;
  RegisterServerConfig(&again, &reg2);
  auto read = config::ParseConfigText(out, "rewritten");
  ASSERT_FALSE(read.error);
  ASSERT_FALSE(reg2.ApplyAll(read.directives));
  EXPECT_EQ(reg2.Get({"*"}), reg_.Get({"*"}));
}

TEST_F(ServerConfigTest, RewriteReplicaBlockUsesNewNames) {
  ASSERT_FALSE(Load(kSeedReplicaConf));
  EXPECT_EQ(reg_.RewriteText(kSeedReplicaConf),
            "# new spelling: replicaof 192.168.7.103 6379\n"
            "replicaof 172.16.1.100 6379\n"
            "masterauth \"mypass\"\n"
            "# new spelling: replica-priority 90 ; 0 = never promoted\n"
            "replica-priority 100\n"
            "\n"
            "# Generated by CONFIG REWRITE\n"
            "dir \"" +
                fs::current_path().string() + "\"\n");
}

TEST_F(ServerConfigTest, RewriteAfterPromotionDropsReplicaof) {
  const std::string text = "port 6379\nslaveof 172.16.1.100 6379\nmasterauth mypass\n";
  ASSERT_FALSE(Load(text));
  ASSERT_FALSE(Load("replicaof no one\n"));  // what REPLICAOF NO ONE leaves behind
  std::string out = reg_.RewriteText(text);
  EXPECT_EQ(out.find("slaveof"), std::string::npos);
  EXPECT_EQ(out.find("replicaof"), std::string::npos);
  EXPECT_NE(out.find("masterauth \"mypass\""), std::string::npos);
}

TEST_F(ServerConfigTest, RewriteAfterFailoverNamesNewMaster) {
  const std::string text = "# replica\nreplicaof 192.168.7.101 6379\n";
  ASSERT_FALSE(Load(text));
  cfg_.replicaof_host = "192.168.7.103";
  std::string out = reg_.RewriteText(text);
  EXPECT_EQ(out.substr(0, out.find('\n', 10) + 1), "# replica\nreplicaof 192.168.7.103 6379\n");
}

TEST_F(ServerConfigTest, RewriteSaveLines) {
  const std::string text = "save 900 1\n# keep\nsave 300 10\nsave 60 10000\n";
  ASSERT_FALSE(Load(text));
  ASSERT_TRUE(reg_.Set({{"save", "3600 1"}}).ok());
  std::string out = reg_.RewriteText(text);
  EXPECT_EQ(out.substr(0, out.find("\n\n# Generated")), "save 3600 1\n# keep");
  ASSERT_TRUE(reg_.Set({{"save", ""}}).ok());
  out = reg_.RewriteText(text);
  EXPECT_EQ(out.substr(0, out.find("\n\n# Generated")), "save \"\"\n# keep");
}

TEST_F(ServerConfigTest, RewriteDoesNotAddDefaultsButWritesEmptySave) {
  std::string dir_line = "dir \"" + fs::current_path().string() + "\"\n";
  EXPECT_EQ(reg_.RewriteText(""), "# Generated by CONFIG REWRITE\n" + dir_line);
  ASSERT_TRUE(reg_.Set({{"save", ""}}).ok());
  EXPECT_EQ(reg_.RewriteText(""), "# Generated by CONFIG REWRITE\nsave \"\"\n" + dir_line);
}

TEST_F(ServerConfigTest, RewriteClientOutputBufferLimitLikeRedis) {
  // Redis rewrites class by class: the first old line takes the first class
  // (normal) and only non-default classes are appended.
  const std::string text = "client-output-buffer-limit pubsub 32mb 8mb 60\n";
  ASSERT_FALSE(Load(text));
  EXPECT_EQ(reg_.RewriteText(text).substr(0, 41), "client-output-buffer-limit normal 0 0 0\n\n");
  ASSERT_TRUE(reg_.Set({{"client-output-buffer-limit", "replica 512mb 128mb 30"}}).ok());
  std::string out = reg_.RewriteText(text);
  EXPECT_NE(out.find("client-output-buffer-limit replica 512mb 128mb 30\n"), std::string::npos);
  EXPECT_EQ(out.find("client-output-buffer-limit pubsub"), std::string::npos);
}

TEST_F(ServerConfigTest, RewriteStockConfigKeepsItLoadable) {
  std::string text = ReadAll(kTestData / "redis-7.0.15-debian.conf");
  auto read = config::ParseConfigText(text, "stock");
  ASSERT_FALSE(read.error);
  for (auto& d : read.directives) {
    if (d.args[0] == "dir") d.args[1] = tmp_;
  }
  ASSERT_FALSE(reg_.ApplyAll(read.directives));
  ASSERT_TRUE(reg_.Set({{"maxmemory", "100mb"}, {"maxmemory-policy", "allkeys-lru"}}).ok());
  std::string out = reg_.RewriteText(text);
  // Comments survive: the file is still the long commented one.
  EXPECT_GT(out.size(), text.size() * 9 / 10);
  EXPECT_NE(out.find("################################## NETWORK"), std::string::npos);
  // "# maxmemory <bytes>" is a comment; the value is appended.
  EXPECT_NE(out.find("# Generated by CONFIG REWRITE\n"), std::string::npos);
  EXPECT_NE(out.find("\nmaxmemory 100mb\n"), std::string::npos);
  ServerConfig again;
  config::Registry reg2;
  RegisterServerConfig(&again, &reg2);
  auto reread = config::ParseConfigText(out, "rewritten");
  ASSERT_FALSE(reread.error);
  auto err = reg2.ApplyAll(reread.directives);
  ASSERT_FALSE(err) << err->Format();
  EXPECT_EQ(reg2.Get({"*"}), reg_.Get({"*"}));
  // Redis's line split turns the final newline into one blank line, once.
  std::string twice = reg_.RewriteText(out);
  EXPECT_EQ(twice, out + "\n");
  EXPECT_EQ(reg_.RewriteText(twice), twice);
}

TEST_F(ServerConfigTest, RewriteFileOnDisk) {
  std::string path = (fs::path(tmp_) / "vigil.conf").string();
  std::ofstream(path) << kSeedReplicaConf;
  ASSERT_FALSE(Load(kSeedReplicaConf));
  ASSERT_TRUE(reg_.Set({{"replica-priority", "90"}}).ok());
  ASSERT_TRUE(reg_.Rewrite(path).ok());
  std::string out = ReadAll(path);
  EXPECT_NE(out.find("\nreplica-priority 90\n"), std::string::npos);
  EXPECT_NE(out.find("# new spelling: replica-priority 90 ; 0 = never promoted\n"),
            std::string::npos);
}

}  // namespace
}  // namespace vigil::server

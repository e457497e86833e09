// vigil-server entry point: command line and config file, logging, then the
// server's event loop. Exceptions stop here; inside the server errors are values.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "common/config/cli.h"
#include "common/config/config_file.h"
#include "common/config/registry.h"
#include "common/log/logging.h"
#include "server/config/server_config.h"
#include "server/persistence/check_tool.h"
#include "server/server.h"

namespace {

void Daemonize() {
  if (fork() != 0) std::exit(0);  // parent exits
  setsid();
  int fd = open("/dev/null", O_RDWR, 0);
  if (fd != -1) {
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO) close(fd);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vigil;
  // --check-rdb / --check-aof (or a vigil-check-* link) check a file and exit.
  if (auto rc = server::RunCheckToolIfRequested(argc, argv)) return *rc;
  auto cl = config::ParseCommandLine(argc, argv, {"check-rdb", "check-aof"});
  if (!cl.ok()) {
    std::fprintf(stderr, "%s\n%s", cl.message().c_str(),
                 config::UsageText("vigil-server").c_str());
    return 1;
  }
  if (cl->help) {
    std::fputs(config::UsageText("vigil-server").c_str(), stdout);
    return 0;
  }
  if (cl->version) {
    std::printf("vigil-server v=%s (Redis 7.0.15 compatible) bits=64\n", VIGIL_VERSION);
    return 0;
  }

  server::ServerConfig cfg;
  config::Registry registry;
  server::RegisterServerConfig(&cfg, &registry);

  std::string config_path;
  std::vector<config::Directive> directives;
  if (!cl->config_path.empty()) {
    config::ReadResult rr;
    if (cl->config_path == "-") {
      std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
      rr = config::ParseConfigText(text, "(stdin)");
    } else {
      // CONFIG REWRITE must write the same file after `dir` changes the cwd.
      std::error_code ec;
      auto abs = std::filesystem::absolute(cl->config_path, ec);
      config_path = ec ? cl->config_path : abs.string();
      rr = config::ReadConfigFile(config_path);
    }
    if (rr.error) {
      std::fputs(rr.error->Format().c_str(), stderr);
      return 1;
    }
    directives = std::move(rr.directives);
  }
  if (cl->config_from_stdin) {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    auto rr = config::ParseConfigText(text, "(stdin)");
    if (rr.error) {
      std::fputs(rr.error->Format().c_str(), stderr);
      return 1;
    }
    directives.insert(directives.end(), rr.directives.begin(), rr.directives.end());
  }
  if (!cl->overrides_text.empty()) {
    auto rr = config::ParseConfigText(cl->overrides_text, "(command line)");
    if (rr.error) {
      std::fputs(rr.error->Format().c_str(), stderr);
      return 1;
    }
    directives.insert(directives.end(), rr.directives.begin(), rr.directives.end());
  }
  if (auto err = registry.ApplyAll(directives)) {
    std::fputs(err->Format().c_str(), stderr);
    return 1;
  }
  if (auto err = server::FinishServerConfig(&cfg)) {
    std::fputs(err->Format().c_str(), stderr);
    return 1;
  }

  if (cfg.daemonize) Daemonize();
  Status st = log::Init(cfg.logfile, cfg.loglevel, 'M');
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  spdlog::info("oO0OoO0OoO0Oo vigil is starting oO0OoO0OoO0Oo");
  spdlog::info("vigil version={}, bits=64, pid={}, just started", VIGIL_VERSION, getpid());
  if (config_path.empty() && cl->config_path.empty()) {
    spdlog::warn("Warning: no config file specified, using the default config. In order to "
                 "specify a config file use vigil-server /path/to/vigil.conf");
  } else {
    spdlog::info("Configuration loaded");
  }

  std::string pidfile = cfg.pidfile;
  if (pidfile.empty() && cfg.daemonize) pidfile = "/var/run/redis.pid";
  if (!pidfile.empty()) {
    if (FILE* f = std::fopen(pidfile.c_str(), "w")) {
      std::fprintf(f, "%d\n", static_cast<int>(getpid()));
      std::fclose(f);
    } else {
      spdlog::warn("Failed to write PID file: {}", std::strerror(errno));
    }
  }

  server::Server srv(&cfg, &registry, config_path);
  if (Status st = srv.CheckRenames(); !st.ok()) {
    std::fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n%s\n", st.message().c_str());
    return 1;
  }
  if (!srv.Listen()) return 1;
  spdlog::info("Running mode=standalone, port={}.", cfg.port);
  spdlog::info("Server initialized PID: {}", getpid());
  if (Status st = srv.LoadData(); !st.ok()) {
    spdlog::warn("Fatal error loading the DB: {}. Exiting.", st.message());
    if (!pidfile.empty()) unlink(pidfile.c_str());
    return 1;
  }
  srv.Run();
  if (!pidfile.empty()) unlink(pidfile.c_str());
  return 0;
}

#include "common/log/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <unistd.h>

#include <atomic>
#include <memory>

#include "common/util/strings.h"

namespace vigil::log {
namespace {

std::atomic<char> g_role{'M'};

// spdlog has no "verbose"; Redis's verbose maps to debug. The mark printed is
// Redis's: '.' debug, '*' notice (info), '#' warning (warn and above).
class LevelMark final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    char c = '*';
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug: c = '.'; break;
      case spdlog::level::info: c = '*'; break;
      default: c = '#'; break;
    }
    dest.push_back(c);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LevelMark>();
  }
};

class RoleMark final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    dest.push_back(g_role.load());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<RoleMark>();
  }
};

bool ToSpdLevel(std::string_view level, spdlog::level::level_enum* out) {
  std::string l = ToLower(level);
  if (l == "debug" || l == "verbose") *out = spdlog::level::debug;
  else if (l == "notice") *out = spdlog::level::info;
  else if (l == "warning") *out = spdlog::level::warn;
  else if (l == "nothing") *out = spdlog::level::off;
  else return false;
  return true;
}

}  // namespace

Status Init(std::string_view logfile, std::string_view level, char role) {
  g_role = role;
  spdlog::level::level_enum lvl;
  if (!ToSpdLevel(level, &lvl)) return Status::Error("invalid loglevel");
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (logfile.empty()) {
      logger = std::make_shared<spdlog::logger>("vigil",
                                                std::make_shared<spdlog::sinks::stdout_sink_mt>());
    } else {
      logger = std::make_shared<spdlog::logger>(
          "vigil", std::make_shared<spdlog::sinks::basic_file_sink_mt>(std::string(logfile)));
    }
  } catch (const spdlog::spdlog_ex& e) {
    return Status::Error(std::string("Can't open the log file: ") + e.what());
  }
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<LevelMark>('*').add_flag<RoleMark>('R');
  formatter->set_pattern("%P:%R %d %b %Y %H:%M:%S.%e %* %v");
  logger->set_formatter(std::move(formatter));
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  return Status::Ok();
}

Status SetLevel(std::string_view level) {
  spdlog::level::level_enum lvl;
  if (!ToSpdLevel(level, &lvl)) return Status::Error("invalid loglevel");
  spdlog::set_level(lvl);
  return Status::Ok();
}

void SetRole(char role) { g_role = role; }

}  // namespace vigil::log

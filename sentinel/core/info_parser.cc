#include "sentinel/core/info_parser.h"

#include "common/util/strings.h"

namespace vigil::sentinel {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
  return s;
}

// Parses "ip=1.2.3.4,port=6380,state=online,..." (and the pre-2.8 "ip,port,state" form).
bool ParseSlaveLine(std::string_view v, InfoReplicaLine* out) {
  std::vector<std::string> parts = SplitString(v, ",");
  if (parts.empty()) return false;
  if (parts[0].find('=') == std::string::npos) {
    if (parts.size() < 2) return false;
    auto port = ParseInt64(parts[1]);
    if (!port) return false;
    out->ip = parts[0];
    out->port = static_cast<int>(*port);
    return true;
  }
  for (const std::string& p : parts) {
    if (StartsWith(p, "ip=")) out->ip = p.substr(3);
    if (StartsWith(p, "port=")) {
      auto port = ParseInt64(std::string_view(p).substr(5));
      if (port) out->port = static_cast<int>(*port);
    }
  }
  return !out->ip.empty() && out->port > 0;
}

}  // namespace

ParsedInfo ParseInfo(std::string_view text) {
  ParsedInfo info;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = Trim(text.substr(pos, eol - pos));
    pos = eol + 1;
    if (line.empty() || line[0] == '#') continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view val = line.substr(colon + 1);
    if (key == "run_id") {
      info.run_id = std::string(val);
    } else if (key == "role") {
      info.role = val == "master" ? Role::kMaster : val == "slave" ? Role::kSlave : Role::kUnknown;
    } else if (key.size() > 5 && StartsWith(key, "slave") && key[5] >= '0' && key[5] <= '9') {
      InfoReplicaLine r;
      if (ParseSlaveLine(val, &r)) info.replicas.push_back(std::move(r));
    } else if (key == "master_host") {
      info.master_host = std::string(val);
    } else if (key == "master_port") {
      if (auto v = ParseInt64(val)) info.master_port = static_cast<int>(*v);
    } else if (key == "master_link_status") {
      info.master_link_up = val == "up";
    } else if (key == "master_link_down_since_seconds") {
      if (auto v = ParseInt64(val)) info.master_link_down_since_s = *v;
    } else if (key == "slave_priority" || key == "replica_priority") {
      if (auto v = ParseInt64(val)) info.slave_priority = static_cast<int>(*v);
    } else if (key == "slave_repl_offset") {
      if (auto v = ParseInt64(val)) info.slave_repl_offset = *v;
    } else if (key == "replica_announced") {
      info.replica_announced = val != "0";
    }
  }
  return info;
}

}  // namespace vigil::sentinel

#include "server/blocking.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <climits>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/connection.h"
#include "server/server.h"

namespace vigil::server {

std::optional<int64_t> ParseBlockTimeout(CommandContext& ctx, std::string_view arg) {
  auto v = ParseLongDouble(arg);
  if (!v) {
    // Redis's string2ld accepts "inf" (ParseLongDouble does not): infinite
    // timeouts wrap in Redis 7.0's conversion and come out "negative".
    std::string buf(arg);
    char* end = nullptr;
    errno = 0;
    long double d = std::strtold(buf.c_str(), &end);
    if (!buf.empty() && !std::isspace(static_cast<unsigned char>(buf[0])) &&
        end == buf.c_str() + buf.size() && std::isinf(d) && errno != ERANGE) {
      ctx.reply.Error("ERR timeout is negative");
      return std::nullopt;
    }
  }
  if (!v || std::isnan(*v)) {
    ctx.reply.Error("ERR timeout is not a float or out of range");
    return std::nullopt;
  }
  long double ms = *v * 1000.0L;
  // Redis 7.0 converts to long long without a range check, so "inf" and
  // 1e100 wrap to a negative value: it answers "timeout is negative".
  if (ms > static_cast<long double>(LLONG_MAX)) {
    ctx.reply.Error("ERR timeout is negative");
    return std::nullopt;
  }
  int64_t t = static_cast<int64_t>(std::ceil(ms));
  if (t < 0) {
    ctx.reply.Error("ERR timeout is negative");
    return std::nullopt;
  }
  if (t == 0) return 0;
  int64_t now = MonotonicMs();
  if (t > LLONG_MAX - now) {
    ctx.reply.Error("ERR timeout is out of range");
    return std::nullopt;
  }
  return now + t;
}

namespace {
void WriteTimeoutReply(resp::Writer& w, TimeoutReply r) {
  if (r == TimeoutReply::kNull) w.Null(); else w.NullArray();
}
}  // namespace

void BlockClient(CommandContext& ctx, BlockSpec spec) {
  if (!ctx.may_block) {
    WriteTimeoutReply(ctx.reply, spec.when_not_blocking.value_or(spec.on_timeout));
    return;
  }
  if (ctx.reexec) {
    ctx.server.blocking().KeepBlocked();
    return;
  }
  ctx.server.blocking().Block(ctx.client, ctx.args, std::move(spec));
}

std::vector<std::string> KeysToServe(const CommandContext& ctx, std::vector<std::string> keys) {
  const std::string* ready = ctx.reexec ? ctx.server.blocking().serving_key() : nullptr;
  if (ready != nullptr) return {*ready};
  return keys;
}

void Blocking::Block(Client& client, const std::vector<std::string>& args, BlockSpec spec) {
  const uint64_t id = client.id();
  Wait w;
  w.db = client.db_index();
  w.args = args;
  for (const auto& k : spec.keys) {
    auto& q = waiters_[{w.db, k}];
    if (std::find(q.begin(), q.end(), id) == q.end()) q.push_back(id);
  }
  if (spec.deadline_ms > 0) {
    w.timer = std::make_unique<boost::asio::steady_timer>(server_.io());
    const int64_t wait_ms = std::max<int64_t>(0, spec.deadline_ms - MonotonicMs());
    w.timer->expires_after(std::chrono::milliseconds(wait_ms));
    w.timer->async_wait([this, id](const boost::system::error_code& ec) {
      if (!ec) Unblock(id, /*send_timeout_reply=*/true);
    });
  }
  w.spec = std::move(spec);
  waits_[id] = std::move(w);
  client.set_blocked(true);
}

void Blocking::SignalKeyAsReady(int db, std::string_view key) {
  DbKey k{db, std::string(key)};
  if (!waiters_.count(k) || ready_set_.count(k)) return;
  ready_set_.insert(k);
  ready_.push_back(std::move(k));
}

void Blocking::SignalReadyKeysInDb(int db) {
  Database& data = server_.db(db);
  const int64_t now = UnixMs();
  for (auto it = waiters_.lower_bound({db, ""}); it != waiters_.end() && it->first.first == db;
       ++it) {
    const Object* o = data.Lookup(it->first.second, now);
    if (o != nullptr && (o->type() == ObjType::kList || o->type() == ObjType::kZSet))
      SignalKeyAsReady(db, it->first.second);
  }
}

void Blocking::ServeReadyKeys() {
  // Serving one key can make others ready (BLMOVE pushes to its
  // destination), so keep going until no key is left.
  while (!ready_.empty()) {
    std::vector<DbKey> batch;
    batch.swap(ready_);
    // As Redis, a key leaves the ready set when its turn comes, so a key
    // still pending in this batch is not queued again by a BLMOVE.
    for (const auto& k : batch) {
      ready_set_.erase(k);
      ServeKey(k);
    }
  }
}

void Blocking::ServeKey(const DbKey& key) {
  auto it = waiters_.find(key);
  if (it == waiters_.end()) return;
  // Snapshot the queue: re-runs change it.
  std::vector<uint64_t> ids(it->second.begin(), it->second.end());
  Database& db = server_.db(key.first);
  for (uint64_t id : ids) {
    Object* o = db.Lookup(key.second, UnixMs());
    if (o == nullptr) return;  // drained (or deleted): the rest keep waiting
    auto w = waits_.find(id);
    if (w == waits_.end()) continue;
    // A key holding another type than the client waits for does not wake it
    // (Redis 7.0); later clients waiting for this type are still served.
    if (o->type() != w->second.spec.type) continue;
    Rerun(id, key.second);
  }
}

bool Blocking::Rerun(uint64_t client_id, const std::string& key) {
  auto w = waits_.find(client_id);
  if (w == waits_.end()) return false;
  auto cit = server_.clients().find(client_id);
  if (cit == server_.clients().end()) {
    Unblock(client_id, false);
    return false;
  }
  Client& client = *cit->second;
  const CommandSpec* spec = server_.commands().Find(w->second.args[0]);
  if (spec == nullptr) return false;
  // The command runs in the database it blocked in, whatever the client's
  // current one (it cannot have changed: its input is paused).
  std::vector<std::string> args = w->second.args;
  reblocked_ = false;
  CommandContext ctx{server_, client, args, client.writer(), *spec};
  ctx.reexec = true;
  const uint64_t dirty_before = server_.dirty();
  const size_t reply_start = client.writer().buffer()->size();
  const int64_t start_us = MonotonicUs();
  serving_key_ = &key;
  spec->handler(ctx);
  serving_key_ = nullptr;
  if (reblocked_) return false;
  // The call was counted when the client blocked; its time and failure
  // (BLMOVE onto a wrong-type destination) are counted when served (Redis 7.0).
  const int64_t serve_us = MonotonicUs() - start_us;
  CommandStats& stats = server_.command_stats()[spec->name];
  stats.usec += static_cast<uint64_t>(serve_us);
  server_.RecordSlowlog(client, args, w->second.call_us + serve_us);
  const std::string& out = *client.writer().buffer();
  if (out.size() > reply_start && out[reply_start] == '-') {
    ++stats.failed_calls;
    server_.stats().RecordErrorReply(std::string_view(out).substr(reply_start + 1),
                                     client.is_master());
  }
  server_.Propagate(ctx, dirty_before);
  Unblock(client_id, false);
  return true;
}

size_t Blocking::clients_with_timeout() const {
  return static_cast<size_t>(std::count_if(waits_.begin(), waits_.end(),
                                           [](const auto& w) { return w.second.spec.deadline_ms != 0; }));
}

void Blocking::Unblock(uint64_t client_id, bool send_timeout_reply) {
  auto w = waits_.find(client_id);
  if (w == waits_.end()) return;
  for (const auto& k : w->second.spec.keys) {
    auto q = waiters_.find({w->second.db, k});
    if (q == waiters_.end()) continue;
    std::erase(q->second, client_id);
    if (q->second.empty()) waiters_.erase(q);
  }
  if (w->second.timer) w->second.timer->cancel();
  TimeoutReply r = w->second.spec.on_timeout;
  waits_.erase(w);
  auto cit = server_.clients().find(client_id);
  if (cit == server_.clients().end()) return;
  auto client = cit->second;
  if (send_timeout_reply) WriteTimeoutReply(client->writer(), r);
  client->set_blocked(false);
  // Resume the client's pipeline outside the command that woke it.
  boost::asio::post(server_.io(), [client] { client->Resume(); });
}

}  // namespace vigil::server

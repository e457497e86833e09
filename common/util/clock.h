// Time sources. Logic that depends on time takes a Clock (or plain millisecond
// values) so tests can drive it with a fake clock; only the process edge reads
// the real clocks.
#pragma once

#include <chrono>
#include <cstdint>

namespace vigil {

// Milliseconds on a monotonic clock (for timeouts and periods).
inline int64_t MonotonicMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

inline int64_t MonotonicUs() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

// Unix time in milliseconds (for expiries, LASTSAVE and INFO fields).
inline int64_t UnixMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

inline int64_t UnixUs() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
};

class SteadyClock final : public Clock {
 public:
  int64_t NowMs() const override { return MonotonicMs(); }
};

}  // namespace vigil

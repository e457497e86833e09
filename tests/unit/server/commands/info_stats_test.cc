// ServerStats' INFO counters: errorstats prefixes and instantaneous metrics.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "server/server.h"

namespace vigil::server {
namespace {

TEST(ErrorStats, CountsByFirstWordAsRedis) {
  ServerStats st;
  st.RecordErrorReply("ERR value is not an integer or out of range\r\n");
  st.RecordErrorReply("WRONGTYPE Operation against a key holding the wrong kind of value");
  st.RecordErrorReply("EXECABORT Transaction discarded because of: x");
  // No space: the generic "ERR".
  st.RecordErrorReply("NOSPACE\r\n+OK\r\n");
  // The space must be within the first 32 bytes of "-CODE ...".
  st.RecordErrorReply(std::string(31, 'L') + " late space");
  st.RecordErrorReply(std::string(30, 'S') + " in time", /*to_master=*/true);
  const std::map<std::string, uint64_t> want = {
      {"ERR", 3}, {"WRONGTYPE", 1}, {"EXECABORT", 1}, {std::string(30, 'S'), 1}};
  EXPECT_EQ(st.error_counts, want);
  EXPECT_EQ(st.total_error_replies, 6u);
  EXPECT_EQ(st.unexpected_error_replies, 1u);
}

TEST(InstantaneousMetric, MeanRateOfTheLastSixteenSamples) {
  InstantaneousMetric m;
  m.Track(0, 1000);  // first reading: no sample yet
  EXPECT_EQ(m.PerSecond(), 0.0);
  m.Track(100, 1100);  // 100 in 100 ms = 1000/s, one sample of 16
  EXPECT_DOUBLE_EQ(m.PerSecond(), 1000.0 / 16);
  uint64_t reading = 100;
  for (int i = 0; i < 16; ++i) m.Track(reading += 50, 1200 + 100 * i);  // 500/s
  EXPECT_DOUBLE_EQ(m.PerSecond(), 500.0);
}

TEST(ServerStatsCron, SamplesEveryHundredMilliseconds) {
  ServerStats st;
  st.CronSample(1000);
  st.total_commands_processed = 10;
  st.CronSample(1050);  // too soon: no sample
  EXPECT_EQ(st.inst_ops.PerSecond(), 0.0);
  st.CronSample(1100);  // 10 commands in 100 ms
  EXPECT_DOUBLE_EQ(st.inst_ops.PerSecond(), 100.0 / 16);
}

}  // namespace
}  // namespace vigil::server

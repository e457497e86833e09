// Leader counting for one master and epoch: the pure part of the election, kept apart so
// that the max(quorum, majority) rule is tested on its own.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace vigil::sentinel {

struct ElectionTally {
  std::string winner;  // empty: nobody reached the threshold
  int winner_votes = 0;
  int voters = 0;
  int needed = 0;
};

// votes: run id -> number of votes for that run id in the epoch. voters: all known sentinels
// including ourselves. A winner needs max(quorum, voters / 2 + 1) votes.
ElectionTally TallyVotes(const std::map<std::string, int>& votes, int voters, int quorum);

}  // namespace vigil::sentinel

#include "sentinel/core/election.h"

#include <algorithm>

namespace vigil::sentinel {

ElectionTally TallyVotes(const std::map<std::string, int>& votes, int voters, int quorum) {
  ElectionTally t;
  t.voters = voters;
  t.needed = std::max(quorum, voters / 2 + 1);
  for (const auto& [runid, n] : votes) {
    // Ties resolve to the smaller run id (map order), deterministic like Redis's dict scan.
    if (n > t.winner_votes) {
      t.winner = runid;
      t.winner_votes = n;
    }
  }
  if (t.winner_votes < t.needed) t.winner.clear();
  return t;
}

}  // namespace vigil::sentinel

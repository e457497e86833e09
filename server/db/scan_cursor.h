// The SCAN cursor step shared by every power-of-two hash table (Dict, the
// sorted set's member index): the cursor counts in reversed-bit order, so
// the buckets already visited stay visited when the table grows or shrinks
// between calls (Redis's dictScan guarantee).
#pragma once

#include <cstdint>

namespace vigil::server {

inline uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
  v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
  return (v >> 32) | (v << 32);
}

// The cursor after visiting bucket `cursor & mask` (0 when the scan is done).
inline uint64_t NextScanCursor(uint64_t cursor, uint64_t mask) {
  cursor |= ~mask;
  cursor = ReverseBits(cursor);
  ++cursor;
  return ReverseBits(cursor);
}

}  // namespace vigil::server

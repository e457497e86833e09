// Redis's geohash arithmetic, bit for bit: a point is a 52-bit interleaved
// hash (26 bits of latitude on the even positions, 26 of longitude on the odd
// ones) over the Web Mercator ranges, stored as a sorted-set score. Searches
// cover their shape with the cell of an estimated size holding the centre plus
// its 8 neighbours, then filter members by haversine distance. Every formula
// keeps Redis 7.0's operation order so that scores, decoded coordinates,
// distances and the visited cells are identical to redis-server's.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace vigil::server::geo {

inline constexpr double kLonMin = -180;
inline constexpr double kLonMax = 180;
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
inline constexpr uint8_t kStepMax = 26;  // 26 bits per coordinate: 52-bit scores
// Earth's quadratic mean radius for WGS-84, as Redis uses it.
inline constexpr double kEarthRadiusMeters = 6372797.560856;

struct Range {
  double min = 0, max = 0;
};

// `step` bits of each coordinate, interleaved into the low 2*step bits.
struct HashBits {
  uint64_t bits = 0;
  uint8_t step = 0;
  // Redis marks a neighbour cell it will not visit with bits = step = 0.
  bool IsZero() const { return bits == 0 && step == 0; }
  bool operator==(const HashBits&) const = default;
};

struct Area {
  HashBits hash;
  Range lon, lat;
};

struct Point {
  double lon = 0, lat = 0;
};

// The hash of (lon, lat) at `step` bits per coordinate within the given
// ranges; false (and `out` untouched) if the point is outside the Mercator
// limits or the ranges.
bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, uint8_t step,
            HashBits* out);
bool EncodeWGS84(double lon, double lat, uint8_t step, HashBits* out);
// The cell a hash names; false for a zero hash.
bool Decode(const Range& lon_range, const Range& lat_range, HashBits hash, Area* out);
Area DecodeWGS84(HashBits hash);
// The hash shifted to the 52-bit score scale (its cell's lowest score).
uint64_t Align52(HashBits hash);

// The 52-bit hash GEOADD stores as the score of a point inside the limits.
uint64_t ScoreBits(double lon, double lat);
// The point a score stands for: the centre of its 26-bit cell, clamped to the
// limits. Any score decodes (Redis converts it to uint64 as x86 does).
Point DecodeScore(double score);
// GEOHASH's 11-character standard geohash of a point (re-encoded over
// latitude -90..90; the 11th character is always '0').
std::string GeohashString(Point p);

// Haversine distance in meters (Redis's geohashGetDistance).
double Distance(double lon1, double lat1, double lon2, double lat2);

// A search area: a circle of `radius` or a `width` x `height` box, both in
// units of `conversion` meters, around `center`.
struct Shape {
  enum class Type { kCircle, kBox };
  Type type = Type::kCircle;
  Point center;
  double conversion = 1;
  double radius = 0;
  double width = 0, height = 0;
};

// Whether `p` lies in the shape; *distance receives its distance in meters
// from the centre when it does.
bool WithinShape(const Shape& shape, Point p, double* distance);

// The steps (bits per coordinate) of the cells covering a search of this
// radius around this latitude.
uint8_t EstimateStepsByRadius(double radius_meters, double lat);

// The 8 neighbours of a cell, in the order Redis visits them.
enum Neighbor { kNorth, kSouth, kEast, kWest, kNorthEast, kNorthWest, kSouthEast, kSouthWest };
std::array<HashBits, 8> Neighbors(HashBits hash);

// The cells a search visits: the centre's cell, then its neighbours (a
// neighbour the shape cannot reach is zero), each a [min, max) score range.
struct SearchAreas {
  HashBits center;
  std::array<HashBits, 8> neighbors;
  Area area;  // the centre cell
  // The cells in visiting order: centre then neighbours.
  std::array<HashBits, 9> InOrder() const;
};
SearchAreas AreasForShape(const Shape& shape);

// [min, max) of the scores inside a cell.
struct ScoreSpan {
  uint64_t min, max;
};
ScoreSpan ScoresOfCell(HashBits hash);

}  // namespace vigil::server::geo

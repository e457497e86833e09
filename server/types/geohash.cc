#include "server/types/geohash.h"

#include <cmath>
#include <initializer_list>

namespace vigil::server::geo {
namespace {

constexpr Range kLonRange{kLonMin, kLonMax};
constexpr Range kLatRange{kLatMin, kLatMax};
constexpr double kDegToRad = M_PI / 180.0;
// Half the Web Mercator world width: EstimateStepsByRadius doubles a radius
// until it reaches it.
constexpr double kMercatorMax = 20037726.37;

double DegRad(double deg) { return deg * kDegToRad; }
double RadDeg(double rad) { return rad / kDegToRad; }

bool RangeIsZero(const Range& r) { return r.max == 0 && r.min == 0; }

// Spreads the 32 bits of `v` to the even bit positions of a 64-bit word.
uint64_t SpreadBits(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

// The inverse of SpreadBits: the even bits of `x` packed into 32 bits.
uint32_t GatherBits(uint64_t x) {
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

// (uint64_t)score as x86-64 code computes it (cvttsd2si, with 2^63 added
// back above 2^63): negative and huge scores wrap instead of being undefined.
uint64_t X86DoubleToUint64(double d) {
  constexpr double k2p63 = 9223372036854775808.0;
  const auto truncate = [](double v) -> uint64_t {
    if (v >= -k2p63 && v < k2p63) return static_cast<uint64_t>(static_cast<int64_t>(v));
    return 1ULL << 63;  // the "integer indefinite" value
  };
  if (d >= k2p63) return truncate(d - k2p63) ^ (1ULL << 63);
  return truncate(d);
}

// Moves a cell one step along an axis, wrapping around: `axis` selects its
// bits (the odd ones for longitude, east-west; the even ones for latitude,
// north-south), d > 0 moves up, d < 0 down.
void MoveAlong(HashBits* hash, uint64_t axis, int d) {
  const int shift = 64 - hash->step * 2;
  uint64_t moving = hash->bits & axis;
  const uint64_t kept = hash->bits & ~axis;
  // Filling the other axis's bit positions with ones lets a carry cross them.
  const uint64_t holes = ~axis >> shift;
  moving = d > 0 ? moving + (holes + 1) : (moving | holes) - (holes + 1);
  moving &= axis >> shift;
  hash->bits = moving | kept;
}

constexpr uint64_t kLonBits = 0xAAAAAAAAAAAAAAAAULL;
constexpr uint64_t kLatBits = 0x5555555555555555ULL;

HashBits Moved(HashBits hash, int dx, int dy) {
  if (dx != 0) MoveAlong(&hash, kLonBits, dx);
  if (dy != 0) MoveAlong(&hash, kLatBits, dy);
  return hash;
}

// The longitude/latitude box around the shape: [0] min lon, [1] min lat,
// [2] max lon, [3] max lat. Meridians converge towards the pole, so the box
// takes its longitude span from the edge nearer the pole.
std::array<double, 4> BoundingBox(const Shape& shape) {
  const bool circle = shape.type == Shape::Type::kCircle;
  const double lon = shape.center.lon, lat = shape.center.lat;
  const double height = shape.conversion * (circle ? shape.radius : shape.height / 2);
  const double width = shape.conversion * (circle ? shape.radius : shape.width / 2);
  const double lat_delta = RadDeg(height / kEarthRadiusMeters);
  const double lon_delta_top =
      RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(lat + lat_delta)));
  const double lon_delta_bottom =
      RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(lat - lat_delta)));
  const double lon_delta = lat < 0 ? lon_delta_bottom : lon_delta_top;
  return {lon - lon_delta, lat - lat_delta, lon + lon_delta, lat + lat_delta};
}

// Great-circle distance between two points on the same meridian.
double LatDistance(double lat1, double lat2) {
  return kEarthRadiusMeters * std::fabs(DegRad(lat2) - DegRad(lat1));
}

}  // namespace

bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, uint8_t step,
            HashBits* out) {
  if (step > 32 || step == 0 || RangeIsZero(lat_range) || RangeIsZero(lon_range)) return false;
  if (lon > kLonMax || lon < kLonMin || lat > kLatMax || lat < kLatMin) return false;
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max)
    return false;
  double lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  // To fixed point: `step` bits per coordinate (truncated, as Redis does).
  lat_offset *= static_cast<double>(1ULL << step);
  lon_offset *= static_cast<double>(1ULL << step);
  out->bits = SpreadBits(static_cast<uint32_t>(lat_offset)) |
              (SpreadBits(static_cast<uint32_t>(lon_offset)) << 1);
  out->step = step;
  return true;
}

bool EncodeWGS84(double lon, double lat, uint8_t step, HashBits* out) {
  return Encode(kLonRange, kLatRange, lon, lat, step, out);
}

bool Decode(const Range& lon_range, const Range& lat_range, HashBits hash, Area* out) {
  if (hash.IsZero() || RangeIsZero(lat_range) || RangeIsZero(lon_range)) return false;
  out->hash = hash;
  const uint32_t ilat = GatherBits(hash.bits);
  const uint32_t ilon = GatherBits(hash.bits >> 1);
  const double cells = static_cast<double>(1ULL << hash.step);
  const double lat_scale = lat_range.max - lat_range.min;
  const double lon_scale = lon_range.max - lon_range.min;
  // `+ 1u` wraps in 32 bits as Redis's unsigned arithmetic does.
  out->lat.min = lat_range.min + (ilat * 1.0 / cells) * lat_scale;
  out->lat.max = lat_range.min + ((ilat + 1u) * 1.0 / cells) * lat_scale;
  out->lon.min = lon_range.min + (ilon * 1.0 / cells) * lon_scale;
  out->lon.max = lon_range.min + ((ilon + 1u) * 1.0 / cells) * lon_scale;
  return true;
}

Area DecodeWGS84(HashBits hash) {
  Area area;
  Decode(kLonRange, kLatRange, hash, &area);
  return area;
}

uint64_t Align52(HashBits hash) { return hash.bits << (52 - hash.step * 2); }

uint64_t ScoreBits(double lon, double lat) {
  HashBits hash;
  EncodeWGS84(lon, lat, kStepMax, &hash);
  return Align52(hash);
}

Point DecodeScore(double score) {
  const Area area = DecodeWGS84({X86DoubleToUint64(score), kStepMax});
  Point p{(area.lon.min + area.lon.max) / 2, (area.lat.min + area.lat.max) / 2};
  if (p.lon > kLonMax) p.lon = kLonMax;
  if (p.lon < kLonMin) p.lon = kLonMin;
  if (p.lat > kLatMax) p.lat = kLatMax;
  if (p.lat < kLatMin) p.lat = kLatMin;
  return p;
}

std::string GeohashString(Point p) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  HashBits hash;
  Encode({-180, 180}, {-90, 90}, p.lon, p.lat, kStepMax, &hash);
  // 52 bits make 10 characters of 5 bits; the 11th, for compatibility with
  // the usual 11-character form, is always '0'.
  std::string out(11, kAlphabet[0]);
  for (int i = 0; i < 10; ++i) out[i] = kAlphabet[(hash.bits >> (52 - (i + 1) * 5)) & 0x1f];
  return out;
}

double Distance(double lon1, double lat1, double lon2, double lat2) {
  const double lon1r = DegRad(lon1), lon2r = DegRad(lon2);
  const double v = std::sin((lon2r - lon1r) / 2);
  // Redis's shortcut on a meridian (it changes the last bits, so keep it).
  if (v == 0.0) return LatDistance(lat1, lat2);
  const double lat1r = DegRad(lat1), lat2r = DegRad(lat2);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

bool WithinShape(const Shape& shape, Point p, double* distance) {
  const Point c = shape.center;
  if (shape.type == Shape::Type::kCircle) {
    *distance = Distance(c.lon, c.lat, p.lon, p.lat);
    return !(*distance > shape.radius * shape.conversion);
  }
  // A box: the latitude and longitude offsets each within half the side.
  if (LatDistance(p.lat, c.lat) > shape.height * shape.conversion / 2) return false;
  if (Distance(p.lon, p.lat, c.lon, p.lat) > shape.width * shape.conversion / 2) return false;
  *distance = Distance(c.lon, c.lat, p.lon, p.lat);
  return true;
}

uint8_t EstimateStepsByRadius(double radius_meters, double lat) {
  if (radius_meters == 0) return kStepMax;
  int step = 1;
  while (radius_meters < kMercatorMax) {
    radius_meters *= 2;
    ++step;
  }
  step -= 2;  // so that the radius fits in most cases
  // Cells narrow towards the poles: take bigger ones there.
  if (lat > 66 || lat < -66) {
    --step;
    if (lat > 80 || lat < -80) --step;
  }
  if (step < 1) step = 1;
  if (step > kStepMax) step = kStepMax;
  return static_cast<uint8_t>(step);
}

std::array<HashBits, 8> Neighbors(HashBits hash) {
  std::array<HashBits, 8> n;
  n[kNorth] = Moved(hash, 0, 1);
  n[kSouth] = Moved(hash, 0, -1);
  n[kEast] = Moved(hash, 1, 0);
  n[kWest] = Moved(hash, -1, 0);
  n[kNorthEast] = Moved(hash, 1, 1);
  n[kNorthWest] = Moved(hash, -1, 1);
  n[kSouthEast] = Moved(hash, 1, -1);
  n[kSouthWest] = Moved(hash, -1, -1);
  return n;
}

std::array<HashBits, 9> SearchAreas::InOrder() const {
  std::array<HashBits, 9> out;
  out[0] = center;
  for (size_t i = 0; i < neighbors.size(); ++i) out[i + 1] = neighbors[i];
  return out;
}

SearchAreas AreasForShape(const Shape& shape) {
  const auto [min_lon, min_lat, max_lon, max_lat] = BoundingBox(shape);
  const double lon = shape.center.lon, lat = shape.center.lat;
  double radius_meters = shape.type == Shape::Type::kCircle
                             ? shape.radius
                             : std::sqrt((shape.width / 2) * (shape.width / 2) +
                                         (shape.height / 2) * (shape.height / 2));
  radius_meters *= shape.conversion;

  SearchAreas s;
  const auto compute = [&](uint8_t steps) {
    EncodeWGS84(lon, lat, steps, &s.center);
    s.neighbors = Neighbors(s.center);
    s.area = DecodeWGS84(s.center);
  };
  uint8_t steps = EstimateStepsByRadius(radius_meters, lat);
  compute(steps);
  // Near a cell edge the neighbours may not reach the whole box: one step
  // coarser then.
  const bool too_small = DecodeWGS84(s.neighbors[kNorth]).lat.max < max_lat ||
                         DecodeWGS84(s.neighbors[kSouth]).lat.min > min_lat ||
                         DecodeWGS84(s.neighbors[kEast]).lon.max < max_lon ||
                         DecodeWGS84(s.neighbors[kWest]).lon.min > min_lon;
  if (steps > 1 && too_small) compute(--steps);

  // Skip the neighbours on a side the box does not reach.
  if (steps >= 2) {
    const auto drop = [&](std::initializer_list<Neighbor> sides) {
      for (Neighbor side : sides) s.neighbors[side] = HashBits{};
    };
    if (s.area.lat.min < min_lat) drop({kSouth, kSouthWest, kSouthEast});
    if (s.area.lat.max > max_lat) drop({kNorth, kNorthEast, kNorthWest});
    if (s.area.lon.min < min_lon) drop({kWest, kSouthWest, kNorthWest});
    if (s.area.lon.max > max_lon) drop({kEast, kSouthEast, kNorthEast});
  }
  return s;
}

ScoreSpan ScoresOfCell(HashBits hash) {
  const uint64_t min = Align52(hash);
  ++hash.bits;
  return {min, Align52(hash)};
}

}  // namespace vigil::server::geo

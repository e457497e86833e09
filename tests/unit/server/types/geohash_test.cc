#include "server/types/geohash.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>

namespace vigil::server::geo {
namespace {

// Coordinates as Redis prints them (addReplyHumanLongDouble).
std::string Human(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17Lf", static_cast<long double>(v));
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string Meters(double d) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4f", d);
  return buf;
}

// Expected values below were read from redis-server 7.0.15.
TEST(GeohashTest, ScoresMatchRedis) {
  EXPECT_EQ(ScoreBits(13.361389, 38.115556), 3479099956230698u);  // Palermo
  EXPECT_EQ(ScoreBits(15.087269, 37.502669), 3479447370796909u);  // Catania
  EXPECT_EQ(ScoreBits(0, 0), 3377699720527872u);
  EXPECT_EQ(ScoreBits(0, 10), 3383540960220437u);
  EXPECT_EQ(ScoreBits(10, 0), 3380586643365930u);
  EXPECT_EQ(ScoreBits(-0.0000001, 0), 1876499844737706u);
}

TEST(GeohashTest, EdgesOfTheMercatorRange) {
  // The upper edges encode one past the last cell (bits 52 and 53 set).
  EXPECT_EQ(ScoreBits(kLonMax, kLatMax), 13510798882111488u);
  EXPECT_EQ(ScoreBits(kLonMin, kLatMin), 0u);
  // ... and decode clamped back inside the limits.
  const Point top = DecodeScore(13510798882111488.0);
  EXPECT_EQ(Human(top.lon), "180");
  EXPECT_EQ(Human(top.lat), "85.0511287799999991");
  const Point bottom = DecodeScore(0);
  EXPECT_EQ(Human(bottom.lon), "-179.99999731779098511");
  EXPECT_EQ(Human(bottom.lat), "-85.05112751263942528");
  HashBits h;
  EXPECT_FALSE(EncodeWGS84(180.0000001, 0, kStepMax, &h));
  EXPECT_FALSE(EncodeWGS84(0, 85.05112879, kStepMax, &h));
  EXPECT_FALSE(EncodeWGS84(0, -85.05112879, kStepMax, &h));
  EXPECT_FALSE(EncodeWGS84(0, 0, 0, &h));
}

TEST(GeohashTest, DecodeMatchesRedisDigits) {
  const Point palermo = DecodeScore(3479099956230698.0);
  EXPECT_EQ(Human(palermo.lon), "13.36138933897018433");
  EXPECT_EQ(Human(palermo.lat), "38.11555639549629859");
  const Point origin = DecodeScore(3377699720527872.0);
  EXPECT_EQ(Human(origin.lon), "0.00000268220901489");
  EXPECT_EQ(Human(origin.lat), "0.00000126736058093");
  const Point west = DecodeScore(1876499844737706.0);
  EXPECT_EQ(Human(west.lon), "-0.00000268220901489");
}

TEST(GeohashTest, RoundTripStaysInsideTheCell) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> lon(kLonMin, kLonMax), lat(kLatMin, kLatMax);
  // A 26-bit cell is 360/2^26 degrees wide and 170.1/2^26 high.
  const double lon_cell = 360.0 / (1 << 26), lat_cell = (kLatMax - kLatMin) / (1 << 26);
  for (int i = 0; i < 10000; ++i) {
    const double x = lon(rng), y = lat(rng);
    const uint64_t bits = ScoreBits(x, y);
    ASSERT_LT(bits, 1ULL << 52);
    const Point p = DecodeScore(static_cast<double>(bits));
    ASSERT_LE(std::fabs(p.lon - x), lon_cell / 2 + 1e-12);
    ASSERT_LE(std::fabs(p.lat - y), lat_cell / 2 + 1e-12);
    // Re-encoding the decoded centre gives the same cell.
    ASSERT_EQ(ScoreBits(p.lon, p.lat), bits);
  }
}

TEST(GeohashTest, OddScoresDecodeLikeX86) {
  // A negative score converts to a huge uint64 (all latitude bits set, one
  // past the top): clamped to the limits rather than undefined.
  const Point p = DecodeScore(-1);
  EXPECT_EQ(p.lon, kLonMax);
  EXPECT_EQ(p.lat, kLatMax);
}

TEST(GeohashTest, GeohashStrings) {
  EXPECT_EQ(GeohashString(DecodeScore(3479099956230698.0)), "sqc8b49rny0");
  EXPECT_EQ(GeohashString(DecodeScore(3479447370796909.0)), "sqdtr74hyu0");
  EXPECT_EQ(GeohashString(DecodeScore(3377699720527872.0)), "s0000000000");
  EXPECT_EQ(GeohashString(DecodeScore(3383540960220437.0)), "s1b0bh2n0p0");
  EXPECT_EQ(GeohashString(DecodeScore(1876499844737706.0)), "ebpbpbpbpb0");
}

TEST(GeohashTest, DistancesMatchRedis) {
  const Point palermo = DecodeScore(3479099956230698.0);
  const Point catania = DecodeScore(3479447370796909.0);
  EXPECT_EQ(Meters(Distance(palermo.lon, palermo.lat, catania.lon, catania.lat)), "166274.1516");
  EXPECT_EQ(Meters(Distance(palermo.lon, palermo.lat, catania.lon, catania.lat) / 1609.34),
            "103.3182");
  const Point o = DecodeScore(3377699720527872.0), n = DecodeScore(3383540960220437.0);
  const Point e = DecodeScore(3380586643365930.0);
  // Same meridian: Redis's shortcut path.
  EXPECT_EQ(Meters(Distance(o.lon, o.lat, n.lon, n.lat)), "1112262.9623");
  EXPECT_EQ(Meters(Distance(o.lon, o.lat, e.lon, e.lat)), "1112262.9337");
  EXPECT_EQ(Distance(1, 2, 1, 2), 0);
  // Symmetric.
  EXPECT_EQ(Distance(palermo.lon, palermo.lat, catania.lon, catania.lat),
            Distance(catania.lon, catania.lat, palermo.lon, palermo.lat));
}

TEST(GeohashTest, StepEstimate) {
  EXPECT_EQ(EstimateStepsByRadius(0, 0), 26);
  EXPECT_EQ(EstimateStepsByRadius(1000, 0), 14);  // 1000 * 2^15 > 20037726.37
  EXPECT_EQ(EstimateStepsByRadius(1000, 70), 13);
  EXPECT_EQ(EstimateStepsByRadius(1000, -81), 12);
  EXPECT_EQ(EstimateStepsByRadius(1, 0), 24);
  EXPECT_EQ(EstimateStepsByRadius(0.001, 0), 26);  // capped
  EXPECT_EQ(EstimateStepsByRadius(5e6, 0), 2);
  EXPECT_EQ(EstimateStepsByRadius(1e7, 0), 1);  // floored
  EXPECT_EQ(EstimateStepsByRadius(INFINITY, 0), 1);
}

TEST(GeohashTest, NeighborsWrapAround) {
  // Step 1: the world in 2x2 cells; moving off an edge wraps.
  HashBits origin{0, 1};
  const auto n = Neighbors(origin);
  EXPECT_EQ(n[kEast], n[kWest]);
  EXPECT_EQ(n[kNorth], n[kSouth]);
  EXPECT_EQ(n[kEast].bits, 0b10u);   // longitude bit is the odd one
  EXPECT_EQ(n[kNorth].bits, 0b01u);  // latitude bit is the even one
  // A cell's east neighbour's west neighbour is the cell itself.
  HashBits h;
  ASSERT_TRUE(EncodeWGS84(13.36, 38.11, 10, &h));
  EXPECT_EQ(Neighbors(Neighbors(h)[kEast])[kWest], h);
  EXPECT_EQ(Neighbors(Neighbors(h)[kNorth])[kSouth], h);
  EXPECT_EQ(Neighbors(Neighbors(h)[kNorthEast])[kSouthWest], h);
  // Adjacent cells share an edge.
  const Area a = DecodeWGS84(h), east = DecodeWGS84(Neighbors(h)[kEast]);
  EXPECT_EQ(a.lon.max, east.lon.min);
  EXPECT_EQ(a.lat.min, east.lat.min);
}

TEST(GeohashTest, CellScoreSpans) {
  HashBits h;
  ASSERT_TRUE(EncodeWGS84(13.361389, 38.115556, 10, &h));
  const ScoreSpan span = ScoresOfCell(h);
  EXPECT_EQ(span.max - span.min, 1ULL << 32);  // 52 - 2*10 free bits
  EXPECT_LE(span.min, 3479099956230698u);
  EXPECT_GT(span.max, 3479099956230698u);
}

// The cells a search visits must hold every point inside the shape: checked
// by brute force on random shapes and points.
TEST(GeohashTest, SearchAreasCoverTheShape) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lon(-179, 179), lat(-84, 84), unit(0, 1);
  for (int q = 0; q < 300; ++q) {
    Shape shape;
    shape.center = {lon(rng), lat(rng)};
    shape.conversion = 1000;
    if (q % 2 == 0) {
      shape.type = Shape::Type::kCircle;
      shape.radius = 1 + 800 * unit(rng);
    } else {
      shape.type = Shape::Type::kBox;
      shape.width = 1 + 1500 * unit(rng);
      shape.height = 1 + 1500 * unit(rng);
    }
    const auto cells = AreasForShape(shape).InOrder();
    for (int i = 0; i < 300; ++i) {
      // Points near the centre, most of them inside the shape.
      const double dx = (unit(rng) - 0.5) * 30, dy = (unit(rng) - 0.5) * 15;
      const double x = shape.center.lon + dx, y = shape.center.lat + dy;
      // Points on the upper limits encode one past the last cell, where no
      // search finds them (in Redis too).
      if (x < kLonMin || x >= kLonMax || y < kLatMin || y >= kLatMax) continue;
      const double score = static_cast<double>(ScoreBits(x, y));
      double dist;
      if (!WithinShape(shape, DecodeScore(score), &dist)) continue;
      bool covered = false;
      for (const HashBits& c : cells) {
        if (c.IsZero()) continue;
        const ScoreSpan s = ScoresOfCell(c);
        covered |= score >= static_cast<double>(s.min) && score < static_cast<double>(s.max);
      }
      ASSERT_TRUE(covered) << "query " << q << " point " << x << "," << y;
    }
  }
}

TEST(GeohashTest, SearchAreasDropUnreachableNeighbors) {
  // A 1 mm circle (26-bit cells, ~60 x 30 cm here) in the middle of its cell
  // reaches no neighbour...
  Shape shape;
  shape.radius = 1;
  shape.conversion = 0.001;
  HashBits h;
  ASSERT_EQ(EstimateStepsByRadius(0.001, 38.11), kStepMax);
  ASSERT_TRUE(EncodeWGS84(13.36, 38.11, kStepMax, &h));
  const Area cell = DecodeWGS84(h);
  shape.center = {(cell.lon.min + cell.lon.max) / 2, (cell.lat.min + cell.lat.max) / 2};
  SearchAreas s = AreasForShape(shape);
  EXPECT_EQ(s.center, h);
  for (const HashBits& n : s.neighbors) EXPECT_TRUE(n.IsZero());
  // ... while near the cell's north-east corner it needs the three cells there.
  shape.center = {cell.lon.max - 1e-9, cell.lat.max - 1e-9};  // ~0.1 mm
  s = AreasForShape(shape);
  EXPECT_EQ(s.center, h);
  const auto all = Neighbors(h);
  for (Neighbor side : {kNorth, kEast, kNorthEast}) EXPECT_EQ(s.neighbors[side], all[side]);
  for (Neighbor side : {kSouth, kWest, kSouthWest, kSouthEast, kNorthWest})
    EXPECT_TRUE(s.neighbors[side].IsZero()) << side;
}

TEST(GeohashTest, WithinBox) {
  Shape box;
  box.type = Shape::Type::kBox;
  box.center = {0, 0};
  box.width = 200;  // km
  box.height = 100;
  box.conversion = 1000;
  double dist;
  // 0.89932 degrees of latitude is ~100 km: inside the width, outside the height.
  EXPECT_TRUE(WithinShape(box, {0.8, 0}, &dist));
  EXPECT_NEAR(dist, 88981.04, 0.01);  // 0.8 degrees of the equator
  EXPECT_FALSE(WithinShape(box, {0, 0.8}, &dist));
  EXPECT_TRUE(WithinShape(box, {0, 0.4}, &dist));
  EXPECT_FALSE(WithinShape(box, {0.95, 0}, &dist));
}

}  // namespace
}  // namespace vigil::server::geo

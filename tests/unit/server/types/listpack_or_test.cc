#include "server/types/listpack_or.h"

#include <gtest/gtest.h>

#include <memory>
#include <utility>

namespace vigil::server {
namespace {

struct Big {
  explicit Big(int* l) : live(l) { ++*live; }
  ~Big() { --*live; }
  int* live;
};

TEST(ListpackOrTest, IsOneWordAndStartsAsAnEmptyListpack) {
  static_assert(sizeof(ListpackOr<Big>) == sizeof(void*));
  ListpackOr<Big> r;
  EXPECT_FALSE(r.is_big());
  EXPECT_EQ(r.big(), nullptr);
  EXPECT_TRUE(r.lp().empty());
}

TEST(ListpackOrTest, SetBigReplacesTheListpackAndOwnsTheBig) {
  int live = 0;
  {
    ListpackOr<Big> r;
    r.lp().PushBack("a");
    r.lp().PushBack("b");
    auto b = std::make_unique<Big>(&live);
    Big* raw = b.get();
    r.SetBig(std::move(b));
    EXPECT_TRUE(r.is_big());
    EXPECT_EQ(r.big(), raw);
    EXPECT_EQ(live, 1);
  }
  EXPECT_EQ(live, 0);
}

TEST(ListpackOrTest, MovesRelocateEitherEncodingAndLeaveAnEmptyListpack) {
  int live = 0;
  ListpackOr<Big> small;
  small.lp().PushBack("x");
  ListpackOr<Big> moved(std::move(small));
  EXPECT_EQ(moved.lp().At(moved.lp().Begin()), "x");
  EXPECT_FALSE(small.is_big());  // NOLINT(bugprone-use-after-move): defined state
  EXPECT_TRUE(small.lp().empty());

  ListpackOr<Big> big;
  big.SetBig(std::make_unique<Big>(&live));
  moved = std::move(big);  // frees moved's listpack, takes the Big
  EXPECT_TRUE(moved.is_big());
  EXPECT_FALSE(big.is_big());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(live, 1);
  moved = ListpackOr<Big>();  // frees the Big
  EXPECT_EQ(live, 0);
}

}  // namespace
}  // namespace vigil::server

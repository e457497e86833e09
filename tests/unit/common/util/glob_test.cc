#include "common/util/glob.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(GlobTest, StarsAndQuestionMarks) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_FALSE(GlobMatch("h?llo", "hllo"));
  EXPECT_TRUE(GlobMatch("h*llo", "heeeello"));
  EXPECT_TRUE(GlobMatch("chann*", "channel1"));
  EXPECT_FALSE(GlobMatch("chann*", "chan"));
  EXPECT_TRUE(GlobMatch("a***b", "axxb"));
  EXPECT_TRUE(GlobMatch("max*", "maxmemory"));
  EXPECT_FALSE(GlobMatch("", "a"));
  EXPECT_TRUE(GlobMatch("", ""));
}

TEST(GlobTest, Classes) {
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[ae]llo", "hillo"));
  EXPECT_TRUE(GlobMatch("h[^e]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(GlobMatch("h[b-a]llo", "hbllo"));
  EXPECT_FALSE(GlobMatch("h[a-b]llo", "hcllo"));
  EXPECT_FALSE(GlobMatch("h[abc", "hd"));
}

TEST(GlobTest, EscapesAndCase) {
  EXPECT_TRUE(GlobMatch("h\\*llo", "h*llo"));
  EXPECT_FALSE(GlobMatch("h\\*llo", "hello"));
  EXPECT_TRUE(GlobMatch("HELLO", "hello", true));
  EXPECT_FALSE(GlobMatch("HELLO", "hello", false));
}

TEST(GlobTest, PathologicalPatternTerminates) {
  std::string pat(60, '*');
  pat += "x";
  pat = "a" + pat;
  for (int i = 0; i < 30; ++i) pat = "*a" + pat;
  EXPECT_FALSE(GlobMatch(pat, std::string(60, 'a')));
}

}  // namespace
}  // namespace vigil

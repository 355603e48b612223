#include "store/page.h"

#include <gtest/gtest.h>

namespace chorus::store {
namespace {

TEST(PageTest, CursorsRoundTripAndRejectForgeries) {
  const Cursor c{"2026-11-26T14:07:45.123Z", "0190f4c2-6a8e-7cc1-9d2b-3f1e5a7b9c0d"};
  auto back = DecodeCursor(EncodeCursor(c));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->created_at, c.created_at);
  EXPECT_EQ(back->id, c.id);
  for (const std::string& bad : std::vector<std::string>{"", "!!!", "bm90IGEgY3Vyc29y", std::string(300, 'A')}) {
    auto r = DecodeCursor(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().param, "after");
  }
}

TEST(PageTest, MakePageKeepsLimitRowsAndPointsPastTheLast) {
  struct Row { std::string created_at, id; };
  std::vector<Row> rows = {{"2026-01-03T00:00:00.000Z", "c"}, {"2026-01-02T00:00:00.000Z", "b"},
                           {"2026-01-01T00:00:00.000Z", "a"}};
  auto page = MakePage(rows, 2, [](const Row& r) { return Cursor{r.created_at, r.id}; });
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(DecodeCursor(page.next_cursor)->id, "b");
  auto last = MakePage(std::vector<Row>(rows.begin(), rows.begin() + 2), 2, [](const Row& r) { return Cursor{r.created_at, r.id}; });
  EXPECT_TRUE(last.next_cursor.empty());
  EXPECT_EQ(ClampLimit(0), 1);
  EXPECT_EQ(ClampLimit(1000), kMaxPageSize);
}

}  // namespace
}  // namespace chorus::store

#include "base/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace chorus {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Unexpected(ErrorCode::kInvalidArgument, "odd", "x");
  return x / 2;
}

Result<int> Quarter(int x) {
  CHORUS_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

Status CheckEven(int x) {
  CHORUS_TRY(Half(x));
  return Ok();
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> ok = Half(4);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 2);
  Result<int> bad = Half(3);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().param, "x");
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(ResultTest, MacrosPropagateTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).error().message, "odd");  // 6 -> 3 fails on the second step
  EXPECT_TRUE(CheckEven(2).has_value());
  EXPECT_EQ(CheckEven(1).error().code, ErrorCode::kInvalidArgument);
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(ResultTest, EveryCodeHasAStableName) {
  EXPECT_STREQ(ErrorCodeName(ErrorCode::kNotFound), "not_found");
  EXPECT_STREQ(ErrorCodeName(ErrorCode::kPayloadTooLarge), "payload_too_large");
  EXPECT_STREQ(ErrorCodeName(ErrorCode::kInternal), "internal_error");
}

}  // namespace
}  // namespace chorus

#include "http/response.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace chorus::http {
namespace {

TEST(ErrorResponseTest, HasOpenAIShapeAndStatus) {
  Response r = ErrorResponse({ErrorCode::kInvalidArgument, "model is required", "model"});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  auto v = boost::json::parse(r.body);
  const auto& e = v.at("error");
  EXPECT_EQ(e.at("message").as_string(), "model is required");
  EXPECT_EQ(e.at("type").as_string(), "invalid_request_error");
  EXPECT_EQ(e.at("param").as_string(), "model");
  EXPECT_EQ(e.at("code").as_string(), "invalid_argument");
  EXPECT_EQ(e.as_object().size(), 4u);
}

TEST(ErrorResponseTest, ParamIsNullWhenAbsentAndMessagesAreEscaped) {
  Response r = ErrorResponse({ErrorCode::kNotFound, "no \"x\"\n"});
  auto v = boost::json::parse(r.body);
  EXPECT_TRUE(v.at("error").at("param").is_null());
  EXPECT_EQ(v.at("error").at("message").as_string(), "no \"x\"\n");
}

TEST(ErrorResponseTest, InternalErrorsRevealNothing) {
  Response r = ErrorResponse({ErrorCode::kInternal, "sqlite: no such table: secrets_table"});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secrets_table"), std::string::npos);
  EXPECT_EQ(boost::json::parse(r.body).at("error").at("type").as_string(), "server_error");
}

TEST(ErrorResponseTest, StatusTable) {
  struct Case { ErrorCode code; int status; const char* type; };
  const Case cases[] = {
      {ErrorCode::kUnauthenticated, 401, "authentication_error"},
      {ErrorCode::kPermissionDenied, 403, "permission_error"},
      {ErrorCode::kNotFound, 404, "invalid_request_error"},
      {ErrorCode::kMethodNotAllowed, 405, "invalid_request_error"},
      {ErrorCode::kAlreadyExists, 409, "invalid_request_error"},
      {ErrorCode::kPayloadTooLarge, 413, "invalid_request_error"},
      {ErrorCode::kRateLimited, 429, "rate_limit_error"},
      {ErrorCode::kUpstream, 502, "server_error"},
      {ErrorCode::kUnavailable, 503, "server_error"},
      {ErrorCode::kDeadlineExceeded, 504, "server_error"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(StatusFor(c.code), c.status) << ErrorCodeName(c.code);
    EXPECT_EQ(ErrorType(c.code), c.type) << ErrorCodeName(c.code);
  }
}

}  // namespace
}  // namespace chorus::http

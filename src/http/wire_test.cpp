// The hand-written heads, read back by Beast's parser (the one every client test trusts).
#include "http/wire.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace chorus::http::wire {
namespace {

namespace bhttp = boost::beast::http;

template <bool kRequest>
bhttp::message<kRequest, bhttp::string_body> Parse(const std::string& bytes) {
  bhttp::parser<kRequest, bhttp::string_body> parser;
  parser.eager(true);
  boost::system::error_code ec;
  const size_t used = parser.put(boost::asio::buffer(bytes), ec);
  EXPECT_FALSE(ec) << ec.message() << " in:\n" << bytes;
  EXPECT_EQ(used, bytes.size());
  EXPECT_TRUE(parser.is_done());
  return parser.release();
}

TEST(WireTest, ResponseWithALengthParsesBackWithEveryField) {
  const Fields fields{{"X-Request-Id", "abc"}, {"Retry-After", "3"}};
  const std::string body = R"({"ok":true})";
  const std::string head = Serialize(ResponseHead{.status = 429,
                                                  .date = "Fri, 27 Nov 2026 08:00:00 GMT",
                                                  .content_type = "application/json",
                                                  .fields = &fields,
                                                  .content_length = body.size()});
  EXPECT_TRUE(head.starts_with("HTTP/1.1 429 Too Many Requests\r\n"));
  auto m = Parse<false>(head + body);
  EXPECT_EQ(m.result_int(), 429u);
  EXPECT_EQ(m[bhttp::field::date], "Fri, 27 Nov 2026 08:00:00 GMT");
  EXPECT_EQ(m[bhttp::field::content_type], "application/json");
  EXPECT_EQ(m["X-Request-Id"], "abc");
  EXPECT_EQ(m["Retry-After"], "3");
  EXPECT_TRUE(m.keep_alive());
  EXPECT_EQ(m.body(), body);
}

TEST(WireTest, ConnectionHeaderFollowsTheVersionsDefault) {
  auto close11 = Parse<false>(Serialize(ResponseHead{.status = 200, .keep_alive = false}));
  EXPECT_FALSE(close11.keep_alive());
  EXPECT_EQ(close11[bhttp::field::connection], "close");
  auto keep10 = Parse<false>(Serialize(ResponseHead{.status = 200, .version = 10, .keep_alive = true}));
  EXPECT_TRUE(keep10.keep_alive());
  auto close10 = Parse<false>(Serialize(ResponseHead{.status = 200, .version = 10, .keep_alive = false}));
  EXPECT_FALSE(close10.keep_alive());
  EXPECT_TRUE(close10[bhttp::field::connection].empty()) << "HTTP/1.0 closes by default";
}

TEST(WireTest, FramingChoosesLengthChunksOrNothing) {
  const std::string none = Serialize(ResponseHead{.status = 204, .framing = Framing::kNone});
  EXPECT_EQ(none.find("Content-Length"), std::string::npos);
  EXPECT_TRUE(none.starts_with("HTTP/1.1 204 No Content\r\n"));
  auto chunked = Parse<false>(Serialize(ResponseHead{.status = 200, .framing = Framing::kChunked}) + "3\r\nabc\r\n0\r\n\r\n");
  EXPECT_TRUE(chunked.chunked());
  EXPECT_EQ(chunked.body(), "abc");
  const std::string until_close =
      Serialize(ResponseHead{.status = 200, .version = 10, .keep_alive = true, .framing = Framing::kUntilClose});
  EXPECT_EQ(until_close.find("keep-alive"), std::string::npos) << "a body that ends at close cannot keep the connection";
  EXPECT_EQ(until_close.find("Content-Length"), std::string::npos);
}

TEST(WireTest, LineBreaksInValuesCannotInjectFields) {
  const Fields fields{{"X-Name", "a\r\nSet-Cookie: stolen=1"}, {"X-Nul", std::string("b\0c", 3)}};
  auto m = Parse<false>(Serialize(ResponseHead{.status = 200, .fields = &fields}));
  EXPECT_TRUE(m[bhttp::field::set_cookie].empty());
  EXPECT_EQ(m["X-Name"], "a  Set-Cookie: stolen=1");
  EXPECT_EQ(m["X-Nul"], "b c");
}

TEST(WireTest, EveryBreakingByteIsFoundWhereverItIs) {
  // The check reads eight bytes at a time: each of CR, LF and NUL at every place of words and tail.
  for (const char bad : {'\r', '\n', '\0'}) {
    for (size_t at = 0; at < 21; ++at) {
      std::string value(21, 'v');
      value[at] = bad;
      const Fields fields{{"X-Value", value}};
      const std::string head = Serialize(RequestHead{.method = "GET", .target = "/", .host = "h", .fields = &fields});
      std::string expected = value;
      expected[at] = ' ';
      EXPECT_NE(head.find("X-Value: " + expected + "\r\n"), std::string::npos) << int(bad) << " at " << at;
    }
  }
  // Bytes next to them in value, and high bytes, pass as they are.
  const std::string near = std::string("\x0c\x0e\x09\x0b\x01\x8d\x8a\x80\xff", 9) + "tail";
  const Fields fields{{"X-Near", near}};
  const std::string head = Serialize(RequestHead{.method = "GET", .target = "/", .host = "h", .fields = &fields});
  EXPECT_NE(head.find("X-Near: " + near + "\r\n"), std::string::npos);
}

TEST(WireTest, FramingComesFromTheHeadAndFieldsReplaceTheDefaults) {
  const Fields fields{{"content-length", "999"}, {"Transfer-Encoding", "chunked"}, {"Connection", "upgrade"},
                      {"Content-Type", "audio/mpeg"}};
  const std::string head = Serialize(ResponseHead{.status = 200,
                                                  .date = "Fri, 27 Nov 2026 08:00:00 GMT",
                                                  .content_type = "application/json",
                                                  .fields = &fields,
                                                  .content_length = 3});
  EXPECT_EQ(head.find("999"), std::string::npos);
  EXPECT_EQ(head.find("upgrade"), std::string::npos);
  EXPECT_EQ(head.find("application/json"), std::string::npos);
  auto m = Parse<false>(head + "abc");
  EXPECT_EQ(m[bhttp::field::content_length], "3");
  EXPECT_FALSE(m.chunked());
  EXPECT_EQ(m[bhttp::field::content_type], "audio/mpeg");
  EXPECT_EQ(m.body(), "abc");
  const Fields host{{"Host", "api.example.com"}, {"Content-Length", "1"}};
  auto r = Parse<true>(Serialize(RequestHead{.method = "POST", .target = "/", .host = "127.0.0.1:1", .fields = &host,
                                             .content_length = 2}) + "ok");
  EXPECT_EQ(r[bhttp::field::host], "api.example.com");
  EXPECT_EQ(r.body(), "ok");
}

TEST(WireTest, RequestParsesBackWithHostLengthAndBody) {
  const Fields fields{{"Content-Type", "application/json"}, {"Authorization", "Bearer sk-x"}};
  const std::string body = R"({"model":"m"})";
  const std::string head = Serialize(RequestHead{.method = "POST",
                                                 .target = "/v1/chat/completions",
                                                 .host = "127.0.0.1:8080",
                                                 .fields = &fields,
                                                 .content_length = body.size()});
  auto m = Parse<true>(head + body);
  EXPECT_EQ(m.method(), bhttp::verb::post);
  EXPECT_EQ(m.target(), "/v1/chat/completions");
  EXPECT_EQ(m[bhttp::field::host], "127.0.0.1:8080");
  EXPECT_EQ(m[bhttp::field::authorization], "Bearer sk-x");
  EXPECT_TRUE(m.keep_alive());
  EXPECT_EQ(m.body(), body);
}

TEST(WireTest, RequestPartsAreJoinedByTheWriter) {
  const Fields none;
  auto m = Parse<true>(Serialize(RequestHead{.method = "POST",
                                             .target_prefix = "/v1",
                                             .target = "/chat/completions",
                                             .host = "127.0.0.1",
                                             .port = 18080,
                                             .user_agent = "Chorus",
                                             .fields = &none}));
  EXPECT_EQ(m.target(), "/v1/chat/completions");
  EXPECT_EQ(m[bhttp::field::host], "127.0.0.1:18080");
  EXPECT_EQ(m[bhttp::field::user_agent], "Chorus");
  // No port: the host alone (the scheme's default); a User-Agent among the fields replaces the one given apart.
  const Fields agent{{"user-agent", "theirs"}};
  const std::string head =
      Serialize(RequestHead{.method = "GET", .target = "/", .host = "api.example.com", .user_agent = "Chorus", .fields = &agent});
  auto n = Parse<true>(head);
  EXPECT_EQ(n[bhttp::field::host], "api.example.com");
  EXPECT_EQ(n[bhttp::field::user_agent], "theirs");
  EXPECT_EQ(head.find("Chorus"), std::string::npos);
}

// The heads are written into room computed from their parts: the longest of every part at once
// must fit, and come out whole.
TEST(WireTest, HeadsAtTheirLongestComeOutWhole) {
  Fields fields;
  for (int i = 0; i < 40; ++i) {
    std::string name = "X-Field-";
    name.append(std::to_string(i));  // (GCC 12 warns falsely of an overlap on `literal + string` here)
    fields.emplace_back(std::move(name), std::string(static_cast<size_t>(1000 + i), 'v'));
  }
  fields.emplace_back("X-Broken", "a\r\nb\nc");
  const uint64_t longest = UINT64_MAX;
  for (unsigned version : {10u, 11u}) {
    for (bool keep : {true, false}) {
      const std::string head = Serialize(ResponseHead{.status = 511, .version = version,
                                                      .date = "Fri, 27 Nov 2026 08:00:00 GMT",
                                                      .content_type = std::string(3000, 'c'),
                                                      .fields = &fields,
                                                      .keep_alive = keep,
                                                      .content_length = longest});
      EXPECT_TRUE(head.ends_with("Content-Length: 18446744073709551615\r\n\r\n")) << version << keep;
      std::string field39 = "X-Field-39: ";
      field39.append(1039, 'v').append("\r\n");
      EXPECT_NE(head.find(field39), std::string::npos);
      EXPECT_NE(head.find("X-Broken: a  b c\r\n"), std::string::npos);
    }
  }
  std::string target = "/";
  target.append(5000, 't');
  const std::string request = Serialize(RequestHead{.method = "POST",
                                                    .target = target,
                                                    .host = std::string(300, 'h'),
                                                    .port = 65535,
                                                    .user_agent = std::string(200, 'a'),
                                                    .fields = &fields,
                                                    .content_length = longest});
  std::string start = "POST ";
  start.append(target).append(" HTTP/1.1\r\nHost: ").append(300, 'h').append(":65535\r\nUser-Agent: ").append(200, 'a');
  EXPECT_TRUE(request.starts_with(start));
  EXPECT_TRUE(request.ends_with("Content-Length: 18446744073709551615\r\n\r\n"));
  size_t expected = 0;
  for (const auto& [name, value] : fields) expected += name.size() + value.size() + 4;
  EXPECT_EQ(request.size(),
            std::string_view("POST / HTTP/1.1\r\nHost: :65535\r\nUser-Agent: \r\nContent-Length: 18446744073709551615\r\n\r\n")
                    .size() +
                5000 + 300 + 200 + expected);
}

TEST(WireTest, EveryStatusChorusSendsHasItsReason) {
  for (int status : {200, 201, 202, 204, 206, 304, 400, 401, 403, 404, 405, 409, 413, 415, 416, 422, 429, 431, 499,
                     500, 502, 503, 504}) {
    EXPECT_FALSE(ReasonPhrase(status).empty()) << status;
  }
  EXPECT_EQ(ReasonPhrase(299), "");
  EXPECT_TRUE(Serialize(ResponseHead{.status = 299}).starts_with("HTTP/1.1 299 \r\n"));
}

}  // namespace
}  // namespace chorus::http::wire

// The server's request parser: what it keeps of a request, fed whole or a byte at a time, and where
// the body goes.
#include "http/request_parser.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace chorus::http {
namespace {

namespace bhttp = boost::beast::http;
using Fields = std::vector<std::pair<std::string, std::string>>;

// Feeds `bytes` in pieces of `piece` bytes, as reads off a socket would give them (the parser
// keeps what it cannot use yet, as the server's buffer does). Returns the first error.
boost::system::error_code Feed(RequestParser& parser, const std::string& bytes, size_t piece) {
  parser.eager(true);
  std::string pending;
  boost::system::error_code ec;
  for (size_t at = 0; at < bytes.size() && !parser.is_done(); at += piece) {
    pending += bytes.substr(at, piece);
    const size_t used = parser.put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);
    if (ec == bhttp::error::need_more) ec = {};
    if (ec) return ec;
  }
  return ec;
}

Fields FieldsOf(const RequestParser& parser) {
  Fields out;
  parser.ForEachField([&out](std::string_view name, std::string_view value) { out.emplace_back(name, value); });
  return out;
}

const std::string kPost =
    "POST /v1/chat/completions?x=1 HTTP/1.1\r\n"
    "Host: 127.0.0.1:8080\r\n"
    "Authorization: Bearer ck_abc\r\n"
    "content-type: application/json\r\n"
    "Content-Length: 11\r\n"
    "\r\n"
    "{\"a\":\"b c\"}";

TEST(RequestParserTest, KeepsMethodTargetVersionFieldsAndBodyWhetherFedWholeOrByteByByte) {
  for (size_t piece : {kPost.size(), size_t{7}, size_t{1}}) {
    RequestParser parser;
    ASSERT_FALSE(Feed(parser, kPost, piece)) << "piece " << piece;
    ASSERT_TRUE(parser.is_done()) << "piece " << piece;
    EXPECT_EQ(parser.method(), "POST");
    EXPECT_EQ(parser.target(), "/v1/chat/completions?x=1");
    EXPECT_EQ(parser.version(), 11u);
    const Fields expected{{"Host", "127.0.0.1:8080"},
                          {"Authorization", "Bearer ck_abc"},
                          {"content-type", "application/json"},
                          {"Content-Length", "11"}};
    EXPECT_EQ(FieldsOf(parser), expected) << "piece " << piece;
    EXPECT_EQ(parser.field_count(), 4u);
    EXPECT_EQ(parser.FieldValue("Content-Type"), "application/json") << "names compare case-insensitively";
    EXPECT_EQ(parser.FieldValue("X-Missing"), "");
    EXPECT_EQ(parser.body(), "{\"a\":\"b c\"}");
    EXPECT_TRUE(parser.keep_alive());
  }
}

TEST(RequestParserTest, ManyFieldsOutgrowTheInlineBufferAndStayIntact) {
  std::string request = "GET / HTTP/1.0\r\n";
  Fields expected;
  for (int i = 0; i < 60; ++i) {
    expected.emplace_back("X-Field-" + std::to_string(i), std::string(40, static_cast<char>('a' + i % 26)));
    request += expected.back().first + ": " + expected.back().second + "\r\n";
  }
  request += "\r\n";
  RequestParser parser;
  ASSERT_FALSE(Feed(parser, request, 13));
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(parser.version(), 10u);
  EXPECT_FALSE(parser.keep_alive()) << "HTTP/1.0 without keep-alive";
  EXPECT_EQ(FieldsOf(parser), expected);
  EXPECT_EQ(parser.FieldValue("x-field-59"), expected.back().second);
}

TEST(RequestParserTest, ChunkedBodyIsJoinedAndTrailersLeaveTheHeaderViewsAlone) {
  const std::string request =
      "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
  RequestParser parser;
  ASSERT_FALSE(Feed(parser, request, 5));
  ASSERT_TRUE(parser.is_done());
  const std::string_view host = parser.FieldValue("Host");
  EXPECT_EQ(parser.body(), "hello world");
  EXPECT_EQ(parser.field_count(), 2u) << "trailers are not kept";
  EXPECT_EQ(parser.FieldValue("X-Trailer"), "");
  EXPECT_EQ(host, "h");
}

TEST(RequestParserTest, HeaderLimitAndBodyLimitAreEnforced) {
  {
    RequestParser parser;
    parser.header_limit(64);
    EXPECT_EQ(Feed(parser, kPost, kPost.size()), bhttp::error::header_limit);
  }
  {
    RequestParser parser;
    parser.body_limit(10);  // Content-Length 11: refused from the header, before the body
    EXPECT_EQ(Feed(parser, kPost, kPost.size()), bhttp::error::body_limit);
    EXPECT_EQ(parser.target(), "/v1/chat/completions?x=1") << "the request line is there to answer 413 with";
    EXPECT_EQ(parser.FieldValue("Authorization"), "Bearer ck_abc");
    EXPECT_EQ(parser.body(), "");
  }
  {
    const std::string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n0\r\n\r\n";
    RequestParser parser;
    parser.body_limit(7);
    EXPECT_EQ(Feed(parser, chunked, chunked.size()), bhttp::error::body_limit);
  }
}

TEST(RequestParserTest, MalformedRequestsAreErrors) {
  for (const std::string bad : {"GET / HTTP/1.1\r\nBad Field\r\n\r\n", "GET / HTTP/9.1\r\n\r\n",
                                "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"}) {
    RequestParser parser;
    EXPECT_TRUE(Feed(parser, bad, bad.size())) << bad;
  }
}

TEST(RequestParserTest, SpooledBodyGoesToTheFileNotMemory) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  const int fd = ::fileno(file);
  const std::string body(100000, 'z');
  const std::string request = "POST /v1/audio/transcriptions HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  RequestParser parser;
  parser.body_limit(1 << 20);
  boost::system::error_code ec;
  size_t used = parser.put(boost::asio::buffer(request), ec);  // not eager: the header only
  ASSERT_FALSE(ec);
  ASSERT_TRUE(parser.is_header_done());
  parser.SpoolTo(fd);
  parser.eager(true);
  std::string rest = request.substr(used);
  while (!rest.empty() && !parser.is_done()) {
    used = parser.put(boost::asio::buffer(rest), ec);
    ASSERT_FALSE(ec) << ec.message();
    rest.erase(0, used);
  }
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.body(), "");
  struct stat st{};
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(static_cast<size_t>(st.st_size), body.size());
  std::string back(body.size(), '\0');
  ASSERT_EQ(::pread(fd, back.data(), back.size(), 0), static_cast<ssize_t>(back.size()));
  EXPECT_EQ(back, body);
  std::fclose(file);
}

TEST(RequestParserTest, AFailingSpoolWriteIsAnError) {
  const int read_only = ::open("/dev/null", O_RDONLY);  // a write to it fails (EBADF)
  ASSERT_GE(read_only, 0);
  const std::string request = "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
  RequestParser parser;
  boost::system::error_code ec;
  const size_t used = parser.put(boost::asio::buffer(request), ec);  // not eager: the header only
  ASSERT_FALSE(ec);
  parser.SpoolTo(read_only);
  parser.eager(true);
  parser.put(boost::asio::buffer(request.substr(used)), ec);
  EXPECT_TRUE(ec) << "a write that fails stops the parse";
  EXPECT_FALSE(parser.is_done());
  ::close(read_only);
}

}  // namespace
}  // namespace chorus::http

#include "http/multipart.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <unistd.h>

#include <string>

namespace chorus::http {
namespace {

constexpr std::string_view kBoundary = "----chorus42";

Request MakeRequest(std::string body, std::string_view content_type = "multipart/form-data; boundary=----chorus42") {
  Request request(Method::kPost, "/upload");
  request.AddHeader("Content-Type", content_type);
  request.set_body(std::move(body));
  return request;
}

// Puts the body in an unnamed file, as the server does with uploads.
void Spool(Request& request) {
  FILE* file = tmpfile();
  ASSERT_NE(file, nullptr);
  const std::string& body = request.body();
  ASSERT_EQ(fwrite(body.data(), 1, body.size(), file), body.size());
  fflush(file);
  const int fd = dup(fileno(file));
  fclose(file);
  request.set_spooled_body(std::make_shared<SpooledBody>(fd, body.size()));
  request.set_body("");
}

std::string Part(std::string_view headers, std::string_view data) {
  return "--" + std::string(kBoundary) + "\r\n" + std::string(headers) + "\r\n\r\n" + std::string(data) + "\r\n";
}
std::string Close() { return "--" + std::string(kBoundary) + "--\r\n"; }

std::string PartBytes(const Request& request, const MultipartPart& part) {
  auto text = ReadPartText(request, part, 1 << 24);
  EXPECT_TRUE(text.has_value());
  return text ? *text : "";
}

TEST(MultipartTest, FieldsAndAFileAreFoundWhereTheyLie) {
  std::string audio = std::string("RIFF\0\r\n--", 9) + std::string(1000, '\x7f') + "\r\n-";
  Request request = MakeRequest(Part("Content-Disposition: form-data; name=\"model\"", "whisper-1") +
                                Part("Content-Disposition: form-data; name=\"file\"; filename=\"a;b \\\"c\\\".wav\"\r\n"
                                     "Content-Type: audio/wav",
                                     audio) +
                                Close());
  auto form = ParseMultipart(request);
  ASSERT_TRUE(form.has_value()) << form.error().message;
  ASSERT_EQ(form->parts.size(), 2u);
  EXPECT_EQ(PartBytes(request, *form->Find("model")), "whisper-1");
  const MultipartPart* file = form->Find("file");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->filename, "a;b \"c\".wav");
  EXPECT_EQ(file->content_type, "audio/wav");
  EXPECT_EQ(file->length, audio.size());
  EXPECT_EQ(PartBytes(request, *file), audio);
  EXPECT_FALSE(form->Find("model")->filename.has_value());
}

TEST(MultipartTest, ASpooledBodyParsesTheSameAcrossBlockEdges) {
  // Large enough to cross the parser's 64 KiB read blocks, with near-delimiters at the edges.
  std::string data;
  while (data.size() < 200 * 1024) data += "\r\n--" + std::string(kBoundary.substr(0, 5)) + std::string(997, 'x');
  Request request = MakeRequest(Part("Content-Disposition: form-data; name=\"file\"; filename=\"x\"", data) +
                                Part("Content-Disposition: form-data; name=\"language\"", "en") + Close());
  Spool(request);
  ASSERT_TRUE(request.body().empty());
  auto form = ParseMultipart(request);
  ASSERT_TRUE(form.has_value()) << form.error().message;
  ASSERT_EQ(form->parts.size(), 2u);
  EXPECT_EQ(form->parts[0].length, data.size());
  EXPECT_EQ(PartBytes(request, form->parts[0]), data);
  EXPECT_EQ(PartBytes(request, *form->Find("language")), "en");
}

TEST(MultipartTest, RepeatedFieldsEmptyPartsAndAPreambleAreAccepted) {
  Request request = MakeRequest("preamble to ignore\r\n" +
                                Part("Content-Disposition: form-data; name=\"timestamp_granularities[]\"", "word") +
                                Part("Content-Disposition: form-data; name=\"timestamp_granularities[]\"", "segment") +
                                Part("Content-Disposition: form-data; name=\"prompt\"", "") + Close());
  auto form = ParseMultipart(request);
  ASSERT_TRUE(form.has_value()) << form.error().message;
  const auto granularities = form->FindAll("timestamp_granularities[]");
  ASSERT_EQ(granularities.size(), 2u);
  EXPECT_EQ(PartBytes(request, *granularities[1]), "segment");
  EXPECT_EQ(form->Find("prompt")->length, 0u);
}

TEST(MultipartTest, MalformedBodiesAreRefusedWithAClearError) {
  const std::string named = "Content-Disposition: form-data; name=\"a\"";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {Part(named, "no closing delimiter") + "trailing", "closing boundary"},
      {"no delimiter at all", "no boundary delimiter"},
      {Part("Content-Disposition: form-data", "x") + Close(), "no name"},
      {Part("Content-Disposition: attachment; name=\"a\"", "x") + Close(), "not form-data"},
      {"--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"a\"", "inside a part's headers"},
      {"--" + std::string(kBoundary) + "\r\nX: " + std::string(kMaxPartHeaderBytes + 10, 'h'), "too long"},
  };
  for (const auto& [body, expected] : cases) {
    Request request = MakeRequest(body);
    auto form = ParseMultipart(request);
    ASSERT_FALSE(form.has_value()) << body.substr(0, 60);
    EXPECT_EQ(form.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(form.error().message.find(expected), std::string::npos) << form.error().message;
  }
  std::string many;
  for (size_t i = 0; i <= kMaxMultipartParts; ++i) many += Part(named, "x");
  Request request = MakeRequest(many + Close());
  auto form = ParseMultipart(request);
  ASSERT_FALSE(form.has_value());
  EXPECT_NE(form.error().message.find("too many parts"), std::string::npos);
}

TEST(MultipartTest, TheContentTypeMustBeMultipartWithABoundary) {
  EXPECT_EQ(MultipartBoundary("application/json").error().code, ErrorCode::kUnsupportedMedia);
  EXPECT_EQ(MultipartBoundary("multipart/form-data").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=\"\"").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(MultipartBoundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"").value(), "a b");
}

TEST(MultipartTest, ATextFieldOverItsLimitNamesTheField) {
  Request request = MakeRequest(Part("Content-Disposition: form-data; name=\"prompt\"", std::string(100, 'p')) + Close());
  auto form = ParseMultipart(request);
  ASSERT_TRUE(form.has_value());
  auto text = ReadPartText(request, form->parts[0], 10);
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().param, "prompt");
}

}  // namespace
}  // namespace chorus::http
